"""Sweeps: spec checks, designs, and real sweeps through the embedded Dask LocalCluster.

Every sweep here runs a 20 x 20 neighbourhood for one or two years (about 0.1 s a run),
on real worker processes, into real files; the resume test kills a real sweep with
SIGKILL and runs the same command again.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.results import read_provenance
from experiments.runner import run_tasks
from experiments.store import read_runs, run_id
from experiments.sweep import build_design, check_spec, load_spec, replicate_seeds, run_sweep, sweep_text
from experiments.scenario import SMALL
from experiments.tasks import run_task, task_id
from tests.conftest import small_toml

ROOT = Path(__file__).resolve().parents[1]
SMALL_SET = "[set]\n" + small_toml()
ENV = {**os.environ, "MPLBACKEND": "Agg", "NUMBA_NUM_THREADS": "1",
       "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))}


def _spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _sweep(spec: Path, out: Path, *extra: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "sweep", str(spec), "--out", str(out), "--quiet", *extra],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- the spec is checked before anything runs -----------------------------------------------

GOOD = '[sweep]\nseed = 1\nsteps = 6\noutcomes = ["stress_mean"]\n'


@pytest.mark.parametrize(
    "text, expect",
    [
        ("[sweep]\nseed = 1\n[vary]\ntrust_mea = [0.3]\n", ["unknown parameter 'trust_mea'", "trust_mean"]),
        (GOOD + "[vary]\ntrust_mean = {lo = 0.3, hi = 1.5, n = 3}\n", ["set.trust_mean = 1.5", "0.0 to 1.0"]),
        (GOOD + '[vary]\n"interventions.single_parent_suport.units" = [0, 10]\n',
         ["unknown intervention 'single_parent_suport'", "single_parent_support"]),
        (GOOD + '[vary]\n"interventions.single_parent_support.units" = {lo = 0, hi = 5000, n = 2}\n',
         ["units = 5000", "out of range", "0 to 2000"]),
        (GOOD + '[vary]\n"interventions.single_parent_support.unit" = [0, 10]\n', ["'unit'", "units"]),
        (GOOD + '[vary]\n"shocks.inflation.severity" = [0.1, 2.0]\n', ["severity = 2.0", "0.0 to 1.0"]),
        ('[sweep]\nseed = 1\noutcomes = ["stress_men"]\n', ["unknown outcome 'stress_men'", "stress_mean"]),
        (GOOD.replace("seed = 1", 'seed = 1\nsampler = "sobl"') + "[vary]\ntrust_mean = {lo = 0.3, hi = 0.5}\n",
         ["sampler = 'sobl'", "did you mean sobol", "grid, lhs, sobol, morris, fast"]),
        (GOOD.replace("seed = 1", 'seed = 1\nsampler = "sobol"\nsamples = 6')
         + "[vary]\ntrust_mean = {lo = 0.3, hi = 0.5}\nvacancy = {lo = 0.0, hi = 0.1}\n", ["samples = 6", "power of 2"]),
        (GOOD.replace("seed = 1", 'seed = 1\nsampler = "lhs"\nsamples = 4') + "[vary]\ntrust_mean = [0.3, 0.4]\n",
         ["needs sampler = \"grid\""]),
        (GOOD.replace("seed = 1", 'seed = 1\nsampler = "lhs"') + "[vary]\ntrust_mean = {lo = 0.3, hi = 0.4}\n",
         ["needs samples"]),
        (GOOD + "[vary]\nn_police = [1, 1.5]\n", ["n_police = 1.5", "whole number"]),
        (GOOD + "[vary]\ntrust_mean = {lo = 0.6, hi = 0.3, n = 2}\n", ["lo = 0.6 must be below hi = 0.3"]),
        (GOOD + "[vary]\ntrust_mean = {lo = 0.3, hi = 0.6}\n", ["needs n"]),
        ("[sweep]\nreplicates = 2\n", ["seed is missing"]),
        ("[sweep]\nseed = 1\nreplicate = 3\n", ["unknown key 'replicate'", "replicates"]),
        ("[sweep]\nseed = 1\nreplicates = 0\n", ["replicates = 0", "1 to 100000"]),
        ("[sweep]\nseed = 1\nlevels = 4\n", ["levels applies to sampler morris"]),
        ("[sweep]\nseed = 1\n[vry]\ntrust_mean = [0.3]\n", ["unknown key 'vry'", "vary"]),
        ("[sweep]\nseed = 1\nscenario = 'krachtwjk'\n", ["unknown scenario 'krachtwjk'", "krachtwijk"]),
        ("[sweep]\nseed = 1\n[set]\ntrust_mean = 2\n", ["trust_mean = 2", "out of range"]),
        (GOOD + "[vary]\ntrust_mean = [0.3, 0.4]\n[set]\ntrust_mean = 0.5\n", ["both fixed in [set] and varied"]),
        (GOOD + "[vary]\ngrid_width = [20, 25]\n" + SMALL_SET.replace("grid_width = 20\n", ""),
         ["point 1 (set.grid_width = 25)", "multiple of block_size"]),
        (GOOD + "[interventions.single_parent_support]\nstrat = 3\n", ["unknown setting 'strat'", "start"]),
        # an error that shows only when the neighbourhood is built is found before any run
        (GOOD + "[vary]\ngrid_width = [20, 30]\n[set]\ngrid_height = 20\nburn_in_months = 3\n"
         "[interventions.service_point]\ncells = [[25, 5]]\n", ["service_point", "cell (25, 5) is off the grid"]),
        ("[sweep]\nseed = \n", ["not valid TOML"]),
    ],
)
def test_bad_spec_one_line_exit_2_nothing_written(capsys, tmp_path, text, expect):
    spec = _spec(tmp_path, text)
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in expect:
        assert fragment in lines[0], lines[0]
    assert not out.exists(), "a bad spec left output behind"


@pytest.mark.parametrize(
    "extra, expect",
    [
        (["--scheduler", "localhost:8786"], ["expected tcp://HOST:PORT"]),
        (["--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"], ["--workers sets the size of the local cluster"]),
        (["--workers", "0"], ["workers = 0", "1 to 1024"]),
        (["--tls-cert", "nope.pem", "--tls-ca-file", "nope.pem"], ["no such file"]),
        (["--scheduler", "tls://127.0.0.1:8786"], ["a tls:// scheduler needs --tls-ca-file"]),
        (["--tls-cert", "x.pem"], ["--tls-ca-file missing"]),
    ],
)
def test_bad_options_one_line_exit_2(capsys, tmp_path, extra, expect):
    spec = _spec(tmp_path, GOOD)
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--out", str(out), "--quiet", *extra])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    for fragment in expect:
        assert fragment in err
    assert not out.exists()


def test_output_folder_that_holds_something_else_is_refused(capsys, tmp_path):
    spec = _spec(tmp_path, GOOD)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code = main(["sweep", str(spec), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "holds something other than a sweep" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_example_specs_are_valid():
    for name in ("example", "smoke"):
        spec = load_spec(ROOT / "experiments" / "sweeps" / f"{name}.toml")
        design = build_design(spec)
        assert len(design.runs) == len(design.X) * spec.replicates


# ---- designs ------------------------------------------------------------------------------------

def _check(text: str):
    import tomllib

    return check_spec(tomllib.loads(text), source="test")


def test_grid_design_whole_numbers_and_common_random_numbers():
    spec = _check('[sweep]\nseed = 42\nreplicates = 3\nsteps = 6\n'
                  '[vary]\nn_police = {lo = 0, hi = 3, n = 3}\ntrust_mean = {lo = 0.3, hi = 0.6, n = 4}\n'
                  '"interventions.single_parent_support.units" = [0, 60]\n' + SMALL_SET)
    problem, X, runs = build_design(spec)
    assert problem["names"] == ["set.n_police", "set.trust_mean", "interventions.single_parent_support.units"]
    assert X.shape == (3 * 4 * 2, 3)
    assert sorted(set(X[:, 0])) == [0, 2, 3]  # linspace(0, 3, 3) = 0, 1.5, 3 rounded: whole numbers only
    assert np.allclose(sorted(set(X[:, 1])), [0.3, 0.4, 0.5, 0.6])
    assert len(runs) == len(X) * 3
    for run in runs:
        task = run["task"]
        assert type(task["set"]["n_police"]) is int
        assert type(task["interventions"]["single_parent_support"]["units"]) is int
        assert type(task["set"]["trust_mean"]) is float
        assert task["set"]["grid_width"] == 20  # the fixed part is in every task
    seeds = replicate_seeds(42, 3)
    assert len(set(seeds)) == 3 and all(0 <= s < 2**63 for s in seeds)
    for run in runs:  # replicate r has the same seed at every point
        assert run["task"]["seed"] == seeds[run["replicate"]]
    assert replicate_seeds(42, 3) == seeds and replicate_seeds(43, 3) != seeds
    assert len({task_id(r["task"]) for r in runs}) == len(runs)


def test_lhs_design_is_stratified_reproducible_and_whole():
    text = ('[sweep]\nseed = 5\nsampler = "lhs"\nsamples = 10\nsteps = 6\n'
            '[vary]\ntrust_mean = {lo = 0.2, hi = 0.7}\nn_social_workers = {lo = 0, hi = 9}\n' + SMALL_SET)
    _, X, runs = build_design(_check(text))
    assert X.shape == (10, 2)
    strata = np.floor((X[:, 0] - 0.2) / 0.5 * 10).astype(int)
    assert sorted(strata) == list(range(10))  # one point in each tenth of the range
    assert np.all(X[:, 1] == np.rint(X[:, 1])) and X[:, 1].min() >= 0 and X[:, 1].max() <= 9
    assert all(type(r["task"]["set"]["n_social_workers"]) is int for r in runs)
    _, again, _ = build_design(_check(text))
    assert np.array_equal(X, again)
    _, other, _ = build_design(_check(text.replace("seed = 5", "seed = 6")))
    assert not np.array_equal(X, other)


def test_salib_designs_sobol_and_morris():
    vary = '[vary]\ntrust_mean = {lo = 0.3, hi = 0.6}\n"interventions.existential_security.units" = {lo = 0, hi = 100}\n'
    sobol = _check('[sweep]\nseed = 9\nsampler = "sobol"\nsamples = 8\nreplicates = 2\nsteps = 6\n' + vary + SMALL_SET)
    problem, X, runs = build_design(sobol)
    assert problem == {"num_vars": 2, "names": ["set.trust_mean", "interventions.existential_security.units"],
                       "bounds": [[0.3, 0.6], [0.0, 100.0]]}
    assert X.shape == (8 * (2 + 2), 2) and len(runs) == 2 * len(X)  # Saltelli scheme without second order
    assert X[:, 0].min() >= 0.3 and X[:, 0].max() <= 0.6
    assert np.all(X[:, 1] == np.rint(X[:, 1]))
    second = _check('[sweep]\nseed = 9\nsampler = "sobol"\nsamples = 8\nsecond_order = true\nsteps = 6\n' + vary + SMALL_SET)
    assert build_design(second).X.shape == (8 * (2 * 2 + 2), 2)
    morris = _check('[sweep]\nseed = 9\nsampler = "morris"\nsamples = 5\nlevels = 4\nsteps = 6\n' + vary + SMALL_SET)
    _, Xm, _ = build_design(morris)
    assert Xm.shape == (5 * 3, 2)
    # each Morris trajectory moves one input at a time
    for t in range(5):
        steps = np.diff(Xm[3 * t:3 * t + 3], axis=0)
        assert np.all((steps != 0).sum(axis=1) == 1)


# ---- real sweeps ----------------------------------------------------------------------------

FAILING = """
[sweep]
name = "facility"
seed = 3
steps = 12
replicates = 2
outcomes = ["stress_mean", "cost_total"]

