"""Calibration: fit the shared behavioural parameters to the public targets, and keep every set that fits.

``python run.py calibrate SPEC.toml --out DIR`` reads a calibration spec (below), then

1. **screens** (optional, ``[screening]``): Morris elementary effects (SALib, as
   :mod:`experiments.analyse` computes them) of the candidate parameters on the targets'
   outputs, in each scenario; a parameter's influence on a target is its ``mu_star`` in
   units of the target's half band, and the parameters whose largest influence reaches
   ``threshold`` (at most ``max_free`` of them, the strongest first) become the free
   parameters, unless the spec lists them itself;
2. **fits** the free parameters jointly in every scenario with Optuna (TPE): a trial sets
   the free parameters in all scenarios at once (each preset keeps its own population
   inputs, so the presets differ by their inputs, not by separate fits), runs each scenario
   ``replicates`` times with the same seeds in every trial (common random numbers), and
   scores the means against the targets: the loss is the mean over targets of
   ``((model - value) / half band)**2``, so a target counts in units of its own band;
3. **keeps** the plausible ensemble: every trial whose every target lies in its band; if
   none does, the trials nearest to it: those within :data:`NEAR` times the best loss, with
   how far each is (targets out of band and the loss).

Trials run on the sweep engine's Dask cluster (all cores, or ``--scheduler``), one trial at
a time with its runs in parallel, so the trials are the same in every process: the
sampler of trial ``k`` is seeded from the spec's seed and ``k``, and sees the trials before
it. The study is an Optuna journal file in ``DIR`` (append-only): Ctrl-C or a kill stops
it, and the same command resumes: the journal is cut back to before the trial that was
running (:func:`_rewind`), which is then asked again as the same trial, and the study goes
on to its budget. Same seed, same trials, interrupted or not, with TPE and with CMA-ES. Trial 0 is the
model as it stands (every free parameter at its default), so a calibration cannot end worse
than the model it started from.

Written into ``DIR`` (each file atomically):

``study.log``          the Optuna journal (resumable)
``screening.csv``      Morris influence of each candidate on each target (when screened)
``trials.csv``         one row per finished trial: parameters, loss, targets in band, each target's mean
``fit.csv``, ``fit.md`` each target: its band, the best set's value, the ensemble's range
``fit.png``            the same as a picture; ``ranges.png``: the range the ensemble spans per parameter
``calibration.json``   all of it with provenance (spec and its SHA-256, targets files, model
                       version and source digest, commit, date, trials per minute)

``--presets FILE`` then writes the calibrated values the presets read (their
``[calibration] file``): the best set, the ensemble and the provenance.

The spec::

    [calibration]
    scenarios = ["krachtwijk", "mixed", "average_nl"]
    targets = ["experiments/targets/calibration.toml"]   # default: every targets file
    replicates = 2        # runs per scenario and trial, common random numbers
    trials = 200          # the budget
    seed = 7
    months = 120          # months per run after the burn-in
    startup = 24          # random trials before the TPE model takes over (default: 10 + 2 per free parameter, at most half the budget)
    ensemble_max = 20     # at most this many sets in the ensemble
    sampler = "cmaes"     # tpe (global, the default) or cmaes (local, from the defaults)
    window = 0.2          # screened parameters are searched within default +- window x schema range (default: all of it)
    [calibration.set]     # optional: settings of the trial runs (e.g. a smaller grid), checked
    grid_width = 30       # against the full runs at the end (see "agreement" below)

    [free]                # the free parameters: NAME = [lo, hi], or "schema" for the schema's range
    bias_stress = [-2.0, 0.5]
    disorder_line = "schema"

    [screening]           # instead of [free]: pick them by Morris screening
    candidates = "uncertain"   # or a list of names; "uncertain": every behavioural parameter with no quantitative source
    trajectories = 4
    months = 60
    threshold = 0.1
    max_free = 24
    exclude = ["price_level"]  # never free
    [screening.set]
    grid_width = 20

When ``[calibration.set]`` changes the trial runs, the best set is also run with the
presets' own settings at the end, and ``calibration.json`` says per target whether the two
agree within the target's band (``agreement``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import matplotlib
import numpy as np
import pandas as pd

from abm.codegen import write_text_atomic
from abm.params import LINK_NAMES, ParameterError, RunSettings, check_number, close_matches_hint, shown, spec as param_spec
from experiments.runner import open_client
from experiments.scenario import ScenarioError, read_toml, toml_value
from experiments.store import json_ready, model_identity, provenance, write_json_atomic
from experiments.sweep import replicate_seeds, sampler_seed
from experiments.targets import Target, TargetsError, load_all
from experiments.tasks import prepare, run_task

matplotlib.use("Agg")  # figures go to files, never to a window
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

ROOT = Path(__file__).resolve().parent.parent
STUDY, TRIALS, FIT_CSV, FIT_MD, FIT_PNG, RANGES_PNG, JSON_OUT, SCREEN_CSV = (
    "study.log", "trials.csv", "fit.csv", "fit.md", "fit.png", "ranges.png", "calibration.json", "screening.csv")
STUDY_NAME = "veerkracht"
# Optuna's journal: the operations that make a trial and set its state, and the state RUNNING
_CREATE_TRIAL, _SET_STATE, _RUNNING = 4, 6, 0
NOISE = "(noise)"  # the screening's dummy input
SAMPLERS = ("tpe", "cmaes")
#: with no set meeting every target, the ensemble holds the sets within this factor of the best loss
NEAR = 2.0
MAX_TRIALS = 100_000
MAX_REPLICATES = 64
SPEC_TABLES = {"calibration": {"scenarios", "targets", "replicates", "trials", "seed", "months", "startup",
                               "ensemble_max", "set", "window", "sampler"},
               "free": None,
               "screening": {"candidates", "trajectories", "months", "threshold", "max_free", "set", "levels",
                             "exclude"}}
#: groups of the schema that are a neighbourhood's inputs (its population, space, starting stocks and
#: levels), not behaviour: never free, never screened
INPUT_GROUPS = ("space", "population", "initial", "levels")
#: what a run counts but does not do: the programmes' links act only while a programme runs
NOT_BEHAVIOUR = ("burn_in_months", "burn_in_max", "burn_in_tolerance", "lineage_age_years")


class CalibrationError(ScenarioError):
    """A calibration spec that cannot be used (one line, naming the bad value)."""


@dataclass(frozen=True)
class Spec:
    """A checked calibration spec."""

    path: str
    sha256: str
    scenarios: tuple[str, ...]
    targets: tuple[Target, ...]
    target_files: tuple[dict, ...]
    replicates: int
    trials: int
    seed: int
    months: int
    startup: int | None
    ensemble_max: int
    window: float | None  # screened parameters search default +- window x their schema range (None: all of it)
    sampler: str  # tpe (a global search) | cmaes (a local search from the defaults)
    sets: dict
    free: dict  # name -> (lo, hi), empty when screening picks them
    screening: dict | None
    outcomes: dict = field(default_factory=dict)  # scenario -> outputs its targets name

    @property
    def pairs(self) -> list[tuple[Target, str]]:
        """(target, scenario) for every target and each chosen scenario it applies to."""
        return [(t, s) for t in self.targets for s in t.scenarios if s in self.scenarios]


# ---- the spec ------------------------------------------------------------------------------

def _range_of(name: str, value, where: str) -> tuple[float, float]:
    """A free parameter's range: ``[lo, hi]`` inside the schema's, or ``"schema"``."""
    try:
        meta = param_spec(name).metadata
    except ParameterError as e:
        raise CalibrationError(f"{where}: {e}") from None
    if meta.get("kind") == "link" and name not in LINK_NAMES:
        raise CalibrationError(f"{where}: {name} is not a parameter")
    if meta["group"] in INPUT_GROUPS:
        raise CalibrationError(f"{where}: {name} is a neighbourhood input (group {meta['group']}), not behaviour; "
                               "each preset keeps its own inputs, so it cannot be fitted jointly")
    s_lo, s_hi = float(meta["lo"]), float(meta["hi"])
    if value == "schema":
        return s_lo, s_hi
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                                 for v in value)):
        raise CalibrationError(f"{where}: {name} = {shown(value)}; allowed: [lo, hi] within {s_lo} to {s_hi}, or \"schema\"")
    lo, hi = float(value[0]), float(value[1])
    if not (s_lo <= lo < hi <= s_hi):
        raise CalibrationError(f"{where}: {name} = {shown(value)}; allowed: lo < hi within the schema's {s_lo} to {s_hi}")
    return lo, hi


def uncertain_parameters() -> list[str]:
    """The behavioural parameters without a quantitative source: candidates for screening.

    Every causal link (their strengths are assumptions or qualitative readings of the
    seeds), except the programmes' links (they act only while a programme runs), and every
    parameter whose source says "calibrated" or "assumption", outside the neighbourhood's
    inputs (:data:`INPUT_GROUPS`) and the run's own settings.
    """
    from abm.interventions.mechanisms import PROGRAMME_LINKS
    from abm.params import schema_rows

    out = []
    for row in schema_rows():
        name = row["name"]
        if row["group"] in INPUT_GROUPS or name in NOT_BEHAVIOUR or name in PROGRAMME_LINKS:
            continue
        if row["group"] == "outputs" and "calibrated" not in str(row.get("source", "")):
            continue  # how an output is read (a threshold, a window), not behaviour
        if float(row["hi"]) <= float(row["lo"]) or isinstance(row["default"], bool):
            continue
        source = str(row.get("source", "")).lower()
        if row["kind"] == "link" or "calibrated" in source or "assumption" in source:
            out.append(name)
    return out


def load_spec(path: str | os.PathLike) -> Spec:
    """Read and check a calibration spec; raises :class:`CalibrationError` (one line)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise CalibrationError(f"calibration spec '{p}' cannot be read: {e.strerror or e}") from None
    data = read_toml(p, error=CalibrationError)
    for key in data:
        if key not in SPEC_TABLES:
            raise CalibrationError(f"{p}: unknown table [{key}]; {close_matches_hint(key, SPEC_TABLES)}"
                                   f"allowed: {', '.join(SPEC_TABLES)}")
    cal = data.get("calibration")
    if not isinstance(cal, dict):
        raise CalibrationError(f"{p}: a [calibration] table is needed (scenarios, replicates, trials, seed)")
    for key in cal:
        if key not in SPEC_TABLES["calibration"]:
            raise CalibrationError(f"{p} [calibration]: unknown key {shown(key)}; "
                                   f"{close_matches_hint(key, SPEC_TABLES['calibration'])}"
                                   f"allowed: {', '.join(sorted(SPEC_TABLES['calibration']))}")
    where = f"{p} [calibration]"
    targets_paths = cal.get("targets")
    if targets_paths is not None and not (isinstance(targets_paths, list) and all(isinstance(t, str) for t in targets_paths)):
        raise CalibrationError(f"{where}: targets = {shown(targets_paths)}; allowed: a list of targets files")
    try:
        files = load_all([str((p.parent / t) if not Path(t).is_absolute() and not Path(t).exists() else t)
                          for t in targets_paths] if targets_paths else None)
    except TargetsError as e:
        raise CalibrationError(f"{where}: {e}") from None
    targets = tuple(t for f in files for t in f.targets)
    named = list(dict.fromkeys(s for t in targets for s in t.scenarios))
    scenarios = cal.get("scenarios", named)
    if not (isinstance(scenarios, list) and scenarios and all(isinstance(s, str) for s in scenarios)):
        raise CalibrationError(f"{where}: scenarios = {shown(scenarios)}; allowed: a list of presets, e.g. {named}")
    for s in scenarios:
        if s not in named:
            raise CalibrationError(f"{where}: scenario {shown(s)}: no target applies to it; allowed: {', '.join(named)}")
    scenarios = list(dict.fromkeys(scenarios))
    try:
        replicates = check_number(where, "replicates", cal.get("replicates", 2), 1, MAX_REPLICATES, whole=True)
        trials = check_number(where, "trials", cal.get("trials", 100), 1, MAX_TRIALS, whole=True)
        ensemble_max = check_number(where, "ensemble_max", cal.get("ensemble_max", 20), 1, MAX_TRIALS, whole=True)
        window = cal.get("window")
        if window is not None:
            window = check_number(where, "window", window, 0.001, 1.0)
        sampler = cal.get("sampler", "tpe")
        if sampler not in SAMPLERS:
            raise CalibrationError(f"{where}: sampler = {shown(sampler)}; allowed: {', '.join(SAMPLERS)}")
        startup = cal.get("startup")
        if startup is not None:
            startup = check_number(where, "startup", startup, 1, MAX_TRIALS, whole=True)
        settings = RunSettings.check(cal.get("months", 120), cal.get("seed"), where, need_seed=True, error=CalibrationError)
    except ParameterError as e:
        raise CalibrationError(str(e)) from None
    sets = cal.get("set", {})
    if not isinstance(sets, dict):
        raise CalibrationError(f"{where}: set = {shown(sets)}; allowed: a table of parameter = value")
    free_raw = data.get("free", {})
    screening = data.get("screening")
    if not isinstance(free_raw, dict):
        raise CalibrationError(f"{p}: [free] must be a table of NAME = [lo, hi]")
    if not free_raw and screening is None:
        raise CalibrationError(f"{p}: name the free parameters in [free], or let [screening] pick them")
    free = {name: _range_of(name, value, f"{p} [free]") for name, value in free_raw.items()}
    clash = [name for name in free if name in sets]
    if clash:
        raise CalibrationError(f"{where}: set {clash[0]} is also free; a parameter is either set or fitted")
    if screening is not None:
        screening = _check_screening(p, screening)
    outcomes = {s: list(dict.fromkeys(t.output for t in targets if s in t.scenarios)) for s in scenarios}
    spec = Spec(path=str(p), sha256=hashlib.sha256(raw).hexdigest(), scenarios=tuple(scenarios), targets=targets,
                target_files=tuple({"file": str(f.path), "sha256": f.sha256} for f in files),
                replicates=replicates, trials=trials, seed=settings.seed, months=settings.steps, startup=startup,
                ensemble_max=ensemble_max, window=window, sampler=sampler, sets=dict(sets), free=free,
                screening=screening, outcomes=outcomes)
    _check_runs(spec)
    return spec


