"""Interventions (policy levers) and shocks: declared once, checked like parameters.

The fourteen interventions of DESIGN.md (the ten recommendations of seed 004 plus levers
from the other seeds) and two shocks. Each intervention has a start month, a number of
units (households in a programme, places, professionals, FTE, or a share), a cost per
unit and month, an effect strength, and a mechanism that runs through named causal links:
switching such a link off (``--off``) switches off that part of the effect.

An intervention acts in one of four ways, each month while it runs:

* **programme**: enrols up to ``units`` households or persons (those in most need first,
  ties broken by keyed draws) and moves their stocks a little each month;
* **parameter**: changes parameters or link strengths for as long as it runs;
* **facility**: places meeting places or service points on the grid, by position or by
  count (a household living on a chosen cell moves to the nearest empty dwelling);
* **staff**: adds professionals with their caseloads.

Its cost in a month is the units actually in use (enrolled, placed, employed) times the
cost per unit. The costs are rough Dutch orders of magnitude (sources in the table);
they are inputs to set per municipality, not findings.

Shocks (``lockdown``, ``inflation``) have a start, a duration and a severity.

Scenario TOML::

    [interventions.single_parent_support]
    units = 60          # households in the programme
    start = 12          # month (after burn-in) it starts

    [shocks.inflation]
    start = 120
    months = 24
    severity = 0.2

Command line: ``--intervention single_parent_support:units=60,start=12`` and
``--shock inflation:start=120,months=24``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from abm.kernels import C, F, I, Ev, Help, Role, TieType, _contact, partner_means, uniform_array
from abm.params import LINK_NAMES, ParameterError, shown, spec
from abm.state import CellKind, HouseholdKind, ProKind

from abm.demography import life_event

if TYPE_CHECKING:
    from abm.model import VeerkrachtModel

S000 = "seed 000_ec0162dc2bd15f34.txt"
S001 = "seed 001_b5e28110220da24e.txt"
S002 = "seed 002_f666f2acb3d94fe5.txt"
S003 = "seed 003_5833de641c769f91.txt"
S004 = "seed 004_c2b508ef143d09a6.txt"
COST_ASSUMPTION = "assumption: Dutch order of magnitude, to set per municipality"

# keyed draws of the interventions (kernels use 0-61, demography 40-50, population 100-499)
_D_ENROL, _D_PLACE, _D_PAIR, _D_LOCKDOWN = 500, 501, 502, 503
YEAR = 12


@dataclass(frozen=True)
class InterventionSpec:
    """One policy lever: what a unit is, what it costs, and how it acts."""

    name: str
    number: int  # its number in DESIGN.md
    kind: str  # programme | parameter | facility | staff
    label: str
    label_nl: str
    unit: str
    units_default: float
    units_max: float
    cost_per_unit: float  # EUR per unit and month
    cost_source: str
    links: tuple[str, ...]  # the causal links its effect runs through
    mechanism: str
    source: str
    whole_units: bool = True


SPECS: dict[str, InterventionSpec] = {s.name: s for s in (
    InterventionSpec(
        "single_parent_support", 1, "programme", "support for single parents", "steun voor eenoudergezinnen",
        "single-parent households in the programme", 40, 2000, 350.0,
        f"{COST_ASSUMPTION} (family coaching of a few hours a week)",
        ("parenting_attachment", "care_stress", "income_security"),
        "Enrols the single-parent households whose parents carry the most stress. Parenting "
        "support raises the parenting quality the children receive (then attachment and life "
        "skills follow, loop 3); relief of care tasks lowers the parent's care load (care -> "
        "stress); material help adds to the household's buffer.",
        f"{S004} recommendation 1; effect bounded by Siegenthaler et al. 2012 (RR 0.60)"),
    InterventionSpec(
        "school_partnership", 2, "parameter", "school-parents-care partnership", "samenwerking school, ouders en zorg",
        "FTE of school-care coordination", 1, 10, 6000.0, f"{COST_ASSUMPTION} (one school social worker)",
        ("school_signal", "teacher_expectations"),
        "The school signals need earlier (school_signal up), brings parents together at the "
        "school gate (more contacts there, bridging ties) and teachers' expectations of "
        "children from the neighbourhood rise (teacher_low_expectation down). Two FTE is the "
        "full partnership for one school.",
        f"{S004} recommendation 2"),
    InterventionSpec(
        "existential_security", 3, "programme", "existential security: income floor and debt relief",
        "bestaanszekerheid: inkomensvloer en schuldhulp", "households in the programme", 60, 5000, 300.0,
        f"{COST_ASSUMPTION} (income top-up plus debt counselling)",
        ("income_security", "debt_security", "bureaucracy_effectiveness"),
        "Enrols the households with the lowest existential security. Their adults' income "
        "adequacy is kept at or above a floor and their debts are paid off faster; room for "
        "tailor-made exceptions lowers bureaucracy for everyone a little.",
        f"{S004} recommendation 3; debt relief effect bounded by Ong et al. 2019"),
    InterventionSpec(
        "service_point", 4, "facility", "low-threshold service point", "laagdrempelig loket in de wijk",
        "service points", 1, 10, 12000.0, f"{COST_ASSUMPTION} (premises plus two social workers)",
        ("pro_signal", "pro_navigation", "knownface_trust"),
        "A physically present government service point, staffed by two social workers who "
        "take cases in its catchment: need is signalled, navigation and trust rise through a "
        "known face.",
        f"{S004} recommendation 4; {S002}"),
    InterventionSpec(
        "meeting_places", 5, "facility", "meeting places", "ontmoetingsplekken (buurthuis)",
        "meeting places", 2, 50, 4000.0, f"{COST_ASSUMPTION} (premises and a host)",
        ("meeting_participation", "participation_ties", "participation_efficacy"),
        "More meeting places, by count (in the blocks furthest from one) or by position. "
        "Residents go to the nearest within reach: participation, new ties and collective "
        "efficacy follow (loops 5 and 6).",
        f"{S004} recommendation 5; {S003}; no robust effect size (assumption, keep wide)"),
    InterventionSpec(
        "neighbourhood_team", 6, "staff", "known neighbourhood professionals", "vaste gezichten in de wijk",
        "teams (a wijkagent, a social worker and a community builder)", 1, 10, 19500.0,
        f"{COST_ASSUMPTION} (three FTE)",
        ("knownface_trust", "pro_signal", "builder_participation"),
        "Adds teams of a known neighbourhood police officer, a social worker and a community "
        "builder with their caseloads: trust through a known face, signalling of need, "
        "participation through the community builder (agency, loop 6).",
        f"{S004} recommendation 6; {S002}"),
    InterventionSpec(
        "mental_health_access", 7, "parameter", "mental-health care: central intake, shorter waits",
        "ggz: centrale intake, kortere wachtlijsten", "extra intakes per month", 5, 200, 1800.0,
        f"{COST_ASSUMPTION} (one short treatment course per intake)",
        ("help_mental", "wait_trust"),
        "Adds intake capacity to the mental-health service: shorter waits, more help (help -> "
        "problems down), less loss of trust from waiting.",
        f"{S004} recommendation 7; NZa waiting standard"),
    InterventionSpec(
        "peer_support", 8, "programme", "peer support and self-help while waiting",
        "lotgenotencontact en zelfhulp tijdens het wachten", "places in peer groups", 30, 2000, 120.0,
        f"{COST_ASSUMPTION} (a trained volunteer coordinator per group)",
        ("support_stress", "mental_wellbeing"),
        "Enrols those on the mental-health waiting list, longest waiting first: support from "
        "peers rises and mental problems ease a little while they wait.",
        f"{S004} recommendation 8; effect bounded by Pfeiffer et al. 2011 (SMD -0.59)"),
    InterventionSpec(
        "newcomer_work", 9, "parameter", "fewer obstacles to work for newcomers",
        "minder belemmeringen naar werk voor nieuwkomers", "FTE of job coaching", 1, 10, 6000.0,
        f"{COST_ASSUMPTION} (one job coach)",
        ("newcomer_obstacles",),
        "Job coaching and fewer rules lower the obstacles to work for newcomers and refugees "
        "(newcomer_obstacles down; two FTE halves them at full effect).",
        f"{S004} recommendation 9"),
    InterventionSpec(
        "learning", 10, "programme", "learning and development on welfare or in low-skilled work",
        "leren en ontwikkelen in de bijstand of laaggeschoold werk", "places in the programme", 40, 5000, 450.0,
        f"{COST_ASSUMPTION} (a training place)",
        ("skills_functioning", "functioning_employment", "earning_income"),
        "Enrols working-age adults without work or with low earning capacity, lowest life "
        "skills first: life skills and earning capacity grow, so functioning, work and income "
        "follow (loop 2).",
        f"{S004} recommendation 10"),
    InterventionSpec(
        "experience_experts", 11, "staff", "experience experts in neighbourhood teams",
        "ervaringsdeskundigen in wijkteams", "experience experts", 2, 30, 4500.0,
        f"{COST_ASSUMPTION} (one part-time paid experience expert)",
        ("knownface_trust", "trust_seek"),
        "Adds experience experts who seek out care avoiders (need with low trust): door-openers "
        "through a known face.",
        f"{S004} recommendation 11; {S002}"),
    InterventionSpec(
        "longer_contracts", 12, "parameter", "longer contracts for welfare organisations",
        "langere contracten voor welzijnsorganisaties", "organisations on long contracts", 3, 10, 1500.0,
        f"{COST_ASSUMPTION} (joint coordination)",
        ("competition_effectiveness",),
        "Cooperation instead of competition: each organisation on a long contract lowers "
        "competition by a tenth, so professionals work more effectively.",
        f"{S004} recommendation 12; {S000}"),
    InterventionSpec(
        "mixed_housing", 13, "parameter", "mixed housing and steering of inflow",
        "gemengd bouwen en sturen op instroom", "share of lettings steered to middle incomes", 0.3, 1.0, 20000.0,
        f"{COST_ASSUMPTION} (per month at full steering: compensation to the housing corporation)",
        ("lowincome_attachment", "mix_attachment"),
        "A share of the dwellings that come free is let to middle incomes: fewer arrivals with "
        "low income, so the concentration of low income falls and the mix rises "
        "(neighbourhood attachment).",
        f"{S004} recommendation 13", whole_units=False),
    InterventionSpec(
        "neighbourhood_families", 14, "programme", "neighbourhood families", "buurtgezinnen",
        "pairs of a support family and a family asking support", 20, 2000, 90.0,
        f"{COST_ASSUMPTION} (matching and coaching by a coordinator)",
        ("support_stress", "giveback_support"),
        "Pairs each family asking support (single parents and stressed parents with children, "
        "most stressed first) with a socially strong household elsewhere; the adults keep a "
        "bridging tie along which support flows (the oil spill of resilience).",
        f"{S004}; {S003}"),
)}

SHOCKS: dict[str, dict] = {
    "lockdown": dict(
        label="lockdown", label_nl="lockdown", severity_default=0.1, months_default=6,
        links=("meeting_participation", "events_stress"),
        mechanism="Meeting places close for the duration; at the start a share (the severity) of "
                  "the employed with the lowest earning capacity lose their flexible jobs (a life "
                  "event: acute stress); finding work is half as likely while it lasts.",
        source=f"{S004} (resilience under crisis)"),
    "inflation": dict(
        label="inflation and energy crisis", label_nl="inflatie- en energiecrisis", severity_default=0.15,
        months_default=24, links=("income_security",),
        mechanism="Income adequacy falls by about the severity (baseline of income adequacy down "
                  "on the logit scale by 4 x severity) for the duration: existential security and "
                  "then stress follow (loop 1).",
        source=f"{S004} (existential security)"),
}

# the settings of an intervention and of a shock: (lo, hi, whole number, meaning)
MAX_MONTH = 100_000
MAX_CELL = 10_000  # no grid is wider or taller (the schema allows 1000)
_COMMON = {
    "start": (0, MAX_MONTH, True, "month after burn-in it starts"),
    "months": (1, MAX_MONTH, True, "how many months it runs (default: to the end of the run)"),
    "cost": (0.0, 1e7, False, "EUR per unit and month (default: the table's)"),
    "effect": (0.0, 3.0, False, "strength of the effect, 1 = the documented default"),
}
_SHOCK = {
    "start": (0, MAX_MONTH, True, "month after burn-in it starts"),
    "months": (1, MAX_MONTH, True, "how many months it lasts"),
    "severity": (0.0, 1.0, False, "how hard it hits, 0-1"),
}


def _close(name: str, allowed) -> str:
    close = difflib.get_close_matches(name, list(allowed), n=3, cutoff=0.6)
    return f"did you mean {', '.join(close)}? " if close else ""


def _check_setting(where: str, key: str, value: Any, lo, hi, whole: bool):
    """A setting's value, checked: a finite number from ``lo`` to ``hi`` (whole if ``whole``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{where}: {key} = {shown(value)} is not a number; allowed: {lo} to {hi}")
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        raise ParameterError(f"{where}: {key} = {shown(value)} is not a finite number; allowed: {lo} to {hi}")
    if not lo <= value <= hi:  # exact for whole numbers of any size
        raise ParameterError(f"{where}: {key} = {shown(value)} is out of range; allowed: {lo} to {hi}")
    if whole and isinstance(value, (float, np.floating)) and not float(value).is_integer():
        raise ParameterError(f"{where}: {key} = {shown(value)} is not a whole number; allowed: {lo} to {hi}")
    return int(value) if whole else float(value)


