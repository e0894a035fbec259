"""What each intervention and shock does: its mechanism, registered under its name.

A mechanism is one or more functions, each registered with :func:`mechanism` for one
moment of the month; :class:`abm.interventions.plan.Plan` calls them through
:data:`MECHANISMS` while the intervention or shock runs:

``place``
    a facility or staff intervention starts: place the facilities or add the
    professionals (they are closed or retired again when it stops);
``parameters``
    each month before the step: change this month's parameters (:class:`MonthParameters`);
``context``
    each month after the persons' context is gathered;
``update``
    each month after the persons' update: a programme enrols and acts on those enrolled;
``shock``
    each month before the step, running or not (a shock's one-off hit and its end).

A new intervention is declared in :data:`abm.interventions.specs.SPECS` and gets its
functions here; a test checks that every declared name has a mechanism and that no
mechanism is registered under a name that is not declared.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Callable

import numpy as np

from abm.demography import life_event
from abm.interventions.specs import Intervention, Shock, check_cell
from abm.kernels import C, F, I, L, M, Activity, Ev, Help, Role, TieType, contact, partner_means, uniform_array
from abm.params import spec
from abm.state import CellKind, HouseholdKind, ProKind

if TYPE_CHECKING:
    from abm.model import VeerkrachtModel

# keyed draws of the interventions (kernels use 0-61, demography 40-50, population 100-499)
_D_ENROL, _D_PLACE, _D_PAIR, _D_LOCKDOWN = 500, 501, 502, 503
YEAR = 12


# ---- the registry ----------------------------------------------------------------------

@dataclass
class Mechanism:
    """The functions of one intervention or shock, by moment of the month (none: not acting then)."""

    place: Callable | None = None  # (model, intervention)
    parameters: Callable | None = None  # (model, intervention or shock, MonthParameters)
    context: Callable | None = None  # (model, intervention)
    update: Callable | None = None  # (model, intervention)
    shock: Callable | None = None  # (model, shock, month)


MOMENTS = tuple(f.name for f in fields(Mechanism))
MECHANISMS: dict[str, Mechanism] = {}


def mechanism(name: str, moment: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as what intervention or shock ``name`` does at ``moment``."""
    if moment not in MOMENTS:
        raise ValueError(f"mechanism {name}: unknown moment {moment!r}; allowed: {', '.join(MOMENTS)}")

    def register(fn: Callable) -> Callable:
        entry = MECHANISMS.setdefault(name, Mechanism())
        if getattr(entry, moment) is not None:
            raise ValueError(f"mechanism {name}: a {moment} function is registered twice")
        setattr(entry, moment, fn)
        return fn

    return register


# ---- parameters ------------------------------------------------------------------------

#: the links that are what a programme does to those it enrols (they act only while it runs)
PROGRAMME_LINKS = ("support_parenting", "relief_care", "cash_savings", "floor_income", "relief_arrears",
                   "exceptions_bureaucracy", "peer_group_support", "peer_group_mental", "training_skills",
                   "training_earning", "pairing_ties")


def strength(model: "VeerkrachtModel", link: str, effect: float) -> float:
    """What a programme does at ``effect`` through ``link``: the link's strength times its switch times the effect.

    A programme's action on those it enrols is a named link of the schema (its strength,
    source and switch, one of :data:`PROGRAMME_LINKS`), so switching the link off switches
    that action off.
    """
    if link not in PROGRAMME_LINKS:
        raise ValueError(f"{link!r} is not a programme link; allowed: {', '.join(PROGRAMME_LINKS)}")
    return getattr(model.p, link) * model.sw[getattr(L, link)] * effect


def _bounded(name: str, value: float) -> float:
    meta = spec(name).metadata
    return float(min(max(value, meta["lo"]), meta["hi"]))


class MonthParameters:
    """This month's changes to the run's own parameters, each kept within its bounds."""

    def __init__(self, base) -> None:
        self.base = base
        self.changes: dict[str, float] = {}

    def get(self, name: str) -> float:
        return self.changes.get(name, getattr(self.base, name))

    def set(self, name: str, value: float) -> None:
        self.changes[name] = _bounded(name, value)

    def scale(self, name: str, factor: float) -> None:
        self.set(name, self.get(name) * factor)