[vary]
grid_width = [20, 30]

[set]
grid_height = 20
block_size = 10
burn_in_months = 3

[interventions.service_point]
units = 1
"""


def fail_narrow_grids(task: dict) -> dict:
    """A task function that breaks on the 20-wide grid (a stand-in for a run that fails on a worker)."""
    if task["set"]["grid_width"] == 20:
        raise RuntimeError("broken run on the narrow grid")
    return run_task(task)


def test_sweep_writes_dataset_records_failures_and_retries_them(tmp_path):
    spec = _spec(tmp_path, FAILING)
    out = tmp_path / "out"
    summary = run_sweep(load_spec(spec), out, workers=2, progress=False, fn=fail_narrow_grids)
    text = sweep_text(summary, str(out))
    assert not summary["complete"]  # some runs failed: the sweep went on, and says so (exit 1 on the command line)
    assert "2 ok, 2 failed" in text and "broken run on the narrow grid" in text and "tried again" in text
    _, _, runs = build_design(load_spec(spec))
    df = read_runs(out)
    ok, bad = df[df["status"] == "ok"], df[df["status"] == "error"]
    # one row per run and outcome; a failed run is one row with its error
    assert len(ok) == 2 * 2 and set(ok["outcome"]) == {"stress_mean", "cost_total"}
    assert (ok["n_outcomes"] == 2).all()
    assert len(bad) == 2 and bad["outcome"].isna().all() and bad["value"].isna().all()
    assert (bad["error"] == "RuntimeError: broken run on the narrow grid").all()
    assert bad["traceback"].str.contains("Traceback").all() and bad["traceback"].str.contains("fail_narrow_grids").all()
    assert set(bad["set.grid_width"]) == {20} and set(ok["set.grid_width"]) == {30}
    for column in ("run_id", "point", "replicate", "root_seed", "seed", "scenario", "steps", "set.grid_height",
                   "interventions.service_point.units", "seconds", "worker", "finished", "attempt", "n_outcomes"):
        assert column in df.columns, column
    assert (df["root_seed"] == 3).all() and (df["steps"] == 12).all()
    assert (ok[ok["outcome"] == "cost_total"]["value"] > 0).all()  # the service point costs money
    # common random numbers: replicate r has one seed at both points
    assert df.groupby("replicate")["seed"].nunique().eq(1).all()
    assert sorted(df["run_id"].unique()) == sorted(
        run_id(r["task"], {k: v for k, v in r.items() if k != "task"}) for r in runs)
    # same task, same outcomes, whichever worker ran it
    row = ok.iloc[0]
    task = next(r["task"] for r in runs if r["point"] == row["point"] and r["replicate"] == row["replicate"])
    here = run_task(task)["outcomes"]
    for rec in ok[ok["run_id"] == row["run_id"]].itertuples():
        assert rec.value == here[rec.outcome]
    # provenance in every part, the summary lists the failures with their inputs
    parts = sorted((out / "runs").glob("part-*.parquet"))
    for part in parts:
        prov = read_provenance(part)
        assert prov["spec"]["name"] == "facility" and prov["version"] and prov["packages"]["dask"]
        assert prov["identity"]["model"]["source_sha256"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == 4 and summary["ok"] == 2 and summary["failed"] == 2 and not summary["complete"]
    assert {f["task"]["set"]["grid_width"] for f in summary["failures"]} == {20}
    assert all("narrow grid" in f["error"] for f in summary["failures"])
    png = out / "plots" / "outcome_stress_mean.png"
    from PIL import Image

    assert json.loads(Image.open(png).text["Description"])["spec"]["name"] == "facility"

    # the same call again: only the failed runs are tried (and fail again), nothing else
    before = {p.name: _digest(p) for p in parts}
    again = run_sweep(load_spec(spec), out, workers=2, progress=False, fn=fail_narrow_grids)
    assert again["computed"] == 2 and again["done_before"] == 2 and again["failed"] == 2
    assert {p.name: _digest(p) for p in parts} == before
    new = sorted(set(p.name for p in (out / "runs").glob("part-*.parquet")) - set(before))
    fresh = pd.concat([pd.read_parquet(out / "runs" / n) for n in new])
    assert sorted(fresh["run_id"]) == sorted(bad["run_id"]) and (fresh["attempt"] == 2).all()
    latest = read_runs(out)
    assert len(latest) == 6 and (latest[latest["status"] == "error"]["attempt"] == 2).all()

    # another spec into the same folder is refused, and nothing changes
    listing = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    changed = _spec(tmp_path, FAILING.replace("replicates = 2", "replicates = 3"), "changed.toml")
    code = main(["sweep", str(changed), "--out", str(out), "--quiet"])
    assert code == 2
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == listing


def fail_odd_replicates(task: dict) -> dict:
    """A task function that raises for odd seeds' tasks (a stand-in for a run that breaks)."""
    if task["seed"] % 2:
        raise RuntimeError(f"broken run, seed {task['seed']}")
    return run_task(task)