def _check_screening(p: Path, sc) -> dict:
    where = f"{p} [screening]"
    if not isinstance(sc, dict):
        raise CalibrationError(f"{where}: must be a table")
    for key in sc:
        if key not in SPEC_TABLES["screening"]:
            raise CalibrationError(f"{where}: unknown key {shown(key)}; allowed: {', '.join(sorted(SPEC_TABLES['screening']))}")
    cand = sc.get("candidates", "uncertain")
    if cand == "uncertain":
        names = uncertain_parameters()
    elif isinstance(cand, list) and cand and all(isinstance(c, str) for c in cand):
        names = list(dict.fromkeys(cand))
    else:
        raise CalibrationError(f"{where}: candidates = {shown(cand)}; allowed: \"uncertain\" or a list of parameter names")
    exclude = sc.get("exclude", [])
    if not (isinstance(exclude, list) and all(isinstance(x, str) for x in exclude)):
        raise CalibrationError(f"{where}: exclude = {shown(exclude)}; allowed: a list of parameter names")
    for x in exclude:
        param_spec(x)  # a misspelt name is refused, with close matches
    names = [n for n in names if n not in exclude]
    ranges = {name: _range_of(name, "schema", where) for name in names}
    try:
        out = {
            "candidates": ranges,
            "trajectories": check_number(where, "trajectories", sc.get("trajectories", 4), 2, 1000, whole=True),
            "levels": check_number(where, "levels", sc.get("levels", 4), 2, 20, whole=True),
            "months": check_number(where, "months", sc.get("months", 60), 1, 6000, whole=True),
            "threshold": check_number(where, "threshold", sc.get("threshold", 0.1), 0.0, 1e6),
            "max_free": check_number(where, "max_free", sc.get("max_free", 24), 1, 1000, whole=True),
        }
    except ParameterError as e:
        raise CalibrationError(str(e)) from None
    sets = sc.get("set", {})
    if not isinstance(sets, dict):
        raise CalibrationError(f"{where}: set = {shown(sets)}; allowed: a table of parameter = value")
    out["set"] = dict(sets)
    return out


