"""What each intervention and shock is, which settings it takes, and how they are checked.

Declared once, checked like parameters: :data:`SPECS` (the fourteen interventions of
DESIGN.md) and :data:`SHOCKS`, with the settings each takes and their bounds. A run's
:class:`Intervention` and :class:`Shock` carry the checked settings and their running
state; :mod:`abm.interventions.plan` runs them and :mod:`abm.interventions.mechanisms`
holds what each does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from abm.params import LINK_NAMES, ParameterError, check_number, close_matches_hint, shown
from abm.state import CellKind

S000 = "seed 000_ec0162dc2bd15f34.txt"
S001 = "seed 001_b5e28110220da24e.txt"
S002 = "seed 002_f666f2acb3d94fe5.txt"
S003 = "seed 003_5833de641c769f91.txt"
S004 = "seed 004_c2b508ef143d09a6.txt"
COST_ASSUMPTION = "assumption: Dutch order of magnitude, to set per municipality"


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
    unit_nl: str = ""  # the unit in Dutch, for the Dutch page
    mechanism_nl: str = ""  # the mechanism in plain Dutch, for the Dutch page


SPECS: dict[str, InterventionSpec] = {s.name: s for s in (
    InterventionSpec(
        "single_parent_support", 1, "programme", "support for single parents", "steun voor eenoudergezinnen",
        "single-parent households in the programme", 40, 2000, 350.0,
        f"{COST_ASSUMPTION} (family coaching of a few hours a week)",
        ("support_parenting", "relief_care", "cash_savings", "parenting_attachment", "care_stress", "material_capacity",
         "debt_security"),
        "Enrols the single-parent households whose parents carry the most stress. Parenting "
        "support raises the parenting quality the children receive (then attachment and life "
        "skills follow, loop 3); relief of care tasks lowers the parent's care load (care -> "
        "stress); material help adds to the household's savings.",
        f"{S004} recommendation 1; effect bounded by Siegenthaler et al. 2012 (RR 0.60)",
        unit_nl="eenoudergezinnen in het programma",
        mechanism_nl=(
            "Het programma neemt de eenoudergezinnen op waarvan de ouder de meeste stress heeft. Hulp bij het "
            "opvoeden maakt de opvoeding die de kinderen krijgen beter; daarna groeien hun hechting en "
            "levensvaardigheden mee (kringloop 3). Hulp bij de zorgtaken maakt de zorglast van de ouder "
            "lichter, en minder zorglast geeft minder stress. Materiële hulp vult het spaargeld van het gezin "
            "aan.")),
    InterventionSpec(
        "school_partnership", 2, "parameter", "school-parents-care partnership", "samenwerking school, ouders en zorg",
        "FTE of school-care coordination", 1, 10, 6000.0, f"{COST_ASSUMPTION} (one school social worker)",
        ("school_signal", "teacher_expectations", "school_gate_ties"),
        "The school signals need earlier (school_signal up), brings parents together at the "
        "school gate (more contacts there, bridging ties) and teachers' expectations of "
        "children from the neighbourhood rise (teacher_low_expectation down). Two FTE is the "
        "full partnership for one school.",
        f"{S004} recommendation 2",
        unit_nl="fte coördinatie school en zorg",
        mechanism_nl=(
            "De school ziet eerder dat er hulp nodig is en meldt dat. Ouders ontmoeten elkaar bij het "
            "schoolhek: daar ontstaan meer contacten, ook tussen mensen die elkaar anders niet zouden leren "
            "kennen. Leraren verwachten meer van kinderen uit de wijk. Twee fte is de volledige samenwerking "
            "voor één school.")),
    InterventionSpec(
        "existential_security", 3, "programme", "existential security: income floor and debt relief",
        "bestaanszekerheid: inkomensvloer en schuldhulp", "households in the programme", 60, 5000, 300.0,
        f"{COST_ASSUMPTION} (income top-up plus debt counselling)",
        ("floor_income", "relief_arrears", "exceptions_bureaucracy", "income_security", "debt_security",
         "bureaucracy_effectiveness"),
        "Enrols the households with the lowest existential security. Their income is topped "
        "up towards a floor above the low-income line and their arrears are paid off faster; "
        "room for tailor-made exceptions lowers bureaucracy for everyone a little.",
        f"{S004} recommendation 3; debt relief effect bounded by Ong et al. 2019",
        unit_nl="huishoudens in het programma",
        mechanism_nl=(
            "Het programma neemt de huishoudens op met de minste bestaanszekerheid. Hun inkomen wordt aangevuld"
            " tot een vloer boven de lage-inkomensgrens, en hun achterstanden worden sneller afgelost. Er komt "
            "ruimte voor uitzonderingen op maat; daardoor wordt de bureaucratie voor iedereen een beetje "
            "minder.")),
    InterventionSpec(
        "service_point", 4, "facility", "low-threshold service point", "laagdrempelig loket in de wijk",
        "service points", 1, 10, 12000.0, f"{COST_ASSUMPTION} (premises plus two social workers)",
        ("service_point_navigation", "service_point_trust", "service_point_signal", "pro_signal", "pro_navigation",
         "knownface_trust", "builder_participation"),
        "A physically present, low-threshold government service point: residents within "
        "`service_reach` cells can walk in, so their navigation and trust rise and their need "
        "is noticed sooner (the threshold to help falls); two social workers there take cases "
        "in its catchment (signalling, navigation and trust through a known face).",
        f"{S004} recommendation 4; {S002}",
        unit_nl="loketten",
        mechanism_nl=(
            "Een laagdrempelig loket van de overheid, echt aanwezig in de wijk. Bewoners die dichtbij genoeg "
            "wonen (binnen de ingestelde loopafstand) kunnen gewoon binnenlopen. Zo vinden ze makkelijker hun "
            "weg in het systeem, krijgen ze meer vertrouwen en wordt eerder gezien dat ze hulp nodig hebben: de"
            " drempel naar hulp wordt lager. Twee sociaal werkers bij het loket helpen bewoners uit de buurt "
            "eromheen. Als bekend gezicht merken ze op wie hulp nodig heeft, helpen ze mensen hun weg te vinden"
            " en winnen ze vertrouwen.")),
    InterventionSpec(
        "meeting_places", 5, "facility", "meeting places", "ontmoetingsplekken (buurthuis)",
        "meeting places", 2, 50, 4000.0, f"{COST_ASSUMPTION} (premises and a host)",
        ("meeting_participation", "participation_ties", "participation_efficacy", "meeting_ties"),
        "More meeting places, by count (in the blocks furthest from one) or by position. "
        "Residents go to the nearest within reach: participation, new ties and collective "
        "efficacy follow (loops 5 and 6).",
        f"{S004} recommendation 5; {S003}; no robust effect size (assumption, keep wide)",
        unit_nl="ontmoetingsplekken",
        mechanism_nl=(
            "Meer ontmoetingsplekken. Je kiest een aantal (ze komen dan in de blokken die het verst van een "
            "plek liggen), of je wijst zelf aan waar ze komen. Bewoners gaan naar de dichtstbijzijnde plek die "
            "ze kunnen bereiken. Daardoor doen ze meer mee, leggen ze nieuwe contacten en groeit de "
            "samenredzaamheid (kringlopen 5 en 6).")),
    InterventionSpec(
        "neighbourhood_team", 6, "staff", "known neighbourhood professionals", "vaste gezichten in de wijk",
        "teams (a wijkagent, a social worker and a community builder)", 1, 10, 19500.0,
        f"{COST_ASSUMPTION} (three FTE)",
        ("knownface_trust", "pro_signal", "pro_navigation", "builder_participation"),
        "Adds teams of a known neighbourhood police officer, a social worker and a community "
        "builder with their caseloads: trust through a known face, signalling of need, "
        "participation through the community builder (agency, loop 6).",
        f"{S004} recommendation 6; {S002}",
        unit_nl="teams (een wijkagent, een sociaal werker en een opbouwwerker)",
        mechanism_nl=(
            "Er komen teams bij van een bekende wijkagent, een sociaal werker en een opbouwwerker. Elk van hen "
            "heeft een eigen groep bewoners om wie ze zich bekommeren. Een bekend gezicht geeft vertrouwen, de "
            "teams merken op wie hulp nodig heeft, en de opbouwwerker zorgt dat bewoners meer meedoen (regie "
            "over het eigen leven, kringloop 6).")),
    InterventionSpec(
        "mental_health_access", 7, "parameter", "mental-health care: central intake, shorter waits",
        "ggz: centrale intake, kortere wachtlijsten", "extra intakes per month", 5, 200, 1800.0,
        f"{COST_ASSUMPTION} (one short treatment course per intake)",
        ("help_mental", "wait_trust", "help_skills", "familiarity_navigation", "bad_contact_trust"),
        "Adds intake capacity to the mental-health service: shorter waits, more help (help -> "
        "problems down), less loss of trust from waiting.",
        f"{S004} recommendation 7; NZa waiting standard",
        unit_nl="extra intakes per maand",
        mechanism_nl=(
            "De geestelijke gezondheidszorg (ggz) krijgt ruimte voor meer intakes. Mensen wachten korter en "
            "krijgen meer hulp, en hulp maakt psychische problemen kleiner. Omdat ze minder lang wachten, "
            "verliezen ze ook minder vertrouwen.")),
    InterventionSpec(
        "peer_support", 8, "programme", "peer support and self-help while waiting",
        "lotgenotencontact en zelfhulp tijdens het wachten", "places in peer groups", 30, 2000, 120.0,
        f"{COST_ASSUMPTION} (a trained volunteer coordinator per group)",
        ("peer_group_support", "peer_group_mental", "support_stress", "mental_wellbeing"),
        "Enrols those on the mental-health waiting list, longest waiting first: support from "
        "peers rises and mental problems ease a little while they wait.",
        f"{S004} recommendation 8; effect bounded by Pfeiffer et al. 2011 (SMD -0.59)",
        unit_nl="plekken in lotgenotengroepen",
        mechanism_nl=(
            "Het programma neemt mensen op die op de wachtlijst van de ggz staan; wie het langst wacht, komt "
            "eerst. Ze krijgen meer steun van lotgenoten, en hun psychische problemen worden tijdens het "
            "wachten een beetje minder.")),
    InterventionSpec(
        "newcomer_work", 9, "parameter", "fewer obstacles to work for newcomers",
        "minder belemmeringen naar werk voor nieuwkomers", "FTE of job coaching", 1, 10, 6000.0,
        f"{COST_ASSUMPTION} (one job coach)",
        ("newcomer_obstacles",),
        "Job coaching and fewer rules lower the obstacles to work for newcomers and refugees "
        "(newcomer_obstacles down; two FTE halves them at full effect).",
        f"{S004} recommendation 9",
        unit_nl="fte begeleiding naar werk (jobcoach)",
        mechanism_nl=(
            "Begeleiding door een jobcoach en minder regels maken de belemmeringen naar werk kleiner voor "
            "nieuwkomers en vluchtelingen. Bij het volle effect halveren twee fte die belemmeringen.")),
    InterventionSpec(
        "learning", 10, "programme", "learning and development on welfare or in low-skilled work",
        "leren en ontwikkelen in de bijstand of laaggeschoold werk", "places in the programme", 40, 5000, 450.0,
        f"{COST_ASSUMPTION} (a training place)",
        ("training_skills", "training_earning", "skills_functioning", "functioning_employment",
         "income_security"),
        "Enrols working-age adults without work or with low earning capacity, lowest life "
        "skills first: life skills and earning capacity grow, so functioning, work and income "
        "follow (loop 2).",
        f"{S004} recommendation 10",
        unit_nl="plekken in het programma",
        mechanism_nl=(
            "Het programma neemt volwassenen in de werkende leeftijd op die geen werk hebben of weinig kunnen "
            "verdienen; wie de laagste levensvaardigheden heeft, komt eerst. Hun levensvaardigheden en "
            "verdienvermogen groeien. Daardoor gaan ook hun functioneren, hun werk en hun inkomen vooruit "
            "(kringloop 2).")),
    InterventionSpec(
        "experience_experts", 11, "staff", "experience experts in neighbourhood teams",
        "ervaringsdeskundigen in wijkteams", "experience experts", 2, 30, 4500.0,
        f"{COST_ASSUMPTION} (one part-time paid experience expert)",
        ("knownface_trust", "pro_signal", "pro_navigation", "trust_seek", "builder_participation"),
        "Adds experience experts who seek out care avoiders (need with low trust): door-openers "
        "through a known face.",
        f"{S004} recommendation 11; {S002}",
        unit_nl="ervaringsdeskundigen",
        mechanism_nl=(
            "Er komen ervaringsdeskundigen bij. Zij zoeken zorgmijders op: mensen die hulp nodig hebben, maar "
            "weinig vertrouwen hebben. Als bekend gezicht openen ze deuren.")),
    InterventionSpec(
        "longer_contracts", 12, "parameter", "longer contracts for welfare organisations",
        "langere contracten voor welzijnsorganisaties", "organisations on long contracts", 3, 10, 1500.0,
        f"{COST_ASSUMPTION} (joint coordination)",
        ("competition_effectiveness",),
        "Cooperation instead of competition: each organisation on a long contract lowers "
        "competition by a tenth, so professionals work more effectively.",
        f"{S004} recommendation 12; {S000}",
        unit_nl="organisaties met een lang contract",
        mechanism_nl=(
            "Samenwerken in plaats van concurreren. Elke organisatie met een lang contract verlaagt de "
            "concurrentie met een tiende. Zo werken professionals effectiever.")),
    InterventionSpec(
        "mixed_housing", 13, "parameter", "mixed housing and steering of inflow",
        "gemengd bouwen en sturen op instroom", "share of lettings steered to middle incomes", 0.3, 1.0, 20000.0,
        f"{COST_ASSUMPTION} (per month at full steering: compensation to the housing corporation)",
        ("lowincome_attachment", "mix_attachment", "disadvantage_efficacy", "disadvantage_nuisance"),
        "A share of the dwellings that come free is let to middle incomes: fewer arrivals with "
        "low income, so the concentration of low income falls and the mix rises "
        "(neighbourhood attachment).",
        f"{S004} recommendation 13", whole_units=False,
        unit_nl="deel van de vrijgekomen woningen dat naar middeninkomens gaat",
        mechanism_nl=(
            "Een deel van de woningen die vrijkomen, gaat naar mensen met een middeninkomen. Er komen dus "
            "minder nieuwe bewoners met een laag inkomen bij. Zo wonen er minder mensen met een laag inkomen "
            "bij elkaar en wordt de wijk meer gemengd. Dat versterkt het buurtgevoel.")),
    InterventionSpec(
        "neighbourhood_families", 14, "programme", "neighbourhood families", "buurtgezinnen",
        "pairs of a support family and a family asking support", 20, 2000, 90.0,
        f"{COST_ASSUMPTION} (matching and coaching by a coordinator)",
        ("pairing_ties", "support_stress", "giveback_support"),
        "Pairs each family asking support (single parents and stressed parents with children, "
        "most stressed first) with a socially strong household elsewhere; the adults keep a "
        "bridging tie along which support flows (the oil spill of resilience).",
        f"{S004}; {S003}",
        unit_nl="koppels van een steungezin en een gezin dat steun vraagt",
        mechanism_nl=(
            "Elk gezin dat steun vraagt, krijgt een sociaal sterk huishouden van elders als maatje. Het gaat om"
            " alleenstaande ouders en ouders met kinderen die veel stress hebben; wie de meeste stress heeft, "
            "komt eerst. De volwassenen blijven contact houden, over de grenzen van hun eigen kring heen, en "
            "via dat contact stroomt steun. Zo verspreidt veerkracht zich als een olievlek.")),
)}

SHOCKS: dict[str, dict] = {
    "lockdown": dict(
        label="lockdown", label_nl="lockdown", severity_default=0.1, months_default=6,
        links=("meeting_participation", "events_stress", "closure_care", "care_stress"),
        mechanism="Schools, childcare and meeting places close for the duration: children at home "
                  "add to the parents' care load (closure_care; a single parent carries it alone), "
                  "the school neither signals need nor brings parents together at the gate, and half "
                  "the contacts with neighbours, the community and at work do not happen. At the "
                  "start a share (the severity) of the employed with the lowest earning capacity lose "
                  "their flexible jobs (a life event: acute stress); finding work is half as likely "
                  "while it lasts.",
        mechanism_nl=(
            "Scholen, kinderopvang en ontmoetingsplekken gaan dicht zolang de lockdown duurt. De kinderen zijn "
            "thuis, en dat maakt de zorglast van de ouders zwaarder; een alleenstaande ouder draagt die last "
            "alleen. De school ziet niet meer wie hulp nodig heeft en brengt ouders niet meer samen bij het "
            "schoolhek. De helft van de contacten met buren, in de gemeenschap en op het werk gaat niet door. "
            "Aan het begin verliest een deel van de werkenden met het laagste verdienvermogen hun flexbaan. "
            "De zwaarte van de crisis bepaalt hoe groot dat deel is: bij 0,1 is het een tiende. Dat is een "
            "ingrijpende gebeurtenis die acute stress geeft. Zolang de lockdown duurt, is de kans om werk te "
            "vinden half zo groot."),
        source=f"{S004} (resilience under crisis: the corona measures)"),
    "inflation": dict(
        label="inflation and energy crisis", label_nl="inflatie- en energiecrisis", severity_default=0.15,
        months_default=24, links=("income_security",),
        mechanism="Prices of the fixed costs (rent, energy, living costs) rise by the severity "
                  "for the duration: tight budgets fall short, savings shrink and arrears grow; "
                  "debt and buffer, then existential security and stress follow (loop 1).",
        mechanism_nl=(
            "Zolang de crisis duurt, stijgen de prijzen van de vaste lasten (huur, energie, kosten van "
            "levensonderhoud) met de zwaarte van de crisis: bij 0,15 worden ze 15 procent duurder. Krappe "
            "budgetten schieten tekort, spaargeld slinkt en achterstanden groeien. Daarna veranderen schulden "
            "en buffer mee, en dan bestaanszekerheid en stress (kringloop 1)."),
        source=f"{S004} (existential security)"),
    "energy": dict(
        label="energy crisis", label_nl="energiecrisis", severity_default=0.3, months_default=18,
        links=("income_security", "debt_security"),
        mechanism="Energy bills rise by three times the severity for the duration (the 2022 crisis: "
                  "energy prices doubled and more): budgets that were tight fall short first, arrears "
                  "and problematic debt follow, then existential security and stress (loop 1).",
        mechanism_nl=(
            "Zolang de crisis duurt, stijgt de energierekening met drie keer de zwaarte van de crisis: bij 0,3 "
            "wordt hij 90 procent hoger. (In de crisis van 2022 werden de energieprijzen twee keer zo hoog en "
            "meer.) Budgetten die al krap waren, schieten als eerste tekort. Daarna volgen achterstanden en "
            "problematische schulden, en dan bestaanszekerheid en stress (kringloop 1)."),
        source=f"{S004} (existential security); CBS, consumer prices 2022"),
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


def _check_setting(where: str, key: str, value: Any, lo, hi, whole: bool):
    """A setting's value, checked: a finite number from ``lo`` to ``hi`` (whole if ``whole``)."""
    value = check_number(where, key, value, lo, hi, whole)
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
            raise ParameterError(f"unknown intervention {shown(name)}; {close_matches_hint(name, SPECS)}allowed: {', '.join(SPECS)}")
        sp = SPECS[name]
        return {"units": (0, sp.units_max, sp.whole_units), **{k: v[:3] for k, v in _COMMON.items()}}
    if name not in SHOCKS:
        raise ParameterError(f"unknown shock {shown(name)}; {close_matches_hint(name, SHOCKS)}allowed: {', '.join(SHOCKS)}")
    return {k: v[:3] for k, v in _SHOCK.items()}


