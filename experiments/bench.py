"""Benchmarks: kernel throughput against the Python twins, and whole-model speed.

Reported as ratios measured in one run (these machines are noisy), written as JSON with
``--out``. Figures:

* person-updates per second of one month of kernels (``spread_support`` +
  ``update_persons`` + ``update_ties``) for numba serial, numba parallel and the Python
  twins, at several population sizes. The twins are timed on a slice of the same
  population (their cost per person does not depend on its size) to keep the run short.
* the default 40-year ``krachtwijk`` run (about 6,000 persons): model construction and
  480 steps, with a warm numba cache;
* a neighbourhood of about 100,000 persons: steps per second of the whole model step;
* with ``--against REF``: the whole-model figures of this checkout and of commit REF,
  measured in turns in one run, and their ratios (:func:`against`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from abm import reference as ref
from abm.kernels import (
    spread_support, spread_support_parallel, update_persons, update_persons_parallel, update_ties,
)
from abm.model import VeerkrachtModel
from experiments.build import build_model, recipe
from experiments.runner import default_workers, run_tasks
from experiments.scenario import SMALL, load
from experiments.store import read_runs
from experiments.tasks import run_task


def _write_result(out: str, result: dict) -> None:
    """The figures as JSON at ``out``, atomically (temporary name, then rename)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(result, indent=2))
    os.replace(tmp, path)
    print(f"written: {out}")


def _month_args(model):
    s = model.state
    act, (g_start, g_members, g_base, g_flags) = model.kernel_inputs()
    grid = np.array([s.grid_w, s.grid_h], dtype=np.int64)
    return s, act, (g_start, g_members, g_base, g_flags, grid)


def _kernels_once(model, act, groups, impl, arrays) -> float:
    """Time one month of the three kernels on copies of the arrays; returns seconds."""
    s = model.state
    f, iv, ctx, ev, to, tw, tt = (a.copy() for a in arrays)
    g_start, g_members, g_base, g_flags, grid = groups
    spread, update, ties = impl
    t0 = time.perf_counter()
    spread(f, iv, to, tw, tt, act, model.pv, model.sw, ctx)
    update(f, iv, ctx, act, model.pv, model.sw, model.seed, model.month, ev)
    ties(f, iv, to, tw, tt, act, s.hh_cell, s.cell_hh, grid, g_start, g_members, g_base, g_flags,
         model.pv, model.sw, model.seed, model.month)
    return time.perf_counter() - t0


IMPLS = {
    "numba_serial": (spread_support, update_persons, update_ties),
    "numba_parallel": (spread_support_parallel, update_persons_parallel, update_ties),
    "python_twin": (ref.spread_support_ref, ref.update_persons_ref, ref.update_ties_ref),
}


PERSONS_PER_CELL = 2.2  # at default settings, counting facilities and empty dwellings


def _grid_for(persons: int) -> tuple[int, int]:
    """Grid (width, height), multiples of the block size of 10, housing about ``persons``.

    The height is the width or one block more, whichever comes closer.
    """
    cells = persons / PERSONS_PER_CELL
    options = [(w, h) for w in range(20, 2000, 10) for h in (w, w + 10)]
    return min(options, key=lambda wh: abs(wh[0] * wh[1] - cells))


def _model(grid: tuple[int, int], seed: int = 1, burn_in: int = 0) -> VeerkrachtModel:
    return build_model(None, {"grid_width": grid[0], "grid_height": grid[1], "burn_in_months": burn_in}, seed=seed)


def kernel_rates(sizes, twin_slice: int = 2000, repeats: int = 3) -> list[dict]:
    rows = []
    for target in sizes:
        t0 = time.perf_counter()
        model = _model(_grid_for(target))
        build = time.perf_counter() - t0
        s, act, groups = _month_args(model)
        arrays = (s.f, s.i, s.ctx, s.events, s.tie_other, s.tie_w, s.tie_type)
        row = {"persons": int(act.size), "build_seconds": round(build, 2)}
        for name, impl in IMPLS.items():
            sub = act if name != "python_twin" else act[: min(twin_slice, act.size)]
            best = min(_kernels_once(model, sub, groups, impl, arrays) for _ in range(1 if name == "python_twin" else repeats))
            row[f"{name}_updates_per_s"] = sub.size / best
        row["serial_vs_twin"] = row["numba_serial_updates_per_s"] / row["python_twin_updates_per_s"]
        row["parallel_vs_serial"] = row["numba_parallel_updates_per_s"] / row["numba_serial_updates_per_s"]
        rows.append(row)
        print(f"  {row['persons']:>7} persons: serial {row['numba_serial_updates_per_s']:.3g}/s, "
              f"parallel {row['numba_parallel_updates_per_s']:.3g}/s, twin {row['python_twin_updates_per_s']:.3g}/s; "
              f"serial/twin = {row['serial_vs_twin']:.0f}x, parallel/serial = {row['parallel_vs_serial']:.2f}x", flush=True)
    return rows