def _check_runs(spec: Spec) -> None:
    """Build each scenario once with the trial settings and the free parameters at their middles."""
    middle = {name: _value(name, (lo + hi) / 2.0) for name, (lo, hi) in spec.free.items()}
    for s in spec.scenarios:
        try:
            prepare(_task(spec, s, {**spec.sets, **middle}, replicate_seeds(spec.seed, 1)[0], spec.months))
        except (ParameterError, ScenarioError) as e:
            raise CalibrationError(f"{spec.path}: scenario {s}: {e}") from None


def _value(name: str, x: float):
    """A sampled value as the schema's type wants it (whole numbers for integer parameters)."""
    return int(round(x)) if isinstance(param_spec(name).default, int) else float(x)


def _task(spec: Spec, scenario: str, sets: dict, seed: int, months: int) -> dict:
    return {"scenario": scenario, "steps": months, "seed": seed, "outcomes": spec.outcomes[scenario],
            "set": dict(sets), "calibrated": False}


# ---- one trial -----------------------------------------------------------------------------

def trial_tasks(spec: Spec, params: dict, sets: dict | None = None, months: int | None = None) -> list[dict]:
    """The runs of one trial: each scenario, each replicate (the same seeds in every trial)."""
    sets = spec.sets if sets is None else sets
    seeds = replicate_seeds(spec.seed, spec.replicates)
    return [_task(spec, s, {**sets, **params}, sd, months or spec.months) for s in spec.scenarios for sd in seeds]


def score(spec: Spec, tasks: list[dict], results: list[dict]) -> dict:
    """Means per (target, scenario) over the replicates, the loss and the targets in band."""
    values: dict[tuple[str, str], list[float]] = {}
    for task, res in zip(tasks, results):
        for name, v in res["outcomes"].items():
            values.setdefault((task["scenario"], name), []).append(v)
    means, terms, inside = {}, [], 0
    for t, s in spec.pairs:
        vals = [v for v in values.get((s, t.output), []) if v is not None and math.isfinite(v)]
        m = float(np.mean(vals)) if vals else math.nan
        means[f"{t.name}@{s}"] = m
        half = (t.hi - t.lo) / 2.0
        z = (m - t.value) / half if math.isfinite(m) else 10.0  # a target the runs cannot measure counts as far out
        terms.append(z * z)
        inside += int(math.isfinite(m) and t.lo <= m <= t.hi)
    return {"loss": float(np.mean(terms)), "in_band": inside, "targets": len(terms), "means": means}


def _sampler(spec: Spec, number: int, n_free: int, x0: dict):
    """Trial ``number``'s sampler, seeded from the spec's seed and the number (the same in every process).

    ``tpe``: Optuna's TPE after ``startup`` random trials, a global search. ``cmaes``: CMA-ES
    (Optuna's CmaEsSampler) from the free parameters' defaults ``x0``, with a step of a fifth
    of each range: a local search that refines the model as it stands; its state is kept
    with the trials, so a resumed study goes on where it stopped (after :func:`_rewind`).
    """
    import optuna

    seed = int(np.random.SeedSequence([spec.seed, number]).generate_state(1, np.uint32)[0])
    if spec.sampler == "cmaes":
        return optuna.samplers.CmaEsSampler(x0=x0, sigma0=0.2, seed=seed, n_startup_trials=0,
                                            warn_independent_sampling=False)
    startup = spec.startup if spec.startup is not None else min(10 + 2 * n_free, max(spec.trials // 2, 1))
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, multivariate=True)


def _open_study(folder: Path):
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(folder / STUDY)))
    return optuna.create_study(study_name=STUDY_NAME, storage=storage, direction="minimize", load_if_exists=True)


def _rewind(folder: Path) -> int:
    """Undo the trial a killed study was running: its journal is cut before the trial was made.

    Trials run one at a time, so everything the journal holds after the creation of a trial
    still running belongs to that trial (its parameters, its attributes, perhaps half a
    line). Cutting it leaves the study as it was before that trial was asked; asked again,
    with the sampler seeded from the spec's seed and the trial's number, it is the same
    trial, and the whole study is that of a run that was never stopped (for CMA-ES too,
    whose generations count trials by number). Returns the number of bytes cut.
    """
    path = folder / STUDY
    if not path.exists():
        return 0
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    offsets, created, running, pos = [], [], set(), 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
        try:
            op = json.loads(line)
        except ValueError:  # a half-written last line
            continue
        if op.get("op_code") == _CREATE_TRIAL:
            created.append(len(offsets) - 1)
            if op.get("datetime_start") is not None or op.get("state") == _RUNNING:
                running.add(len(created) - 1)
        elif op.get("op_code") == _SET_STATE:
            (running.add if op.get("state") == _RUNNING else running.discard)(op["trial_id"])
    if not running:
        return 0
    cut = offsets[created[min(running)]]
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(cut)
    return size - cut


