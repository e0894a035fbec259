"""Calibration (experiments/calibrate.py): checks of the spec, a known answer, resuming, the presets' file."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import calibrate as cal
from experiments.cli import main
from experiments.scenario import SMALL, load
from experiments.tasks import run_task

ROOT = Path(__file__).resolve().parent.parent
SMALL_SET = "\n".join(f"{k} = {v}" for k, v in SMALL.items())


def _spec(tmp_path: Path, body: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


GOOD = f"""
[calibration]
scenarios = ["average_nl"]
replicates = 1
trials = 3
seed = 5
months = 6
[calibration.set]
{SMALL_SET}
[free]
disorder_line = [0.2, 0.5]
"""


@pytest.mark.parametrize("body, fragment", [
    (GOOD.replace("[free]", "[fre]"), "unknown table [fre]"),
    (GOOD.replace("replicates = 1", "replicas = 1"), "unknown key 'replicas'"),
    (GOOD.replace("disorder_line = [0.2, 0.5]", "disorder_line = [0.2, 5.0]"), "disorder_line = [0.2, 5.0]"),
    (GOOD.replace("disorder_line = [0.2, 0.5]", "share_low_income = [0.1, 0.2]"), "neighbourhood input"),
    (GOOD.replace("disorder_line = [0.2, 0.5]", "bias_strss = [0.1, 0.2]"), "bias_strss"),
    (GOOD.replace('["average_nl"]', '["narnia"]'), "narnia"),
    (GOOD.replace("[free]\ndisorder_line = [0.2, 0.5]", ""), "name the free parameters"),
    (GOOD.replace("trials = 3", "trials = 0"), "trials"),
    (GOOD.replace("seed = 5", "seed = -1"), "seed"),
    (GOOD.replace("seed = 5", 'seed = 5\nsampler = "anneal"'), "sampler = 'anneal'"),
    (GOOD.replace("seed = 5", "seed = 5\nwindow = 2.0"), "window"),
])
def test_a_bad_spec_gets_one_line_exit_2_and_nothing_written(tmp_path, capsys, body, fragment):
    spec = _spec(tmp_path, body)
    out = tmp_path / "out"
    assert main(["calibrate", str(spec), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and fragment in err, err
    assert not out.exists()


def test_the_candidates_are_behaviour_not_inputs():
    names = cal.uncertain_parameters()
    assert "bias_stress" in names and "disorder_line" in names and "stress_parenting" in names
    for name in ("share_low_income", "grid_width", "trust_mean", "support_parenting", "burn_in_months"):
        assert name not in names


def test_the_loss_counts_each_target_in_units_of_its_band(tmp_path):
    spec = cal.load_spec(_spec(tmp_path, GOOD))
    pairs = spec.pairs
    tasks = cal.trial_tasks(spec, {"disorder_line": 0.3})
    # every target exactly at its figure: loss 0, all in band; one target one half band off: loss 1 / n
    results = [{"outcomes": {t.output: t.value for t, _ in pairs}}]
    s = cal.score(spec, tasks, results)
    assert s["loss"] == 0.0 and s["in_band"] == len(pairs)
    t0 = pairs[0][0]
    results[0]["outcomes"][t0.output] = t0.value + (t0.hi - t0.lo) / 2.0
    s = cal.score(spec, tasks, results)
    shared = sum(t.output == t0.output for t, _ in pairs)
    assert s["loss"] == pytest.approx(shared / len(pairs))


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """Targets made by the model itself at known values of two parameters, then forgotten."""
    folder = tmp_path_factory.mktemp("known")
    truth = {"disorder_line": 0.33, "mhi5_offset": 12.0}
    sets = {**SMALL, **truth}
    outputs = ("mental_disorder", "mhi5_unhealthy")
    got = run_task({"scenario": "average_nl", "steps": 6, "seed": cal.replicate_seeds(9, 1)[0],
                    "outcomes": list(outputs), "set": sets, "calibrated": False})["outcomes"]
    lines = []
    for o in outputs:
        v = got[o]
        lines += ["[[target]]", f'name = "known_{o}"', f'output = "{o}"', f"value = {v!r}",
                  f"band = [{v - 0.05!r}, {v + 0.05!r}]", "year = 2026", 'scenarios = ["average_nl"]',
                  'source = "the model at known parameter values (a test)"', ""]
    targets = folder / "targets.toml"
    targets.write_text("\n".join(lines), encoding="utf-8")
    spec = _spec(folder, f"""
