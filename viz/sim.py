"""The runs behind the browser view: one live neighbourhood, or two futures side by side.

Plain Python (no Solara), so the page stays thin and the behaviour is tested directly:
reset from a preset or scenario file with changed parameters, step, switch policies on and
off in the running neighbourhood, hit it with a crisis now. Every failure a visitor can
cause (a bad value, a bad scenario file) raises :class:`ViewError` with a readable line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from abm.interventions import SPECS, Intervention, make_intervention, make_shock
from abm.model import VeerkrachtModel
from abm.params import ParameterError, make_params
from experiments.scenario import ScenarioError, load

DEFAULT_SEED = 20230915
# parameters shown as sliders first; the rest sit under "all settings"
KEY_PARAMS = ("trust_mean", "share_single_parent", "share_low_income", "share_social_housing", "negative_media",
              "polarisation", "n_social_workers", "ggz_capacity", "system_complexity", "bureaucracy")


class ViewError(ValueError):
    """Something a visitor asked for that cannot be done; the message is shown on the page."""


@dataclass
class Run:
    """One neighbourhood: scenario, seed, parameter changes, policies, and the model."""

    scenario: str = "krachtwijk"
    seed: int = DEFAULT_SEED
    changes: dict = field(default_factory=dict)
    policies: dict = field(default_factory=dict)  # name -> units, switched on from the start
    model: VeerkrachtModel | None = None

    def reset(self) -> None:
        """A new model from the scenario with the changes and the policies (month 0)."""
        try:
            sc = load(self.scenario)
            params = make_params(None, {**sc.changes, **self.changes})
            from abm.interventions import make_plan

            plan = make_plan(sc.interventions, sc.shocks,
                             {name: {"units": units} for name, units in self.policies.items()}, {})
            self.model = VeerkrachtModel(params, seed=self.seed, off=sc.off, scenario=sc.name, plan=plan)
        except (ParameterError, ScenarioError) as e:
            raise ViewError(str(e)) from None

    def ensure(self) -> VeerkrachtModel:
        if self.model is None:
            self.reset()
        return self.model

    def step(self, months: int = 1) -> None:
        model = self.ensure()
        for _ in range(months):
            model.step()

    def set_param(self, name: str, value) -> None:
        """Change a parameter now (the running model takes it from this month) and for resets."""
        model = self.ensure()
        if getattr(model.p_base, name) == value:
            return  # a slider reporting the value it already has
        try:
            new = model.p_base.replace(**{name: value})
        except ParameterError as e:
            raise ViewError(str(e)) from None
        self.changes[name] = value
        model.set_base_params(new)

    def switch_policy(self, name: str, on: bool, units: float | None = None) -> None:
        """Start an intervention in the running neighbourhood now, or stop it now."""
        model = self.ensure()
        if name not in SPECS:
            raise ViewError(f"unknown intervention '{name}'")
        running = [iv for iv in model.plan.interventions if iv.name == name and iv.active(model.month)]
        if on and not running:
            settings = {"start": max(model.month, 0)}
            if units is not None:
                settings["units"] = units
            try:
                iv = make_intervention(name, settings)
            except ParameterError as e:
                raise ViewError(str(e)) from None
            model.plan.interventions.append(iv)
            self.policies[name] = iv.units
        elif not on:
            for iv in running:
                ran = model.month - iv.start  # months it has run; it stops before the next one
                if ran == 0:
                    model.plan.interventions.remove(iv)  # switched off before it began
                else:
                    iv.months = ran
            self.policies.pop(name, None)

    def crisis(self, name: str, months: int | None = None, severity: float | None = None) -> None:
        """A shock from this month on (the crisis button)."""
        model = self.ensure()
        try:
            make_shock(name, {k: v for k, v in (("months", months), ("severity", severity)) if v is not None})
            model.start_shock(name, months=months, severity=severity)
        except ParameterError as e:
            raise ViewError(str(e)) from None

    def running_policies(self) -> list[Intervention]:
        model = self.ensure()
        return [iv for iv in model.plan.interventions if iv.active(model.month)]

    def series(self, name: str) -> list[float]:
        """A column of the time series so far (one value per month, month 0 first)."""
        return [float(r[name]) for r in self.ensure().recorder.rows]

    def cost_this_month(self) -> float:
        model = self.ensure()
        return float(sum(row[3] for row in model.cost_rows if row[0] == model.month - 1))


@dataclass
class Futures:
    """Two futures of the same neighbourhood with the same seed: without and with the policies."""

    without: Run = field(default_factory=Run)
    with_: Run = field(default_factory=Run)

    def reset(self, scenario: str, seed: int, changes: dict, policies: dict) -> None:
        self.without = Run(scenario, seed, dict(changes), {})
        self.with_ = Run(scenario, seed, dict(changes), dict(policies))
        self.without.reset()
        self.with_.reset()

    def step(self, months: int = 1) -> None:
        self.without.step(months)
        self.with_.step(months)

    def difference(self, name: str) -> list[float]:
        a, b = self.without.series(name), self.with_.series(name)
        n = min(len(a), len(b))
        return list(np.asarray(b[:n]) - np.asarray(a[:n]))