def fit(spec: Spec, free: dict, folder: Path, client, progress: bool = True) -> pd.DataFrame:
    """Run the study to its budget (resuming what is in ``folder``); returns the finished trials."""
    from optuna.distributions import FloatDistribution, IntDistribution
    from optuna.trial import TrialState

    _rewind(folder)
    study = _open_study(folder)
    dists = {name: (IntDistribution(int(math.ceil(lo)), int(math.floor(hi))) if isinstance(param_spec(name).default, int)
                    else FloatDistribution(lo, hi)) for name, (lo, hi) in free.items()}
    x0 = {k: min(max(_value(k, float(param_spec(k).default)), dists[k].low), dists[k].high) for k in free}
    if not study.trials:
        # the model as it stands is the first trial: the calibration cannot end worse than its start
        study.enqueue_trial(x0, user_attrs={"defaults": True})

    def finished() -> int:
        return sum(t.state == TrialState.COMPLETE or (t.state == TrialState.FAIL and "error" in t.user_attrs)
                   for t in study.get_trials(deepcopy=False))

    n_start = finished()
    bar = _bar(spec.trials, n_start, progress)
    t0 = time.perf_counter()
    while (n_done := finished()) < spec.trials:
        study.sampler = _sampler(spec, n_done, len(free), x0)
        trial = study.ask(dists)
        params = {k: _value(k, trial.params[k]) for k in free}
        tasks = trial_tasks(spec, params)
        try:
            results = client.gather(client.map(run_task, tasks, pure=False))
        except (ParameterError, ScenarioError) as e:  # a set the neighbourhood cannot be built with
            trial.set_user_attr("error", str(e)[:500])
            study.tell(trial, state=TrialState.FAIL)
            continue
        s = score(spec, tasks, results)
        trial.set_user_attr("score", s)
        study.tell(trial, s["loss"])
        bar(s["loss"])
    bar(None)
    table = trials_table(study, free)
    # the study's own pace, from its trials' clock times (the same whether it ran in one call or was resumed)
    done = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE and t.datetime_complete]
    if done:
        span = (max(t.datetime_complete for t in done) - min(t.datetime_start for t in done)).total_seconds() / 60.0
        table.attrs["fit_minutes"] = span
        table.attrs["trials_per_minute"] = len(done) / span if span > 0 else None
    table.attrs["trials_now"] = finished() - n_start
    return table


def _bar(total: int, start: int, show: bool):
    """A progress line on stderr: trials done of the budget and the best loss so far."""
    import sys

    state = {"n": start, "best": math.inf, "t0": time.perf_counter()}

    def tick(loss):
        if loss is None:
            if show:
                sys.stderr.write("\n")
            return
        state["n"] += 1
        state["best"] = min(state["best"], loss)
        if show:
            rate = (state["n"] - start) / max(time.perf_counter() - state["t0"], 1e-9) * 60.0
            sys.stderr.write(f"\rcalibrate: {state['n']}/{total} trials, best loss {state['best']:.4g}, "
                             f"{rate:.1f} trials/min   ")
            sys.stderr.flush()

    return tick


def trials_table(study, free: dict) -> pd.DataFrame:
    """One row per finished trial: number, the free parameters, loss, targets in band, and each target's mean."""
    from optuna.trial import TrialState

    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.state != TrialState.COMPLETE:
            continue
        s = t.user_attrs.get("score", {})
        row = {"trial": t.number, **{k: t.params.get(k) for k in free}, "loss": t.value,
               "in_band": s.get("in_band"), "targets": s.get("targets")}
        row.update({f"mean:{k}": v for k, v in s.get("means", {}).items()})
        rows.append(row)
    return pd.DataFrame(rows)


def ensemble(table: pd.DataFrame, most: int, tolerance: float = NEAR) -> tuple[pd.DataFrame, bool]:
    """The plausible sets, best first, at most ``most``, and whether each meets every target.

    Every trial whose every target lies in its band. If none does, the sets nearest to that:
    those whose loss (the mean squared distance to the figures, in half bands) is within
    ``tolerance`` times the best loss; each set's number of targets out of band is reported
    with it.
    """
    if table.empty:
        return table, False
    full = table[table["in_band"] == table["targets"]]
    if len(full):
        return full.sort_values(["loss", "trial"]).head(most), True
    near = table[table["loss"] <= tolerance * table["loss"].min()]
    return near.sort_values(["loss", "trial"]).head(most), False


# ---- screening -----------------------------------------------------------------------------

def safe_run(task: dict) -> dict:
    """:func:`experiments.tasks.run_task`, with a set the neighbourhood cannot be built with reported, not raised."""
    try:
        return run_task(task)
    except (ParameterError, ScenarioError) as e:
        return {"outcomes": {}, "error": str(e)[:500]}


