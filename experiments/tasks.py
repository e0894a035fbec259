"""One run as a task for batch experiments: inputs in a plain dict, outcomes out.

A task is what a sweep, a comparison or a sensitivity analysis sends to a worker. It is a
plain, JSON-able dict, so it can be stored next to its results, hashed into a stable run
id, and sent to any Dask worker:

``scenario``       preset name or path of a scenario TOML (default ``krachtwijk``)
``set``            ``{parameter: value}`` on top of the scenario's parameters
``interventions``  ``{name: {setting: value}}`` on top of the scenario's (see abm.interventions)
``shocks``         ``{name: {setting: value}}`` on top of the scenario's
``off``            causal links switched off, on top of the scenario's
``seed``           the run's seed (replicate i of every arm gets the same seed: common
                   random numbers)
``steps``          months to run (default: the scenario's)
``outcomes``       names from :data:`abm.outcomes.OUTCOMES` to return (default: all)

:func:`run_task` checks every input the way the command line does and raises
:class:`~abm.params.ParameterError` or :class:`~experiments.scenario.ScenarioError` with a
one-line message for bad ones, so a sweep can refuse a bad spec before it starts.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import time

import numpy as np

from abm.model import VeerkrachtModel
from abm.outcomes import OUTCOMES
from abm.params import ParameterError, RunSettings, close_matches_hint, shown
from abm.population import PURPOSE_SPACE, build_space, initial_state, keyed_rng
from abm.state import State
from experiments.build import Recipe, recipe
from experiments.scenario import load

TASK_KEYS = ("scenario", "set", "interventions", "shocks", "off", "seed", "steps", "outcomes", "calibrated", "member")


def check_outcomes(names) -> tuple[str, ...]:
    """The outcome names, checked; raises ParameterError naming a bad one and close matches."""
    if names is None:
        return tuple(OUTCOMES)
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ParameterError(f"outcomes = {shown(names)}: expected a list of names; allowed: {', '.join(OUTCOMES)}")
    for name in names:
        if name not in OUTCOMES:
            hint = close_matches_hint(name, OUTCOMES)
            raise ParameterError(f"unknown outcome {shown(name)}; {hint}allowed: {', '.join(OUTCOMES)}")
    return tuple(dict.fromkeys(names))


def task_id(task: dict) -> str:
    """A stable id of a task's inputs (the same task always gets the same id)."""
    blob = json.dumps({k: task.get(k) for k in TASK_KEYS}, sort_keys=True, default=_jsonable)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (tuple, set)):
        return list(x)
    raise TypeError(f"a task cannot hold {type(x).__name__}: {x!r}")


def prepare(task: dict, build: bool = True):
    """Check a task and build what a run needs: (scenario, params, off, seed, steps, outcomes, plan).

    With ``build`` (the default) the neighbourhood is also built, without stepping, so that
    errors that show only then (a facility asked for on the school's cell, a parameter
    combination the population cannot be drawn from) are refused before a batch starts.
    A build is made once per distinct parameters, links and plan (see :func:`check_build`).

    Raises ParameterError or ScenarioError (one line, naming the bad input).
    """
    if not isinstance(task, dict):
        raise ParameterError(f"task = {shown(task)}; allowed: a table of {', '.join(TASK_KEYS)}")
    unknown = [k for k in task if k not in TASK_KEYS]
    if unknown:
        hint = close_matches_hint(str(unknown[0]), TASK_KEYS)
        raise ParameterError(f"task: unknown key {shown(unknown[0])}; {hint}allowed: {', '.join(TASK_KEYS)}")
    calibrated, member = task.get("calibrated", True), task.get("member")
    if not isinstance(calibrated, bool):
        raise ParameterError(f"task: calibrated = {shown(calibrated)}; allowed: true or false")
    if member is not None and (isinstance(member, bool) or not isinstance(member, int)):
        raise ParameterError(f"task: member = {shown(member)}; allowed: the number of a plausible set (0, 1, ...)")
    scenario = load(task.get("scenario", "krachtwijk"), calibrated=calibrated, member=member)
    sets = task.get("set") or {}
    if not isinstance(sets, dict):
        raise ParameterError(f"task: set = {shown(sets)}; allowed: a table of parameter = value")
    parts = recipe(scenario, sets, task.get("interventions") or {}, task.get("shocks") or {}, task.get("off") or [])
    params, off, plan = parts.params, parts.off, parts.plan
    run = RunSettings.check(task.get("steps", scenario.steps), task.get("seed", scenario.seed), "task", need_seed=True)
    seed, steps = run.seed, run.steps
    outcomes = check_outcomes(task.get("outcomes"))
    if build:
        check_build(params, off, plan, int(seed))
    return scenario, params, off, int(seed), int(steps), outcomes, plan