@mechanism("school_partnership", "parameters")
def _school_partnership(model: "VeerkrachtModel", iv: Intervention, p: MonthParameters) -> None:
    full = min(iv.units / 2.0, 1.0) * iv.effect
    p.scale("school_signal", 1.0 + full)
    p.scale("p_contact_school", 1.0 + full)
    p.scale("teacher_low_expectation", 1.0 - 0.5 * min(full, 1.0))


@mechanism("existential_security", "parameters")
def _less_bureaucracy(model: "VeerkrachtModel", iv: Intervention, p: MonthParameters) -> None:
    """Room for tailor-made exceptions: less bureaucracy, in proportion to the share of households the programme reaches."""
    reach = min(iv.units / max(model.state.active_households().size, 1), 1.0)
    p.scale("bureaucracy", 1.0 - min(strength(model, "exceptions_bureaucracy", iv.effect), 0.5) * reach)


@mechanism("mental_health_access", "parameters")
def _mental_health_access(model: "VeerkrachtModel", iv: Intervention, p: MonthParameters) -> None:
    persons = max(model.state.active().size, 1)
    p.set("ggz_capacity", p.get("ggz_capacity") + iv.units * iv.effect * 1000.0 / persons)


@mechanism("newcomer_work", "parameters")
def _newcomer_work(model: "VeerkrachtModel", iv: Intervention, p: MonthParameters) -> None:
    p.scale("newcomer_obstacles", 1.0 - min(iv.units / 2.0 * iv.effect, 1.0))


@mechanism("longer_contracts", "parameters")
def _longer_contracts(model: "VeerkrachtModel", iv: Intervention, p: MonthParameters) -> None:
    p.scale("competition", 1.0 - min(0.1 * iv.units * iv.effect, 1.0))


@mechanism("mixed_housing", "parameters")
def _mixed_housing(model: "VeerkrachtModel", iv: Intervention, p: MonthParameters) -> None:
    p.scale("share_low_income", 1.0 - min(iv.units * iv.effect, 1.0))


@mechanism("inflation", "parameters")
def _inflation(model: "VeerkrachtModel", sh: Shock, p: MonthParameters) -> None:
    p.set("price_level", p.get("price_level") * (1.0 + sh.severity))


@mechanism("energy", "parameters")
def _energy_prices(model: "VeerkrachtModel", sh: Shock, p: MonthParameters) -> None:
    # energy bills rise several times more than prices in general did in 2022 (CBS: energy +100% and more)
    p.scale("energy_cost", 1.0 + 3.0 * sh.severity)


#: what a lockdown cuts of the contacts outside the household (neighbours, community, work)
LOCKDOWN_CONTACTS = 0.5


@mechanism("lockdown", "parameters")
def _lockdown_parameters(model: "VeerkrachtModel", sh: Shock, p: MonthParameters) -> None:
    """While it lasts: finding work half as likely, schools and childcare closed (care load up,
    no school-gate contacts, no signalling by the school), half the contacts outside the household."""
    p.scale("p_job_find", 0.5)
    p.set("schools_closed", 1.0)
    p.set("p_contact_school", 0.0)
    for name in ("p_contact_neighbour", "p_contact_community", "p_contact_work"):
        p.scale(name, 1.0 - LOCKDOWN_CONTACTS)


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


def _enrol(model, iv: Intervention, eligible: np.ndarray, need: np.ndarray, households: bool = False) -> np.ndarray:
    """Keep those enrolled who are still eligible; fill free places, most need first.

    ``eligible``: ids of persons (or of ``households``) that may take part this month, with
    ``need`` for each. Ties are broken by draws keyed by their stable identities, so who is
    enrolled does not depend on the order of the arrays or on ids shifted by other arrivals.
    """
    s = model.state
    capacity = int(iv.units)
    keep = iv.enrolled[np.isin(iv.enrolled, eligible)][:capacity]
    free = capacity - keep.size
    if free > 0 and eligible.size:
        fresh = ~np.isin(eligible, keep)
        cand, score = eligible[fresh], need[fresh]
        keys = s.hh_key[cand] if households else s.key(cand)
        tiebreak = uniform_array(model.seed, model.month, keys, _D_ENROL + iv.spec.number) * 1e-6
        order = np.argsort(-(score + tiebreak), kind="stable")[:free]
        keep = np.concatenate([keep, cand[order]])
    iv.enrolled = np.sort(keep)
    iv.in_use = float(iv.enrolled.size)
    return iv.enrolled