def screen(spec: Spec, client, progress: bool = True) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Morris screening of the candidates on every (target, scenario); returns (free, per target, per parameter).

    A candidate's influence on a target is its Morris ``mu_star`` divided by the target's
    half band: 1 means that moving the parameter across its range moves the target, on
    average, by half its band. Its score is its largest influence on any target. The free
    parameters are those scoring at least ``threshold`` whose influence on some target
    exceeds that of the dummy input :data:`NOISE` (which only changes the runs' seed: its
    influence is what the luck of the draw alone gives), at most ``max_free``, those that
    exceed the noise most first.
    """
    from SALib.sample import morris as morris_sample

    from experiments.analyse import morris_indices

    sc = spec.screening
    names = list(sc["candidates"])
    # a dummy input that picks the runs' seed: moving it changes nothing but the luck of the
    # draw, so its influence is the noise the real inputs' influences stand out from (moving a
    # real input keeps the seed: common random numbers)
    problem = {"num_vars": len(names) + 1, "names": [*names, NOISE],
               "bounds": [list(sc["candidates"][n]) for n in names] + [[0.0, 1.0]]}
    X = morris_sample.sample(problem, sc["trajectories"], num_levels=sc["levels"], seed=sampler_seed(spec.seed))
    seeds = replicate_seeds(spec.seed, sc["levels"])
    tasks = [_task(spec, s, {**sc["set"], **{n: _value(n, x) for n, x in zip(names, row[:-1])}},
                   seeds[int(round(row[-1] * (sc["levels"] - 1)))], sc["months"])
             for row in X for s in spec.scenarios]
    futures = client.map(safe_run, tasks, pure=False)
    if progress:
        import sys

        while (done := sum(f.done() for f in futures)) < len(futures):
            sys.stderr.write(f"\rscreening: {done}/{len(futures)} runs ")
            sys.stderr.flush()
            time.sleep(2.0)
        sys.stderr.write(f"\rscreening: {len(futures)}/{len(futures)} runs\n")
    results = client.gather(futures)
    per_point = {s: {} for s in spec.scenarios}
    for task, res in zip(tasks, results):
        per_point[task["scenario"]].setdefault("rows", []).append(res["outcomes"])
    rows = []
    for t, s in spec.pairs:
        y = np.array([r.get(t.output, math.nan) if r.get(t.output) is not None else math.nan
                      for r in per_point[s]["rows"]], dtype=float)
        mi = morris_indices(problem, X, {t.output: y}, sc["levels"], sampler_seed(spec.seed))
        half = (t.hi - t.lo) / 2.0
        for r in mi.itertuples():
            rows.append({"parameter": r.input, "target": t.name, "scenario": s, "mu_star": r.mu_star,
                         "sigma": r.sigma, "influence": r.mu_star / half})
    detail = pd.DataFrame(rows)
    # the noise on each target: the dummy's influence on it; a parameter stands out on a target by what it exceeds that
    noise_of = detail[detail["parameter"] == NOISE].set_index(["target", "scenario"])["influence"]
    detail["excess"] = detail["influence"] - [noise_of[(t, sc_)] for t, sc_ in zip(detail["target"], detail["scenario"])]
    g = detail.groupby("parameter")
    ranked = pd.DataFrame({"score": g["influence"].max(), "excess": g["excess"].max(),
                           "mean_influence": g["influence"].mean()}).sort_values("excess", ascending=False).reset_index()
    ranked["strongest_target"] = [detail[detail["parameter"] == p].sort_values("excess").iloc[-1][["target", "scenario"]]
                                  .str.cat(sep="@") for p in ranked["parameter"]]
    noise = float(ranked.loc[ranked["parameter"] == NOISE, "score"].iloc[0])
    chosen = choose(ranked, sc)
    free = {p: sc["candidates"][p] for p in chosen}
    failed = sum("error" in r for r in results)
    ranked.attrs.update(runs=len(tasks), failed=failed, points=int(X.shape[0]), noise=noise)
    return free, detail, ranked


def choose(ranked: pd.DataFrame, sc: dict) -> list[str]:
    """The free parameters from a screening's ranked table (its ``chosen`` column is set here):
    candidates still in the spec (not excluded) that score at least ``threshold`` and exceed the
    noise on some target, at most ``max_free``, those that exceed the noise most first."""
    real = ranked[(ranked["parameter"] != NOISE) & ranked["parameter"].isin(list(sc["candidates"]))]
    top = real[(real["score"] >= sc["threshold"]) & (real["excess"] > 0)].sort_values(
        "excess", ascending=False, kind="stable").head(sc["max_free"])
    ranked["chosen"] = ranked["parameter"].isin(top["parameter"])
    return list(top["parameter"])


def search_range(spec: Spec, name: str, schema: tuple[float, float]) -> tuple[float, float]:
    """Where a screened parameter is searched: its schema default +- ``window`` x its schema range,
    inside the schema's range (all of it without a window). The model as it stands is the centre:
    a calibration refines it, it does not start over."""
    lo, hi = schema
    if spec.window is None:
        return lo, hi
    default = float(param_spec(name).default)
    half = spec.window * (hi - lo)
    return max(lo, default - half), min(hi, default + half)


# ---- the report ----------------------------------------------------------------------------

def fit_rows(spec: Spec, table: pd.DataFrame, ens: pd.DataFrame, best: pd.Series) -> list[dict]:
    """Per (target, scenario): the figure, its band, the best set's value and the ensemble's range."""
    rows = []
    for t, s in spec.pairs:
        col = f"mean:{t.name}@{s}"
        b = float(best.get(col, math.nan))
        e = ens[col].astype(float) if col in ens else pd.Series(dtype=float)
        rows.append({"target": t.name, "output": t.output, "scenario": s, "value": t.value, "band_lo": t.lo,
                     "band_hi": t.hi, "best": b, "ensemble_lo": float(e.min()) if len(e) else math.nan,
                     "ensemble_hi": float(e.max()) if len(e) else math.nan,
                     "verdict": "in" if t.lo <= b <= t.hi else ("out" if math.isfinite(b) else "n/a")})
    return rows


def _num(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.3g}"


def fit_markdown(rows: list[dict]) -> str:
    lines = ["| target | scenario | figure | band | best set | ensemble | verdict |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r['target']}` | {r['scenario']} | {_num(r['value'])} | {_num(r['band_lo'])} to {_num(r['band_hi'])} "
                     f"| {_num(r['best'])} | {_num(r['ensemble_lo'])} to {_num(r['ensemble_hi'])} | {r['verdict']} |")
    return "\n".join(lines) + "\n"


def ranges_rows(free: dict, ens: pd.DataFrame, best: pd.Series) -> list[dict]:
    return [{"parameter": k, "lo": lo, "hi": hi, "default": param_spec(k).default, "best": float(best[k]),
             "ensemble_lo": float(ens[k].min()), "ensemble_hi": float(ens[k].max())} for k, (lo, hi) in free.items()]


def plot_fit(rows: list[dict], path: Path) -> None:
    n = len(rows)
    fig, ax = plt.subplots(figsize=(8, 0.32 * n + 1.2))
    for k, r in enumerate(rows):
        half = (r["band_hi"] - r["band_lo"]) / 2.0 or 1.0
        z = lambda x, r=r, half=half: (x - r["value"]) / half  # noqa: E731  (in units of the target's half band)
        ax.plot([z(r["band_lo"]), z(r["band_hi"])], [k, k], color="#9ecae1", lw=6, solid_capstyle="butt")
        if math.isfinite(r["ensemble_lo"]):
            ax.plot([z(r["ensemble_lo"]), z(r["ensemble_hi"])], [k, k], color="#555555", lw=1.5)
        ax.plot(z(r["best"]), k, "o", color="#2a7f62" if r["verdict"] == "in" else "#c0392b")
    ax.set_yticks(range(n), [f"{r['target']} ({r['scenario']})" for r in rows], fontsize=7)
    ax.axvline(0, color="#999999", lw=0.5)
    ax.set_xlabel("model - figure, in half bands (the blue band is the target's)")
    ax.set_title("Calibration: each target, best set (dot) and ensemble (line)", fontsize=9)
    fig.tight_layout()
    _save(fig, path)


def plot_ranges(ranges: list[dict], path: Path, ens: pd.DataFrame | None = None) -> None:
    """A panel per free parameter: the range searched, each plausible set's value (ticks), the best
    set (dot) and the schema default (red line)."""
    n = max(len(ranges), 1)
    cols = min(4, n)
    rows_n = math.ceil(n / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(2.6 * cols, 1.25 * rows_n + 0.6), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        if k >= len(ranges):
            ax.axis("off")
            continue
        r = ranges[k]
        ax.axvspan(r["lo"], r["hi"], color="#eeeeee")
        ax.axvspan(r["ensemble_lo"], r["ensemble_hi"], color="#b7dfcf")
        if ens is not None and r["parameter"] in ens:
            ax.plot(ens[r["parameter"]].astype(float), np.zeros(len(ens)), "|", color="#2a7f62", ms=12)
        ax.plot(r["best"], 0, "o", color="#1f3d7a")
        if isinstance(r["default"], (int, float)) and r["lo"] <= float(r["default"]) <= r["hi"]:
            ax.axvline(float(r["default"]), color="#c0392b", lw=1)
        ax.set_xlim(r["lo"], r["hi"])
        ax.set_yticks([])
        ax.set_title(r["parameter"], fontsize=7)
        ax.tick_params(labelsize=6)
    fig.suptitle("Free parameters: range searched (grey), plausible sets (green ticks and span), best (dot), "
                 "schema default (red)", fontsize=7)
    fig.tight_layout()
    _save(fig, path)


def _save(fig, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def _csv(df: pd.DataFrame, path: Path) -> None:
    write_text_atomic(path, df.to_csv(index=False))


def agreement(spec: Spec, client, best_params: dict, trial_means: dict) -> list[dict] | None:
    """With trial settings of their own (``[calibration] set``): the best set run as the presets run, per target."""
    if not spec.sets:
        return None
    tasks = trial_tasks(spec, best_params, sets={})
    full = score(spec, tasks, client.gather(client.map(run_task, tasks, pure=False)))["means"]
    out = []
    for t, s in spec.pairs:
        key = f"{t.name}@{s}"
        a, b = trial_means.get(key, math.nan), full.get(key, math.nan)
        half = (t.hi - t.lo) / 2.0
        out.append({"target": t.name, "scenario": s, "trial_runs": a, "full_runs": b,
                    "agree": bool(math.isfinite(a) and math.isfinite(b) and abs(a - b) <= half)})
    return out


def run_calibration(spec: Spec, out: str | os.PathLike, *, scheduler=None, workers=None, security=None,
                    progress: bool = True) -> dict:
    """Screen (if asked), fit, keep the ensemble and write the report into ``out``; returns calibration.json's content."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "spec.json"
    ident = {"spec_sha256": spec.sha256, "model_source": model_identity().get("source_sha256")}
    if marker.exists():
        before = json.loads(marker.read_text(encoding="utf-8"))
        if before.get("spec_sha256") != spec.sha256:
            raise CalibrationError(f"{folder} holds a calibration of another spec ({before.get('spec')}); "
                                   "use an empty folder, or the same spec to resume")
    else:
        write_json_atomic(marker, {"spec": spec.path, **ident})
    t0 = time.perf_counter()
    with open_client(scheduler, workers, security) as client:
        ranked = None
        free = dict(spec.free)
        if not free:
            screened = folder / SCREEN_CSV
            if screened.exists():  # a resumed calibration keeps its screening (the rule is applied again)
                ranked = pd.read_csv(screened)
                free = {p: spec.screening["candidates"][p] for p in choose(ranked, spec.screening)}
            else:
                free, detail, ranked = screen(spec, client, progress)
                _csv(detail, folder / "screening_detail.csv")
                _csv(ranked, screened)
            free = {p: search_range(spec, p, r) for p, r in free.items()}
        if not free:
            raise CalibrationError("the screening found no parameter that moves a target by its threshold; "
                                   "lower [screening] threshold or name the free parameters in [free]")
        table = fit(spec, free, folder, client, progress)
        if table.empty:
            raise CalibrationError("no trial finished: every parameter set failed to build (see trials in study.log)")
        ens, all_in = ensemble(table, spec.ensemble_max)
        best = table.loc[table["loss"].idxmin()]
        best_params = {k: _value(k, best[k]) for k in free}
        agree = agreement(spec, client, best_params,
                          {c[5:]: float(best[c]) for c in table.columns if c.startswith("mean:")})
    minutes = (time.perf_counter() - t0) / 60.0
    rows = fit_rows(spec, table, ens, best)
    ranges = ranges_rows(free, ens, best)
    _csv(table, folder / TRIALS)
    _csv(pd.DataFrame(rows), folder / FIT_CSV)
    write_text_atomic(folder / FIT_MD, fit_markdown(rows))
    plot_fit(rows, folder / FIT_PNG)
    plot_ranges(ranges, folder / RANGES_PNG, ens)
    n_in = sum(r["verdict"] == "in" for r in rows)
    report = {
        "spec": {"file": spec.path, "sha256": spec.sha256, "scenarios": list(spec.scenarios),
                 "replicates": spec.replicates, "trials": spec.trials, "seed": spec.seed, "months": spec.months,
                 "set": spec.sets, "targets": list(spec.target_files)},
        "free": {k: list(v) for k, v in free.items()},
        "screening": None if ranked is None else ranked.to_dict(orient="records"),
        "best": {"trial": int(best["trial"]), "loss": float(best["loss"]), "params": best_params,
                 "in_band": int(best["in_band"]), "targets": int(best["targets"])},
        "ensemble": {"all_in_band": all_in, "sets": [
            {"trial": int(r["trial"]), "loss": float(r["loss"]), "in_band": int(r["in_band"]),
             "out_of_band": int(r["targets"] - r["in_band"]), "params": {k: _value(k, r[k]) for k in free}}
            for _, r in ens.iterrows()]},
        "ranges": ranges, "fit": rows, "agreement": agree,
        "trials_done": int(len(table)), "minutes_this_call": minutes,
        # the fit's pace (trials finished per minute of fitting, the screening apart) and its length
        "trials_per_minute": table.attrs.get("trials_per_minute"), "fit_minutes": table.attrs.get("fit_minutes"),
        "summary": f"{n_in} of {len(rows)} targets in band with the best set (loss {float(best['loss']):.3g}); "
                   f"ensemble of {len(ens)} sets, " + ("every target in band in each" if all_in else
                                                        "none with every target in band: the nearest sets"),
        "provenance": {**provenance({"command": "calibrate"}), "model": model_identity()},
    }
    report = json_ready(report)  # a target no run could measure is NaN: None in JSON
    write_json_atomic(folder / JSON_OUT, report)
    return report


