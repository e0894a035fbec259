"""The interventions and shocks of one run, and what they do each month.

:func:`make_plan` builds a :class:`Plan` from a scenario's tables and overrides; the
model calls the plan's month methods, which run each intervention's and shock's
mechanism through the registry :data:`abm.interventions.mechanisms.MECHANISMS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abm.interventions.mechanisms import MECHANISMS, MonthParameters, close_structures
from abm.interventions.specs import Intervention, Shock, check_cell, make_intervention, make_shock
from abm.params import ParameterError, shown

if TYPE_CHECKING:
    from abm.model import VeerkrachtModel

# the programmes that enrol households (the other programmes enrol persons), for Plan.reach
ENROLS_HOUSEHOLDS = ("single_parent_support", "existential_security", "neighbourhood_families")


@dataclass
class Plan:
    """The interventions and shocks of one run, and what they do each month."""

    interventions: list[Intervention] = field(default_factory=list)
    shocks: list[Shock] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.interventions or self.shocks)

    def describe(self) -> dict:
        shocks: dict = {}
        for sh in self.shocks:  # one crisis of a kind: its settings; several in sequence: a list of them
            shocks[sh.name] = [*shocks[sh.name], sh.settings()] if isinstance(shocks.get(sh.name), list) else (
                [shocks[sh.name], sh.settings()] if sh.name in shocks else sh.settings())
        return {"interventions": {iv.name: iv.settings() for iv in self.interventions}, "shocks": shocks}

    def check_grid(self, width: int, height: int) -> None:
        """Positions inside a grid of ``width`` x ``height`` (checked before the neighbourhood exists)."""
        for iv in self.interventions:
            for x, y in iv.cells:
                if not (0 <= x < width and 0 <= y < height):
                    raise ParameterError(f"intervention {iv.name}: cell ({x}, {y}) is off the grid; "
                                         f"allowed: x 0 to {width - 1}, y 0 to {height - 1}")

    def check(self, state) -> None:
        """Checks that need the neighbourhood: positions on the grid, on a dwelling, not shared."""
        taken: dict[tuple[int, int], str] = {}
        for iv in self.interventions:
            for x, y in iv.cells:
                check_cell(iv.name, state, x, y)
                if (x, y) in taken:
                    raise ParameterError(f"intervention {iv.name}: cell ({x}, {y}) is also asked for by {taken[(x, y)]}; "
                                         "allowed: one facility per cell")
                taken[(x, y)] = iv.name

    def add_shock(self, shock: Shock) -> None:
        self.shocks.append(shock)

    # ---- switching in a running model ------------------------------------------------
    def running(self, month: int) -> list[Intervention]:
        """The interventions active in ``month``, in plan order."""
        return [iv for iv in self.interventions if iv.active(month)]

    def start(self, name: str, month: int, settings: dict | None = None) -> Intervention | None:
        """Start intervention ``name`` in ``month`` with ``settings`` (``start`` is ``month``).

        Returns the new intervention, or None if one of that name is active then already.
        Raises ParameterError for an unknown name or a bad setting.
        """
        if any(iv.name == name for iv in self.running(month)):
            return None
        iv = make_intervention(name, {**(settings or {}), "start": month})
        self.interventions.append(iv)
        return iv

    def stop(self, name: str, month: int) -> None:
        """Intervention ``name``, active in ``month``, ends before the next month.

        One that starts in ``month`` or later has not run yet and leaves the plan.
        """
        for iv in [iv for iv in self.interventions if iv.name == name and (iv.active(month) or iv.start > month)]:
            ran = month - iv.start  # months it has run
            if ran <= 0:
                self.interventions.remove(iv)
            else:
                iv.months = ran

    def reach(self, month: int) -> tuple[set[int], set[int], set[int]]:
        """(households, persons, professionals) that an intervention active in ``month`` reaches.

        A programme reaches those it has enrolled (households or persons), a staff
        intervention the professionals it added.
        """
        households: set[int] = set()
        persons: set[int] = set()
        pros: set[int] = set()
        for iv in self.running(month):
            if iv.spec.kind == "programme":
                (households if iv.name in ENROLS_HOUSEHOLDS else persons).update(iv.enrolled.tolist())
            elif iv.spec.kind == "staff":
                pros.update(index for what, index in iv.placed if what == "pro")
        return households, persons, pros

    # ---- the month -------------------------------------------------------------------
    def begin_month(self, model: "VeerkrachtModel") -> None:
        """Before the step: structures that start or end, then this month's parameters, then the shocks."""
        month = model.month
        for iv in self.interventions:
            place = MECHANISMS[iv.name].place
            if place is None:
                continue
            if iv.active(month) and not iv.placed:
                place(model, iv)
            elif iv.placed and not iv.active(month):
                close_structures(model, iv)
        params = MonthParameters(model.p_base)
        for lever in (*self.interventions, *self.shocks):
            change = MECHANISMS[lever.name].parameters
            if change is not None and lever.active(month):
                change(model, lever, params)
        model.set_month_params(params.changes)
        for sh in self.shocks:
            hit = MECHANISMS[sh.name].shock
            if hit is not None:
                hit(model, sh, month)

    def adjust_context(self, model: "VeerkrachtModel") -> None:
        """After the context is gathered: the running interventions that change it."""
        for iv in self.interventions:
            adjust = MECHANISMS[iv.name].context
            if adjust is not None and iv.active(model.month):
                adjust(model, iv)

    def after_update(self, model: "VeerkrachtModel") -> None:
        """After the persons' update: the programmes act on those enrolled (and let go when they stop)."""
        for iv in self.interventions:
            update = MECHANISMS[iv.name].update
            if update is None:
                continue
            if iv.active(model.month):
                update(model, iv)
            else:
                iv.enrolled = iv.enrolled[:0]
                iv.pairs = iv.pairs[:0]
                iv.in_use = 0.0

    def costs(self, month: int) -> list[tuple[str, float, float]]:
        """(name, units in use, cost) of each intervention running this month."""
        rows = []
        for iv in self.interventions:
            if not iv.active(month):
                continue
            # a parameter lever is bought whole; the others pay for what is enrolled, placed or employed
            used = iv.units if iv.spec.kind == "parameter" else iv.in_use
            rows.append((iv.name, float(used), float(used * iv.cost)))
        return rows