def test_run_tasks_goes_on_after_a_failure_and_retries_it_next_time(tmp_path):
    base = {"scenario": "krachtwijk", "steps": 6, "outcomes": ["stress_mean"],
            "set": {**SMALL, "burn_in_months": 3}}
    items = [{"task": {**base, "seed": s}, "replicate": s} for s in range(6)]
    out = tmp_path / "out"
    first = run_tasks(items, out, workers=2, progress=False, fn=fail_odd_replicates, meta={"test": 1},
                      batch_runs=2)
    assert first["computed"] == 6 and first["ok"] == 3 and first["failed"] == 3
    assert sorted(f["replicate"] for f in first["failures"]) == [1, 3, 5]
    assert all(f["error"].startswith("RuntimeError: broken run, seed ") for f in first["failures"])
    assert len(list((out / "runs").glob("part-*.parquet"))) >= 3  # written in batches of 2 runs
    second = run_tasks(items, out, workers=2, progress=False, meta={"test": 1})
    assert second["done_before"] == 3 and second["computed"] == 3 and second["complete"]
    every = read_runs(out, latest=False)
    assert len(every) == 9  # 3 ok + 3 failed, then the 3 failed ones ok
    latest = read_runs(out)
    assert len(latest) == 6 and (latest["status"] == "ok").all()
    assert latest.set_index("replicate")["attempt"].to_dict() == {0: 1, 1: 2, 2: 1, 3: 2, 4: 1, 5: 2}
    with pytest.raises(Exception, match="holds a different sweep"):
        run_tasks(items, out, workers=2, progress=False, meta={"test": 2})