def default_run(steps: int = 480) -> dict:
    """The default krachtwijk run, warm cache: construction and stepping timed apart."""
    sc = load("krachtwijk")
    krachtwijk = recipe(sc)
    _model((20, 20), burn_in=1).run(2)  # make sure every kernel is compiled or loaded
    t0 = time.perf_counter()
    model = krachtwijk.build(sc.seed)
    t1 = time.perf_counter()
    model.run(steps)
    t2 = time.perf_counter()
    out = {"persons_start": int(model.recorder.rows[0]["persons"]), "steps": steps,
           "construct_seconds": t1 - t0, "step_seconds": t2 - t1, "total_seconds": t2 - t0,
           "ms_per_step": 1000 * (t2 - t1) / steps, "burn_in_months": int(model.burn_in["months"])}
    print(f"  default 40-year krachtwijk run: {out['total_seconds']:.1f} s "
          f"(construction {out['construct_seconds']:.1f} s incl. {out['burn_in_months']} burn-in months, "
          f"{out['ms_per_step']:.1f} ms per step)", flush=True)
    return out


def large_run(persons: int = 100_000, steps: int = 20, parallel: bool = False) -> dict:
    t0 = time.perf_counter()
    width, height = _grid_for(persons)
    model = build_model(None, {"grid_width": width, "grid_height": height, "burn_in_months": 0}, seed=7,
                        parallel=parallel)
    t1 = time.perf_counter()
    model.run(2)
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - t)
    # the median step is robust to a neighbour taking the core for a moment; both are reported
    out = {"persons": int(model.state.active().size), "grid": [width, height], "parallel": parallel,
           "construct_seconds": t1 - t0, "steps": steps, "steps_per_second": steps / sum(times),
           "steps_per_second_median": 1.0 / float(np.median(times))}
    print(f"  {out['persons']} persons ({width}x{height} grid, {'parallel' if parallel else 'serial'}): "
          f"{out['steps_per_second']:.1f} steps/s over {steps} steps, {out['steps_per_second_median']:.1f} "
          f"at the median step (construction {out['construct_seconds']:.1f} s)", flush=True)
    return out


def run_bench(out: str | None = None, quick: bool = False) -> dict:
    print(f"Veerkracht benchmark ({os.cpu_count()} cores, NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'default')})")
    print("kernels, one month (spread_support + update_persons + update_ties):")
    sizes = (1_000, 6_000) if quick else (1_000, 6_000, 100_000)
    result = {"kernels": kernel_rates(sizes)}
    print("whole model:")
    result["default_run"] = default_run(48 if quick else 480)
    if not quick:
        result["large_serial"] = large_run(parallel=False)
        result["large_parallel"] = large_run(parallel=True)
    if out:
        _write_result(out, result)
    return result


# ---- sweep throughput ----------------------------------------------------------------------

def _idle_task(task: dict) -> dict:
    """A task that does nothing: what is left of a run's time is the engine's."""
    return {"outcomes": {"nothing": 0.0}, "seconds": 0.0}


def _engine_wall(tasks: list[dict], folder: Path, workers: int | None, fn=None, progress: bool = False):
    t0 = time.perf_counter()
    summary = run_tasks(tasks, folder, workers=workers, progress=progress, fn=fn or run_task,
                        meta={"kind": "bench"})
    return time.perf_counter() - t0, summary, read_runs(folder)


