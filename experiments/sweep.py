"""Sweeps: a TOML file names what to vary and how, the engine runs every combination.

A sweep file::

    [sweep]
    name = "support for single parents"   # optional
    scenario = "krachtwijk"               # preset or path (relative to this file)
    steps = 240                           # optional: the scenario's
    replicates = 10                       # runs per point; replicate r has the same seed at every point
    seed = 2026                           # root seed of the replicates and of the sampler (required)
    sampler = "grid"                      # grid | lhs | sobol | morris | fast
    samples = 64                          # lhs, sobol, morris, fast: the sample size N
    outcomes = ["stress_mean", "wellbeing_mean", "transmission"]   # default: all
    off = []                              # causal links switched off in every run

    [vary]                                # what changes between points
    trust_mean = { lo = 0.3, hi = 0.6, n = 4 }                        # grid: n values, ends included
    "interventions.single_parent_support.units" = [0, 60, 120, 200]  # grid: these values

    [set]                                 # fixed parameters, on top of the scenario's
    grid_width = 30

    [interventions.single_parent_support] # fixed settings of interventions
    start = 12

    [shocks.inflation]                    # and shocks
    start = 120

``[vary]`` entries: a parameter by name (or ``set.NAME``), or ``interventions.NAME.SETTING``
or ``shocks.NAME.SETTING``; a list of values or ``{values = [...]}`` (grid only),
``{lo, hi, n}`` (grid: ``n`` evenly spaced values) or ``{lo, hi}`` (the other samplers). The
grid is the product of all entries; ``lhs`` is a Latin hypercube of ``samples`` points;
``sobol``, ``morris`` and ``fast`` are SALib's samplers (``sobol``: ``samples`` a power of 2,
``second_order = true`` for second-order indices; ``morris``: ``samples`` trajectories of
``levels`` levels, default 4; ``fast``: ``samples`` above 64). Whole-number parameters and
settings get whole values (sampled values are rounded).

The whole spec is checked before anything runs or is written: names (with close
matches), ranges against the schema, the sampler and its options, and every point's
task through :func:`experiments.tasks.prepare`.

``run.py sweep --ensemble`` runs every point once per plausible set of the scenario's
calibration file as well as per replicate (:mod:`experiments.ensemble`: label ``member``;
replicate r has the same seed at every point and in every set). The summaries (the plots,
the points' means and intervals) pool each point's sets and replicates, so their intervals
include parameter uncertainty, and say so.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import matplotlib
import numpy as np
import pandas as pd
from SALib.sample import fast_sampler, latin, morris, sobol

from abm.interventions import SHOCKS, SPECS, setting_bounds
from abm.outcomes import COST, NOT_RESIDENT, OUTCOMES, TRANSMISSION
from abm.params import ParameterError, RunSettings, check_links, check_number, close_matches_hint, shown, spec as param_spec
from experiments import ensemble
from experiments.reports import paired_differences, plot_cost_effect, plot_transmission
from experiments.runner import run_tasks
from experiments.scenario import ScenarioError, load as load_scenario, read_toml
from experiments.stats import interval_table
from experiments.store import SUMMARY, provenance, read_runs, write_json_atomic
from experiments.tasks import check_build, check_outcomes, prepare

matplotlib.use("Agg")  # figures go to files, never to a window
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

SAMPLERS = ("grid", "lhs", "sobol", "morris", "fast")
SWEEP_KEYS = ("name", "description", "scenario", "steps", "replicates", "seed", "sampler", "samples", "levels",
              "second_order", "outcomes", "off")
TABLES = ("sweep", "vary", "set", "interventions", "shocks")
ENTRY_KEYS = ("values", "lo", "hi", "n")
SAMPLER_OPTIONS = {"samples": ("lhs", "sobol", "morris", "fast"), "levels": ("morris",), "second_order": ("sobol",)}
MAX_RUNS = 1_000_000
FAST_M = 4  # SALib's default interference factor; FAST needs samples > 4 M^2


class SweepError(ScenarioError):
    """A sweep file that cannot be read or does not fit the schema (one line)."""


@dataclass(frozen=True)
class Factor:
    """One varied input: its column in the results, where it goes in a task, its range or values."""

    column: str  # set.NAME | interventions.NAME.SETTING | shocks.NAME.SETTING
    table: str  # set | interventions | shocks
    name: str
    setting: str | None
    whole: bool
    lo: float
    hi: float
    values: tuple | None = None  # the grid's values (None: sampled in [lo, hi])

    def cast(self, x):
        """A sampled value as the task wants it: int for whole-number inputs, float otherwise."""
        return int(round(float(x))) if self.whole else float(x)


@dataclass(frozen=True)
class Sweep:
    """A checked sweep spec. ``meta`` is its normal form (JSON), stored with the results."""

    name: str
    scenario: str
    steps: int
    replicates: int
    seed: int
    sampler: str
    samples: int | None
    levels: int
    second_order: bool
    outcomes: tuple[str, ...]
    off: tuple[str, ...]
    fixed_set: dict
    interventions: dict
    shocks: dict
    factors: tuple[Factor, ...]
    source: str = ""
    description: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def inputs(self) -> list[str]:
        """The result columns of the varied inputs."""
        return [f.column for f in self.factors]


class Design(NamedTuple):
    """What a sweep runs: a SALib problem, the points (one row per point) and the runs."""

    problem: dict  # {"num_vars", "names", "bounds"} as SALib wants it
    X: np.ndarray  # float64[n_points, n_inputs], the values used (whole numbers rounded)
    runs: list[dict]  # {"point", "replicate", "root_seed", "task"}, point-major


# ---- reading and checking -------------------------------------------------------------

def _check_keys(where: str, got, allowed) -> None:
    for key in got:
        if key not in allowed:
            raise SweepError(f"{where}: unknown key '{key}'; {close_matches_hint(key, allowed)}allowed: {', '.join(allowed)}")


def _whole_number(where: str, key: str, value, lo: int, hi: int) -> int:
    return check_number(where, key, value, lo, hi, whole=True, error=SweepError)


def load_spec(path: str | os.PathLike) -> Sweep:
    """Read and check a sweep file; raises :class:`SweepError` (one line) for anything wrong."""
    path = Path(path)
    if not path.is_file():
        raise SweepError(f"sweep file '{path}' not found")
    data = read_toml(path, SweepError)
    return check_spec(data, source=str(path), base=path.resolve().parent)


def _flatten_vary(table: dict, prefix: str = "") -> dict:
    """``[vary]`` with dotted TOML keys (nested tables) flattened to ``a.b.c`` names."""
    out = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and not any(k in ENTRY_KEYS for k in value):
            out.update(_flatten_vary(value, f"{name}."))
        else:
            out[name] = value
    return out


def _resolve_factor(where: str, key: str) -> tuple[str, str, str, str | None, bool, tuple]:
    """(column, table, name, setting, whole, (lo, hi)) of a ``[vary]`` name."""
    parts = key.split(".")
    try:
        if len(parts) == 1 or (len(parts) == 2 and parts[0] == "set"):
            name = parts[-1]
            f = param_spec(name)
            return (f"set.{name}", "set", name, None, f.type in ("int", int), (f.metadata["lo"], f.metadata["hi"]))
        if parts[0] in ("interventions", "shocks") and len(parts) == 3:
            table, name, setting = parts
            allowed = setting_bounds(table, name)
            if setting not in allowed:
                what = "intervention" if table == "interventions" else "shock"
                raise ParameterError(f"{what} {name}: setting '{setting}' cannot be varied; "
                                     f"{close_matches_hint(setting, allowed)}allowed: {', '.join(allowed)}")
            lo, hi, whole = allowed[setting]
            return key, table, name, setting, whole, (lo, hi)
    except ParameterError as e:
        raise SweepError(f"{where}: {e}") from None
    raise SweepError(f"{where}: '{key}' is not a parameter, interventions.NAME.SETTING or shocks.NAME.SETTING; "
                     "e.g. trust_mean or \"interventions.single_parent_support.units\"")


def _check_value(where: str, column: str, whole: bool, bounds: tuple, value) -> None:
    check_number(where, column, value, *bounds, whole, error=SweepError)


def _factor(where: str, key: str, entry, sampler: str) -> Factor:
    column, table, name, setting, whole, bounds = _resolve_factor(where, key)
    where = f"{where} {key}"
    if isinstance(entry, list):
        entry = {"values": entry}
    if not isinstance(entry, dict):
        raise SweepError(f"{where} = {shown(entry)}; allowed: a list of values, {{values = [...]}}, {{lo, hi, n}} or {{lo, hi}}")
    _check_keys(where, entry, ENTRY_KEYS)
    if "values" in entry:
        if sampler != "grid":
            raise SweepError(f"{where}: values = [...] needs sampler = \"grid\"; sampler '{sampler}' needs lo and hi")
        if set(entry) != {"values"}:
            raise SweepError(f"{where}: give either values = [...] or lo, hi (and n for a grid), not both")
        values = entry["values"]
        if not isinstance(values, list) or not values:
            raise SweepError(f"{where}: values = {shown(values)}; allowed: a non-empty list of numbers")
        for v in values:
            _check_value(where, column, whole, bounds, v)
        if len(set(values)) != len(values):
            raise SweepError(f"{where}: values = {shown(values)} names a value twice")
        values = tuple(int(v) if whole else float(v) for v in values)
        return Factor(column, table, name, setting, whole, float(min(values)), float(max(values)), values)
    if "lo" not in entry or "hi" not in entry:
        need = "values = [...] or lo, hi and n" if sampler == "grid" else "lo and hi"
        raise SweepError(f"{where}: sampler '{sampler}' needs {need}")
    lo, hi = entry["lo"], entry["hi"]
    _check_value(where, column, whole, bounds, lo)
    _check_value(where, column, whole, bounds, hi)
    if not lo < hi:
        raise SweepError(f"{where}: lo = {lo!r} must be below hi = {hi!r}")
    if sampler == "grid":
        if "n" not in entry:
            raise SweepError(f"{where}: a grid over lo and hi needs n, the number of values (2 or more)")
        n = _whole_number(where, "n", entry["n"], 2, 10_000)
        grid = np.linspace(lo, hi, n)
        values = tuple(dict.fromkeys(int(v) for v in np.rint(grid))) if whole else tuple(float(v) for v in grid)
        return Factor(column, table, name, setting, whole, float(lo), float(hi), values)
    if "n" in entry:
        raise SweepError(f"{where}: n applies to sampler \"grid\" only; sampler '{sampler}' takes [sweep] samples")
    return Factor(column, table, name, setting, whole, float(lo), float(hi))


def check_spec(data: dict, source: str = "sweep", base: Path | None = None) -> Sweep:
    """A sweep spec from its parsed TOML ``data``, every part checked (:class:`SweepError`).

    ``base`` is the folder that a relative scenario path is read from (the sweep file's).
    The tasks of the design are checked too (see :func:`build_design`).
    """
    _check_keys(source, data, TABLES)
    for table in TABLES:
        if table in data and not isinstance(data[table], dict):
            raise SweepError(f"{source}: [{table}] must be a table")
    sw = data.get("sweep", {})
    if not sw:
        raise SweepError(f"{source}: the table [sweep] is missing; it needs at least seed (and usually scenario, "
                         "replicates, sampler)")
    where = f"{source} [sweep]"
    _check_keys(where, sw, SWEEP_KEYS)
    sampler = sw.get("sampler", "grid")
    if sampler not in SAMPLERS:
        raise SweepError(f"{where}: sampler = {shown(sampler)}; {close_matches_hint(str(sampler), SAMPLERS)}allowed: {', '.join(SAMPLERS)}")
    for key, samplers in SAMPLER_OPTIONS.items():
        if key in sw and sampler not in samplers:
            raise SweepError(f"{where}: {key} applies to sampler {' or '.join(samplers)}, not '{sampler}'")
    if "seed" not in sw:
        raise SweepError(f"{where}: seed is missing; allowed: a whole number from 0 to 2**63 - 1 "
                         "(a sweep needs a fixed seed to be repeated and resumed)")
    seed = RunSettings.check(seed=sw["seed"], where=where, need_seed=True, error=SweepError).seed
    replicates = _whole_number(where, "replicates", sw.get("replicates", 1), 1, 100_000)
    samples = None
    if sampler != "grid":
        if "samples" not in sw:
            raise SweepError(f"{where}: sampler '{sampler}' needs samples, the sample size N")
        samples = _whole_number(where, "samples", sw["samples"], 1, MAX_RUNS)
        if sampler == "sobol" and samples & (samples - 1):
            raise SweepError(f"{where}: samples = {samples} for sampler 'sobol'; allowed: a power of 2, e.g. "
                             f"{2 ** max(1, round(math.log2(samples)))}")
        if sampler == "fast" and samples <= 4 * FAST_M**2:
            raise SweepError(f"{where}: samples = {samples} for sampler 'fast'; allowed: more than {4 * FAST_M**2}")
    levels = _whole_number(where, "levels", sw.get("levels", 4), 2, 1000)
    second_order = sw.get("second_order", False)
    if not isinstance(second_order, bool):
        raise SweepError(f"{where}: second_order = {shown(second_order)}; allowed: true or false")
    try:
        outcomes = check_outcomes(sw.get("outcomes"))
        off = check_links(sw.get("off", []))
    except ParameterError as e:
        raise SweepError(f"{where}: {e}") from None
    scenario = sw.get("scenario", "krachtwijk")
    if not isinstance(scenario, str):
        raise SweepError(f"{where}: scenario = {shown(scenario)}; allowed: a preset name or a path to a .toml file")
    if (scenario.endswith(".toml") or "/" in scenario) and base is not None and not Path(scenario).is_absolute():
        candidate = base / scenario
        if candidate.is_file():
            scenario = str(candidate.resolve())
    try:
        sc = load_scenario(scenario)
    except ScenarioError as e:
        raise SweepError(f"{where}: {e}") from None
    steps = RunSettings.check(sw.get("steps", sc.steps), where=where, error=SweepError).steps
    for key in ("name", "description"):
        if key in sw and not isinstance(sw[key], str):
            raise SweepError(f"{where}: {key} = {shown(sw[key])}; allowed: text")

    vary = _flatten_vary(data.get("vary", {}))
    factors = tuple(_factor(f"{source} [vary]", key, entry, sampler) for key, entry in vary.items())
    columns = [f.column for f in factors]
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise SweepError(f"{source} [vary]: {dup} is named twice")
    fixed_set = dict(data.get("set", {}))
    interventions = {k: dict(v) if isinstance(v, dict) else v for k, v in data.get("interventions", {}).items()}
    shocks = {k: dict(v) if isinstance(v, dict) else v for k, v in data.get("shocks", {}).items()}
    for f in factors:
        fixed = (fixed_set if f.table == "set" else (interventions if f.table == "interventions" else shocks))
        if f.table == "set" and f.name in fixed:
            raise SweepError(f"{source}: {f.name} is both fixed in [set] and varied in [vary]; allowed: one of the two")
        if f.table != "set" and isinstance(fixed.get(f.name), dict) and f.setting in fixed[f.name]:
            raise SweepError(f"{source}: {f.column} is both fixed in [{f.table}.{f.name}] and varied in [vary]; "
                             "allowed: one of the two")
    if sampler != "grid" and not factors:
        raise SweepError(f"{where}: sampler '{sampler}' needs at least one [vary] entry with lo and hi")
    n_points = _count_points(sampler, factors, samples, second_order)
    if n_points * replicates > MAX_RUNS:
        raise SweepError(f"{source}: {n_points} points x {replicates} replicates = {n_points * replicates} runs; "
                         f"allowed: at most {MAX_RUNS}")
    meta = {"kind": "sweep", "name": sw.get("name", Path(source).stem), "description": sw.get("description", ""),
            "scenario": scenario, "steps": steps, "replicates": replicates, "seed": seed, "sampler": sampler,
            "samples": samples, "levels": levels if sampler == "morris" else None,
            "second_order": second_order if sampler == "sobol" else None, "outcomes": list(outcomes),
            "off": list(off), "set": fixed_set, "interventions": interventions, "shocks": shocks,
            "vary": {f.column: ({"values": list(f.values)} if f.values is not None else {"lo": f.lo, "hi": f.hi})
                     for f in factors}}
    spec = Sweep(name=meta["name"], scenario=scenario, steps=steps, replicates=replicates, seed=seed, sampler=sampler,
                 samples=samples, levels=levels, second_order=second_order, outcomes=outcomes, off=off,
                 fixed_set=fixed_set, interventions=interventions, shocks=shocks, factors=factors, source=source,
                 description=meta["description"], meta=meta)
    _check_base(spec)
    return spec


def _count_points(sampler: str, factors, samples, second_order) -> int:
    d = len(factors)
    if sampler == "grid":
        return math.prod(len(f.values) for f in factors)
    return {"lhs": samples, "sobol": samples * (2 * d + 2 if second_order else d + 2),
            "morris": samples * (d + 1), "fast": samples * d}[sampler]


def _base_task(spec: Sweep) -> dict:
    return {"scenario": spec.scenario, "steps": spec.steps, "seed": spec.seed, "outcomes": list(spec.outcomes),
            "set": dict(spec.fixed_set), "interventions": {k: dict(v) for k, v in spec.interventions.items()},
            "shocks": {k: [dict(x) for x in v] if isinstance(v, list) else dict(v) for k, v in spec.shocks.items()},
            "off": list(spec.off)}


def _check_base(spec: Sweep) -> None:
    """The fixed part of the spec ([set], [interventions], [shocks]), with every varied input at its low end.

    Points are checked one by one in :func:`build_design`; this check first gives a
    mistake in the fixed part a message of its own.
    """
    try:
        prepare(point_task(spec, [f.lo for f in spec.factors], spec.seed))
    except (ParameterError, ScenarioError) as e:
        raise SweepError(f"{spec.source}: {e}") from None


# ---- the design -----------------------------------------------------------------------

def replicate_seeds(root: int, n: int) -> list[int]:
    """The seeds of replicates 0..n-1: ``SeedSequence(root).spawn(n)``, 63 bits each.

    The same at every point of a sweep (common random numbers), and the same for the same
    root in every process.
    """
    return [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1)) for s in np.random.SeedSequence(root).spawn(n)]


def sampler_seed(root: int) -> int:
    """The seed SALib's samplers get: a 32-bit number drawn from the root seed."""
    return int(np.random.SeedSequence([root, 1]).generate_state(1)[0])


def problem_of(spec: Sweep) -> dict:
    """The SALib problem of a sweep: its varied inputs and their ranges."""
    return {"num_vars": len(spec.factors), "names": spec.inputs, "bounds": [[f.lo, f.hi] for f in spec.factors]}


def sample(spec: Sweep) -> np.ndarray:
    """The points of a sweep, float64[n_points, n_inputs] (whole-number inputs rounded)."""
    factors = spec.factors
    if spec.sampler == "grid":
        rows = list(itertools.product(*(f.values for f in factors)))
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(factors))
    problem, n, seed = problem_of(spec), spec.samples, sampler_seed(spec.seed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            if spec.sampler == "lhs":
                X = latin.sample(problem, n, seed=seed)
            elif spec.sampler == "sobol":
                X = sobol.sample(problem, n, calc_second_order=spec.second_order, seed=seed)
            elif spec.sampler == "morris":
                X = morris.sample(problem, n, num_levels=spec.levels, seed=seed)
            else:
                X = fast_sampler.sample(problem, n, M=FAST_M, seed=seed)
    except (ValueError, ZeroDivisionError) as e:
        raise SweepError(f"{spec.source} [sweep]: sampler '{spec.sampler}' cannot sample this spec: "
                         f"{' '.join(str(e).split())}") from None
    X = np.asarray(X, dtype=np.float64)
    for j, f in enumerate(factors):
        if f.whole:
            X[:, j] = np.rint(X[:, j])
        X[:, j] = np.clip(X[:, j], f.lo, f.hi)
    return X


def point_task(spec: Sweep, x, seed: int) -> dict:
    """The task of the point with input values ``x`` and the given seed."""
    task = _base_task(spec)
    task["seed"] = seed
    for f, value in zip(spec.factors, x):
        value = f.cast(value)
        if f.table == "set":
            task["set"][f.name] = value
        else:
            task[f.table].setdefault(f.name, {})[f.setting] = value
    return task


def build_design(spec: Sweep, check: bool = True) -> Design:
    """The sweep's SALib problem, points and runs (point-major, replicates inside).

    Replicate ``r`` has the seed ``replicate_seeds(spec.seed, R)[r]`` at every point. With
    ``check`` each distinct point's task goes through :func:`experiments.tasks.prepare`
    first; a bad one raises :class:`SweepError` naming the point and its values.
    """
    X = sample(spec)
    seeds = replicate_seeds(spec.seed, spec.replicates)
    runs = []
    checked: set = set()
    for i, x in enumerate(X):
        if check and tuple(x) not in checked:
            try:
                _, params, off, _, _, _, plan = prepare(point_task(spec, x, seeds[0]))
                for seed in seeds[1:]:  # facilities on given cells must fit every replicate's layout
                    check_build(params, off, plan, seed)
            except (ParameterError, ScenarioError) as e:
                values = ", ".join(f"{f.column} = {f.cast(v)}" for f, v in zip(spec.factors, x))
                raise SweepError(f"{spec.source}: point {i} ({values}): {e}") from None
            checked.add(tuple(x))
        for r, seed in enumerate(seeds):
            runs.append({"point": i, "replicate": r, "root_seed": spec.seed, "task": point_task(spec, x, seed)})
    return Design(problem_of(spec), X, runs)


# ---- running ----------------------------------------------------------------------------

def run_sweep(spec: Sweep, out_dir: str | os.PathLike, *, scheduler: str | None = None, workers: int | None = None,
              progress: bool = True, plots: bool = True, security=None, use_ensemble: bool = False,
              **engine) -> dict:
    """Run a checked sweep into ``out_dir`` (resuming what is there) and write its report.

    Returns the engine's summary with the design's size and the plots added; the summary is
    also in ``out_dir/summary.json``, the plots in ``out_dir/plots/``. ``security`` is that of
    a ``tls://`` scheduler (see :func:`experiments.runner.security_from_args`); ``engine``
    passes ``batch_runs`` and ``flush_seconds`` to :func:`experiments.runner.run_tasks`.
    ``use_ensemble``: every run once per plausible set of the scenario's calibration file
    (refused, before anything runs, for a scenario that reads none; each set is built at the
    first point, the points themselves are checked with the calibrated best set).
    """
    sets = None
    if use_ensemble:
        try:
            sets = ensemble.plausible_sets(spec.scenario)
        except ScenarioError as e:
            raise SweepError(f"{spec.source}: {e}") from None
    design = build_design(spec)
    runs, meta = design.runs, spec.meta
    if sets is not None:  # only then in meta: a sweep without the flag resumes the folders made before it existed
        runs = ensemble.expand(runs, sets.sets)
        ensemble.check_members([r for r in runs if r["point"] == 0], f"{spec.source}: point 0: ")
        meta = {**spec.meta, "ensemble": sets.sets}
    summary = run_tasks(runs, out_dir, scheduler=scheduler, workers=workers, progress=progress,
                        meta=meta, desc=f"sweep {spec.name}", security=security, **engine)
    summary.update(points=len(design.X), replicates=spec.replicates, sampler=spec.sampler, inputs=spec.inputs,
                   outcomes=list(spec.outcomes))
    if sets is not None:
        summary["ensemble"] = {"sets": sets.sets, "calibration": sets.file, "note": ensemble.note(sets.sets)}
    folder = Path(out_dir)
    summary["plots"] = []
    if plots and summary["ok"]:
        df = read_runs(folder)
        written = plot_outcomes(df, spec.inputs, spec.outcomes, folder / "plots",
                                title=f"Sweep '{spec.name}' ({spec.scenario}, {spec.steps} months)",
                                prov=provenance(meta), note=ensemble.note(sets.sets) if sets is not None else "")
        written += policy_plots(df, spec, folder / "plots")
        summary["plots"] = [str(p.relative_to(folder)) for p in written]
    write_json_atomic(folder / SUMMARY, summary)
    return summary


# points beyond which a plot with one entry per point is no longer readable
MAX_POINTS_PER_PLOT = 24


def policy_plots(df, spec: Sweep, folder: Path) -> list[Path]:
    """Cost against effect (each point against the first) and transmission by point, when kept.

    Points are labelled by their input values; the first point of the design is the
    baseline (a grid's first point has every input at its first value, e.g. no programme).
    """
    ok = ensemble.pooled_pairs(df[df["status"] == "ok"])  # --ensemble: set k of one point pairs with set k of another
    points = sorted(ok["point"].unique())
    if len(points) < 2 or len(points) > MAX_POINTS_PER_PLOT:
        return []
    first = ok.drop_duplicates("point").set_index("point")
    names = {p: ", ".join(f"{c.split('.')[-2] if c.startswith(('interventions.', 'shocks.')) else c.split('.')[-1]}"
                          f"={first.loc[p, c]:g}" for c in spec.inputs) for p in points}
    tidy = pd.DataFrame({"label": ok["point"].map(names), "replicate": ok["replicate"], "outcome": ok["outcome"],
                         "value": ok["value"]})
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    effects = [o for o in spec.outcomes if o not in NOT_RESIDENT]
    if COST in spec.outcomes and effects:
        diffs = paired_differences(tidy, baseline=names[points[0]])
        path = folder / "cost_effect.png"
        plot_cost_effect(diffs, effects[0], path)
        written.append(path)
    if any(o in spec.outcomes for o in TRANSMISSION):
        path = folder / "transmission.png"
        plot_transmission(tidy, path, title=f"Stress passed from parents to children, by point of '{spec.name}'")
        written.append(path)
    return written


def sweep_text(summary: dict, out: str) -> str:
    """A few lines for the terminal: counts, time, failures, where the results are."""
    s = summary
    sets = s.get("ensemble")
    design = f"{s['points']} points x " + (f"{sets['sets']} plausible sets x " if sets else "") + \
        f"{s['replicates']} replicates"
    lines = [f"sweep '{s['spec']['name']}': {s['runs']} runs ({design}, "
             f"sampler {s['sampler']}): {s['ok']} ok, {s['failed']} failed, {s['missing']} missing"]
    if sets:
        lines.append(f"  each point's summaries pool its {sets['sets']} sets x {s['replicates']} replicates: "
                     f"{sets['note']}")
    rate = f", {s['runs_per_second']:.2f} runs/s" if s["runs_per_second"] else ""
    lines.append(f"  this time: {s['computed']} computed ({s['done_before']} were done) in {s['seconds']:.1f} s"
                 f"{rate} on {s['workers']} workers ({s['scheduler']})")
    for f in s["failures"][:5]:
        member = f", set {f['member']}" if f.get("member") is not None else ""
        lines.append(f"  failed: point {f.get('point')}{member}, replicate {f.get('replicate')}: {f['error']}")
    if s["failed"] > 5:
        lines.append(f"  ... and {s['failed'] - 5} more failures, listed in {out}/summary.json")
    if s["failed"]:
        lines.append("  failed runs are tried again when you run the same command")
    lines.append(f"  results: {out}/runs/ (Parquet, one row per run and outcome), {out}/summary.json"
                 + (f", {out}/plots/ ({len(s['plots'])} PNG)" if s.get("plots") else ""))
    return "\n".join(lines)


# ---- report ----------------------------------------------------------------------------

def point_stats(df, inputs: list[str], by: str = "point"):
    """Mean and 95% interval over replicates, per point and outcome (:mod:`experiments.stats`).

    A sweep run with ``--ensemble`` pools each point's plausible sets and replicates here.

    ``df`` is a results table (see :func:`experiments.store.read_runs`); failed runs are left
    out, and so are missing values (NaN). Returns one row per point and outcome: the inputs,
    then :data:`experiments.stats.INTERVAL_COLUMNS` (``mean``, ``sd``, ``n``, ``ci_lo``,
    ``ci_hi``; the interval is NaN for n < 2).
    """
    ok = df[df["status"] == "ok"]
    return interval_table(ok, [by, *[c for c in inputs if c != by], "outcome"])


def input_label(column: str) -> str:
    """A readable label of a result column (parameter label and unit, or the intervention's)."""
    parts = column.split(".")
    try:
        if parts[0] == "set":
            md = param_spec(parts[1]).metadata
            return f"{md['label']} ({md['unit']})"
        if parts[0] == "interventions" and parts[1] in SPECS:
            sp = SPECS[parts[1]]
            return f"{sp.label}: {sp.unit}" if parts[2] == "units" else f"{sp.label}: {parts[2]}"
        if parts[0] == "shocks" and parts[1] in SHOCKS:
            return f"{SHOCKS[parts[1]]['label']}: {parts[2]}"
    except (ParameterError, IndexError):
        pass
    return column


def plot_outcomes(df, inputs: list[str], outcomes, folder: str | os.PathLike, *, title: str = "",
                  prov: dict | None = None, by: str = "point", note: str = "") -> list[Path]:
    """One PNG per outcome: its mean and 95% interval over replicates against each varied input.

    With two inputs on a grid, each panel draws one line per value of the other input; with
    more (or sampled designs) each point is a marker with its interval. The provenance goes
    into the PNG's text chunk ``Description``. Files are written atomically into
    ``folder`` (created if needed) as ``outcome_NAME.png``; returns their paths. ``note``: a
    last line of the title (``--ensemble``: that the intervals include parameter uncertainty).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stats = point_stats(df, inputs, by=by)
    stats = stats[stats["n"] > 0]  # an outcome no run could measure gets no plot
    meta = {"Software": "veerkracht", "Description": json.dumps(prov or {}, default=str)}
    written = []
    for outcome in outcomes:
        sub = stats[stats["outcome"] == outcome]
        if sub.empty:
            continue
        panels = inputs or [None]
        ncols = min(len(panels), 3)
        nrows = math.ceil(len(panels) / ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.9 * nrows), squeeze=False,
                                 constrained_layout=True)
        for ax, col in zip(axes.flat, panels):
            _panel(ax, sub, col, [c for c in inputs if c != col])
            ax.set_ylabel(outcome)
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        n_max = int(sub["n"].max())
        runs = "runs (plausible sets x replicates)" if ensemble.LABEL in df.columns else "replicates"
        fig.suptitle(f"{OUTCOMES[outcome].description() if outcome in OUTCOMES else outcome}\n"
                     f"{title + ': ' if title else ''}mean over up to {n_max} {runs}, bars: 95% interval of the mean"
                     + (f"\n{note}" if note else ""), fontsize=10)
        path = folder / f"outcome_{outcome}.png"
        tmp = folder / f".{path.name}.tmp"
        fig.savefig(tmp, dpi=100, format="png", metadata={**meta, "Title": f"Veerkracht sweep: {outcome}"})
        plt.close(fig)
        os.replace(tmp, path)
        written.append(path)
    return written


def _yerr(rows):
    """The error bars of ``rows`` (point_stats rows): no bar where the interval is NaN (n < 2)."""
    return np.nan_to_num(np.vstack([rows["mean"] - rows["ci_lo"], rows["ci_hi"] - rows["mean"]]).astype(float))


def _panel(ax, sub, col: str | None, others: list[str]) -> None:
    if col is None:  # nothing varied: one bar for the whole sweep
        row = sub.iloc[:1]
        ax.errorbar([0], row["mean"].to_numpy(), yerr=_yerr(row), fmt="o", capsize=4)
        ax.set_xticks([0], ["all runs"])
        return
    sub = sub.sort_values(col)
    repeated = sub[col].duplicated().any()
    if not others or not repeated:
        ax.errorbar(sub[col], sub["mean"], yerr=_yerr(sub),
                    fmt="o-" if not others else "o", ms=4, capsize=3, lw=1, alpha=1.0 if not others else 0.7)
    elif len(others) == 1 and sub[others[0]].nunique() <= 6:
        for level, grp in sub.groupby(others[0]):
            ax.errorbar(grp[col], grp["mean"], yerr=_yerr(grp), fmt="o-",
                        ms=4, capsize=3, lw=1, label=f"{level:g}")
        ax.legend(title=input_label(others[0]), fontsize=7, title_fontsize=7)
    else:
        ax.errorbar(sub[col], sub["mean"], yerr=_yerr(sub), fmt="o", ms=3,
                    capsize=2, lw=0.8, alpha=0.5, label="points")
        trend = sub.groupby(col)["mean"].mean()
        ax.plot(trend.index, trend.values, "k-", lw=1.5, label="average over the other inputs")
        ax.legend(fontsize=7)
    ax.set_xlabel(input_label(col))