# the builds made by check_build: (params, links off, plan) -> None if the neighbourhood builds,
# else the error's message; one entry per distinct build, forgotten past BUILDS_MAX
BUILDS: dict = {}
BUILDS_MAX = 4096
# the (grid, links off, facility cells) combinations whose model has been built whole
_WHOLE: set = set()


def check_build(params, off, plan, seed: int) -> None:
    """Build the neighbourhood of a run without stepping; a failure raises ParameterError (one line).

    Made once per distinct ``(params, off, plan)`` and remembered (:data:`BUILDS`). The
    first build of each grid, set of links and facility cells is the whole model
    (population, facilities, agents, the first record); the others draw the population and
    check the plan against it, which is what differs between them (a fifth of the time).
    The layout of the facilities depends on the seed as well, so a plan that places
    facilities on given cells has that layout checked for every seed (cheap: no population
    is drawn).
    """
    plan_key = json.dumps(plan.describe(), sort_keys=True, default=_jsonable)
    key = (params, tuple(off), plan_key)
    if key not in BUILDS:
        if len(BUILDS) >= BUILDS_MAX:
            BUILDS.clear()
            _WHOLE.clear()
        cells = tuple((iv.name, iv.cells) for iv in plan.interventions if iv.cells)
        shape = (params.grid_width, params.grid_height, params.block_size, tuple(off), cells)
        BUILDS[key] = _build_error(params, off, plan, seed, whole=shape not in _WHOLE)
        _WHOLE.add(shape)
    error = BUILDS[key]
    if error is None and any(iv.cells for iv in plan.interventions):
        error = _layout_error(params, plan, seed)
    if error is not None:
        raise ParameterError(error)


def _build_error(params, off, plan, seed: int, whole: bool = True) -> str | None:
    """None if the model can be built (no burn-in steps); else a one-line message why not.

    ``whole``: the whole model; else the population and the plan's check against it.
    """
    try:
        if whole:
            VeerkrachtModel(dataclasses.replace(params, burn_in_months=0), seed=seed, off=off,
                            plan=copy.deepcopy(plan))
        else:
            plan.check(initial_state(params, seed))
    except ParameterError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - any failure to build is a bad input to name, not a crash
        first = " ".join(str(e).split())[:200]
        return f"the neighbourhood cannot be built with these settings ({type(e).__name__}: {first})"
    return None


def _layout_error(params, plan, seed: int) -> str | None:
    """The plan's cells against the facilities the seed places (the same draws as the model's)."""
    state = State(grid_w=params.grid_width, grid_h=params.grid_height, block_size=params.block_size,
                  tie_slots=params.tie_slots)
    build_space(state, params, keyed_rng(seed, PURPOSE_SPACE, 0))
    try:
        plan.check(state)
    except ParameterError as e:
        return f"{e} (seed {seed})"
    return None


def run_task(task: dict) -> dict:
    """Run one task; returns ``{"outcomes": {name: value}, "seconds": float, "persons_start": int}``."""
    scenario, params, off, seed, steps, outcomes, plan = prepare(task, build=False)  # the run builds it
    t0 = time.perf_counter()
    model = Recipe(scenario.name, params, off, plan, scenario).build(seed)
    model.run(steps)
    tables = model.results()
    summary = model.summary()
    values = {name: OUTCOMES[name].get(model, tables, summary) for name in outcomes}
    return {"outcomes": values, "seconds": time.perf_counter() - t0,
            "persons_start": int(tables["timeseries"]["persons"].iloc[0])}