@dataclass
class Intervention:
    """One intervention in a run, with its settings and its running state."""

    spec: InterventionSpec
    units: float
    start: int = 0
    months: int | None = None
    cost: float = 0.0
    effect: float = 1.0
    cells: tuple[tuple[int, int], ...] = ()
    # running state
    enrolled: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    placed: list = field(default_factory=list)  # facility or professional indices it added
    in_use: float = 0.0

    @property
    def name(self) -> str:
        return self.spec.name

    def active(self, month: int) -> bool:
        return month >= self.start and (self.months is None or month < self.start + self.months)

    def settings(self) -> dict:
        out = {"units": self.units, "start": self.start, "cost": self.cost, "effect": self.effect}
        if self.months is not None:
            out["months"] = self.months
        if self.cells:
            out["cells"] = [list(c) for c in self.cells]
        return out


@dataclass
class Shock:
    name: str
    start: int
    months: int
    severity: float
    hit: bool = False  # the one-off part at the start has happened

    def active(self, month: int) -> bool:
        return self.start <= month < self.start + self.months

    def settings(self) -> dict:
        return {"start": self.start, "months": self.months, "severity": self.severity}


def setting_bounds(table: str, name: str) -> dict[str, tuple[float, float, bool]]:
    """The numeric settings of intervention or shock ``name``: {setting: (lo, hi, whole number)}.

    ``table`` is ``"interventions"`` or ``"shocks"``; raises ParameterError for an unknown name.
    """
    if table == "interventions":
        if name not in SPECS:
            raise ParameterError(f"unknown intervention {shown(name)}; {_close(name, SPECS)}allowed: {', '.join(SPECS)}")
        sp = SPECS[name]
        return {"units": (0, sp.units_max, sp.whole_units), **{k: v[:3] for k, v in _COMMON.items()}}
    if name not in SHOCKS:
        raise ParameterError(f"unknown shock {shown(name)}; {_close(name, SHOCKS)}allowed: {', '.join(SHOCKS)}")
    return {k: v[:3] for k, v in _SHOCK.items()}