# long enough (about 20 s of runs on 2 workers) that a loaded machine cannot finish it between
# the first part file and the signal the tests send then
KILLABLE = """
[sweep]
name = "killable"
seed = 11
steps = 72
replicates = 20
outcomes = ["stress_mean", "wellbeing_mean"]

[vary]
trust_mean = {lo = 0.3, hi = 0.6, n = 6}
""" + SMALL_SET


def _ctrl_c_reaches() -> None:
    """In the child: Ctrl-C acts, as in a terminal, even where this test runs with SIGINT ignored
    (a shell starts background jobs so, and a child inherits it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(spec: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "run.py", "sweep", str(spec), "--out", str(out), "--quiet"], cwd=ROOT,
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_ctrl_c_reaches)


def _wait_for_part(proc: subprocess.Popen, out: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not (out / "runs").is_dir() or not list((out / "runs").glob("part-*.parquet")):
        assert proc.poll() is None, f"the sweep ended early: {proc.communicate()}"
        assert time.monotonic() < deadline, "no part file appeared"
        time.sleep(0.05)


def _gone(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.slow  # about 35 s; the quicker Ctrl-C test checks the same resume after a stop
def test_killed_sweep_resumes_without_losing_or_repeating_runs(tmp_path):
    spec = _spec(tmp_path, KILLABLE)
    out = tmp_path / "out"
    n_runs = 6 * 20
    proc = _start(spec, out)
    try:
        _wait_for_part(proc, out)
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, no chance to clean up
        proc.wait(timeout=30)
    finally:
        _gone(proc.pid)
    assert not (out / "summary.json").exists(), "the sweep finished before it was killed"
    kept = {p.name: _digest(p) for p in (out / "runs").glob("part-*.parquet")}
    done_before = set(read_runs(out)["run_id"])
    assert 0 < len(done_before) < n_runs
    # what a process killed while writing leaves behind: never read as data
    (out / "runs" / ".part-000099-deadbeef.parquet.tmp").write_bytes(b"PAR1 half a file")

    again = _sweep(spec, out)
    assert again.returncode == 0, again.stderr
    assert f"{n_runs - len(done_before)} computed ({len(done_before)} were done)" in again.stdout
    assert {p.name: _digest(p) for p in (out / "runs").glob("part-*.parquet") if p.name in kept} == kept
    assert not list((out / "runs").glob(".*")), "temporary files left behind"
    every = read_runs(out, latest=False)
    _, _, runs = build_design(load_spec(spec))
    assert every["run_id"].nunique() == n_runs == len(runs)
    assert every.groupby(["run_id", "outcome"]).size().eq(1).all(), "a run was recorded twice"
    assert (every["status"] == "ok").all() and (every["attempt"] == 1).all()
    # runs recorded before the kill are only in the parts written before it
    assert set(every[every["part"].isin(kept)]["run_id"]) == done_before


def test_ctrl_c_exits_130_and_keeps_finished_runs(tmp_path):
    spec = _spec(tmp_path, KILLABLE)
    out = tmp_path / "out"
    proc = _start(spec, out)
    try:
        _wait_for_part(proc, out)
        before = read_runs(out)["run_id"].nunique()  # written before the interruption
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole group
        _, err = proc.communicate(timeout=60)
    finally:
        _gone(proc.pid)
    assert proc.returncode == 130
    assert err.strip().splitlines() == [f"error: interrupted; the finished runs are kept in {out}; "
                                        "run the same command to resume"]
    kept = read_runs(out)
    # what was written before and what finished while stopping; a part is written every 50 runs
    # or 5 seconds, whichever comes first, so how many depends on the machine's load
    assert kept["run_id"].nunique() >= max(before, 1) and (kept["status"] == "ok").all()
    assert not list((out / "runs").glob(".*"))