def make_intervention(name: str, settings: dict | None) -> Intervention:
    """An intervention from its name and settings, every value checked (ParameterError)."""
    if name not in SPECS:
        raise ParameterError(f"unknown intervention {shown(name)}; {close_matches_hint(name, SPECS)}allowed: {', '.join(SPECS)}")
    sp = SPECS[name]
    settings = dict(settings or {})
    where = f"intervention {name}"
    allowed = {"units": (0, sp.units_max, sp.whole_units, sp.unit), **_COMMON}
    if sp.kind == "facility":
        allowed["cells"] = None
    for key in settings:
        if key not in allowed:
            raise ParameterError(f"{where}: unknown setting {shown(key)}; {close_matches_hint(key, allowed)}allowed: {', '.join(allowed)}")
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
        raise ParameterError(f"unknown shock {shown(name)}; {close_matches_hint(name, SHOCKS)}allowed: {', '.join(SHOCKS)}")
    settings = dict(settings or {})
    where = f"shock {name}"
    for key in settings:
        if key not in _SHOCK:
            raise ParameterError(f"{where}: unknown setting {shown(key)}; {close_matches_hint(key, _SHOCK)}allowed: {', '.join(_SHOCK)}")
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


def check_cell(name: str, s, x: int, y: int) -> None:
    """Position (x, y) of intervention ``name`` is on the grid of state ``s`` and holds a dwelling."""
    if not (0 <= x < s.grid_w and 0 <= y < s.grid_h):
        raise ParameterError(f"intervention {name}: cell ({x}, {y}) is off the grid; "
                             f"allowed: x 0 to {s.grid_w - 1}, y 0 to {s.grid_h - 1}")
    kind = s.cell_kind[y * s.grid_w + x]
    if kind != CellKind.DWELLING:
        raise ParameterError(f"intervention {name}: cell ({x}, {y}) already holds a "
                             f"{CellKind(int(kind)).name.lower().replace('_', ' ')}; allowed: a dwelling")


def intervention_rows() -> list[dict]:
    """The intervention table for docs, the command line and the browser view (unit and mechanism also in Dutch)."""
    return [dict(number=sp.number, name=sp.name, kind=sp.kind, label=sp.label, label_nl=sp.label_nl, unit=sp.unit,
                 unit_nl=sp.unit_nl, units_default=sp.units_default, units_max=sp.units_max,
                 cost_per_unit=sp.cost_per_unit, cost_source=sp.cost_source, links=", ".join(sp.links),
                 mechanism=sp.mechanism, mechanism_nl=sp.mechanism_nl, source=sp.source)
            for sp in sorted(SPECS.values(), key=lambda x: x.number)]


def _check_links_exist() -> None:
    for sp in SPECS.values():
        for link in sp.links:
            assert link in LINK_NAMES, f"{sp.name}: unknown link {link}"
    for name, d in SHOCKS.items():
        for link in d["links"]:
            assert link in LINK_NAMES, f"{name}: unknown link {link}"


_check_links_exist()