def make_intervention(name: str, settings: dict | None) -> Intervention:
    """An intervention from its name and settings, every value checked (ParameterError)."""
    if name not in SPECS:
        raise ParameterError(f"unknown intervention {shown(name)}; {_close(name, SPECS)}allowed: {', '.join(SPECS)}")
    sp = SPECS[name]
    settings = dict(settings or {})
    where = f"intervention {name}"
    allowed = {"units": (0, sp.units_max, sp.whole_units, sp.unit), **_COMMON}
    if sp.kind == "facility":
        allowed["cells"] = None
    for key in settings:
        if key not in allowed:
            raise ParameterError(f"{where}: unknown setting {shown(key)}; {_close(key, allowed)}allowed: {', '.join(allowed)}")
    out = Intervention(spec=sp, units=sp.units_default, cost=sp.cost_per_unit)
    for key, value in settings.items():
        if key == "cells":
            out.cells = _check_cells(where, value)
            continue
        lo, hi, whole, _ = allowed[key]
        setattr(out, key, _check_setting(where, key, value, lo, hi, whole))
    if out.cells and "units" not in settings:
        out.units = len(out.cells)
    if out.cells and len(out.cells) != out.units:
        raise ParameterError(f"{where}: {len(out.cells)} cells given but units = {out.units}; "
                             "allowed: as many cells as units (or leave units out)")
    return out