# ---- the presets' file ---------------------------------------------------------------------

PRESETS_HEADER = """# The calibrated values the presets read (their [calibration] file): written by
# `run.py calibrate SPEC --out DIR --presets FILE` (`make calibrate`), never by hand.
# [best] is the best set; each [[ensemble]] entry is a plausible set (see docs/ODD.md,
# "Calibration"); [provenance] says what made it.
"""


def presets_text(report: dict) -> str:
    """The presets' file made from a calibration report (TOML)."""
    prov, spec_info, best = report["provenance"], report["spec"], report["best"]
    lines = [PRESETS_HEADER, "[provenance]"]
    info = {"spec": spec_info["file"], "spec_sha256": spec_info["sha256"], "date": prov.get("date", ""),
            "version": str(prov.get("version", "")), "commit": str(prov.get("commit") or ""),
            "model_source": str(prov["model"].get("source_sha256", "")), "scenarios": spec_info["scenarios"],
            "trials": report["trials_done"], "best_trial": best["trial"], "loss": best["loss"],
            "targets_in_band": best["in_band"], "targets": best["targets"],
            "ensemble_all_in_band": report["ensemble"]["all_in_band"], "summary": report["summary"]}
    lines += [f"{k} = {toml_value(v)}" for k, v in info.items()]
    lines += ["", "[best]"] + [f"{k} = {toml_value(v)}" for k, v in best["params"].items()]
    for e in report["ensemble"]["sets"]:
        lines += ["", "[[ensemble]]", f"trial = {e['trial']}", f"loss = {toml_value(e['loss'])}",
                  f"out_of_band = {e['out_of_band']}", "[ensemble.params]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in e["params"].items()]
    return "\n".join(lines) + "\n"


def write_presets(report: dict, path: str | os.PathLike) -> Path:
    """Write the presets' file (atomically); returns its path."""
    path = Path(path)
    text = presets_text(report)
    tomllib.loads(text)  # what is written must read back
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
    return path




# ---- the command ---------------------------------------------------------------------------

def add_parser(sub, common) -> None:
    """The ``calibrate`` subcommand; ``common`` adds the engine options (--scheduler, --workers, --quiet)."""
    c = sub.add_parser(
        "calibrate", help="fit the shared behavioural parameters of the presets to the targets (Optuna); resumable",
        description="Screen (Morris) which parameters move the targets, fit them jointly in the presets with "
                    "Optuna on the sweep engine, and keep every parameter set whose targets all lie in their bands "
                    "(the plausible ensemble). The study is a journal file in DIR: Ctrl-C or a kill stops it, the "
                    "same command resumes it; the same spec and seed give the same trials.",
        epilog="example (what `make calibrate` runs): run.py calibrate experiments/calibration/presets.toml "
               "--out results/calibration --presets experiments/calibration/calibrated.toml")
    c.add_argument("spec", metavar="SPEC.toml", help="the calibration spec (see experiments/calibration/presets.toml)")
    c.add_argument("--out", required=True, metavar="DIR", help="results folder; an interrupted calibration resumes in it")
    c.add_argument("--presets", metavar="FILE",
                   help="then write the best set and the ensemble to FILE, the calibrated values the presets read")
    common(c)


def text(report: dict) -> str:
    """A few lines for the console."""
    lines = [f"calibration: {report['summary']}",
             f"  free parameters: {len(report['free'])}; trials: {report['trials_done']}"
             + (f"; {report['trials_per_minute']:.1f} trials per minute" if report.get("trials_per_minute") else "")]
    best = report["best"]["params"]
    lines.append("  best set: " + ", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
                                             for k, v in best.items()))
    if report.get("agreement") is not None:
        agree = sum(a["agree"] for a in report["agreement"])
        lines.append(f"  trial runs against full runs: {agree} of {len(report['agreement'])} targets agree within their bands")
    return "\n".join(lines)


