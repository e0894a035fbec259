"""``--ensemble``: runs over the plausible parameter sets of a calibration, for run, compare, sweep, validate.

Every test writes its own calibration file (three plausible sets that differ in the baseline
of chronic stress, ``bias_stress``, so the sets' outcomes are far apart) and a small
neighbourhood (:data:`experiments.scenario.SMALL`) that reads it. The batch commands run on a
real Dask cluster whose one worker is a thread of this process (``--scheduler``): validate
accepts only presets, so its test swaps the presets' folder for one whose preset reads the
test's calibration file, and only a worker in this process sees that folder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import LocalCluster

from abm.outcomes import better
from experiments import ensemble, scenario as scenario_module, validate
from experiments.cli import main
from experiments.compare import arm, design
from experiments.reports import paired_differences
from experiments.stats import half_width, mean_interval
from experiments.store import read_runs
from experiments.sweep import replicate_seeds
from experiments.targets import load_all
from experiments.tasks import prepare
from tests.conftest import small_toml

BIAS = (-1.0, 0.2, 1.5)  # bias_stress of the three plausible sets: low, the default, high stress
CALIBRATION = "[provenance]\nspec = \"a test\"\n\n[best]\nbias_stress = 0.6\n" + "".join(
    f"\n[[ensemble]]\ntrial = {k}\nloss = {0.1 * (k + 1)}\nout_of_band = 0\n[ensemble.params]\nbias_stress = {b}\n"
    for k, b in enumerate(BIAS))
SCENARIO = '[scenario]\nname = "{name}"\n[params]\n' + small_toml() + "[run]\nsteps = 12\nseed = 7\n{calibration}"
TARGETS = """[[target]]
name = "stress_wide"
output = "stress_mean"
value = 0.5
band = [0.0, 1.0]
year = 2022
scenarios = ["krachtwijk"]
source = "test: a band every run meets"
"""


def _scenario(folder: Path, name: str, calibration: str | None = "calibration.toml") -> str:
    path = folder / f"{name}.toml"
    table = f'[calibration]\nfile = "{calibration}"\n' if calibration else ""
    path.write_text(SCENARIO.format(name=name, calibration=table), encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    """A calibration file with three plausible sets, and scenarios that read it, another one, or none."""
    (tmp_path / "calibration.toml").write_text(CALIBRATION, encoding="utf-8")
    (tmp_path / "other_calibration.toml").write_text(CALIBRATION, encoding="utf-8")
    (tmp_path / "without_sets.toml").write_text(CALIBRATION.split("\n[[ensemble]]")[0], encoding="utf-8")
    return {"calibrated": _scenario(tmp_path, "calibrated"), "other": _scenario(tmp_path, "other_file", "other_calibration.toml"),
            "plain": _scenario(tmp_path, "plain", None), "no_sets": _scenario(tmp_path, "no_sets", "without_sets.toml")}


@pytest.fixture(scope="module")
def scheduler():
    """A Dask cluster with one worker thread in this process: its address."""
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _ok(capsys, argv: list[str]) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


# ---- the runs of each set -------------------------------------------------------------------------

def test_each_set_runs_with_its_own_parameters_and_every_set_with_the_same_seeds(files):
    seeds = replicate_seeds(3, 2)
    items = [{"task": {"scenario": files["calibrated"], "seed": s, "steps": 2}, "replicate": r}
             for r, s in enumerate(seeds)]
    runs = ensemble.expand(items, ensemble.plausible_sets(files["calibrated"]).sets)
    assert [(r["member"], r["replicate"]) for r in runs] == [(k, r) for k in range(3) for r in range(2)]
    for run in runs:
        assert run["task"]["member"] == run["member"] and run["task"]["seed"] == seeds[run["replicate"]]
        _, params, *_ = prepare(run["task"], build=False)
        assert params.bias_stress == BIAS[run["member"]]
    # without a set the scenario runs with the calibration's best set, under its own inputs
    _, params, *_ = prepare(items[0]["task"], build=False)
    assert params.bias_stress == 0.6 and params.grid_width == 20


def test_run_writes_one_run_per_set_with_the_same_seed_and_a_table_across_them(files, tmp_path, capsys):
    out = tmp_path / "run"
    text = _ok(capsys, ["run", "--scenario", files["calibrated"], "--ensemble", "--steps", "12", "--out", str(out),
                        "--quiet"])
    for k, bias in enumerate(BIAS):
        prov = json.loads((out / f"member_{k}" / "summary.json").read_text())["provenance"]
        assert prov["params"]["bias_stress"] == bias and prov["seed"] == 7 and prov["steps"] == 12
        assert (out / f"member_{k}" / "timeseries.parquet").is_file()
    table = pd.read_csv(out / ensemble.SETS_CSV)
    assert list(table["member"]) == [0, 1, 2]
    assert table["stress_mean"].is_monotonic_increasing and table["stress_mean"].nunique() == 3  # the baseline counts
    assert "3 plausible sets" in text and "mean over sets" in text and "member_2/" in text
    line = next(x for x in text.splitlines() if x.strip().startswith("stress_mean"))
    assert f"{table['stress_mean'].min():.3f} (0)" in line and f"{table['stress_mean'].max():.3f} (2)" in line


# ---- validate: intervals over sets x replicates -----------------------------------------------------

def test_validate_takes_the_interval_over_the_sets_and_says_so(files, tmp_path, capsys, monkeypatch, scheduler):
    presets = tmp_path / "presets"
    presets.mkdir()
    _scenario(presets, "krachtwijk", "../calibration.toml")
    monkeypatch.setattr(scenario_module, "PRESET_DIR", presets)
    targets = tmp_path / "targets.toml"
    targets.write_text(TARGETS, encoding="utf-8")
    out = tmp_path / "validate"
    text = _ok(capsys, ["validate", "krachtwijk", "--targets", str(targets), "--replicates", "2", "--months", "6",
                        "--ensemble", "--scheduler", scheduler, "--out", str(out), "--quiet"])
    runs = read_runs(out)
    stress = runs[(runs["status"] == "ok") & (runs["outcome"] == "stress_mean")]
    assert sorted(zip(stress["member"], stress["replicate"])) == [(k, r) for k in range(3) for r in range(2)]
    assert stress.groupby("replicate")["seed"].nunique().eq(1).all()  # replicate r: one seed in every set
    row = pd.read_csv(out / validate.CSV).iloc[0]
    per_set = stress.groupby("member")["value"].mean()
    over_sets = mean_interval(per_set)  # n = sets: the spread between the sets at its full weight
    assert row["n"] == 3 == over_sets.n and row["sets"] == 3
    assert row["mean"] == pytest.approx(over_sets.mean) and row["ci_lo"] == pytest.approx(over_sets.ci_lo)
    assert row["sets_lo"] == pytest.approx(per_set.min()) and row["sets_hi"] == pytest.approx(per_set.max())
    # the sets' stress differs far more than the luck of the draw does: the interval is wider than the one
    # that pooling all six runs as if alike would give, and several times what a single set's luck gives
    pooled = mean_interval(stress["value"])
    assert row["ci_hi"] - row["ci_lo"] > pooled.ci_hi - pooled.ci_lo
    luck = math.sqrt(stress.groupby("member")["value"].var().mean())
    assert (row["ci_hi"] - row["ci_lo"]) / 2 > 3 * half_width(6, luck)
    said = "intervals include parameter uncertainty over 3 plausible sets"
    report = json.loads((out / validate.JSON).read_text())
    assert said in text and said in (out / validate.MD).read_text() and report["ensemble"]["sets"] == {"krachtwijk": 3}
    assert "--ensemble" in report["command"] and "3 plausible sets x 2 replicates" in text


def test_validate_without_the_flag_plans_the_runs_it_always_did(files, tmp_path, monkeypatch):
    presets = tmp_path / "presets"
    presets.mkdir()
    _scenario(presets, "krachtwijk", "../calibration.toml")
    monkeypatch.setattr(scenario_module, "PRESET_DIR", presets)
    targets = tmp_path / "targets.toml"
    targets.write_text(TARGETS, encoding="utf-8")
    plain = validate.plan(load_all([str(targets)]), ["krachtwijk"], 2, 6, 5)
    assert "ensemble" not in plain.meta and all("member" not in r and "member" not in r["task"] for r in plain.runs)
    sets = validate.plan(load_all([str(targets)]), ["krachtwijk"], 2, 6, 5, use_ensemble=True)
    assert len(sets.runs) == 3 * len(plain.runs) and sets.meta["ensemble"] == {"krachtwijk": 3}
    assert [r["task"]["seed"] for r in sets.runs] == [r["task"]["seed"] for r in plain.runs] * 3


# ---- compare: better, worse or unclear in how many sets ---------------------------------------------

def test_compare_counts_the_sets_where_a_policy_is_better_worse_or_unclear(files, tmp_path, capsys, scheduler):
    out = tmp_path / "compare"
    base = files["calibrated"]
    text = _ok(capsys, ["compare", base, base, "--b-intervention", "existential_security:units=60", "--replicates", "3",
                        "--outcomes", "security_mean,stress_mean", "--ensemble", "--scheduler", scheduler,
                        "--out", str(out), "--quiet"])
    diffs = pd.read_csv(out / "differences.csv").set_index("outcome")
    per_set = pd.read_csv(out / ensemble.SETS_CSV)
    assert sorted(per_set["member"].unique()) == [0, 1, 2]
    for outcome, row in diffs.iterrows():
        counts = [int(row[f"sets_{v}"]) for v in ("better", "worse", "unclear")]
        assert sum(counts) == (3 if better(outcome) != "none" else 0), outcome
        said = per_set[per_set["outcome"] == outcome]["better"].value_counts()
        assert counts == [int(said.get(v, 0)) for v in ("better", "worse", "unclear")]
        assert row["n"] == 3  # over the sets, each its mean over the replicates
    assert diffs.loc["security_mean", "sets_better"] == 3  # the income floor raises security in every set
    # each set's line is the paired comparison of that set's runs, replicate by replicate
    runs = read_runs(out)
    ok = runs[(runs["status"] == "ok") & (runs["member"] == 2)]
    mine = paired_differences(ok.assign(label=ok["arm"])[["label", "replicate", "outcome", "value"]], baseline="A")
    got = per_set[per_set["member"] == 2].set_index("outcome")
    for r in mine.itertuples():
        assert got.loc[r.outcome, "diff"] == pytest.approx(r.diff, rel=1e-5, abs=1e-9)
        assert got.loc[r.outcome, "better"] == r.better
    pairs = runs[runs["outcome"] == "stress_mean"].groupby(["member", "replicate"])["seed"].nunique()
    assert (pairs == 1).all() and runs.groupby("replicate")["seed"].nunique().eq(1).all()
    comparison = json.loads((out / "comparison.json").read_text())
    assert comparison["ensemble"]["sets"] == 3
    assert comparison["differences"]["security_mean"]["sets"] == {"better": 3, "worse": 0, "unclear": 0}
    assert "3 plausible sets x 3 replicates" in text and "sets better/worse/unclear" in text
    assert "intervals include parameter uncertainty over 3 plausible sets" in text
    assert any(line.split()[0] == "security_mean" and line.endswith("3/0/0") for line in text.splitlines() if line.strip())


def test_the_arms_of_a_comparison_must_read_the_same_sets(files):
    a, b = arm(files["calibrated"]), arm(files["calibrated"], interventions={"learning": {"units": 5}})
    design(a, b, 1, 1, 2, ["stress_mean"])  # the arms themselves are fine
    assert ensemble.shared_sets([a["scenario"], b["scenario"]]).sets == 3
    with pytest.raises(scenario_module.ScenarioError, match="one calibration file for all scenarios"):
        ensemble.shared_sets([files["calibrated"], files["other"]])


# ---- sweep: each point's summaries pool its sets and replicates --------------------------------------

def test_sweep_runs_every_point_in_every_set_with_common_seeds(files, tmp_path, capsys, scheduler):
    spec = tmp_path / "sweep.toml"
    spec.write_text(f"""[sweep]