def _check_cells(where: str, value) -> tuple[tuple[int, int], ...]:
    ok = isinstance(value, (list, tuple)) and all(
        isinstance(c, (list, tuple)) and len(c) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in c)
        for c in value)
    if not ok:
        raise ParameterError(f"{where}: cells = {shown(value)}; allowed: a list of [x, y] grid positions, "
                             "e.g. [[12, 30], [40, 8]]")
    if any(abs(v) > MAX_CELL for c in value for v in c):
        raise ParameterError(f"{where}: cells = {shown(value)} is off any grid; allowed: x and y from 0 to "
                             f"{MAX_CELL} (and inside the grid)")
    cells = tuple((int(x), int(y)) for x, y in value)
    if len(set(cells)) != len(cells):
        raise ParameterError(f"{where}: cells = {shown(value)} names a position twice")
    return cells


def make_shock(name: str, settings: dict | None) -> Shock:
    if name not in SHOCKS:
        raise ParameterError(f"unknown shock {shown(name)}; {_close(name, SHOCKS)}allowed: {', '.join(SHOCKS)}")
    settings = dict(settings or {})
    where = f"shock {name}"
    for key in settings:
        if key not in _SHOCK:
            raise ParameterError(f"{where}: unknown setting {shown(key)}; {_close(key, _SHOCK)}allowed: {', '.join(_SHOCK)}")
    d = SHOCKS[name]
    values = {"start": 0, "months": d["months_default"], "severity": d["severity_default"]}
    for key, value in settings.items():
        lo, hi, whole, _ = _SHOCK[key]
        values[key] = _check_setting(where, key, value, lo, hi, whole)
    return Shock(name=name, **values)