def _partner_count(model, persons: np.ndarray) -> np.ndarray:
    """The number of partners in the household of each person."""
    s = model.state
    return np.array([sum(1 for m in s.hh_sets.get(int(h), ()) if s.i[I.ROLE, m] == Role.PARTNER)
                     for h in s.i[I.HOUSEHOLD, persons]], dtype=float)


def _household_means(model, households: np.ndarray, row: int) -> np.ndarray:
    """Mean of stock ``row`` over the partners (the adults heading) of each household."""
    s = model.state
    return partner_means(s.f, s.i, s.active(), s.n_hh, np.array([row], dtype=np.int64))[households]


@mechanism("single_parent_support", "update")
def _single_parent_support(model, iv: Intervention) -> None:
    s = model.state
    hh = s.active_households()
    eligible = hh[s.hh_kind[hh] == HouseholdKind.SINGLE_PARENT]
    enrolled = _enrol(model, iv, eligible, _household_means(model, eligible, F.STRESS), households=True)
    if not enrolled.size:
        return
    e = iv.effect
    kids = _children_of(model, enrolled)
    # parenting support: the parenting quality the children receive (then loop 3)
    s.f[F.PARENTING, kids] += min(strength(model, "support_parenting", e), 1.0) * (1.0 - s.f[F.PARENTING, kids])
    # material help: a monthly amount added to the household's savings
    parents = _partners_of(model, enrolled)
    s.m[M.SAVINGS, parents] += strength(model, "cash_savings", e) / np.maximum(_partner_count(model, parents), 1)


@mechanism("single_parent_support", "context")
def _relieve_care(model, iv: Intervention) -> None:
    """Relief of care tasks for the enrolled parents (care -> stress)."""
    if not iv.enrolled.size:
        return
    parents = _partners_of(model, iv.enrolled)
    model.state.ctx[C.CARE, parents] *= 1.0 - min(strength(model, "relief_care", iv.effect), 0.9)


@mechanism("existential_security", "update")
def _existential_security(model, iv: Intervention) -> None:
    s = model.state
    hh = s.active_households()
    enrolled = _enrol(model, iv, hh, 1.0 - _household_means(model, hh, F.SECURITY), households=True)
    if not enrolled.size:
        return
    adults = _partners_of(model, enrolled)
    # an income floor: this month's budget tops the household's equivalised income up to a
    # multiple of the low-income line (none with the link off)
    floor = model.income_floor
    floor[enrolled] = np.maximum(floor[enrolled], model.p.low_income_line * strength(model, "floor_income", iv.effect))
    # debt relief: arrears paid off faster
    s.m[M.ARREARS, adults] -= min(strength(model, "relief_arrears", iv.effect), 1.0) * s.m[M.ARREARS, adults]


@mechanism("peer_support", "update")
def _peer_support(model, iv: Intervention) -> None:
    s = model.state
    act = s.active()
    # those who have waited a month or more for mental-health care or youth care (not those who
    # asked this month: support while waiting, the longest waiting first)
    waited = np.maximum(np.where(s.i[I.HELP, act] == Help.WAITING, model.month - s.i[I.WAIT_SINCE, act], -1),
                        np.where(s.i[I.YOUTH_HELP, act] == Help.WAITING,
                                 model.month - s.i[I.YOUTH_WAIT_SINCE, act], -1))
    waiting = act[waited >= 1]
    enrolled = _enrol(model, iv, waiting, waited[waited >= 1].astype(float))
    if not enrolled.size:
        return
    e = iv.effect
    s.f[F.SUPPORT, enrolled] += min(strength(model, "peer_group_support", e), 1.0) * (1.0 - s.f[F.SUPPORT, enrolled])
    s.f[F.MENTAL, enrolled] -= min(strength(model, "peer_group_mental", e), 1.0) * s.f[F.MENTAL, enrolled]


@mechanism("learning", "update")
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
    s.f[F.LIFE_SKILLS, enrolled] += min(strength(model, "training_skills", e), 1.0) * (1.0 - s.f[F.LIFE_SKILLS, enrolled])
    s.f[F.EARNING, enrolled] += min(strength(model, "training_earning", e), 1.0) * (1.0 - s.f[F.EARNING, enrolled])


@mechanism("neighbourhood_families", "update")
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
    enrolled = _enrol(model, iv, asking, asking_need, households=True)
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
    gain = min(strength(model, "pairing_ties", iv.effect), 1.0)
    for a, b in iv.pairs.tolist():
        pa, pb = _partners_of(model, np.array([a])), _partners_of(model, np.array([b]))
        if pa.size and pb.size and gain > 0:
            contact(s.tie_other, s.tie_w, s.tie_type, int(pa[0]), int(pb[0]), int(TieType.BRIDGING), gain)