def sweep_throughput(runs: int = 200, serial_runs: int | None = None, workers: int | None = None,
                     out: str | None = None, quick: bool = False) -> dict:
    """Runs per second of default runs: serially in this process, and through the engine.

    Figures, measured in one call:

    * ``serial``: ``serial_runs`` default krachtwijk runs one after the other in this
      process, no Dask (a rate, so fewer runs than ``runs`` will do);
    * ``engine``: ``runs`` default runs (other seeds) through :func:`run_tasks` on the
      embedded LocalCluster with ``workers`` processes (default: all cores), wall time of the
      whole call, cluster start and stop included; ``ratio`` = engine rate / serial rate;
    * ``overhead``: the engine's cost per task, from the wall time of 100 and 1,000 tasks
      that do nothing (the slope, so the cluster's start is left out), times the number of
      workers, as a share of a default run; and, for the sweep itself, worker time not
      spent inside the runs (start, transfer, writing, the idle tail) per run.

    ``quick`` uses the small neighbourhood (:data:`experiments.scenario.SMALL`) and 24 months
    (a smoke run of the benchmark).
    """
    n_workers = workers or default_workers()
    base = {"scenario": "krachtwijk", "outcomes": ["stress_mean", "wellbeing_mean", "transmission"]}
    if quick:
        base.update(set=dict(SMALL), steps=24)
        runs = min(runs, 40)
    serial_runs = serial_runs or max(4, min(10, runs // 20))
    print(f"Veerkracht sweep throughput ({default_workers()} cores, {n_workers} workers, "
          f"NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'default')})", flush=True)
    run_task({**base, "seed": 0, "steps": 2})  # load the compiled kernels before timing
    t0 = time.perf_counter()
    inside = [run_task({**base, "seed": s})["seconds"] for s in range(1, serial_runs + 1)]
    serial_seconds = time.perf_counter() - t0
    serial = {"runs": serial_runs, "seconds": serial_seconds, "runs_per_second": serial_runs / serial_seconds,
              "run_seconds_mean": serial_seconds / serial_runs, "inside_run_seconds_mean": float(np.mean(inside))}
    print(f"  serial, one process: {serial_runs} runs in {serial_seconds:.1f} s = "
          f"{serial['runs_per_second']:.3f} runs/s ({serial['run_seconds_mean']:.2f} s per run)", flush=True)
    with tempfile.TemporaryDirectory(prefix="veerkracht-bench-") as tmp:
        tasks = [{**base, "seed": 1000 + s} for s in range(runs)]
        wall, summary, df = _engine_wall(tasks, Path(tmp) / "sweep", workers, progress=True)
        per_run = df.drop_duplicates("run_id")
        engine = {"runs": runs, "workers": summary["workers"], "seconds": wall, "runs_per_second": runs / wall,
                  "failed": summary["failed"], "wall_seconds_mean": float(per_run["wall_seconds"].mean()),
                  "inside_run_seconds_mean": float(per_run["seconds"].mean())}
        busy = float(per_run["wall_seconds"].sum())
        idle = {}
        for n in (100, 1000):
            idle[n], _, _ = _engine_wall([{"seed": s} for s in range(n)], Path(tmp) / f"idle{n}", workers,
                                         fn=_idle_task)
    ratio = engine["runs_per_second"] / serial["runs_per_second"]
    per_task = (idle[1000] - idle[100]) / 900 * summary["workers"]
    sweep_overhead = (wall * summary["workers"] - busy) / runs
    result = {
        "cores": default_workers(), "quick": quick, "serial": serial, "engine": engine, "ratio": ratio,
        "overhead": {
            "engine_seconds_per_task": per_task, "engine_share_of_default_run": per_task / serial["run_seconds_mean"],
            "idle_tasks_wall_seconds": {str(k): v for k, v in idle.items()},
            "sweep_seconds_per_run": sweep_overhead,
            "sweep_share_of_default_run": sweep_overhead / serial["run_seconds_mean"],
        },
    }
    print(f"  engine, {summary['workers']} workers: {runs} runs in {wall:.1f} s = {engine['runs_per_second']:.3f} "
          f"runs/s; ratio to serial {ratio:.2f}x", flush=True)
    print(f"  engine overhead per task {1000 * per_task:.1f} ms = {100 * result['overhead']['engine_share_of_default_run']:.2f}% "
          f"of a run; whole sweep (start, writing, idle tail) {sweep_overhead:.2f} s per run = "
          f"{100 * result['overhead']['sweep_share_of_default_run']:.1f}%", flush=True)
    if out:
        _write_result(out, result)
    return result


# ---- before and after, in one run ------------------------------------------------------------

#: run in a fresh process inside each tree: the whole-model figures of that tree's own code
_MEASURE = """
import json, sys
from experiments.bench import default_run, large_run
figures = {"default_run": default_run(int(sys.argv[1]))}
if sys.argv[2] == "1":
    figures["large_serial"] = large_run(parallel=False)
    figures["large_parallel"] = large_run(parallel=True)
print("FIGURES " + json.dumps(figures))
"""

#: the figure of each whole-model measurement compared, and whether more is better
_COMPARED = {("default_run", "total_seconds"): False, ("default_run", "ms_per_step"): False,
             ("large_serial", "steps_per_second"): True, ("large_parallel", "steps_per_second"): True}


def _git(*args: str, cwd: Path) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"git {' '.join(args)}: {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout.strip()


class BenchError(RuntimeError):
    """A comparison that cannot be made (no git checkout, an unknown commit); the message says why."""


def _measure_tree(tree: Path, steps: int, large: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_CACHE_DIR=str(tree / ".numba_cache"))
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(steps), "1" if large else "0"], cwd=tree, env=env,
                         capture_output=True, text=True)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("FIGURES ")]
    if out.returncode != 0 or not lines:
        raise BenchError(f"the measurement in {tree} failed:\n{out.stderr.strip()[-2000:]}")
    return json.loads(lines[-1][len("FIGURES "):])