def run_command(args) -> int:
    """``run.py calibrate``: check the spec, calibrate (resuming), report, write the presets' file if asked."""
    spec = load_spec(args.spec)
    if args.presets:
        presets = Path(args.presets)
        if presets.exists() and presets.is_dir():
            raise CalibrationError(f"--presets {args.presets}: is a folder; allowed: a file path")
    report = run_calibration(spec, args.out, scheduler=args.scheduler, workers=args.workers,
                             security=args.security, progress=not args.quiet)
    print(text(report))
    print(f"  results: {args.out}/ ({TRIALS}, {FIT_MD}, {FIT_PNG}, {RANGES_PNG}, {JSON_OUT})")
    if args.presets:
        print(f"  presets' calibrated values: {write_presets(report, args.presets)}")
    return 0


# ---- the docs ------------------------------------------------------------------------------

DOCS_START, DOCS_END = "<!-- calibration:start -->", "<!-- calibration:end -->"
DEFAULT_REPORT = ROOT / "results" / "calibration"
ODD_PATH = ROOT / "docs" / "ODD.md"


def docs_block(report: dict, screening_rows: int = 30) -> str:
    """The calibration's result for docs/ODD.md (Markdown): how it was made, the screening,
    the free parameters with the ranges the ensemble spans, and the fit of every target."""
    prov, sp, best = report["provenance"], report["spec"], report["best"]
    commit = f", commit {str(prov.get('commit') or '')[:12]}" if prov.get("commit") else ""
    rate = report.get("trials_per_minute")
    lines = [f"_Made by `run.py calibrate {sp['file']}` on {prov['date'][:10]} (Veerkracht {prov['version']}{commit}): "
             f"{', '.join(sp['scenarios'])} fitted jointly, {sp['replicates']} replicates of {sp['months']} months "
             f"per preset and trial, {report['trials_done']} trials"
             + (f" ({rate:.1f} trials per minute on this machine's 2 cores)" if rate else "") + "._", ""]
    if report.get("screening"):
        scr = pd.DataFrame(report["screening"])
        noise = scr.loc[scr["parameter"] == NOISE, "score"]
        lines += [f"**Screening.** {len(scr) - 1} candidates; the noise (a dummy input that only changes the seed) "
                  f"moves a target by at most {float(noise.iloc[0]):.2f} half bands. "
                  f"The {screening_rows} most influential (score: the largest move of a target across the "
                  "parameter's range, in half bands; excess: by how much it exceeds the noise on that target):", "",
                  "| parameter | score | excess | most moved | free |", "|---|---|---|---|---|"]
        for r in scr.head(screening_rows).itertuples():
            lines.append(f"| `{r.parameter}` | {r.score:.2f} | {r.excess:.2f} | {r.strongest_target} | "
                         f"{'yes' if r.chosen else ''} |")
        lines.append("")
    lines += ["**Free parameters** (range searched, the ensemble's range, the best set, the schema default):", "",
              "| parameter | searched | ensemble | best | default |", "|---|---|---|---|---|"]
    for r in report["ranges"]:
        lines.append(f"| `{r['parameter']}` | {_num(r['lo'])} to {_num(r['hi'])} | {_num(r['ensemble_lo'])} to "
                     f"{_num(r['ensemble_hi'])} | {_num(r['best'])} | {_num(float(r['default']))} |")
    ens = report["ensemble"]
    lines += ["", f"**Fit** ({report['summary']}; best set: trial {best['trial']}, loss {best['loss']:.3g}; "
              f"the ensemble: {len(ens['sets'])} sets"
              + ("" if ens["all_in_band"] else f", those within {NEAR:g} times the best loss, with "
                 + ", ".join(sorted({str(e['out_of_band']) for e in ens['sets']}, key=int)) + " targets out")
              + "):", "", fit_markdown(report["fit"]).rstrip()]
    if report.get("agreement"):
        agree = sum(a["agree"] for a in report["agreement"])
        lines += ["", f"Trial runs ({sp['set']}) against full runs of the best set: {agree} of "
                  f"{len(report['agreement'])} targets agree within their bands."]
    return "\n".join(lines) + "\n"


SHORT_START, SHORT_END = "<!-- calibration-summary:start -->", "<!-- calibration-summary:end -->"
README_PATH = ROOT / "README.md"


def docs_short(report: dict) -> str:
    """Two sentences for the README: what fits, how many plausible sets, how long it took."""
    ens, best = report["ensemble"], report["best"]
    rate = report.get("trials_per_minute")
    minutes = report.get("fit_minutes")
    return (f"The shipped calibration ({report['provenance']['date'][:10]}): {len(report['free'])} free parameters, "
            f"{report['trials_done']} trials; the best set puts {best['in_band']} of {best['targets']} targets in "
            f"their bands; the ensemble holds {len(ens['sets'])} sets"
            + (" that each meet every target." if ens["all_in_band"] else
               ", the nearest to meeting every target (no set met all).")
            + (f" Its fit took {minutes:.0f} minutes on 2 cores" if minutes else "")
            + (f" ({rate:.1f} trials per minute)." if rate else ".") + "\n")


def _between(text: str, start: str, end: str, block: str) -> str:
    from abm.codegen import marker_lines

    starts, ends = marker_lines(text, start, end)
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"expected one {start} line and one {end} line after it")
    return text[:starts[0]] + "\n" + block + "\n" + text[ends[0]:]


def update_docs(text: str, report: dict) -> str:
    return _between(text, DOCS_START, DOCS_END, docs_block(report))


def update_readme(text: str, report: dict) -> str:
    return _between(text, SHORT_START, SHORT_END, docs_short(report))


def write_docs(folder: Path = DEFAULT_REPORT, do_write: bool = True, path: Path = ODD_PATH,
               readme: Path | None = README_PATH) -> int:
    """Put the report of ``folder`` into docs/ODD.md and its summary into the README (``do_write``),
    or check that they are there; 0 fine, 1 out of date, 2 report or markers missing."""
    from abm.codegen import rewrite, up_to_date

    try:
        report = json.loads((Path(folder) / JSON_OUT).read_text(encoding="utf-8"))
    except OSError:
        print(f"error: no calibration report in {folder} (run `make calibrate`)")
        return 2
    code = 0
    for target, update in ((path, update_docs), (readme, update_readme)):
        if target is None:
            continue
        try:
            if do_write:
                changed = rewrite(target, lambda t, u=update: u(t, report))
                print(f"{target}: calibration {'updated' if changed else 'already up to date'}")
                continue
            ok = up_to_date(target, lambda t, u=update: u(t, report))
        except ValueError as e:
            print(f"error: {target}: {e}")
            return 2
        print(f"{target}: calibration {'up to date' if ok else 'out of date (python -m experiments.calibrate --write)'}")
        code = max(code, 0 if ok else 1)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.calibrate",
                                     description="Put a calibration report into docs/ODD.md, or check it is there.")
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_REPORT), help="the calibration's results folder")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    group.add_argument("--sensitivity", metavar="DIR",
                       help="put the summary of `run.py analyse` on the calibrated preset (its folder DIR) into docs/ODD.md")
    args = parser.parse_args(argv)
    if args.sensitivity:
        return write_sensitivity(Path(args.sensitivity))
    if args.write or args.check:
        return write_docs(Path(args.folder), do_write=args.write)
    report = json.loads((Path(args.folder) / JSON_OUT).read_text(encoding="utf-8"))
    print(docs_block(report))
    return 0