def make_plan(scenario_interventions: dict | None = None, scenario_shocks: dict | None = None,
              interventions: dict | None = None, shocks: dict | None = None) -> Plan:
    """A plan from the scenario's tables with overrides on top (settings merged per name).

    A shock's entry may be a list of tables (``[[shocks.lockdown]]`` in a scenario file, or the
    same ``--shock`` name given more than once): several crises of that kind in sequence. A
    list replaces what comes before it instead of being merged.
    """
    merged_iv: dict = {}
    merged_sh: dict = {}
    for where, merged, tables in (("interventions", merged_iv, (scenario_interventions, interventions)),
                                  ("shocks", merged_sh, (scenario_shocks, shocks))):
        for table in tables:
            if table is not None and not isinstance(table, dict):
                raise ParameterError(f"{where} = {shown(table)}: expected a table of {where} by name, "
                                     f"e.g. [{where}.NAME]")
            for k, v in (table or {}).items():
                if where == "shocks" and isinstance(v, list):
                    if not v or not all(isinstance(item, dict) for item in v):
                        raise ParameterError(f"{where}.{k} = {shown(v)}: expected tables of settings, one per "
                                             f"crisis, e.g. [[{where}.{k}]] with start = ...")
                    merged[k] = [dict(item) for item in v]
                    continue
                if v is not None and not isinstance(v, dict):
                    raise ParameterError(f"{where}.{k} = {shown(v)}: expected a table of settings, "
                                         f"e.g. [{where}.{k}] with units = ...")
                before = merged.get(k, {})
                merged[k] = {**(before if isinstance(before, dict) else {}), **dict(v or {})}
    shocks = [make_shock(k, item) for k, v in merged_sh.items() for item in (v if isinstance(v, list) else [v])]
    plan = Plan([make_intervention(k, v) for k, v in merged_iv.items()], shocks)
    return plan