def against(ref: str, rounds: int = 3, quick: bool = False, out: str | None = None) -> dict:
    """The whole-model figures of this checkout against those of commit ``ref``, measured in one run.

    ``ref`` is checked out in a temporary git worktree; the two trees are measured in turns
    (``rounds`` times each, each time in a fresh process with its own warm numba cache), so a
    neighbour taking the machine for a while slows both alike. Reported: the median of each
    figure per tree and the ratio after / before (above 1: slower for times, faster for
    steps per second). The first round of ``ref`` compiles its kernels (not timed: a warm-up
    run precedes each measurement).
    """
    here = Path(__file__).resolve().parents[1]
    _git("rev-parse", "--git-dir", cwd=here)  # a git checkout at all
    try:
        sha = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=here)
    except BenchError:
        raise BenchError(f"--against {ref!r} is not a commit of this repository; allowed: a commit id, branch or "
                         "tag that `git rev-parse` knows") from None
    head = _git("rev-parse", "HEAD", cwd=here)
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", cwd=here))
    steps, large = (48, False) if quick else (480, True)
    print(f"before: {ref} ({sha[:10]}); after: this checkout ({head[:10]}{', with changes' if dirty else ''}); "
          f"{rounds} rounds each, in turns")
    with tempfile.TemporaryDirectory(prefix="veerkracht-bench-") as tmp:
        tree = Path(tmp) / "before"
        _git("worktree", "add", "--detach", str(tree), sha, cwd=here)
        try:
            runs: dict[str, list[dict]] = {"before": [], "after": []}
            for r in range(rounds):
                for side, where in (("before", tree), ("after", here)):
                    runs[side].append(_measure_tree(where, steps, large))
                    print(f"  round {r + 1} {side}: measured", flush=True)
        finally:
            _git("worktree", "remove", "--force", str(tree), cwd=here)
    result: dict = {"before": {"ref": ref, "commit": sha}, "after": {"commit": head, "uncommitted_changes": dirty},
                    "rounds": rounds, "figures": {}}
    print(f"{'figure':<34} {'before':>10} {'after':>10} {'after/before':>13}")
    for (part, name), more_is_better in _COMPARED.items():
        if part not in runs["after"][0]:
            continue
        b = float(np.median([run[part][name] for run in runs["before"]]))
        a = float(np.median([run[part][name] for run in runs["after"]]))
        key = f"{part}.{name}"
        result["figures"][key] = {"before": b, "after": a, "ratio": a / b, "more_is_better": more_is_better}
        print(f"{key:<34} {b:>10.2f} {a:>10.2f} {a / b:>12.2f}x")
    if out:
        _write_result(out, result)
    return result