# ---- sensitivity after calibration ---------------------------------------------------------

def sensitivity_sweep(report: dict, scenario: str = "krachtwijk", steps: int = 120, seed: int = 2027,
                      outcomes: Sequence[str] | None = None) -> str:
    """A sweep file (for ``run.py analyse``) that varies the free parameters over the range the
    plausible ensemble spans (the searched range where the ensemble is one value), around the
    calibrated preset: which of them, and which loops (link ablation), drive stress,
    transmission and take-up once the model fits."""
    from abm.outcomes import HEADLINE

    outcomes = HEADLINE if outcomes is None else outcomes  # stress, transmission, help reach among them
    lines = [f"# Sensitivity of the calibrated {scenario} preset, made from results/calibration by",
             "# experiments.calibrate.sensitivity_sweep: each free parameter over the range its plausible",
             "# sets span. Run: run.py analyse experiments/sweeps/calibrated_sensitivity.toml --out DIR",
             "", "[sweep]", f'name = "calibrated sensitivity ({scenario})"', f'scenario = "{scenario}"',
             f"steps = {steps}", "replicates = 1", f"seed = {seed}", 'sampler = "morris"', "samples = 4",
             "outcomes = [" + ", ".join(f'"{o}"' for o in outcomes) + "]", "", "[vary]"]
    for r in report["ranges"]:
        lo, hi = r["ensemble_lo"], r["ensemble_hi"]
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo < 1e-9 * max(1.0, abs(hi)):
            lo, hi = r["lo"], r["hi"]
        if isinstance(param_spec(r["parameter"]).default, int):
            lo, hi = math.floor(lo), math.ceil(hi)
            if hi == lo:
                continue
        lines.append(f"{r['parameter']} = {{ lo = {toml_value(lo)}, hi = {toml_value(hi)} }}")
    return "\n".join(lines) + "\n"


SENS_START, SENS_END = "<!-- calibrated-sensitivity:start -->", "<!-- calibrated-sensitivity:end -->"


def sensitivity_markdown(folder: Path, top: int = 4) -> str:
    """The summary of a sensitivity analysis of the calibrated preset (``run.py analyse`` on
    :func:`sensitivity_sweep`'s file): per outcome, the parameters that move it most (Morris
    mu*, Sobol total order with its 95% interval) and the links whose ablation moves it most,
    with their loop; then the loops ranked by what their links move."""
    from abm.outcomes import OUTCOMES

    folder = Path(folder)
    morris = pd.read_csv(folder / "morris.csv")
    sobol = pd.read_csv(folder / "sobol.csv")
    ablation = pd.read_csv(folder / "ablation.csv")
    meta = json.loads((folder / "analysis.json").read_text(encoding="utf-8"))
    runs = {k: v.get("runs") for k, v in (meta.get("stages") or {}).items() if isinstance(v, dict) and v.get("runs")}
    name = lambda x: str(x).removeprefix("set.")  # noqa: E731
    lines = [f"Made from `{folder.as_posix()}` by `python -m experiments.calibrate --sensitivity DIR`"
             + (f" ({', '.join(f'{k}: {v} runs' for k, v in runs.items())})" if isinstance(runs, dict) and runs else "")
             + ". Outcomes are means of the last 12 of 120 months on the calibrated krachtwijk (50 x 50).", ""]
    lines += ["| outcome | parameters (Morris mu*) | parameters (Sobol ST, 95% interval) | links (ablation: change when off, loop) |",
              "|---|---|---|---|"]
    loop_weight: dict[str, dict[str, float]] = {}
    for outcome in sorted(set(morris["outcome"])):
        label = OUTCOMES[outcome].label_en if outcome in OUTCOMES else outcome
        m = morris[morris["outcome"] == outcome].sort_values("mu_star", ascending=False).head(top)
        so = sobol[sobol["outcome"] == outcome].sort_values("ST", ascending=False).head(top)
        ab = ablation[ablation["outcome"] == outcome].copy()
        ab["size"] = ab["diff"].abs()
        ab = ab.sort_values("size", ascending=False)
        significant = ab[(ab["ci_lo"] > 0) | (ab["ci_hi"] < 0)]
        for r in significant.itertuples():
            loop = str(param_spec(r.link).metadata.get("loop", "") or "other")
            loop_weight.setdefault(outcome, {}).setdefault(loop, 0.0)
            loop_weight[outcome][loop] += abs(float(r.diff))
        lines.append(
            f"| {label} | " + ", ".join(f"`{name(r.input)}` {r.mu_star:.3g}" for r in m.itertuples())
            + " | " + ", ".join(f"`{name(r.input)}` {r.ST:.2f} ({max(r.ST - r.ST_conf, 0):.2f}-{r.ST + r.ST_conf:.2f})"
                                for r in so.itertuples())
            + " | " + ", ".join(f"`{r.link}` {r.diff:+.3g} (loop {param_spec(r.link).metadata.get('loop', '') or '-'})"
                                for r in ab.head(top).itertuples()) + " |")
    lines += ["", "Loops ranked by the summed size of the changes their links make when switched off (only "
              "changes whose interval excludes 0):", ""]
    for outcome, weights in sorted(loop_weight.items()):
        label = OUTCOMES[outcome].label_en if outcome in OUTCOMES else outcome
        ranked = sorted(weights.items(), key=lambda kv: -kv[1])
        lines.append(f"- {label}: " + ", ".join(f"loop {k} {v:.3g}" if k != "other" else f"other links {v:.3g}"
                                                for k, v in ranked[:5]))
    return "\n".join(lines) + "\n"


def write_sensitivity(folder: Path, path: Path = ODD_PATH) -> int:
    """Put :func:`sensitivity_markdown` of ``folder`` between its markers in docs/ODD.md; 0 done, 2 failed."""
    from abm.codegen import rewrite

    try:
        block = sensitivity_markdown(folder)
    except (OSError, KeyError, ValueError) as e:
        print(f"error: {folder}: no sensitivity analysis to summarise ({e})")
        return 2

    def update(text: str) -> str:
        if SENS_START not in text or SENS_END not in text:
            raise ValueError(f"markers {SENS_START} ... {SENS_END} missing")
        head, rest = text.split(SENS_START, 1)
        _, tail = rest.split(SENS_END, 1)
        return f"{head}{SENS_START}\n{block}{SENS_END}{tail}"

    try:
        changed = rewrite(path, update)
    except ValueError as e:
        print(f"error: {path}: {e}")
        return 2
    print(f"{path}: calibrated sensitivity {'updated' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
