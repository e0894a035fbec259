"""One way to build a run: (scenario, changes, interventions, shocks, links off, seed) -> a model.

The command line (``run.py run``), batch tasks, the browser's live view, the family view and
the benchmark all build their models here, so a run means the same wherever it starts:

* :func:`recipe` reads and checks what a run is made of (the scenario with parameter changes,
  interventions and shocks on top of its own, links switched off on top of its own) and
  returns a :class:`Recipe`, before anything is built;
* :meth:`Recipe.build` makes a model of it for a seed (each build gets a plan of its own);
* :func:`build_model` does both.

Bad input raises :class:`~experiments.scenario.ScenarioError` or
:class:`~abm.params.ParameterError` with one line naming it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from abm.interventions import Plan, make_plan
from abm.model import VeerkrachtModel
from abm.params import Params, check_links, make_params
from experiments.scenario import Scenario, load

__all__ = ["Recipe", "build_model", "recipe"]


@dataclass(frozen=True)
class Recipe:
    """What a run is made of, checked: its name, parameters, links switched off and plan.

    ``scenario`` is the scenario it started from (None for parameters made in code).
    """

    name: str
    params: Params
    off: tuple[str, ...]
    plan: Plan
    scenario: Scenario | None = None

    def build(self, seed: int | None = None, *, parallel: bool = False) -> VeerkrachtModel:
        """A model of this recipe at month 0 (the burn-in done), with a fresh copy of the plan.

        ``seed`` None draws a fresh one (kept in ``model.seed``); ``parallel`` uses the
        multi-threaded kernels (same results).
        """
        return VeerkrachtModel(self.params, seed=seed, off=self.off, parallel=parallel, scenario=self.name,
                               plan=copy.deepcopy(self.plan))


def recipe(scenario: Scenario | str | Params | None = None, changes: dict | None = None,
           interventions: dict | None = None, shocks: dict | None = None, off=()) -> Recipe:
    """What a run is made of, every part checked, nothing built yet.

    Args:
        scenario: a :class:`~experiments.scenario.Scenario`, a preset name or path of a
            scenario file, parameters made in code (:class:`~abm.params.Params`), or None
            (the schema's defaults).
        changes: ``{parameter: value}`` on top of the scenario's parameters.
        interventions: ``{name: {setting: value}}`` on top of the scenario's (settings merged per name).
        shocks: the same for shocks.
        off: causal links switched off, on top of the scenario's.
    """
    if isinstance(scenario, str):
        scenario = load(scenario)
    if isinstance(scenario, Scenario):
        # on top of the scenario's parameters, which hold its calibrated values (best or a plausible set)
        # under its own [params]: rebuilding them from its [params] alone would drop the calibration
        params = make_params(scenario.params, changes)
        name, own_off, own_iv, own_sh = scenario.name, scenario.off, scenario.interventions, scenario.shocks
    else:
        params = make_params(scenario, changes)
        name, own_off, own_iv, own_sh = "custom", (), None, None
    links = tuple(dict.fromkeys(tuple(own_off) + check_links(off or ())))
    plan = make_plan(own_iv, own_sh, interventions, shocks)
    plan.check_grid(params.grid_width, params.grid_height)
    return Recipe(name=name, params=params, off=links, plan=plan,
                  scenario=scenario if isinstance(scenario, Scenario) else None)


def build_model(scenario: Scenario | str | Params | None = None, changes: dict | None = None,
                interventions: dict | None = None, shocks: dict | None = None, seed: int | None = None,
                off=(), *, parallel: bool = False) -> VeerkrachtModel:
    """A model of :func:`recipe` ``(scenario, changes, interventions, shocks, off)`` for ``seed``."""
    return recipe(scenario, changes, interventions, shocks, off).build(seed, parallel=parallel)