# ---- facilities and staff --------------------------------------------------------------

@mechanism("service_point", "place")
def _place_service_points(model, iv: Intervention) -> None:
    """Service points, each staffed by two social workers."""
    _place_facilities(model, iv, CellKind.SERVICE_POINT, staff=(ProKind.SOCIAL_WORKER, ProKind.SOCIAL_WORKER))


@mechanism("service_point", "context")
def _service_point_reach(model, iv: Intervention) -> None:
    """Residents within ``service_reach`` cells of an open service point of this intervention can walk in:
    navigation and trust rise and the threshold to help falls (links ``service_point_*``)."""
    s = model.state
    cells = [int(s.fac_cell[k]) for what, k in iv.placed if what == "facility" and s.fac_open[k]]
    if not cells or iv.effect == 0.0:
        return
    act = s.active()
    near = act[s.within_reach(cells, int(model.p.service_reach))[s.hh_cell[s.i[I.HOUSEHOLD, act]]]]
    s.ctx[C.SERVICE_POINT, near] = iv.effect


@mechanism("meeting_places", "place")
def _place_meeting_places(model, iv: Intervention) -> None:
    _place_facilities(model, iv, CellKind.MEETING_PLACE)


def _place_facilities(model, iv: Intervention, kind: CellKind, staff: tuple[ProKind, ...] = ()) -> None:
    """Facilities of ``kind`` at the intervention's cells or by count, with ``staff`` at each."""
    s = model.state
    if iv.cells:
        cells = []
        for x, y in iv.cells:
            check_cell(iv.name, s, x, y)
            cells.append(y * s.grid_w + x)
    else:
        # cells that another intervention asks for by position stay free for it
        w = s.grid_w
        reserved = [y * w + x for other in model.plan.interventions if other is not iv for x, y in other.cells]
        cells = _cells_by_count(model, int(iv.units), kind, reserved)
    for cell in cells:
        index = model.add_facility(cell, kind)
        iv.placed.append(("facility", index))
        for pro in staff:
            iv.placed.append(("pro", model.add_professional(pro, cell)))
    iv.in_use = float(len(cells))


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


@mechanism("neighbourhood_team", "place")
def _add_teams(model, iv: Intervention) -> None:
    """Teams of a wijkagent, a social worker and a community builder."""
    _add_staff(model, iv, (ProKind.POLICE, ProKind.SOCIAL_WORKER, ProKind.COMMUNITY_BUILDER))


@mechanism("experience_experts", "place")
def _add_experience_experts(model, iv: Intervention) -> None:
    _add_staff(model, iv, (ProKind.EXPERIENCE_EXPERT,))


def _add_staff(model, iv: Intervention, kinds: tuple[ProKind, ...]) -> None:
    """``units`` times the professionals ``kinds``, based at the first service point."""
    s = model.state
    service = [int(c) for c, k in zip(s.fac_cell, s.fac_kind) if k == CellKind.SERVICE_POINT]
    where = service[0] if service else int(s.fac_cell[0])
    for _ in range(int(iv.units)):
        for k in kinds:
            iv.placed.append(("pro", model.add_professional(k, where)))
    iv.in_use = float(int(iv.units))


def close_structures(model, iv: Intervention) -> None:
    """Close the facilities and retire the professionals intervention ``iv`` added."""
    for what, index in iv.placed:
        if what == "facility":
            model.close_facility(index)
        else:
            model.retire_professional(index)
    iv.placed = []
    iv.in_use = 0.0


# ---- shocks ----------------------------------------------------------------------------

@mechanism("lockdown", "shock")
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
                                   + uniform_array(model.seed, month, s.key(employed), _D_LOCKDOWN) * 1e-6, kind="stable")
                cut = employed[order[:n_cut]]
                s.i[I.EMPLOYED, cut] = 0
                s.i[I.ACTIVITY, cut] = Activity.SEEKING
                s.i[I.JOBLESS_MONTHS, cut] = 0
                life_event(model, cut, model.p.hit_job_loss, Ev.JOB_LOSS)
    elif month == sh.start + sh.months:
        s.fac_open[meeting & (s.fac_in_use == 1)] = 1
