"""The validation report: targets files checked strictly, a real validation on the sweep engine, the docs' table.

The real validation runs a 20 x 20 neighbourhood (:data:`experiments.scenario.SMALL`, given
with ``--set``) for 6 months, 2 replicates of two presets, in a real ``run.py`` process on
the embedded Dask LocalCluster, into real files; it is then run again (nothing is
recomputed), with an edited band (the same runs, a new report), and with a bad targets
file (refused, the folder left as it was).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomllib

from abm.outcomes import OUTCOMES
from experiments import validate
from experiments.cli import main
from experiments.scenario import SMALL as SMALL_NEIGHBOURHOOD
from experiments.stats import mean_interval
from experiments.store import read_runs
from experiments.sweep import replicate_seeds
from experiments.targets import TargetsError, check, default_files, load, load_all
from tests.conftest import small_args, small_toml

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "MPLBACKEND": "Agg", "NUMBA_NUM_THREADS": "1",
       "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))}
SMALL = small_args()
QUICK = ["--replicates", "2", "--months", "6", *SMALL, "--quiet"]

# outcomes that every version of the model computes; a band every run meets, one none meets
TARGETS = '''
[[target]]
name = "stress_wide"
output = "stress_mean"
value = 0.5
band = [0.0, 1.0]
year = 2022
scenarios = ["krachtwijk", "average_nl"]
source = "test: a band every run meets"

[[target]]
name = "trust_narrow"
output = "trust_mean"
value = 0.995
band = [0.99, 1.0]
year = 2021
scenarios = ["average_nl"]
source = "test: a band no run meets"
note = "trust in institutions stays far below 0.99"

[[target]]
name = "employment"
output = "employment_rate"
value = 0.72
band = [0.5, 0.9]
year = 2023
scenarios = ["krachtwijk"]
source = "test | a source with a pipe"
'''
ROWS = [("stress_wide", "krachtwijk"), ("stress_wide", "average_nl"), ("trust_narrow", "average_nl"),
        ("employment", "krachtwijk")]

ONE = '''[[target]]
name = "stress_wide"
output = "stress_mean"
value = 0.5
band = [0.0, 1.0]
year = 2022
scenarios = ["krachtwijk"]
source = "test"
'''


def _write(folder: Path, text: str, name: str = "targets.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _validate(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "validate", *args], cwd=ROOT, env=ENV, capture_output=True,
                          text=True, timeout=timeout)


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _refused(capsys, args: list[str]) -> str:
    code = main(["validate", *args])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


# ---- a targets file is checked strictly, before anything runs ------------------------------------

BAD = [
    (ONE.replace('"stress_wide"', '"Stress-Wide"'), ["target 1", "name = 'Stress-Wide' is not snake_case"]),
    (ONE.replace('"stress_wide"', '"stress__wide"'), ["name = 'stress__wide' is not snake_case"]),
    (ONE + ONE, ["target 'stress_wide'", "the name is used twice"]),
    (ONE.replace('"stress_mean"', '"stres_mean"'),
     ["target 'stress_wide'", "output = 'stres_mean' is not an outcome", "did you mean stress_mean", "allowed: stress_mean"]),
    (ONE.replace('["krachtwijk"]', '["krachtwjk"]'),
     ["target 'stress_wide'", "scenario 'krachtwjk' is not a preset", "did you mean krachtwijk?", "average_nl"]),
    (ONE.replace('["krachtwijk"]', "[]"), ["scenarios = []", "a list of one or more of"]),
    (ONE.replace('["krachtwijk"]', '["mixed", "mixed"]'), ["names a scenario twice"]),
    (ONE.replace("[0.0, 1.0]", "[0.1]"), ["band = [0.1]", "two numbers [lo, hi] with lo <= hi"]),
    (ONE.replace("[0.0, 1.0]", "[0.8, 0.2]"), ["band = [0.8, 0.2] has lo above hi"]),
    (ONE.replace("[0.0, 1.0]", '["a", 1.0]'), ["band lo = 'a' is not a number"]),
    (ONE.replace("[0.0, 1.0]", "[nan, 1.0]"), ["band lo = nan is not a finite number"]),
    (ONE.replace("value = 0.5", "value = 1.5"), ["value = 1.5 lies outside its band [0.0, 1.0]", "0.0 to 1.0"]),
    (ONE.replace("value = 0.5", "value = true"), ["value = True is not a number"]),
    (ONE.replace("year = 2022", "year = 2022.5"), ["year = 2022.5 is not a whole number", "allowed: 1900 to"]),
    (ONE.replace("year = 2022", "year = 1850"), ["year = 1850 is out of range"]),
    (ONE.replace("year = 2022", 'year = "2022"'), ["year = '2022' is not a number"]),
    (ONE.replace("year = 2022", "year = 3000"), ["year = 3000 is out of range"]),
    (ONE.replace("source =", "sorce ="), ["unknown key 'sorce'", "did you mean source?"]),
    (ONE + 'unit = "share"\n', ["unknown key 'unit'", "allowed: name, output, value, band, year, scenarios"]),
    (ONE.replace("year = 2022\n", ""), ["target 'stress_wide': year missing"]),
    (ONE.replace('name = "stress_wide"\n', ""), ["target 1: name missing"]),
    (ONE + "note = 3\n", ["note = 3", "a non-empty text"]),
    ('title = "mine"\n' + ONE, ["unknown key 'title'", "[[target]] tables only"]),
    ("", ["no targets"]),
    ("[target]\nname = 'x'\n", ["[[target]] tables"]),
    (ONE.replace("[[target]]", "[[target]"), ["not valid TOML"]),
]


@pytest.mark.parametrize("text, expect", BAD, ids=[str(i) for i in range(len(BAD))])
def test_a_bad_targets_file_gets_one_line_exit_2_and_nothing_written(capsys, tmp_path, text, expect):
    path = _write(tmp_path, text)
    out = tmp_path / "out"
    line = _refused(capsys, ["--targets", str(path), "--out", str(out), *QUICK])
    assert str(path) in line, "the message names the file"
    for fragment in expect:
        assert fragment in line, line
    assert not out.exists(), "a bad targets file left output behind"


@pytest.mark.parametrize("extra, expect", [
    (["mixed"], ["scenario 'mixed': no target applies to it", "allowed: krachtwijk"]),
    (["krachtwjk"], ["unknown scenario 'krachtwjk'", "did you mean krachtwijk?"]),
    (["--replicates", "0"], ["replicates = 0 is out of range"]),
    (["--months", "0"], ["months = 0 is out of range", "1 to 100000"]),
    (["--set", "trust_mea=0.5"], ["unknown parameter 'trust_mea'", "did you mean trust_mean"]),
    (["--set", "grid_width=25"], ["scenario krachtwijk", "grid_width = 25"]),
    (["--workers", "0"], ["workers = 0"]),
])
def test_bad_options_get_one_line_exit_2_and_nothing_written(capsys, tmp_path, extra, expect):
    path = _write(tmp_path, ONE)
    out = tmp_path / "out"
    line = _refused(capsys, ["--targets", str(path), "--out", str(out), *QUICK, *extra])
    for fragment in expect:
        assert fragment in line, line
    assert not out.exists()


def test_a_name_used_in_two_files_and_a_missing_file_are_refused(capsys, tmp_path):
    a, b = _write(tmp_path, ONE, "a.toml"), _write(tmp_path, ONE, "b.toml")
    line = _refused(capsys, ["--targets", str(a), "--targets", str(b), "--out", str(tmp_path / "out"), *QUICK])
    assert f"{b} target 'stress_wide': the name is used in {a} too" in line
    assert len(load_all([a, tmp_path / "." / "a.toml"])) == 1, "one file named twice is read once"
    line = _refused(capsys, ["--targets", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out"), *QUICK])
    assert "targets file" in line and "nope.toml' not found" in line
    assert not (tmp_path / "out").exists()


def test_outputs_are_read_from_the_outcome_registry_when_checked(monkeypatch):
    """An outcome the model gains is a valid output at once: nothing lists the names but abm.outcomes."""
    text = ONE.replace('"stress_mean"', '"brand_new_outcome"')
    with pytest.raises(TargetsError, match="is not an outcome"):
        check(tomllib.loads(text))
    monkeypatch.setitem(OUTCOMES, "brand_new_outcome", OUTCOMES["stress_mean"])
    assert check(tomllib.loads(text))[0].output == "brand_new_outcome"


def test_the_repositorys_targets_files_are_valid():
    files = default_files()
    if not files:
        pytest.skip("no experiments/targets/*.toml yet")
    targets = [t for f in load_all() for t in f.targets]
    assert targets and all(t.lo <= t.value <= t.hi for t in targets)


# ---- rows, verdicts and the plan, without running the model ------------------------------------------

def test_rows_verdicts_and_intervals_from_the_runs(tmp_path):
    files = [load(_write(tmp_path, TARGETS))]
    v = validate.plan(files, replicates=3, months=6, seed=5, sets=dict(SMALL_NEIGHBOURHOOD))
    assert v.scenarios == ("krachtwijk", "average_nl"), "default: the scenarios the targets name, in order"
    assert v.outcomes == {"krachtwijk": ["stress_mean", "employment_rate"], "average_nl": ["stress_mean", "trust_mean"]}
    seeds = replicate_seeds(5, 3)
    assert [r["task"]["seed"] for r in v.runs] == seeds * 2
    assert all(r["task"]["steps"] == 6 and r["root_seed"] == 5 for r in v.runs)
    values = {("krachtwijk", "stress_mean"): [0.3, 0.5, np.nan], ("krachtwijk", "employment_rate"): [0.6, 0.7, 0.65],
              ("average_nl", "stress_mean"): [0.2, 0.25, 0.3]}  # average_nl's trust_mean: no run measured it
    rows = [{"scenario": s, "outcome": o, "replicate": r, "value": x, "status": "ok"}
            for (s, o), xs in values.items() for r, x in enumerate(xs)]
    rows.append({"scenario": "krachtwijk", "outcome": None, "replicate": 3, "value": np.nan, "status": "error"})
    got = validate.report_rows(v, pd.DataFrame(rows))
    assert [(r["target"], r["scenario"]) for r in got] == ROWS
    by = {(r["target"], r["scenario"]): r for r in got}
    k = by["stress_wide", "krachtwijk"]
    want = mean_interval([0.3, 0.5])
    assert (k["mean"], k["ci_lo"], k["ci_hi"]) == pytest.approx((want.mean, want.ci_lo, want.ci_hi), rel=1e-12)
    assert k["n"] == 2
    assert k["verdict"] == "in"
    assert by["trust_narrow", "average_nl"]["verdict"] == "n/a" and by["trust_narrow", "average_nl"]["n"] == 0
    assert by["employment", "krachtwijk"]["verdict"] == "in"
    assert validate.in_band(got) == "3 of 4 targets in band (1 not measured)"
    narrow = [t for t in v.targets if t.name == "trust_narrow"][0]
    assert [validate.verdict(narrow, x) for x in (0.99, 1.0, 0.9899, float("nan"))] == ["in", "in", "out", "n/a"]


# ---- a real validation: files, verdicts, provenance, resume ------------------------------------------

@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One real validation (2 presets x 2 replicates, 6 months, 20 x 20) in a real process."""
    folder = tmp_path_factory.mktemp("validation")
    targets = _write(folder, TARGETS)
    out = folder / "out"
    proc = _validate("--targets", str(targets), "--out", str(out), *QUICK)
    assert proc.returncode == 0, proc.stderr
    return targets, out, proc