def parse_cli(text: str, kind: str) -> tuple[str, dict]:
    """``name:key=value,key=value`` (from ``--intervention`` or ``--shock``) as (name, settings)."""
    name, _, rest = text.partition(":")
    name = name.strip()
    settings: dict = {}
    for item in filter(None, (x.strip() for x in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise ParameterError(f"--{kind} {shown(text)}: expected name:key=value,..., e.g. "
                                 + ("single_parent_support:units=60,start=12" if kind == "intervention"
                                    else "inflation:start=120,months=24,severity=0.2"))
        try:
            number = float(value)
        except ValueError:
            raise ParameterError(f"--{kind} {shown(text)}: {key.strip()[:40]} = {shown(value.strip())} "
                                 "is not a number") from None
        # inf and nan stay floats and are refused, with the setting's range, when the plan is made
        whole = number.is_integer() and key.strip() != "cost"
        settings[key.strip()] = int(number) if whole else number
    return name, settings


@dataclass
class Plan:
    """The interventions and shocks of one run, and what they do each month."""

    interventions: list[Intervention] = field(default_factory=list)
    shocks: list[Shock] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.interventions or self.shocks)

    def describe(self) -> dict:
        return {"interventions": {iv.name: iv.settings() for iv in self.interventions},
                "shocks": {sh.name: sh.settings() for sh in self.shocks}}

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
                _check_cell(iv.name, state, x, y)
                if (x, y) in taken:
                    raise ParameterError(f"intervention {iv.name}: cell ({x}, {y}) is also asked for by {taken[(x, y)]}; "
                                         "allowed: one facility per cell")
                taken[(x, y)] = iv.name

    def add_shock(self, shock: Shock) -> None:
        self.shocks.append(shock)

    # ---- the month -------------------------------------------------------------------
    def begin_month(self, model: "VeerkrachtModel") -> None:
        """Before the step: structures that start or end, then this month's parameters."""
        month = model.month
        for iv in self.interventions:
            if iv.spec.kind == "facility" and iv.active(month) and not iv.placed:
                _place_facilities(model, iv)
            elif iv.spec.kind == "staff" and iv.active(month) and not iv.placed:
                _add_staff(model, iv)
            elif iv.spec.kind in ("facility", "staff") and iv.placed and not iv.active(month):
                _close_structures(model, iv)
        _apply_parameters(model, self, month)
        for sh in self.shocks:
            if sh.name == "lockdown":
                _lockdown(model, sh, month)

    def adjust_context(self, model: "VeerkrachtModel") -> None:
        """After the context is gathered: relief of care tasks for the enrolled parents."""
        for iv in self.interventions:
            if iv.name == "single_parent_support" and iv.active(model.month) and iv.enrolled.size:
                parents = _partners_of(model, iv.enrolled)
                model.state.ctx[C.CARE, parents] *= 1.0 - min(0.3 * iv.effect, 0.9)

    def after_update(self, model: "VeerkrachtModel") -> None:
        """After the persons' update: the programmes act on those enrolled."""
        for iv in self.interventions:
            if iv.spec.kind == "programme":
                if iv.active(model.month):
                    _PROGRAMMES[iv.name](model, iv)
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
    """A plan from the scenario's tables with overrides on top (settings merged per name)."""
    merged_iv: dict = {}
    merged_sh: dict = {}
    for where, merged, tables in (("interventions", merged_iv, (scenario_interventions, interventions)),
                                  ("shocks", merged_sh, (scenario_shocks, shocks))):
        for table in tables:
            if table is not None and not isinstance(table, dict):
                raise ParameterError(f"{where} = {shown(table)}: expected a table of {where} by name, "
                                     f"e.g. [{where}.NAME]")
            for k, v in (table or {}).items():
                if v is not None and not isinstance(v, dict):
                    raise ParameterError(f"{where}.{k} = {shown(v)}: expected a table of settings, "
                                         f"e.g. [{where}.{k}] with units = ...")
                merged[k] = {**merged.get(k, {}), **dict(v or {})}
    plan = Plan([make_intervention(k, v) for k, v in merged_iv.items()],
                [make_shock(k, v) for k, v in merged_sh.items()])
    return plan


# ---- parameters ------------------------------------------------------------------------

def _bounded(name: str, value: float) -> float:
    meta = spec(name).metadata
    return float(min(max(value, meta["lo"]), meta["hi"]))


def _apply_parameters(model: "VeerkrachtModel", plan: Plan, month: int) -> None:
    """This month's parameters: the run's own, changed by the running levers and shocks."""
    base = model.p_base
    changes: dict[str, float] = {}

    def get(name):
        return changes.get(name, getattr(base, name))

    def scale(name, factor):
        changes[name] = _bounded(name, get(name) * factor)

    for iv in plan.interventions:
        if not iv.active(month):
            continue
        e, u = iv.effect, iv.units
        if iv.name == "school_partnership":
            full = min(u / 2.0, 1.0) * e
            scale("school_signal", 1.0 + full)
            scale("p_contact_school", 1.0 + full)
            scale("teacher_low_expectation", 1.0 - 0.5 * min(full, 1.0))
        elif iv.name == "existential_security":
            scale("bureaucracy", 1.0 - min(0.1 * e, 0.5))
        elif iv.name == "mental_health_access":
            persons = max(model.state.active().size, 1)
            changes["ggz_capacity"] = _bounded("ggz_capacity", get("ggz_capacity") + u * e * 1000.0 / persons)
        elif iv.name == "newcomer_work":
            scale("newcomer_obstacles", 1.0 - min(u / 2.0 * e, 1.0))
        elif iv.name == "longer_contracts":
            scale("competition", 1.0 - min(0.1 * u * e, 1.0))
        elif iv.name == "mixed_housing":
            scale("share_low_income", 1.0 - min(u * e, 1.0))
    for sh in plan.shocks:
        if not sh.active(month):
            continue
        if sh.name == "inflation":
            changes["bias_income"] = _bounded("bias_income", get("bias_income") - 4.0 * sh.severity)
        elif sh.name == "lockdown":
            scale("p_job_find", 0.5)
    model.set_month_params(changes)


# ---- programmes ------------------------------------------------------------------------

def _partners_of(model, households: np.ndarray) -> np.ndarray:
    s = model.state
    members = [m for h in households.tolist() for m in s.hh_sets.get(h, ())]
    members = np.array(sorted(members), dtype=np.int64)
    return members[s.i[I.ROLE, members] == Role.PARTNER] if members.size else members


def _children_of(model, households: np.ndarray) -> np.ndarray:
    s = model.state
    members = np.array(sorted(m for h in households.tolist() for m in s.hh_sets.get(h, ())), dtype=np.int64)
    return members[s.i[I.ROLE, members] == Role.CHILD] if members.size else members


def _enrol(model, iv: Intervention, eligible: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Keep those enrolled who are still eligible; fill free places, most need first.

    ``eligible``: ids (households or persons) that may take part this month, with ``need``
    for each. Ties are broken by draws keyed by id, so who is enrolled does not depend on
    the order of the arrays.
    """
    capacity = int(iv.units)
    keep = iv.enrolled[np.isin(iv.enrolled, eligible)][:capacity]
    free = capacity - keep.size
    if free > 0 and eligible.size:
        fresh = ~np.isin(eligible, keep)
        cand, score = eligible[fresh], need[fresh]
        tiebreak = uniform_array(model.seed, model.month, cand, _D_ENROL + iv.spec.number) * 1e-6
        order = np.argsort(-(score + tiebreak), kind="stable")[:free]
        keep = np.concatenate([keep, cand[order]])
    iv.enrolled = np.sort(keep)
    iv.in_use = float(iv.enrolled.size)
    return iv.enrolled


def _household_means(model, households: np.ndarray, row: int) -> np.ndarray:
    """Mean of stock ``row`` over the partners (the adults heading) of each household."""
    s = model.state
    return partner_means(s.f, s.i, s.active(), s.n_hh, np.array([row], dtype=np.int64))[households]


def _single_parent_support(model, iv: Intervention) -> None:
    s = model.state
    hh = s.active_households()
    eligible = hh[s.hh_kind[hh] == HouseholdKind.SINGLE_PARENT]
    enrolled = _enrol(model, iv, eligible, _household_means(model, eligible, F.STRESS))
    if not enrolled.size:
        return
    e = iv.effect
    kids = _children_of(model, enrolled)
    # parenting support: the parenting quality the children receive (then loop 3)
    s.f[F.PARENTING, kids] += min(0.05 * e, 1.0) * (1.0 - s.f[F.PARENTING, kids])
    # material help: the household's buffer
    parents = _partners_of(model, enrolled)
    s.f[F.BUFFER, parents] += min(0.02 * e, 1.0) * (1.0 - s.f[F.BUFFER, parents])


def _existential_security(model, iv: Intervention) -> None:
    s = model.state
    hh = s.active_households()
    enrolled = _enrol(model, iv, hh, 1.0 - _household_means(model, hh, F.SECURITY))
    if not enrolled.size:
        return
    adults = _partners_of(model, enrolled)
    floor = min(0.35 + 0.25 * iv.effect, 0.95)
    # the floor is reached by relaxation, so the stock never jumps
    low = adults[s.f[F.INCOME, adults] < floor]
    s.f[F.INCOME, low] += 0.5 * (floor - s.f[F.INCOME, low])
    s.f[F.DEBT, adults] -= min(0.05 * iv.effect, 1.0) * s.f[F.DEBT, adults]


def _peer_support(model, iv: Intervention) -> None:
    s = model.state
    act = s.active()
    waiting = act[s.i[I.HELP, act] == Help.WAITING]
    months = model.month - s.i[I.WAIT_SINCE, waiting]
    enrolled = _enrol(model, iv, waiting, months.astype(float))
    if not enrolled.size:
        return
    e = iv.effect
    s.f[F.SUPPORT, enrolled] += min(0.1 * e, 1.0) * (1.0 - s.f[F.SUPPORT, enrolled])
    s.f[F.MENTAL, enrolled] -= min(0.03 * e, 1.0) * s.f[F.MENTAL, enrolled]


def _learning(model, iv: Intervention) -> None:
    s = model.state
    act = s.active()
    age = s.i[I.AGE, act]
    working_age = (age >= 18 * YEAR) & (age < 67 * YEAR)
    eligible = act[working_age & ((s.i[I.EMPLOYED, act] == 0) | (s.f[F.EARNING, act] < 0.4))]
    enrolled = _enrol(model, iv, eligible, 1.0 - s.f[F.LIFE_SKILLS, eligible])
    if not enrolled.size:
        return
    e = iv.effect
    s.f[F.LIFE_SKILLS, enrolled] += min(0.02 * e, 1.0) * (1.0 - s.f[F.LIFE_SKILLS, enrolled])
    s.f[F.EARNING, enrolled] += min(0.01 * e, 1.0) * (1.0 - s.f[F.EARNING, enrolled])


def _neighbourhood_families(model, iv: Intervention) -> None:
    """Pairs of an asking family and a support family; their first adults keep a bridging tie."""
    s = model.state
    hh = s.active_households()
    kinds = s.hh_kind[hh]
    with_kids = hh[(kinds == HouseholdKind.SINGLE_PARENT) | (kinds == HouseholdKind.COUPLE_CHILDREN)]
    stress = _household_means(model, with_kids, F.STRESS)
    asking = with_kids[(stress > 0.4) | (s.hh_kind[with_kids] == HouseholdKind.SINGLE_PARENT)]
    asking_need = _household_means(model, asking, F.STRESS)
    # keep pairs whose households are both still here; the asking side is what is enrolled
    alive_hh = set(hh.tolist())
    pairs = [tuple(p) for p in iv.pairs.tolist() if p[0] in alive_hh and p[1] in alive_hh]
    iv.enrolled = np.array(sorted(p[0] for p in pairs), dtype=np.int64)
    enrolled = _enrol(model, iv, asking, asking_need)
    paired = {p[0]: p[1] for p in pairs if p[0] in set(enrolled.tolist())}
    new = [h for h in enrolled.tolist() if h not in paired]
    if new:
        resilience = _household_means(model, hh, F.WELLBEING) - _household_means(model, hh, F.STRESS)
        taken = set(paired.values()) | set(enrolled.tolist())
        strong = [h for h in hh[np.argsort(-resilience, kind="stable")].tolist() if h not in taken]
        for k, h in enumerate(new):
            if k >= len(strong):
                break
            paired[h] = strong[k]
    iv.pairs = np.array(sorted(paired.items()), dtype=np.int64).reshape(-1, 2)
    iv.in_use = float(len(paired))
    gain = min(0.5 * iv.effect, 1.0)
    for a, b in iv.pairs.tolist():
        pa, pb = _partners_of(model, np.array([a])), _partners_of(model, np.array([b]))
        if pa.size and pb.size and gain > 0:
            _contact(s.tie_other, s.tie_w, s.tie_type, int(pa[0]), int(pb[0]), int(TieType.BRIDGING), gain)


_PROGRAMMES = {
    "single_parent_support": _single_parent_support,
    "existential_security": _existential_security,
    "peer_support": _peer_support,
    "learning": _learning,
    "neighbourhood_families": _neighbourhood_families,
}


# ---- facilities and staff --------------------------------------------------------------

def _place_facilities(model, iv: Intervention) -> None:
    s = model.state
    kind = CellKind.MEETING_PLACE if iv.name == "meeting_places" else CellKind.SERVICE_POINT
    if iv.cells:
        cells = []
        for x, y in iv.cells:
            _check_cell(iv.name, s, x, y)
            cells.append(y * s.grid_w + x)
    else:
        # cells that another intervention asks for by position stay free for it
        w = s.grid_w
        reserved = [y * w + x for other in model.plan.interventions if other is not iv for x, y in other.cells]
        cells = _cells_by_count(model, int(iv.units), kind, reserved)
    for cell in cells:
        index = model.add_facility(cell, kind)
        iv.placed.append(("facility", index))
        if kind == CellKind.SERVICE_POINT:
            for _ in range(2):
                iv.placed.append(("pro", model.add_professional(ProKind.SOCIAL_WORKER, cell)))
    iv.in_use = float(len(cells))


def _check_cell(name: str, s, x: int, y: int) -> None:
    if not (0 <= x < s.grid_w and 0 <= y < s.grid_h):
        raise ParameterError(f"intervention {name}: cell ({x}, {y}) is off the grid; "
                             f"allowed: x 0 to {s.grid_w - 1}, y 0 to {s.grid_h - 1}")
    kind = s.cell_kind[y * s.grid_w + x]
    if kind != CellKind.DWELLING:
        raise ParameterError(f"intervention {name}: cell ({x}, {y}) already holds a "
                             f"{CellKind(int(kind)).name.lower().replace('_', ' ')}; allowed: a dwelling")


def _cells_by_count(model, count: int, kind: CellKind, reserved=()) -> list[int]:
    """``count`` dwellings furthest from a facility of ``kind``, empty ones first, spread out.

    Cells in ``reserved`` are never chosen.
    """
    s = model.state
    chosen: list[int] = []
    dwellings = np.flatnonzero(s.cell_kind == CellKind.DWELLING)
    if dwellings.size == 0:
        return chosen
    w = s.grid_w
    dx, dy = dwellings % w, dwellings // w
    existing = [int(c) for c, k in zip(s.fac_cell, s.fac_kind) if k == kind]
    tiebreak = uniform_array(model.seed, model.month, dwellings, _D_PLACE) * 1e-3
    empty_bonus = (s.cell_hh[dwellings] < 0) * 0.5
    free = np.ones(dwellings.size, dtype=bool)
    if len(reserved):
        free = ~np.isin(dwellings, np.asarray(reserved, dtype=np.int64))
    for _ in range(min(count, int(free.sum()))):
        if existing:
            ex = np.array(existing)
            dist = np.min(np.maximum(np.abs(dx[:, None] - ex[None, :] % w), np.abs(dy[:, None] - ex[None, :] // w)), axis=1)
        else:
            # no such facility yet: start near the centre
            dist = -np.maximum(np.abs(dx - w // 2), np.abs(dy - s.grid_h // 2)).astype(float)
        score = dist + empty_bonus + tiebreak
        score[np.isin(dwellings, chosen)] = -np.inf
        if len(reserved):
            score[~free] = -np.inf
        cell = int(dwellings[np.argmax(score)])
        chosen.append(cell)
        existing.append(cell)
    return chosen


def _add_staff(model, iv: Intervention) -> None:
    s = model.state
    service = [int(c) for c, k in zip(s.fac_cell, s.fac_kind) if k == CellKind.SERVICE_POINT]
    where = service[0] if service else int(s.fac_cell[0])
    kinds = {"neighbourhood_team": (ProKind.POLICE, ProKind.SOCIAL_WORKER, ProKind.COMMUNITY_BUILDER),
             "experience_experts": (ProKind.EXPERIENCE_EXPERT,)}[iv.name]
    for _ in range(int(iv.units)):
        for k in kinds:
            iv.placed.append(("pro", model.add_professional(k, where)))
    iv.in_use = float(int(iv.units))


def _close_structures(model, iv: Intervention) -> None:
    for what, index in iv.placed:
        if what == "facility":
            model.close_facility(index)
        else:
            model.retire_professional(index)
    iv.placed = []
    iv.in_use = 0.0


# ---- shocks ----------------------------------------------------------------------------

def _lockdown(model, sh: Shock, month: int) -> None:
    s = model.state
    meeting = s.fac_kind == CellKind.MEETING_PLACE
    if sh.active(month):
        s.fac_open[meeting] = 0
        if not sh.hit:
            sh.hit = True
            act = s.active()
            employed = act[s.i[I.EMPLOYED, act] == 1]
            n_cut = int(round(sh.severity * employed.size))
            if n_cut:
                order = np.argsort(s.f[F.EARNING, employed]
                                   + uniform_array(model.seed, month, employed, _D_LOCKDOWN) * 1e-6, kind="stable")
                cut = employed[order[:n_cut]]
                s.i[I.EMPLOYED, cut] = 0
                life_event(model, cut, model.p.hit_job_loss, Ev.JOB_LOSS)
    elif month == sh.start + sh.months:
        s.fac_open[meeting & (s.fac_in_use == 1)] = 1


def intervention_rows() -> list[dict]:
    """The intervention table for docs and the command line."""
    return [dict(number=sp.number, name=sp.name, kind=sp.kind, label=sp.label, label_nl=sp.label_nl, unit=sp.unit,
                 units_default=sp.units_default, units_max=sp.units_max, cost_per_unit=sp.cost_per_unit,
                 cost_source=sp.cost_source, links=", ".join(sp.links), mechanism=sp.mechanism, source=sp.source)
            for sp in sorted(SPECS.values(), key=lambda x: x.number)]


def _check_links_exist() -> None:
    for sp in SPECS.values():
        for link in sp.links:
            assert link in LINK_NAMES, f"{sp.name}: unknown link {link}"
    for name, d in SHOCKS.items():
        for link in d["links"]:
            assert link in LINK_NAMES, f"{name}: unknown link {link}"


_check_links_exist()