name = "sets"
scenario = "{Path(files['calibrated']).name}"
steps = 6
replicates = 2
seed = 5
outcomes = ["stress_mean"]
[vary]
trust_mean = [0.3, 0.5]
""", encoding="utf-8")
    out = tmp_path / "sweep"
    text = _ok(capsys, ["sweep", str(spec), "--ensemble", "--scheduler", scheduler, "--out", str(out), "--quiet"])
    runs = read_runs(out)
    assert len(runs) == 2 * 3 * 2 and (runs["status"] == "ok").all()
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()  # the same seed at every point, in every set
    assert runs.groupby(["point", "member"])["set.trust_mean"].nunique().eq(1).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ensemble"]["sets"] == 3 and summary["spec"]["ensemble"] == 3
    assert "2 points x 3 plausible sets x 2 replicates" in text
    assert "pool its 3 sets x 2 replicates: intervals include parameter uncertainty over 3 plausible sets" in text
    # the stress of a point spans the sets: lowest in set 0 (bias -1), highest in set 2 (bias 1.5)
    means = runs.groupby(["point", "member"])["value"].mean().unstack()
    assert (means[0] < means[1]).all() and (means[1] < means[2]).all()


# ---- bad use: one line, exit 2, nothing written -------------------------------------------------------

def _commands(files: dict, which: str, tmp_path: Path) -> dict[str, list[str]]:
    scen = files[which]
    spec = tmp_path / "spec.toml"
    spec.write_text(f'[sweep]\nscenario = "{scen}"\nseed = 1\nsteps = 2\n', encoding="utf-8")
    return {"run": ["run", "--scenario", scen, "--ensemble"],
            "compare": ["compare", files["calibrated"], scen, "--ensemble", "--replicates", "1"],
            "sweep": ["sweep", str(spec), "--ensemble"]}


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
@pytest.mark.parametrize("which, fragment", [
    ("plain", "--ensemble needs a calibrated scenario; {path} reads no calibration file"),
    ("no_sets", "holds no plausible sets"),
])
def test_a_scenario_without_plausible_sets_is_refused_before_anything_runs(files, tmp_path, capsys, command, which,
                                                                           fragment):
    out = tmp_path / "out"
    code = main([*_commands(files, which, tmp_path)[command], "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert fragment.format(path=files[which]) in err, err
    assert not out.exists()


def test_compare_refuses_arms_that_read_different_calibration_files(files, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["compare", files["calibrated"], files["other"], "--ensemble", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "one calibration file for all scenarios" in err, err
    assert not out.exists()


def test_validate_refuses_a_preset_without_a_calibration_file(files, tmp_path, capsys, monkeypatch):
    presets = tmp_path / "presets"
    presets.mkdir()
    _scenario(presets, "krachtwijk", None)
    monkeypatch.setattr(scenario_module, "PRESET_DIR", presets)
    targets = tmp_path / "targets.toml"
    targets.write_text(TARGETS, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["validate", "--targets", str(targets), "--ensemble", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err == ("error: --ensemble needs a calibrated scenario; krachtwijk reads no calibration "
                                 "file (a [calibration] file = \"...\" table, written by `run.py calibrate --presets`)")
    assert not out.exists()


def test_the_note_and_the_pairs_of_pooled_tables():
    assert ensemble.note(5).startswith("intervals include parameter uncertainty over 5 plausible sets")
    assert ensemble.note([4, 6, 4]).startswith("intervals include parameter uncertainty over 4 to 6 plausible sets")
    means = ensemble.set_means(pd.DataFrame({"label": "a", "outcome": "x", "member": [0, 0, 1, 1],
                                             "replicate": [0, 1, 0, 1], "value": np.arange(4.0)}))
    assert list(means["replicate"]) == [0, 1] and list(means["value"]) == [0.5, 2.5]
    df = pd.DataFrame({"member": [0, 0, 1, 1], "replicate": [0, 1, 0, 1], "value": np.arange(4.0)})
    assert list(ensemble.pooled_pairs(df)["replicate"]) == [0, 1, 2, 3]
    assert ensemble.pooled_pairs(df.drop(columns="member")).equals(df.drop(columns="member"))
    with pytest.raises(ValueError, match="sets = 0"):
        ensemble.expand([{"seed": 1}], 0)