def test_a_validation_writes_the_report_with_a_row_per_target_and_scenario(made):
    targets, out, proc = made
    for name in ("validation.csv", "validation.md", "validation.png", "validation.json", "manifest.json", "runs"):
        assert (out / name).exists(), name
    assert not [p.name for p in out.iterdir() if p.name.startswith(".validation")], "temporary files left"
    table = pd.read_csv(out / "validation.csv")
    assert list(zip(table["target"], table["scenario"])) == ROWS
    runs = read_runs(out)
    assert (runs["status"] == "ok").all()
    for row in table.itertuples():
        assert row.n == 2
        assert row.verdict == ("in" if row.band_lo <= row.mean <= row.band_hi else "out")
        values = runs[(runs["scenario"] == row.scenario) & (runs["outcome"] == row.output)]["value"]
        want = mean_interval(values)
        assert (row.mean, row.ci_lo, row.ci_hi) == pytest.approx((want.mean, want.ci_lo, want.ci_hi), rel=1e-5)
    verdicts = dict(zip(zip(table["target"], table["scenario"]), table["verdict"]))
    assert verdicts["stress_wide", "krachtwijk"] == verdicts["stress_wide", "average_nl"] == "in"
    assert verdicts["trust_narrow", "average_nl"] == "out"
    # every replicate seeded from the root seed as the sweep engine does it; each task computes what its targets need
    for scenario, outcomes in (("krachtwijk", {"stress_mean", "employment_rate"}),
                               ("average_nl", {"stress_mean", "trust_mean"})):
        mine = runs[runs["scenario"] == scenario]
        assert sorted(mine["seed"].unique()) == sorted(replicate_seeds(validate.DEFAULT_SEED, 2))
        assert set(mine["outcome"]) == outcomes
    k = int((table["verdict"] == "in").sum())
    assert f"{k} of 4 targets in band" in proc.stdout
    assert "trust_narrow" in proc.stdout and "4 runs computed now, 0 were done" in proc.stdout
    report = json.loads((out / "validation.json").read_text())
    assert report["targets"] == [{"file": str(targets), "sha256": hashlib.sha256(targets.read_bytes()).hexdigest(),
                                  "targets": 3}]
    assert (report["scenarios"], report["replicates"], report["months"], report["seed"]) == (
        ["krachtwijk", "average_nl"], 2, 6, validate.DEFAULT_SEED)
    assert report["provenance"]["version"] and report["provenance"]["date"]
    assert len(report["model"]["source_sha256"]) == 64
    assert [(r["target"], r["scenario"], r["verdict"]) for r in report["rows"]] == list(
        zip(table["target"], table["scenario"], table["verdict"]))
    assert report["in_band"] == k and report["rows_total"] == 4
    md = (out / "validation.md").read_text()
    assert md.count("\n| `") == 4 and "test \\| a source with a pipe" in md
    png = (out / "validation.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"veerkracht" in png


def test_running_again_recomputes_nothing_and_an_edited_band_reuses_the_runs(made, tmp_path, capsys, monkeypatch):
    targets, out, _ = made
    parts = _snapshot(out / "runs")
    again = _validate("--targets", str(targets), "--out", str(out), *QUICK)
    assert again.returncode == 0, again.stderr
    assert "0 runs computed now, 4 were done" in again.stdout
    assert _snapshot(out / "runs") == parts, "a finished run was computed again"
    # a band edited: the same runs, a new report (the targets file's digest changes with it)
    edited = _write(tmp_path, TARGETS.replace("band = [0.99, 1.0]", "band = [0.0, 1.0]"))
    code = main(["validate", "--targets", str(edited), "--out", str(out), *QUICK])
    assert code == 0, capsys.readouterr().err
    assert _snapshot(out / "runs") == parts
    report = json.loads((out / "validation.json").read_text())
    assert report["engine"]["computed"] == 0
    assert report["targets"][0]["sha256"] == hashlib.sha256(edited.read_bytes()).hexdigest()
    assert {(r["target"], r["verdict"]) for r in report["rows"]} >= {("trust_narrow", "in")}
    # an error while the report is written: the report before it stays whole, no temporary file is left
    def broken_plot(*args, **kwargs):
        raise RuntimeError("the plot failed")

    report_files = {k: v for k, v in _snapshot(out).items() if k.startswith("validation.")}
    with monkeypatch.context() as m:
        m.setattr(validate, "plot", broken_plot)
        with pytest.raises(RuntimeError, match="the plot failed"):
            main(["validate", "--targets", str(targets), "--out", str(out), *QUICK])
    assert {k: v for k, v in _snapshot(out).items() if k.startswith(("validation.", ".validation"))} == report_files
    # a bad targets file on the same folder: refused, the folder left as it was
    before = _snapshot(out)
    bad = _write(tmp_path, TARGETS.replace('output = "trust_mean"', 'output = "trust"'), "bad.toml")
    line = _refused(capsys, ["--targets", str(bad), "--out", str(out), *QUICK])
    assert "target 'trust_narrow': output = 'trust' is not an outcome" in line
    assert _snapshot(out) == before


# ---- the table in the docs --------------------------------------------------------------------------

DOC = f"""# A document

Text before.

{validate.START}
Run `make validation`.
{validate.END}

Between the tables.

{validate.SHORT_START}
{validate.SHORT_END}

Text after.
"""


def _module(capsys, *args: str) -> tuple[int, str]:
    """``python -m experiments.validate ARGS`` in this process: (exit status, stderr)."""
    code = validate.main(list(args))
    return code, capsys.readouterr().err


def test_the_docs_get_the_table_between_their_markers_and_check_says_when_out_of_date(made, tmp_path, monkeypatch,
                                                                                       capsys):
    targets, out, _ = made
    report = tmp_path / "report"
    report.mkdir()
    (report / "validation.json").write_bytes((out / "validation.json").read_bytes())
    doc = _write(tmp_path, DOC, "doc.md")
    stale = subprocess.run([sys.executable, "-m", "experiments.validate", "--check", "--report", str(report),
                            "--path", str(doc)], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert stale.returncode == 1, stale.stderr
    assert "the validation table is out of date" in stale.stderr and "run `make validation`" in stale.stderr
    code, err = _module(capsys, "--write", "--report", str(report), "--path", str(doc))
    assert code == 0, err
    text = doc.read_text()
    assert text.startswith("# A document\n\nText before.\n\n" + validate.START + "\n") and text.endswith("Text after.\n")
    assert "\n\nBetween the tables.\n\n" + validate.SHORT_START in text.split(validate.END)[1]
    full = text.split(validate.START)[1].split(validate.END)[0]
    short = text.split(validate.SHORT_START)[1].split(validate.SHORT_END)[0]
    assert "Run `make validation`" not in full
    for name, scenario in ROWS:
        assert f"| `{name}` | " in full and f"| `{name}` | {scenario} |" in short
    assert "test \\| a source with a pipe" in full and "a source with a pipe" not in short
    assert "targets in band" in full and "targets in band" in short
    assert _module(capsys, "--check", "--report", str(report), "--path", str(doc))[0] == 0
    # the report changes: the docs are out of date until written again
    data = json.loads((report / "validation.json").read_text())
    data["rows"][0]["verdict"] = "out"
    (report / "validation.json").write_text(json.dumps(data))
    assert _module(capsys, "--check", "--report", str(report), "--path", str(doc))[0] == 1
    # markers missing, or no report: one line, exit 2, the file untouched
    plain = _write(tmp_path, "# no markers\n", "plain.md")
    code, err = _module(capsys, "--write", "--report", str(report), "--path", str(plain))
    assert code == 2 and "no validation markers" in err and len(err.strip().splitlines()) == 1
    assert plain.read_text() == "# no markers\n"
    code, err = _module(capsys, "--write", "--report", str(tmp_path / "none"), "--path", str(doc))
    assert code == 2 and "run `make validation` first" in err
    # run.py validate --docs writes them from its own report (the runs are done: nothing is computed)
    monkeypatch.setattr(validate, "DOC_PATHS", (doc,))
    assert main(["validate", "--targets", str(targets), "--out", str(out), *QUICK, "--docs"]) == 0
    assert "validation table updated" in capsys.readouterr().out
    assert _module(capsys, "--check", "--report", str(out), "--path", str(doc))[0] == 0


def test_the_repositorys_docs_hold_the_markers():
    """docs/ODD.md holds the full table's markers, README.md the short one's."""
    odd, readme = (p.read_text(encoding="utf-8") for p in validate.DOC_PATHS)
    for text, marks in ((odd, (validate.START, validate.END)), (readme, (validate.SHORT_START, validate.SHORT_END))):
        for mark in marks:
            assert sum(line.strip() == mark for line in text.splitlines()) == 1, mark