[calibration]
scenarios = ["average_nl"]
targets = ["{targets}"]
replicates = 1
trials = 32
startup = 10
seed = 9
months = 6
[calibration.set]
{SMALL_SET}
[free]
disorder_line = [0.2, 0.5]
mhi5_offset = [0.0, 25.0]
""")
    out = folder / "out"
    presets = folder / "calibrated.toml"
    code = main(["calibrate", str(spec), "--out", str(out), "--presets", str(presets), "--workers", "2", "--quiet"])
    return truth, spec, out, presets, code


def test_a_calibration_finds_the_parameters_that_made_its_targets(known):
    truth, spec, out, presets, code = known
    assert code == 0
    report = __import__("json").loads((out / cal.JSON_OUT).read_text())
    best = report["best"]["params"]
    assert abs(best["disorder_line"] - truth["disorder_line"]) < 0.03, best
    assert abs(best["mhi5_offset"] - truth["mhi5_offset"]) < 2.0, best
    assert report["best"]["in_band"] == report["best"]["targets"] == 2
    assert report["ensemble"]["all_in_band"] and report["ensemble"]["sets"]
    for path in (cal.TRIALS, cal.FIT_CSV, cal.FIT_MD, cal.FIT_PNG, cal.RANGES_PNG, cal.STUDY):
        assert (out / path).stat().st_size > 0, path
    trials = pd.read_csv(out / cal.TRIALS)
    assert len(trials) == 32 and trials["loss"].min() == pytest.approx(report["best"]["loss"])
    # trial 0 is the model as it stands: each free parameter at its default (within the range searched)
    first = trials.sort_values("trial").iloc[0]
    assert first["mhi5_offset"] == 6.0 and first["disorder_line"] == 0.2


def test_a_window_searches_around_the_default_inside_the_schema(tmp_path):
    spec = cal.load_spec(_spec(tmp_path, GOOD.replace("seed = 5", "seed = 5\nwindow = 0.1")))
    assert spec.window == 0.1
    assert cal.search_range(spec, "bias_stress", (-6.0, 6.0)) == pytest.approx((0.2 - 1.2, 0.2 + 1.2))
    assert cal.search_range(spec, "disorder_line", (0.0, 1.0)) == pytest.approx((0.085, 0.285))
    assert cal.search_range(spec, "mhi5_offset", (-50.0, 50.0)) == pytest.approx((-4.0, 16.0))
    low = cal.search_range(spec, "p_job_loss", (0.0, 1.0))
    assert low[0] == 0.0  # clipped at the schema's end
    no_window = cal.load_spec(_spec(tmp_path, GOOD, "plain.toml"))
    assert cal.search_range(no_window, "bias_stress", (-6.0, 6.0)) == (-6.0, 6.0)


def test_a_screening_picks_by_its_rule_and_leaves_out_the_excluded():
    ranked = pd.DataFrame({"parameter": ["a", "b", cal.NOISE, "c", "d"], "score": [5.0, 4.0, 1.0, 0.05, 3.0],
                           "excess": [4.0, 3.0, 0.0, 0.01, -0.5]})
    sc = {"candidates": {"a": (0, 1), "b": (0, 1), "c": (0, 1), "d": (0, 1)}, "threshold": 0.1, "max_free": 5}
    assert cal.choose(ranked, sc) == ["a", "b"]  # c under the threshold, d not above the noise
    assert cal.choose(ranked, {**sc, "max_free": 1}) == ["a"]
    assert cal.choose(ranked, {**sc, "candidates": {"b": (0, 1), "c": (0, 1)}}) == ["b"]  # a excluded
    assert list(ranked["chosen"]) == [False, True, False, False, False]


def test_the_presets_file_reads_back_and_a_scenario_takes_its_values(known, tmp_path):
    truth, spec, out, presets, code = known
    data = tomllib.loads(presets.read_text())
    assert data["provenance"]["spec_sha256"] == hashlib.sha256(Path(spec).read_bytes()).hexdigest()
    scen = tmp_path / "calibrated_scenario.toml"
    scen.write_text(f'[scenario]\nname = "test"\n[params]\ngrid_width = 20\n[calibration]\nfile = "{presets}"\n')
    s = load(str(scen))
    assert s.params.disorder_line == data["best"]["disorder_line"] and s.calibration
    assert s.params.grid_width == 20  # the scenario's own inputs stay
    first = load(str(scen), member=0)
    assert first.params.mhi5_offset == data["ensemble"][0]["params"]["mhi5_offset"]
    assert load(str(scen), calibrated=False).params.disorder_line != data["best"]["disorder_line"]
    with pytest.raises(Exception, match="ensemble member"):
        load(str(scen), member=len(data["ensemble"]))


def _trials(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / cal.TRIALS)


def _journal_study(folder: Path):
    return cal._open_study(folder)


def test_rewind_cuts_the_trial_a_kill_left_running_and_nothing_else(tmp_path):
    """The journal of a study killed during a trial: rewinding leaves the finished trials and
    removes the running one with everything written after it (even half a line)."""
    from optuna.distributions import FloatDistribution
    from optuna.trial import TrialState
    study = _journal_study(tmp_path)
    dist = {"x": FloatDistribution(0.0, 1.0)}
    for value in (0.3, 0.6):
        t = study.ask(dist)
        study.tell(t, value)
    size_done = (tmp_path / cal.STUDY).stat().st_size
    assert cal._rewind(tmp_path) == 0  # nothing running: nothing cut
    t = study.ask(dist)
    t.set_user_attr("score", {"loss": 1.0})
    with open(tmp_path / cal.STUDY, "ab") as fh:
        fh.write(b'{"op_code":8,"trial_id":2,"user_at')  # killed while writing
    assert cal._rewind(tmp_path) > 0
    assert (tmp_path / cal.STUDY).stat().st_size == size_done
    again = _journal_study(tmp_path)
    trials = again.get_trials(deepcopy=False)
    assert [x.state for x in trials] == [TrialState.COMPLETE] * 2 and [x.value for x in trials] == [0.3, 0.6]
    # an enqueued trial that was picked up and then killed goes as well
    again.enqueue_trial({"x": 0.5})
    again.ask(dist)
    assert cal._rewind(tmp_path) > 0 and len(_journal_study(tmp_path).get_trials()) == 2


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["tpe", "cmaes"])
def test_a_killed_calibration_resumes_with_the_same_trials(tmp_path, sampler):
    """Kill the calibration in the middle (SIGKILL: nothing gets to tidy up), run it again: the
    finished trials are those of a calibration that was never interrupted, in the same order."""
    spec = _spec(tmp_path, GOOD.replace("trials = 3", f'trials = 10\nsampler = "{sampler}"\nstartup = 3').replace(
        "disorder_line = [0.2, 0.5]", "disorder_line = [0.2, 0.5]\nbias_stress = [-2.0, 0.0]"))
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    cmd = [sys.executable, str(ROOT / "run.py"), "calibrate", str(spec), "--workers", "2", "--quiet", "--out"]
    whole = tmp_path / "whole"
    subprocess.run([*cmd, str(whole)], check=True, env=env, capture_output=True, timeout=600)
    cut = tmp_path / "cut"
    proc = subprocess.Popen([*cmd, str(cut)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline:  # wait until a few trials are in the journal
        log = cut / cal.STUDY
        if log.exists() and log.read_text().count('"state":1') >= 4:  # four trials finished
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (cut / cal.TRIALS).exists()
    ops = [json.loads(x) for x in (cut / cal.STUDY).read_bytes().split(b"\n") if x.strip().endswith(b"}")]
    made = sum(op["op_code"] == cal._CREATE_TRIAL for op in ops)
    ended = sum(op["op_code"] == cal._SET_STATE and op["state"] in (1, 3) for op in ops)
    assert made > ended, "the kill came between two trials: nothing was cut off"
    subprocess.run([*cmd, str(cut)], check=True, env=env, capture_output=True, timeout=600)
    pd.testing.assert_frame_equal(_trials(cut), _trials(whole))


def test_the_shipped_presets_read_the_calibration_they_record():
    """Each preset names the calibrated values' file; the file records the spec it was made from,
    that spec is the one in the repository, and its best set is what the presets run with."""
    spec_path = ROOT / "experiments" / "calibration" / "presets.toml"
    spec = cal.load_spec(spec_path)
    for name in spec.scenarios:
        s = load(name)
        assert s.calibration, f"{name} reads no calibrated values"
        data = tomllib.loads(Path(s.calibration).read_text())
        prov = data["provenance"]
        assert prov["spec_sha256"] == hashlib.sha256(spec_path.read_bytes()).hexdigest()
        assert set(prov["scenarios"]) == set(spec.scenarios)
        for k, v in data["best"].items():
            assert getattr(s.params, k) == v, (name, k)
        assert 0 < prov["targets_in_band"] <= prov["targets"]


def test_the_report_goes_into_the_docs_between_its_markers(known, tmp_path):
    truth, spec, out, presets, code = known
    doc = tmp_path / "ODD.md"
    doc.write_text(f"# x\n\n{cal.DOCS_START}\nold\n{cal.DOCS_END}\n\nafter\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(f"{cal.SHORT_START}\n{cal.SHORT_END}\n", encoding="utf-8")
    assert cal.write_docs(out, do_write=False, path=doc, readme=readme) == 1  # out of date
    assert cal.write_docs(out, do_write=True, path=doc, readme=readme) == 0
    text = doc.read_text()
    assert "old" not in text and "`disorder_line`" in text and text.endswith("after\n")
    assert "2 of 2 targets" in readme.read_text()
    assert cal.write_docs(out, do_write=False, path=doc, readme=readme) == 0
    doc.write_text("no markers\n")
    assert cal.write_docs(out, do_write=True, path=doc, readme=readme) == 2


def test_the_ensemble_is_every_set_in_band_or_the_nearest_within_twice_the_best_loss():
    t = pd.DataFrame({"trial": [0, 1, 2, 3, 4], "loss": [1.0, 1.5, 2.5, 1.9, 9.0], "in_band": [17, 15, 18, 12, 20],
                      "targets": 23})
    sets, all_in = cal.ensemble(t, 10)
    assert not all_in and list(sets["trial"]) == [0, 1, 3]  # within 2 x 1.0, best first
    assert list(cal.ensemble(t, 2)[0]["trial"]) == [0, 1]
    t.loc[[2, 4], "in_band"] = 23
    sets, all_in = cal.ensemble(t, 10)
    assert all_in and list(sets["trial"]) == [2, 4]


def test_the_sensitivity_summary_ranks_parameters_and_links_and_goes_between_its_markers(tmp_path):
    """The summary of an analysis of the calibrated preset: parameters by Morris and Sobol, links by
    the size of their ablation with their loop; loops summed over links whose interval excludes 0."""
    pd.DataFrame({"outcome": ["stress_mean"] * 3, "input": ["set.a", "set.network_scale", "set.c"],
                  "mu": [0.1, 0.5, 0.2], "mu_star": [0.1, 0.5, 0.2], "mu_star_conf": 0.01, "sigma": 0.1}
                 ).to_csv(tmp_path / "morris.csv", index=False)
    pd.DataFrame({"outcome": ["stress_mean"] * 3, "input": ["set.a", "set.network_scale", "set.c"],
                  "S1": 0.1, "S1_conf": 0.05, "ST": [0.2, 0.9, 0.1], "ST_conf": 0.05}).to_csv(tmp_path / "sobol.csv", index=False)
    pd.DataFrame({"link": ["skills_stress", "security_stress"], "baseline": "baseline", "outcome": "stress_mean",
                  "n": 2, "mean_baseline": 0.3, "mean": [0.2, 0.31], "diff": [-0.1, 0.01], "ci_lo": [-0.15, -0.02],
                  "ci_hi": [-0.05, 0.04], "rel_diff": 0.0, "better": "better", "effect_sd": 1.0, "rank": [1, 2]}
                 ).to_csv(tmp_path / "ablation.csv", index=False)
    (tmp_path / "analysis.json").write_text(json.dumps({"stages": {"morris": {"runs": 4}}}))
    text = cal.sensitivity_markdown(tmp_path)
    row = next(line for line in text.splitlines() if line.startswith("| mean chronic stress"))
    assert row.index("`network_scale` 0.5") < row.index("`c` 0.2") < row.index("`a` 0.1")
    assert "`skills_stress` -0.1 (loop 3)" in row
    assert "loop 3 0.1" in text and "loop 1" not in text.split("Loops ranked")[1]  # 0.01 is not significant
    doc = tmp_path / "ODD.md"
    doc.write_text(f"x\n{cal.SENS_START}\nold\n{cal.SENS_END}\ny\n")
    assert cal.write_sensitivity(tmp_path, path=doc) == 0
    assert "old" not in doc.read_text() and "`network_scale`" in doc.read_text()
    doc.write_text("no markers\n")
    assert cal.write_sensitivity(tmp_path, path=doc) == 2
