"""Teaching view: one family across generations, and where a policy would have broken the cycle.

The view follows the members of one household from the start of a run (month 0, after
the burn-in): the parents' stress, the parenting quality the children receive, their
attachment and life skills, and, once the children grow up, their own households and
children. The same family can be run again under a policy with the same seed (common
random numbers, so the two runs differ only through the policy), and a short story of
plain-language captions (Dutch and English) walks a class through what happened.

Pure functions (tested in ``tests/test_family.py``):

* :func:`family_params` the neighbourhood the view runs (20 x 20 dwellings by default);
* :func:`family_candidates`, :func:`telling_family` households worth following, now;
* :class:`FamilyTrace` records a family month by month (``observe`` after each step);
* :func:`run_family` runs a model and traces one family; :func:`pick_family` runs ahead
  once with several candidates and keeps the family with the most to tell;
* :func:`compare_policy`, :func:`counterfactuals` the same family under parenting
  support (``single_parent_support``), an income floor (``existential_security``) and a
  known professional (``neighbourhood_team``), with where the paths part;
* :func:`story`, :func:`caption_text` the guided story;
* :func:`family_svg` the chart, an inline SVG.

The Solara component :func:`FamilyView` puts them on a page. Stable test ids (CSS
classes) for browser tests:

============================  ==========================================================
``vk-family``                 the whole view
``vk-family-seed``            seed input
``vk-family-years``           years to follow (slider, wrapped)
``vk-family-pick``            family choice (select; first entry lets the page pick)
``vk-family-policy``          policy choice (toggle buttons: none and the three policies)
``vk-family-measures``        measures shown in the chart (multi-select)
``vk-family-busy``            shown while a run is computing
``vk-family-error``           a readable message instead of a traceback
``vk-family-members``         the family's members (names, roles)
``vk-family-chart``           the chart (inline SVG); inside it ``vk-family-event`` marks an
                              event (hover for the text), ``vk-family-now`` the caption's month
``vk-family-summary``         the policy comparison in words
``vk-family-story``           the story card
``vk-family-caption``         the current caption
``vk-family-step``            "3 of 9" ("3 van 9"): where in the story
``vk-family-prev``            previous caption
``vk-family-next``            next caption
``vk-family-glossary``        the Dutch terms with their tooltips
``vk-family-term-NAME``       one term (veerkracht, draagkracht, draaglast, bestaanszekerheid)
============================  ==========================================================
"""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import solara
import solara.lab

from abm.interventions import make_plan
from abm.kernels import F, I, Ev, Role, uniform_array
from abm.model import VeerkrachtModel
from abm.params import ParameterError, Params, make_params
from abm.state import HouseholdKind, ProKind
from viz.i18n import GLOSSARY, LANGS, TEXT, gloss, t
from viz.render import Markdown

__all__ = [
    "EVENT_KINDS", "FAMILY_GRID", "MEASURES", "POLICIES", "TEXT_FAMILY", "Caption", "Comparison", "Event",
    "FamilyError", "FamilyTrace", "FamilyView", "Glossary", "Member", "caption_text", "child_outcomes",
    "compare_policy", "compare_traces", "counterfactuals", "died_this_month", "error_text", "family_candidates",
    "family_choices", "family_params", "family_svg", "neighbourhood_means", "pick_family", "run_family", "story",
    "telling_family",
]

YEAR = 12
ADULT = 18 * YEAR
FAMILY_GRID = 20  # 20 x 20 dwellings: about 950 residents, 30 years in about 2 s
FAMILY_SEED = 1
FAMILY_YEARS = 30

# the stocks the trace records per member and month
MEASURES: dict[str, int] = {
    "stress": int(F.STRESS),
    "parenting": int(F.PARENTING),
    "attachment": int(F.ATTACHMENT),
    "life_skills": int(F.LIFE_SKILLS),
    "wellbeing": int(F.WELLBEING),
    "security": int(F.SECURITY),
    "income": int(F.INCOME),
}
_MEASURE_ROWS = np.array(list(MEASURES.values()), dtype=np.int64)
# measures that describe a childhood (drawn while a minor) and load measures (higher = worse)
CHILD_MEASURES = ("parenting", "attachment")
LOAD_MEASURES = ("stress",)

# the three policies of the teaching view: the intervention and its settings
POLICIES: dict[str, tuple[str, dict]] = {
    "parenting_support": ("single_parent_support", {"units": 40}),
    "income_floor": ("existential_security", {"units": 60}),
    "known_professional": ("neighbourhood_team", {"units": 1}),
}
# programmes that enrol households (the others enrol persons)
_HOUSEHOLD_PROGRAMMES = ("single_parent_support", "existential_security", "neighbourhood_families")
# life events of the kernels that the story tells about
_SETBACK_BITS = {"job_loss": int(Ev.JOB_LOSS), "illness": int(Ev.ILLNESS), "debt": int(Ev.DEBT),
                 "eviction": int(Ev.EVICTION), "separation": int(Ev.SEPARATION), "bereavement": int(Ev.BEREAVEMENT),
                 "job_found": int(Ev.JOB_FOUND)}
_PRO_NAMES = {int(ProKind.SOCIAL_WORKER): "social_worker", int(ProKind.POLICE): "police",
              int(ProKind.COMMUNITY_BUILDER): "builder", int(ProKind.EXPERIENCE_EXPERT): "expert"}
# the death draw of abm.demography._deaths (draw number _D_DEATH there): read to tell a death from a move
_DRAW_DEATH = 40

NAMES_FEMALE = ("Sanne", "Noor", "Fatima", "Lotte", "Ayla", "Emma", "Sara", "Yasmin", "Iris", "Lina", "Mila", "Esra")
NAMES_MALE = ("Sam", "Daan", "Omar", "Finn", "Milan", "Noah", "Youssef", "Luuk", "Adam", "Bram", "Levi", "Mehmet")


class FamilyError(ValueError):
    """A family that cannot be followed (unknown household, no members); ``key`` names the message."""

    def __init__(self, key: str, **values) -> None:
        self.key = key
        self.values = values
        super().__init__(t(key, "en").format(**values))


# ---- the neighbourhood ---------------------------------------------------------------------

def family_params(size: int = FAMILY_GRID, **changes) -> Params:
    """The neighbourhood of the teaching view: ``size`` x ``size`` dwellings, schema-checked.

    Raises ParameterError (with the allowed range) for a size or change the schema refuses.
    """
    return make_params(None, {"grid_width": size, "grid_height": size, "block_size": 10, **changes})


def _partner_stress(model: VeerkrachtModel, hh: int) -> tuple[float, int, np.ndarray]:
    """(mean stress of the household's partners, number of partners, ages of its minors in months)."""
    s = model.state
    members = s.members(hh)
    roles = s.i[I.ROLE, members]
    partners = members[roles == Role.PARTNER]
    minors = members[(roles == Role.CHILD) & (s.i[I.AGE, members] < ADULT)]
    stress = float(s.f[F.STRESS, partners].mean()) if partners.size else 0.0
    return stress, int(partners.size), s.i[I.AGE, minors]


def family_candidates(model: VeerkrachtModel, k: int = 12) -> list[int]:
    """Households with young children worth following, most telling first (at most ``k``).

    A household qualifies if an adult heads it and a minor under 12 lives there.
    Single-parent households whose youngest child is under 6 come first (the pattern of
    loop 3), ordered by the parents' stress, highest first; then the other qualifying
    households, by stress. Ties go to the lower id, so the list depends only on the
    model's state (and so on its seed).
    """
    s = model.state
    scored = []
    for hh in s.active_households().tolist():
        stress, n_partners, ages = _partner_stress(model, hh)
        if n_partners == 0 or ages.size == 0 or ages.min() >= 12 * YEAR:
            continue
        first = s.hh_kind[hh] == HouseholdKind.SINGLE_PARENT and ages.min() < 6 * YEAR
        scored.append((not first, -stress, hh))
    scored.sort()
    return [hh for _, _, hh in scored[:k]]


def telling_family(model: VeerkrachtModel) -> int:
    """The household the page picks now: a stressed single parent with young children if any.

    Deterministic for a seed; raises FamilyError if no household has young children.
    """
    found = family_candidates(model, 1)
    if not found:
        raise FamilyError("fam.err.no_family")
    return found[0]


def died_this_month(model: VeerkrachtModel, pids: np.ndarray) -> np.ndarray:
    """bool per person in ``pids`` who left in the month just stepped: True if by death.

    Repeats the keyed death draw of :func:`abm.demography._deaths` (same seed, month, age
    and Gompertz hazard), so a death is told from a move without a flag in the state. Only
    meaningful for persons who were present before the step and are gone after it.
    """
    pids = np.asarray(pids, dtype=np.int64)
    if pids.size == 0:
        return np.zeros(0, dtype=bool)
    s, p = model.state, model.p
    month = model.month - 1  # the demography ran before the month counter moved on
    age_y = s.i[I.AGE, pids] / 12.0
    hazard = np.exp(p.mortality_log_a + p.mortality_b * age_y)
    p_month = 1.0 - np.exp(-hazard / 12.0)
    return uniform_array(model.seed, month, pids, _DRAW_DEATH) < p_month


def _policy_reach(model: VeerkrachtModel) -> tuple[set, set, set]:
    """(households, persons, professionals) that a running intervention of the plan reaches."""
    households: set = set()
    persons: set = set()
    pros: set = set()
    month = model.month - 1
    for iv in model.plan.interventions:
        if not iv.active(max(month, 0)):
            continue
        if iv.spec.kind == "programme":
            (households if iv.name in _HOUSEHOLD_PROGRAMMES else persons).update(iv.enrolled.tolist())
        elif iv.spec.kind == "staff":
            pros.update(index for what, index in iv.placed if what == "pro")
    return households, persons, pros


def neighbourhood_means(model: VeerkrachtModel) -> dict[str, float]:
    """This month's yardstick for each measure: the mean over the adults present; for the
    childhood stocks (parenting, attachment) over the minors; for life skills over the
    young adults (18-25), the age at which the children of the story are compared."""
    s = model.state
    alive = s.alive_mask()
    age = s.i[I.AGE, : s.n]
    groups = {"adults": alive & (age >= ADULT), "minors": alive & (age < ADULT),
              "young": alive & (age >= ADULT) & (age < 26 * YEAR)}
    out = {}
    for name, row in MEASURES.items():
        who = groups["minors" if name in CHILD_MEASURES else ("young" if name == "life_skills" else "adults")]
        n = int(who.sum())
        out[name] = float(s.f[row, : s.n][who].sum() / n) if n else math.nan
    return out


# ---- the trace ---------------------------------------------------------------------------

@dataclass
class Member:
    """One person the trace follows."""

    pid: int
    name: str
    sex: int  # 0 female, 1 male
    generation: int  # 0 the parents of the starting household, 1 their children, 2 grandchildren...
    relation: str  # parent | child | partner (of a family member)
    mother: int
    father: int
    first_month: int
    age_first: int  # months, when first seen

    def role_key(self) -> str:
        """Text key of the member's place in the family (mother, son, granddaughter...)."""
        if self.relation == "partner":
            return "fam.rel.partner"
        word = ("mother", "father") if self.generation == 0 else (
            ("daughter", "son") if self.generation == 1 else ("granddaughter", "grandson"))
        return f"fam.rel.{word[1 if self.sex == 1 else 0]}"

    def born_month(self) -> int:
        """The month of birth (negative for those born before month 0)."""
        return self.first_month - self.age_first


@dataclass
class Event:
    """Something that happened to a member in a month: ``kind`` names it (see ``EVENT_KINDS``)."""

    month: int
    pid: int
    kind: str
    detail: dict = field(default_factory=dict)


EVENT_KINDS = ("birth", "parent", "adult", "own_household", "couple", "separation", "death", "moved_away",
               "professional", "programme", *(k for k in _SETBACK_BITS if k != "separation"))


class FamilyTrace:
    """The members of one household and their descendants, recorded month by month.

    Create it on a model (at any month; month 0 after the burn-in is the usual start), then
    call :meth:`observe` after every ``model.step()``. Each observation records, for every
    member present, role, age, household, the stocks of :data:`MEASURES`, whether a
    professional is linked and whether a policy of the plan reaches the member; new
    members (children born to a member, partners who move in with one) join the trace; and
    events are derived from what changed since the month before. The neighbourhood's means
    are recorded too (``reference``), as a yardstick.

    Raises FamilyError if ``household`` has no members present.
    """

    def __init__(self, model: VeerkrachtModel, household: int) -> None:
        s = model.state
        if isinstance(household, bool) or not isinstance(household, (int, np.integer)) \
                or not 0 <= int(household) < s.n_hh:
            raise FamilyError("fam.err.household", household=household, n=max(s.n_hh - 1, 0))
        household = int(household)
        founders = s.members(household)
        if founders.size == 0:
            raise FamilyError("fam.err.household_gone", household=household)
        self.household = household
        self.seed = int(model.seed)
        self.start_month = int(model.month)
        self.policy = "custom" if model.plan else "none"  # run_family names it
        self.members: dict[int, Member] = {}
        self.events: list[Event] = []
        self._blood: set[int] = set()
        self._named = {0: 0, 1: 0}
        self._scanned = int(s.n)
        self._prev: dict[int, tuple] = {}
        self._rows: dict[str, list] = {k: [] for k in ("month", "pid", "role", "age", "household", "kind",
                                                         "has_pro", "reached", *MEASURES)}
        self._ref: dict[str, list] = {k: [] for k in ("month", *MEASURES)}
        self.months: list[int] = []
        adults = founders[s.i[I.ROLE, founders] == Role.PARTNER]
        for pid in founders.tolist():
            generation = 0 if s.i[I.ROLE, pid] == Role.PARTNER or adults.size == 0 else 1
            self._add(model, pid, generation, "parent" if generation == 0 else "child")
        self._record(model)

    # ---- membership --------------------------------------------------------------------
    def _add(self, model: VeerkrachtModel, pid: int, generation: int, relation: str) -> Member:
        s = model.state
        sex = int(s.i[I.SEX, pid])
        names = NAMES_MALE if sex == 1 else NAMES_FEMALE
        k = self._named[1 if sex == 1 else 0]
        self._named[1 if sex == 1 else 0] += 1
        # names by order of appearance, starting at a place set by the household (variety between families)
        name = names[(k + self.household) % len(names)] + ("" if k < len(names) else f" {k // len(names) + 1}")
        member = Member(pid=pid, name=name, sex=sex, generation=generation, relation=relation,
                        mother=int(s.i[I.MOTHER, pid]), father=int(s.i[I.FATHER, pid]),
                        first_month=int(model.month), age_first=int(s.i[I.AGE, pid]))
        self.members[pid] = member
        if relation != "partner":
            self._blood.add(pid)
        return member

    def _join_new(self, model: VeerkrachtModel) -> list[int]:
        """Children born to a blood member since the last look, and partners who moved in."""
        s = model.state
        new: list[int] = []
        if s.n > self._scanned:
            mothers = s.i[I.MOTHER, self._scanned:s.n].tolist()
            fathers = s.i[I.FATHER, self._scanned:s.n].tolist()
            blood = self._blood
            hit = [self._scanned + k for k, (mo, fa) in enumerate(zip(mothers, fathers)) if mo in blood or fa in blood]
            for pid in hit:
                parents = [q for q in (int(s.i[I.MOTHER, pid]), int(s.i[I.FATHER, pid])) if q in self._blood]
                generation = 1 + min(self.members[q].generation for q in parents)
                self._add(model, pid, generation, "child")
                new.append(pid)
            self._scanned = int(s.n)
        for pid in sorted(self._blood):
            if s.i[I.ALIVE, pid] != 1 or s.i[I.ROLE, pid] != Role.PARTNER:
                continue
            for other in s.members(int(s.i[I.HOUSEHOLD, pid])).tolist():
                if other not in self.members and s.i[I.ROLE, other] == Role.PARTNER:
                    self._add(model, other, self.members[pid].generation, "partner")
                    new.append(other)
                    self.events.append(Event(int(model.month), pid, "couple", {"with": other}))
        return new

    # ---- one month -------------------------------------------------------------------------
    def observe(self, model: VeerkrachtModel, means: dict | None = None) -> None:
        """Record the month just stepped: new members, events, stocks.

        ``means``: :func:`neighbourhood_means` of this month, if already computed (several
        traces on one model share it).
        """
        s = model.state
        month = int(model.month)
        new = self._join_new(model)
        gone = [pid for pid, prev in self._prev.items() if prev[0] == 1 and s.i[I.ALIVE, pid] != 1]
        dead = died_this_month(model, np.array(gone, dtype=np.int64))
        for pid, is_dead in zip(gone, dead.tolist()):
            self.events.append(Event(month, pid, "death" if is_dead else "moved_away",
                                     {"age": int(s.i[I.AGE, pid])}))
        reach_hh, reach_p, reach_pro = _policy_reach(model)
        for pid in sorted(self.members):
            if s.i[I.ALIVE, pid] != 1:
                continue
            member = self.members[pid]
            age = int(s.i[I.AGE, pid])
            if pid in new and member.relation == "child":
                self.events.append(Event(month, pid, "birth", {"mother": member.mother, "father": member.father}))
                for q in (member.mother, member.father):
                    if q in self.members and not any(e.kind == "parent" and e.pid == q for e in self.events):
                        first = not any(m.mother == q or m.father == q for m in self.members.values()
                                        if m.pid != pid and m.born_month() < month)
                        if first:
                            self.events.append(Event(month, q, "parent", {"child": pid}))
            ev = int(s.events[pid])
            prev = self._prev.get(pid)
            for kind, bit in _SETBACK_BITS.items():
                if ev & bit and (kind != "separation" or prev is not None):
                    self.events.append(Event(month, pid, kind))
            if age == ADULT:
                self.events.append(Event(month, pid, "adult", {"life_skills": float(s.f[F.LIFE_SKILLS, pid])}))
            hh, role, pro = int(s.i[I.HOUSEHOLD, pid]), int(s.i[I.ROLE, pid]), int(s.i[I.PRO, pid])
            if prev is not None:
                _, p_hh, p_role, p_pro, p_reached = prev
                if p_role == Role.CHILD and role == Role.PARTNER and hh != p_hh:
                    self.events.append(Event(month, pid, "own_household", {"age": age}))
                if pro >= 0 and p_pro != pro:
                    self.events.append(Event(month, pid, "professional",
                                             {"pro": _PRO_NAMES.get(int(s.pro_kind[pro]), "social_worker"),
                                              "policy": pro in reach_pro}))
            reached = hh in reach_hh or pid in reach_p or pro in reach_pro
            if reached and (prev is None or not prev[4]) and month > self.start_month:
                self.events.append(Event(month, pid, "programme", {"household": hh}))
        self._record(model, (reach_hh, reach_p, reach_pro), means)

    def _record(self, model: VeerkrachtModel, reach=None, means: dict | None = None) -> None:
        s = model.state
        month = int(model.month)
        reach_hh, reach_p, reach_pro = reach if reach is not None else _policy_reach(model)
        ids = np.array([pid for pid in sorted(self.members) if s.i[I.ALIVE, pid] == 1], dtype=np.int64)
        rows = self._rows
        hh = s.i[I.HOUSEHOLD, ids]
        pro = s.i[I.PRO, ids]
        rows["month"] += [month] * ids.size
        rows["pid"] += ids.tolist()
        rows["role"] += s.i[I.ROLE, ids].tolist()
        rows["age"] += s.i[I.AGE, ids].tolist()
        rows["household"] += hh.tolist()
        rows["kind"] += s.hh_kind[hh].tolist()
        rows["has_pro"] += (pro >= 0).tolist()
        rows["reached"] += [h in reach_hh or q in reach_p or r in reach_pro
                            for h, q, r in zip(hh.tolist(), ids.tolist(), pro.tolist())]
        values = s.f[_MEASURE_ROWS][:, ids]
        for k, name in enumerate(MEASURES):
            rows[name] += values[k].tolist()
        reached = rows["reached"][len(rows["reached"]) - ids.size:]
        self._prev = {pid: (1, int(h), int(r), int(q), bool(x)) for pid, h, r, q, x in zip(
            ids.tolist(), hh.tolist(), s.i[I.ROLE, ids].tolist(), pro.tolist(), reached)}
        self.months.append(month)
        means = means if means is not None else neighbourhood_means(model)
        self._ref["month"].append(month)
        for name in MEASURES:
            self._ref[name].append(means[name])
        self._frame = None

    # ---- reading ---------------------------------------------------------------------------
    @property
    def end_month(self) -> int:
        return self.months[-1]

    def frame(self) -> pd.DataFrame:
        """One row per member present and month: month, pid, role, age, household, kind, has_pro, reached, stocks."""
        if getattr(self, "_frame", None) is None:
            self._frame = pd.DataFrame(self._rows)
        return self._frame

    def reference(self) -> pd.DataFrame:
        """The neighbourhood's monthly means of each measure (adults; minors for childhood stocks)."""
        return pd.DataFrame(self._ref)

    def series(self, pid: int, measure: str) -> tuple[np.ndarray, np.ndarray]:
        """(months, values) of one member's ``measure``, the months the member was present."""
        df = self.frame()
        rows = df[df["pid"] == pid]
        return rows["month"].to_numpy(), rows[measure].to_numpy()

    def founders(self) -> list[Member]:
        """The members of the starting household."""
        return [m for m in self.members.values() if m.first_month == self.start_month]

    def founder_children(self) -> list[Member]:
        """The children of the starting household (generation 1 at the start)."""
        return [m for m in self.founders() if m.generation == 1]

    def parents(self) -> list[Member]:
        return [m for m in self.founders() if m.generation == 0]

    def events_of(self, kinds: Iterable[str] | None = None, pid: int | None = None) -> list[Event]:
        kinds = set(kinds) if kinds is not None else None
        return [e for e in self.events if (kinds is None or e.kind in kinds) and (pid is None or e.pid == pid)]


# ---- running ----------------------------------------------------------------------------

def _policy_plan(policy: str | None):
    if policy is None or policy == "none":
        return None
    if policy not in POLICIES:
        raise FamilyError("fam.err.policy", policy=policy, allowed=", ".join(POLICIES))
    name, settings = POLICIES[policy]
    return make_plan(interventions={name: dict(settings)})


def _check_run(seed, months) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise FamilyError("fam.err.seed", seed=seed)
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or not 1 <= int(months) <= 1200:
        raise FamilyError("fam.err.months", months=months)


def run_family(params: Params, seed: int, months: int, household: int, plan=None,
               policy: str | None = None) -> FamilyTrace:
    """Run a neighbourhood for ``months`` and trace ``household`` (an id at month 0).

    ``plan`` (from :func:`abm.interventions.make_plan`) or ``policy`` (a key of
    :data:`POLICIES`) adds a policy; with the same ``seed`` the run shares its random draws
    with the run without it. The trace's ``policy`` attribute names the policy.
    """
    _check_run(seed, months)
    if plan is None:
        plan = _policy_plan(policy)
    model = VeerkrachtModel(params, seed=int(seed), plan=plan)
    trace = FamilyTrace(model, household)
    for _ in range(int(months)):
        model.step()
        trace.observe(model)
    trace.policy = policy or ("custom" if plan else "none")
    return trace


def _story_score(trace: FamilyTrace) -> float:
    """How much a trace has to tell about loop 3.

    Mostly the parents' stress while the children grew up (30 points per unit of
    stress), then the years the children are seen (one point a year), children seen at
    18 (4 points each, up to 3) and grandchildren (2 points each, up to 3).
    """
    df = trace.frame()
    children = [m.pid for m in trace.founder_children()]
    seen = df[df["pid"].isin(children)]
    years = (seen["month"].max() - trace.start_month) / YEAR if len(seen) else 0.0
    grown = len({e.pid for e in trace.events if e.kind == "adult" and e.pid in children})
    grandchildren = sum(1 for m in trace.members.values() if m.generation >= 2)
    outcomes = child_outcomes(trace)
    stress = float(outcomes["parents_stress"].mean()) if len(outcomes) else 0.0
    stress = stress if np.isfinite(stress) else 0.0
    return float(30.0 * stress + years + 4.0 * min(grown, 3) + 2.0 * min(grandchildren, 3))


def pick_family(params: Params, seed: int, months: int, k: int = 12) -> FamilyTrace:
    """Run once with the ``k`` most telling candidates traced; return the trace with the most to tell.

    The candidates come from :func:`family_candidates` at month 0; the winner is the family
    whose children are seen growing up in the neighbourhood longest, with bonuses for
    children seen reaching 18, for grandchildren and for the parents' stress. Deterministic
    for a seed. Raises FamilyError if no household has young children.
    """
    _check_run(seed, months)
    model = VeerkrachtModel(params, seed=int(seed))
    candidates = family_candidates(model, k)
    if not candidates:
        raise FamilyError("fam.err.no_family")
    traces = [FamilyTrace(model, hh) for hh in candidates]
    for _ in range(int(months)):
        model.step()
        means = neighbourhood_means(model)
        for trace in traces:
            trace.observe(model, means)
    best = max(traces, key=lambda tr: (_story_score(tr), -tr.household))
    best.policy = "none"
    return best


# ---- outcomes and comparisons -------------------------------------------------------------

def child_outcomes(trace: FamilyTrace) -> pd.DataFrame:
    """One row per child of the starting household: what its childhood gave it.

    Columns: ``pid``, ``name``, ``age_start`` (years), ``months_minor`` (childhood months
    observed), ``parents_stress`` (mean stress of the household's adults while the child
    was a minor), ``parenting`` and ``attachment`` (means over the childhood observed),
    ``life_skills_18`` (at 18, or the last childhood month observed, see ``at_18``),
    ``at_18`` (True if seen at 18), ``stress_young`` (mean stress from 18 to 21, NaN if
    not seen then), ``last_month`` (the last month seen).
    """
    df = trace.frame()
    rows = []
    for m in trace.founder_children():
        mine = df[df["pid"] == m.pid]
        minor = mine[mine["age"] < ADULT]
        adults = df[(df["role"] == Role.PARTNER) & df["pid"].isin(list(trace.members))]
        parents = adults.merge(minor[["month", "household"]], on=["month", "household"])
        at18 = mine[mine["age"] == ADULT]
        young = mine[(mine["age"] >= ADULT) & (mine["age"] < 22 * YEAR)]
        rows.append({
            "pid": m.pid, "name": m.name, "age_start": m.age_first / YEAR, "months_minor": len(minor),
            "parents_stress": float(parents["stress"].mean()) if len(parents) else math.nan,
            "parenting": float(minor["parenting"].mean()) if len(minor) else math.nan,
            "attachment": float(minor["attachment"].mean()) if len(minor) else math.nan,
            "life_skills_18": float(at18["life_skills"].iloc[0]) if len(at18) else (
                float(minor["life_skills"].iloc[-1]) if len(minor) else math.nan),
            "at_18": bool(len(at18)),
            "stress_young": float(young["stress"].mean()) if len(young) else math.nan,
            "last_month": int(mine["month"].max()) if len(mine) else trace.start_month,
        })
    return pd.DataFrame(rows, columns=["pid", "name", "age_start", "months_minor", "parents_stress", "parenting",
                                       "attachment", "life_skills_18", "at_18", "stress_young", "last_month"])


@dataclass
class Comparison:
    """The same family without and with a policy (common random numbers).

    ``reached_month``: the first month the policy reached a member (enrolled, or linked to
    a professional the policy added), None if never. ``first_difference``: the first month
    any member's stock differs at all. ``parted_month``: the first month the family's
    paths differ visibly (a stock of a starting member by more than ``PART_TOLERANCE``).
    ``children``: each child of the starting household in both runs, read at the same
    moments (see :func:`_children_side_by_side`; suffixes ``_without`` and ``_with``, and
    the differences ``d_``). ``verdict``: ``broken`` (the children start adult life
    clearly stronger: life skills at 18 up and young-adult stress down by 0.03 together),
    ``weakened`` (by 0.005 or more), ``none``, ``worse`` (down by 0.005 or more) or
    ``unknown`` (no child seen for two years of childhood in both runs); ``score`` is that
    sum.
    """

    policy: str
    base: FamilyTrace
    other: FamilyTrace
    reached_month: int | None
    first_difference: int | None
    parted_month: int | None
    children: pd.DataFrame
    verdict: str
    score: float


PART_TOLERANCE = 0.02
_COMPARED = ("stress", "parenting", "attachment", "life_skills", "wellbeing", "security")


def compare_traces(base: FamilyTrace, other: FamilyTrace, policy: str) -> Comparison:
    """Compare two traces of the same family (same seed, household, start): see :class:`Comparison`."""
    if (base.seed, base.household, base.start_month) != (other.seed, other.household, other.start_month):
        raise FamilyError("fam.err.not_same")
    founders = [m.pid for m in base.founders()]
    a, b = base.frame(), other.frame()
    a = a[a["pid"].isin(founders)]
    b = b[b["pid"].isin(founders)]
    both = a.merge(b, on=["month", "pid"], suffixes=("_a", "_b"))
    diff = np.zeros(len(both))
    for name in _COMPARED:
        diff = np.maximum(diff, np.abs(both[f"{name}_a"].to_numpy() - both[f"{name}_b"].to_numpy()))
    # a member present in one run only (moved, died) is a difference too
    present_a = set(zip(a["month"], a["pid"]))
    present_b = set(zip(b["month"], b["pid"]))
    only = sorted(m for m, _ in present_a ^ present_b)
    first_any = [int(m) for m in both["month"][diff > 1e-12]] + only[:1]
    first_big = [int(m) for m in both["month"][diff > PART_TOLERANCE]] + only[:1]
    reached = [e.month for e in other.events
               if e.kind == "programme" or (e.kind == "professional" and e.detail.get("policy"))]
    reached_start = other.frame()
    start_reach = reached_start[(reached_start["month"] == other.start_month) & reached_start["reached"]]
    if len(start_reach):
        reached.append(other.start_month)
    children = _children_side_by_side(base, other)
    verdict, score = _verdict(children)
    return Comparison(policy=policy, base=base, other=other, reached_month=min(reached) if reached else None,
                      first_difference=min(first_any) if first_any else None,
                      parted_month=min(first_big) if first_big else None, children=children,
                      verdict=verdict, score=score)


def _parents_stress(trace: FamilyTrace, pid: int) -> pd.Series:
    """Mean stress of the adults heading the household member ``pid`` lives in, by month."""
    df = trace.frame()
    mine = df[df["pid"] == pid][["month", "household"]]
    heads = df[df["role"] == Role.PARTNER][["month", "household", "stress"]]
    return mine.merge(heads, on=["month", "household"]).groupby("month")["stress"].mean()


def _children_side_by_side(base: FamilyTrace, other: FamilyTrace) -> pd.DataFrame:
    """Each child of the starting household in both runs, over the months seen in both.

    Values are read at the same moments in both runs: ``life_skills_18`` at 18 if both
    runs see the child at 18 (``at_18``), else at the last childhood month both see;
    ``parenting``, ``attachment`` and ``parents_stress`` are means over the childhood
    months seen in both; ``stress_young`` the mean stress from 18 to 21 (NaN if not seen).
    """
    a, b = base.frame(), other.frame()
    rows = []
    for m in base.founder_children():
        both = a[a["pid"] == m.pid].merge(b[b["pid"] == m.pid], on="month", suffixes=("_without", "_with"))
        minor = both[both["age_without"] < ADULT]
        at18 = both[both["age_without"] == ADULT]
        point = at18 if len(at18) else minor.tail(1)
        young = both[(both["age_without"] >= ADULT) & (both["age_without"] < 22 * YEAR)]
        row = {"pid": m.pid, "name": m.name, "age_start": m.age_first / YEAR, "months_minor": len(minor),
               "at_18": bool(len(at18)), "point_age": int(point["age_without"].iloc[0]) // YEAR if len(point) else -1}
        for side, trace in (("without", base), ("with", other)):
            ps = _parents_stress(trace, m.pid)
            ps = ps[ps.index.isin(minor["month"])]
            row[f"parents_stress_{side}"] = float(ps.mean()) if len(ps) else math.nan
            for name in ("parenting", "attachment"):
                row[f"{name}_{side}"] = float(minor[f"{name}_{side}"].mean()) if len(minor) else math.nan
            row[f"life_skills_18_{side}"] = float(point[f"life_skills_{side}"].iloc[0]) if len(point) else math.nan
            row[f"stress_young_{side}"] = float(young[f"stress_{side}"].mean()) if len(young) else math.nan
        rows.append(row)
    out = pd.DataFrame(rows, columns=["pid", "name", "age_start", "months_minor", "at_18", "point_age", *(
        f"{n}_{side}" for n in ("parents_stress", "parenting", "attachment", "life_skills_18", "stress_young")
        for side in ("without", "with"))])
    for name in ("parents_stress", "parenting", "attachment", "life_skills_18", "stress_young"):
        out[f"d_{name}"] = out[f"{name}_with"] - out[f"{name}_without"]
    return out


def _verdict(children: pd.DataFrame) -> tuple[str, float]:
    """A plain verdict from the children's skills at 18 and stress as young adults (with minus without)."""
    if children.empty:
        return "unknown", math.nan
    seen = children[children["months_minor"] >= 24]
    if seen.empty:
        return "unknown", math.nan
    skills = seen["d_life_skills_18"].mean()
    stress = seen["d_stress_young"].dropna()
    score = float(skills - (stress.mean() if len(stress) else 0.0))
    if score >= 0.03:
        return "broken", score
    if score >= 0.005:
        return "weakened", score
    if score <= -0.005:
        return "worse", score
    return "none", score


def compare_policy(params: Params, seed: int, months: int, household: int, policy: str,
                   base: FamilyTrace | None = None) -> Comparison:
    """The family of ``household`` without (``base``, run if not given) and with ``policy``."""
    if policy not in POLICIES:
        raise FamilyError("fam.err.policy", policy=policy, allowed=", ".join(POLICIES))
    if base is None:
        base = run_family(params, seed, months, household)
    other = run_family(params, seed, months, household, policy=policy)
    return compare_traces(base, other, policy)


def counterfactuals(params: Params, seed: int, months: int, household: int, policies: Sequence[str] = tuple(POLICIES),
                    base: FamilyTrace | None = None) -> dict[str, Comparison]:
    """The same family under each of ``policies`` (default: all three), each against one run without."""
    if base is None:
        base = run_family(params, seed, months, household)
    return {name: compare_policy(params, seed, months, household, name, base=base) for name in policies}


# ---- the story ---------------------------------------------------------------------------

@dataclass
class Caption:
    """One step of the story: a text key, the values to fill in, and the terms to translate.

    ``terms`` maps a placeholder to a text key (a word such as 'high' or 'her' that depends
    on the language); ``month`` is where the chart puts its marker.
    """

    month: int
    key: str
    values: dict = field(default_factory=dict)
    terms: dict = field(default_factory=dict)


def caption_text(caption: Caption, lang: str) -> str:
    """The caption in ``lang`` ('nl' or 'en')."""
    words = {k: t(v, lang).format(**caption.values) for k, v in caption.terms.items()}
    return t(caption.key, lang).format(**caption.values, **words)


def _level(value: float, load: bool) -> str:
    """Text key of a plain word for a stock's level."""
    if load:
        cut = ((0.3, "low"), (0.45, "moderate"), (0.6, "high"))
        return next((f"fam.lvl.{w}" for c, w in cut if value < c), "fam.lvl.very_high")
    cut = ((0.35, "weak"), (0.5, "fair"), (0.65, "good"))
    return next((f"fam.lvl.{w}" for c, w in cut if value < c), "fam.lvl.strong")


def _pct(value: float) -> int | str:
    """A stock as a score out of 100 ('-' if unknown)."""
    return int(round(100 * value)) if np.isfinite(value) else "-"


def _value_at(trace: FamilyTrace, pid: int, month: int, measure: str) -> float:
    months, values = trace.series(pid, measure)
    if months.size == 0:
        return math.nan
    k = int(np.searchsorted(months, month, side="right")) - 1
    return float(values[max(k, 0)])


def _pron(member: Member) -> str:
    return "fam.pron.his" if member.sex == 1 else "fam.pron.her"


def _year(trace: FamilyTrace, month: int) -> int:
    return (month - trace.start_month) // YEAR


def story(trace: FamilyTrace, comparison: Comparison | None = None, max_setbacks: int = 2) -> list[Caption]:
    """The family's story as a short list of captions, in the order they happened.

    Built from the trace: who the family is; the parents' setbacks and what they did to
    stress; the parenting the children received and their attachment; help that arrived;
    each child at 18 (life skills against the neighbourhood's young adults); leaving home,
    a household of their own, becoming a parent (the next generation); deaths and moves;
    a look back; and, with a ``comparison``, where the policy would have changed the path.
    """
    caps: list[Caption] = []
    start = trace.start_month
    parents, children = trace.parents(), trace.founder_children()
    ref = trace.reference().set_index("month")
    head = parents[0] if parents else (children[0] if children else None)
    if head is None:
        return caps
    kids_names = _join_names([m.name for m in children]) if children else ""
    kids_ages = ", ".join(str(m.age_first // YEAR) for m in children)
    stress0 = _value_at(trace, head.pid, start, "stress")
    kids = "fam.word.one_child" if len(children) == 1 else "fam.word.n_children"
    if len(parents) == 1:
        caps.append(Caption(start, "fam.story.intro_single",
                            {"name": head.name, "age": head.age_first // YEAR, "children": kids_names,
                             "ages": kids_ages, "n": len(children), "stress": _pct(stress0)},
                            {"rel": head.role_key(), "level": _level(stress0, True), "kids": kids}))
    else:
        other = parents[1] if len(parents) > 1 else head
        caps.append(Caption(start, "fam.story.intro_couple",
                            {"name": head.name, "other": other.name, "children": kids_names, "ages": kids_ages,
                             "n": len(children), "stress": _pct(stress0)},
                            {"level": _level(stress0, True), "kids": kids}))
    # setbacks of the parents while the children are young
    childhood_end = start + (ADULT - min((m.age_first for m in children), default=ADULT))
    parent_ids = {m.pid for m in parents} | {m.pid for m in trace.members.values()
                                             if m.relation == "partner" and m.generation == 0}
    told = 0
    told_kinds: set[str] = set()
    for e in trace.events:
        if told >= max_setbacks:
            break
        if e.pid in parent_ids and e.kind in ("job_loss", "debt", "eviction", "separation", "illness") \
                and e.month <= childhood_end and e.kind not in told_kinds:
            told_kinds.add(e.kind)
            who = trace.members[e.pid]
            before = _value_at(trace, e.pid, e.month - 1, "stress")
            after = max(_value_at(trace, e.pid, mo, "stress") for mo in range(e.month, e.month + 7))
            caps.append(Caption(e.month, f"fam.story.{e.kind}",
                                {"name": who.name, "year": _year(trace, e.month) + 1, "month": e.month - start,
                                 "before": _pct(before), "after": _pct(after)},
                                {"pron": _pron(who), "before_lvl": _level(before, True),
                                 "after_lvl": _level(after, True)}))
            told += 1
    # the children's parenting at its lowest (while minors)
    if children:
        df = trace.frame()
        kids = df[df["pid"].isin([m.pid for m in children]) & (df["age"] < ADULT)]
        if len(kids) >= 2:
            by_month = kids.groupby("month")[["parenting", "attachment"]].mean()
            low = int(by_month["parenting"].idxmin())
            par = float(by_month.loc[low, "parenting"])
            att0 = float(by_month["attachment"].iloc[0])
            att = float(by_month.loc[low, "attachment"])
            ref_par = float(ref.loc[low, "parenting"]) if low in ref.index else math.nan
            key = "fam.story.parenting_low" if par < ref_par else "fam.story.parenting_ok"
            caps.append(Caption(low, key, {"year": _year(trace, low) + 1, "parenting": _pct(par),
                                           "ref": _pct(ref_par), "attachment": _pct(att), "attachment0": _pct(att0)},
                                {"trend": "fam.word.falls" if att < att0 - 0.01 else (
                                    "fam.word.rises" if att > att0 + 0.01 else "fam.word.holds")}))
    # help that reached the family
    helped = [e for e in trace.events if e.kind in ("professional", "programme") and e.pid in parent_ids]
    if helped:
        e = helped[0]
        who = trace.members[e.pid]
        if e.kind == "professional":
            caps.append(Caption(e.month, "fam.story.professional",
                                {"name": who.name, "year": _year(trace, e.month) + 1},
                                {"pro": f"fam.pro.{e.detail['pro']}"}))
        else:
            policy = trace.policy if trace.policy in POLICIES else "custom"
            caps.append(Caption(e.month, "fam.story.programme", {"name": who.name, "year": _year(trace, e.month) + 1},
                                {"policy": f"fam.policy.{policy}"}))
    # new partners of the parents and of the grown children
    for e in trace.events_of(("couple",)):
        who = trace.members[e.pid]
        if who in parents:
            caps.append(Caption(e.month, "fam.story.couple", {"name": who.name, "year": _year(trace, e.month) + 1,
                                                              "partner": trace.members[e.detail["with"]].name}))
    # the next generation: coming of age, leaving home, own household, parenthood
    for m in children:
        for e in trace.events_of(("adult", "own_household", "parent"), m.pid):
            if e.kind == "adult":
                skills = e.detail["life_skills"]
                ref_sk = float(ref.loc[e.month, "life_skills"]) if e.month in ref.index else math.nan
                caps.append(Caption(e.month, "fam.story.adult_lower" if skills < ref_sk else "fam.story.adult_higher",
                                    {"name": m.name, "skills": _pct(skills), "ref": _pct(ref_sk),
                                     "year": _year(trace, e.month) + 1},
                                    {"level": _level(skills, False)}))
            elif e.kind == "own_household":
                stress = _value_at(trace, m.pid, e.month, "stress")
                caps.append(Caption(e.month, "fam.story.own_household",
                                    {"name": m.name, "age": e.detail["age"] // YEAR, "stress": _pct(stress),
                                     "year": _year(trace, e.month) + 1},
                                    {"level": _level(stress, True)}))
            else:
                child = trace.members[e.detail["child"]]
                stress = _value_at(trace, m.pid, e.month, "stress")
                caps.append(Caption(e.month, "fam.story.parent",
                                    {"name": m.name, "child": child.name, "year": _year(trace, e.month) + 1,
                                     "stress": _pct(stress)},
                                    {"rel": "fam.rel.mother" if m.sex == 0 else "fam.rel.father",
                                     "level": _level(stress, True)}))
    # deaths, and moves out of the neighbourhood (members who leave together in one caption)
    followed = [*parents, *children]
    for e in trace.events_of(("death",)):
        if trace.members[e.pid] in followed:
            caps.append(Caption(e.month, "fam.story.death", {"name": trace.members[e.pid].name,
                                                             "year": _year(trace, e.month) + 1}))
    moves: dict[int, list[Member]] = {}
    left_home = {e.pid for e in trace.events_of(("own_household",))}
    for e in trace.events_of(("moved_away",)):
        who = trace.members[e.pid]
        if who in parents or (who in children and who.pid not in left_home):
            moves.setdefault(e.month, []).append(who)
    for month, who in sorted(moves.items()):
        names = _join_names([m.name for m in who])
        if len(who) == 1:
            m = who[0]
            age = int(trace.frame().query("pid == @m.pid")["age"].max()) // YEAR
            caps.append(Caption(month, "fam.story.moved_one", {"name": m.name, "age": age,
                                                               "year": _year(trace, month) + 1}))
        else:
            caps.append(Caption(month, "fam.story.moved_many", {"names": names, "year": _year(trace, month) + 1}))
    caps.sort(key=lambda c: c.month)
    # looking back
    outcomes = child_outcomes(trace)
    seen = outcomes[outcomes["months_minor"] >= 24]
    if len(seen):
        stress_parents = float(seen["parents_stress"].mean())
        skills = float(seen["life_skills_18"].mean())
        ref_skills = float(ref["life_skills"].mean())
        key = "fam.story.look_back" if skills < ref_skills else "fam.story.look_back_not_passed"
        caps.append(Caption(trace.end_month, key,
                            {"stress": _pct(stress_parents), "skills": _pct(skills),
                             "years": _year(trace, trace.end_month), "ref": _pct(ref_skills)},
                            {"level": _level(stress_parents, True), "skills_lvl": _level(skills, False)}))
    if comparison is not None:
        caps += _policy_captions(comparison)
    return caps


def _join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " & " + names[-1]


def _policy_captions(c: Comparison) -> list[Caption]:
    policy = f"fam.policy.{c.policy}"
    end = c.other.end_month
    if c.reached_month is None:
        return [Caption(end, "fam.story.policy_missed", {}, {"policy": policy})]
    caps = [Caption(c.reached_month, "fam.story.policy_reached",
                    {"year": _year(c.base, c.reached_month) + 1,
                     "parted": _year(c.base, c.parted_month) + 1 if c.parted_month is not None else "-"},
                    {"policy": policy})]
    for row in c.children.itertuples():
        if row.months_minor < 24:
            continue
        values = {"name": row.name, "with": _pct(row.life_skills_18_with), "without": _pct(row.life_skills_18_without),
                  "age": row.point_age}
        if not row.at_18:
            key = "fam.story.policy_child_last"
        elif np.isnan(row.stress_young_with) or np.isnan(row.stress_young_without):
            key = "fam.story.policy_child_18"
        else:
            key = "fam.story.policy_child_stress"
            values.update(stress_with=_pct(row.stress_young_with), stress_without=_pct(row.stress_young_without))
        caps.append(Caption(end, key, values, {"policy": policy}))
    caps.append(Caption(end, f"fam.verdict.{c.verdict}", {}, {"policy": policy}))
    return caps


# ---- the chart ----------------------------------------------------------------------------

PALETTE = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B", "#7F7F7F")
_WHO = {"stress": "adults", "wellbeing": "adults", "security": "adults", "income": "adults",
        "parenting": "minors", "attachment": "minors", "life_skills": "young"}


def member_colours(trace: FamilyTrace) -> dict[int, str]:
    """A colour per member, stable across runs of the same family (by order of appearance)."""
    order = sorted(trace.members.values(), key=lambda m: (m.first_month, m.generation, m.pid))
    return {m.pid: PALETTE[k % len(PALETTE)] for k, m in enumerate(order)}


def _paths(months: np.ndarray, values: np.ndarray, x, y) -> list[str]:
    """SVG path data, broken where months are not consecutive (absent) or values missing."""
    out, cur = [], []
    last = None
    for mo, v in zip(months.tolist(), values.tolist()):
        if last is not None and mo != last + 1 or not np.isfinite(v):
            if len(cur) > 1:
                out.append("M" + " L".join(cur))
            cur = []
        if np.isfinite(v):
            cur.append(f"{x(mo):.1f},{y(v):.1f}")
        last = mo
    if len(cur) > 1:
        out.append("M" + " L".join(cur))
    return out


def _who_mask(df: pd.DataFrame, measure: str, trace: FamilyTrace) -> pd.Series:
    who = _WHO.get(measure, "adults")
    if who == "minors":
        return df["age"] < ADULT
    if who == "young":
        gens = {m.pid: m.generation for m in trace.members.values()}
        return df["pid"].map(gens).fillna(0) >= 1
    return df["age"] >= ADULT


_EVENT_GLYPH = {"birth": "\u2605", "parent": "\u2605", "death": "\u271d", "moved_away": "\u2192",
                "own_household": "\u2302", "separation": "\u00d7", "job_loss": "!", "debt": "!", "eviction": "!",
                "illness": "+", "professional": "\u2661", "programme": "\u2661", "adult": "18"}


def family_svg(trace: FamilyTrace, lang: str, measures: Sequence[str] = ("stress", "parenting", "life_skills"),
               other: FamilyTrace | None = None, highlight: int | None = None, width: int = 760,
               panel_height: int = 150) -> str:
    """The family's lines over the years as an inline SVG, one panel per measure.

    One line per member (colour per member, see :func:`member_colours`), drawn where it
    tells something: stress, wellbeing and security for adults, parenting and attachment
    for minors, life skills for the children and grandchildren. A grey line is the
    neighbourhood's mean. With ``other`` (the same family under a policy), its lines are
    dashed in the same colours. Events are marked above the first panel (hover for the
    text), ``highlight`` draws a vertical line at a month (the story's current caption).
    """
    measures = [m for m in measures if m in MEASURES] or ["stress"]
    pad_l, pad_r, pad_t, gap, legend_h = 46, 16, 62, 26, 22
    colours = member_colours(trace)
    named = dict(trace.members)
    if other is not None:
        # the policy run's lines: only persons who are the same person in both runs (ids of those
        # born or arrived after the runs part may belong to someone else)
        same = {pid for pid, m in other.members.items() if pid in named and _same_person(named[pid], m)}
        df_b = other.frame()
        df_b = df_b[df_b["pid"].isin(same)]
    else:
        df_b = None
    n_legend_rows = math.ceil(len(named) / 5)
    height = pad_t + len(measures) * (panel_height + gap) + legend_h * (n_legend_rows + 1) + 10
    m0 = trace.start_month
    m1 = max(trace.end_month, other.end_month if other is not None else m0, m0 + 1)
    plot_w = width - pad_l - pad_r

    def x(mo):
        return pad_l + (mo - m0) / (m1 - m0) * plot_w

    esc = html.escape
    title = t("fam.chart.title", lang)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="{esc(title)}" style="font-family:sans-serif;max-width:{width}px">',
             f'<title>{esc(title)}</title>',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>']
    # events along the top
    last_x = [-1e9, -1e9]  # the last glyph in each of two rows: close events alternate rows
    for e in trace.events:
        if e.kind not in _EVENT_GLYPH or e.pid not in trace.members:
            continue
        text = esc(_event_text(trace, e, lang))
        xx = x(e.month)
        row = 0 if xx - last_x[0] >= 14 else (1 if xx - last_x[1] >= 14 else 0)
        last_x[row] = xx
        glyph_y = pad_t - 26 - 14 * row
        parts.append(f'<text x="{xx:.1f}" y="{glyph_y}" font-size="12" text-anchor="middle" '
                     f'fill="{colours.get(e.pid, "#333")}" class="vk-family-event"><title>{text}</title>'
                     f'{esc(_EVENT_GLYPH[e.kind])}</text>')
    df_a = trace.frame()
    ref = trace.reference()
    years = (m1 - m0) / YEAR
    step = 1 if years <= 10 else (5 if years <= 50 else 10)
    for k, measure in enumerate(measures):
        top = pad_t + k * (panel_height + gap)

        def y(v, top=top):
            return top + (1.0 - v) * panel_height

        label = t(f"fam.m.{measure}", lang) + " \u2014 " + t(f"fam.who.{_WHO.get(measure, 'adults')}", lang)
        parts.append(f'<text x="{pad_l}" y="{top - 6}" font-size="13" font-weight="bold">{esc(label)}</text>')
        parts.append(f'<rect x="{pad_l}" y="{top}" width="{plot_w}" height="{panel_height}" fill="#fafafa" '
                     f'stroke="#ccc"/>')
        for v in (0.0, 0.5, 1.0):
            parts.append(f'<line x1="{pad_l}" x2="{pad_l + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e4e4e4"/>')
            parts.append(f'<text x="{pad_l - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">'
                         f'{int(v * 100)}</text>')
        for yr in range(0, int(years) + 1, step):
            xx = x(m0 + yr * YEAR)
            parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top}" y2="{top + panel_height}" stroke="#eee"/>')
            if k == len(measures) - 1:
                parts.append(f'<text x="{xx:.1f}" y="{top + panel_height + 14}" font-size="11" '
                             f'text-anchor="middle">{yr}</text>')
        # the neighbourhood's mean
        for d in _paths(ref["month"].to_numpy(), ref[measure].to_numpy(), x, y):
            parts.append(f'<path d="{d}" fill="none" stroke="#999" stroke-width="1.5" stroke-dasharray="1,3">'
                         f'<title>{esc(t("fam.chart.reference", lang))}</title></path>')
        for df, dash, run in ((df_a, "", trace), (df_b, ' stroke-dasharray="6,4"', other)):
            if df is None:
                continue
            sel = df[_who_mask(df, measure, run)]
            for pid, rows in sel.groupby("pid", sort=True):
                who = named[pid]
                tip = esc(f"{who.name} ({t(who.role_key(), lang)})"
                          + (f" \u2014 {t('fam.chart.with_policy', lang)}" if dash else ""))
                for d in _paths(rows["month"].to_numpy(), rows[measure].to_numpy(), x, y):
                    parts.append(f'<path d="{d}" fill="none" stroke="{colours[pid]}" stroke-width="2.2"{dash}>'
                                 f'<title>{tip}</title></path>')
    bottom = pad_t + len(measures) * (panel_height + gap)
    parts.append(f'<text x="{pad_l + plot_w / 2:.1f}" y="{bottom + 4}" font-size="12" text-anchor="middle">'
                 f'{esc(t("fam.chart.years", lang))}</text>')
    if highlight is not None and m0 <= highlight <= m1:
        xx = x(highlight)
        parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{pad_t - 52}" y2="{bottom - gap}" stroke="#333" '
                     f'stroke-width="1.5" class="vk-family-now"/>')
    # legend: members, then line styles
    ly = bottom + legend_h
    for k, m in enumerate(sorted(named.values(), key=lambda m: (m.first_month, m.generation, m.pid))):
        lx = pad_l + (k % 5) * (plot_w / 5)
        yy = ly + (k // 5) * legend_h
        parts.append(f'<rect x="{lx:.1f}" y="{yy - 9}" width="14" height="4" fill="{colours[m.pid]}"/>')
        parts.append(f'<text x="{lx + 18:.1f}" y="{yy - 4}" font-size="12">{esc(m.name)} '
                     f'({esc(t(m.role_key(), lang))})</text>')
    yy = ly + n_legend_rows * legend_h
    legend = [("#999", ' stroke-dasharray="1,3"', t("fam.chart.reference", lang))]
    if other is not None:
        legend += [("#333", "", t("fam.chart.without_policy", lang)),
                   ("#333", ' stroke-dasharray="6,4"', t("fam.chart.with_policy", lang))]
    for k, (c, dash, text) in enumerate(legend):
        lx = pad_l + k * (plot_w / 3)
        parts.append(f'<line x1="{lx:.1f}" x2="{lx + 24:.1f}" y1="{yy - 7}" y2="{yy - 7}" stroke="{c}" '
                     f'stroke-width="2"{dash}/>')
        parts.append(f'<text x="{lx + 30:.1f}" y="{yy - 3}" font-size="12">{esc(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _same_person(a: Member, b: Member) -> bool:
    """Whether two members of two runs of one family are the same person (same id, parents, sex, start)."""
    return (a.pid, a.mother, a.father, a.sex, a.relation, a.first_month, a.age_first) == \
        (b.pid, b.mother, b.father, b.sex, b.relation, b.first_month, b.age_first)


def _event_text(trace: FamilyTrace, e: Event, lang: str) -> str:
    who = trace.members[e.pid]
    year = _year(trace, e.month) + 1
    return t("fam.event.line", lang).format(year=year, name=who.name, what=t(f"fam.event.{e.kind}", lang))


# ---- texts ---------------------------------------------------------------------------------

TEXT_FAMILY: dict[str, dict[str, str]] = {
    # controls and headings
    "fam.title": {"nl": "Een gezin door de generaties", "en": "A family across generations"},
    "fam.intro": {"nl": "Volg een gezin door de jaren: de stress van de ouders, de opvoeding die de kinderen krijgen, "
                        "hun hechting en levensvaardigheden, en later hun eigen huishouden en kinderen.",
                  "en": "Follow a family over the years: the parents' stress, the parenting the children receive, "
                        "their attachment and life skills, and later their own households and children."},
    "fam.seed": {"nl": "Toevalsgetal (seed)", "en": "Seed"},
    "fam.years": {"nl": "Jaren volgen", "en": "Years to follow"},
    "fam.pick": {"nl": "Gezin", "en": "Family"},
    "fam.pick.auto": {"nl": "Laat de pagina een sprekend gezin kiezen", "en": "Let the page pick a telling family"},
    "fam.pick.item": {"nl": "Huishouden {hh}: {kind}, {n} kind(eren) ({ages} jaar), stress {stress}",
                      "en": "Household {hh}: {kind}, {n} child(ren) (aged {ages}), stress {stress}"},
    "fam.kind.single_parent": {"nl": "eenoudergezin", "en": "single parent"},
    "fam.kind.couple_children": {"nl": "stel met kinderen", "en": "couple with children"},
    "fam.kind.couple": {"nl": "stel", "en": "couple"},
    "fam.kind.single_adult": {"nl": "alleenstaande", "en": "single adult"},
    "fam.policy": {"nl": "Wat als er beleid was geweest?", "en": "What if there had been a policy?"},
    "fam.policy.none": {"nl": "geen beleid", "en": "no policy"},
    "fam.policy.parenting_support": {"nl": "opvoedsteun", "en": "parenting support"},
    "fam.policy.income_floor": {"nl": "een inkomensvloer", "en": "an income floor"},
    "fam.policy.known_professional": {"nl": "een vaste professional", "en": "a known professional"},
    "fam.policy.custom": {"nl": "het beleid", "en": "the policy"},
    "fam.policy.help.parenting_support": {
        "nl": "Steun voor eenoudergezinnen: opvoedondersteuning, ontlasting van zorgtaken, wat materiële hulp.",
        "en": "Support for single parents: parenting support, relief of care tasks, some material help."},
    "fam.policy.help.income_floor": {
        "nl": "Bestaanszekerheid: een inkomensvloer en schuldhulp voor de huishoudens met de minste zekerheid.",
        "en": "Existential security: an income floor and debt relief for the households with the least security."},
    "fam.policy.help.known_professional": {
        "nl": "Vaste gezichten in de wijk: een wijkagent, een maatschappelijk werker en een opbouwwerker.",
        "en": "Known faces in the neighbourhood: a neighbourhood officer, a social worker and a community builder."},
    "fam.measures": {"nl": "Lijnen in de grafiek", "en": "Lines in the chart"},
    "fam.busy": {"nl": "Het gezin wordt gevolgd...", "en": "Following the family..."},
    "fam.members": {"nl": "Het gezin", "en": "The family"},
    "fam.member.line": {"nl": "{name}: {rel}, {age} jaar bij het begin", "en": "{name}: {rel}, aged {age} at the start"},
    "fam.member.later": {"nl": "{name}: {rel}, erbij in jaar {year}", "en": "{name}: {rel}, joined in year {year}"},
    "fam.compare": {"nl": "Met en zonder beleid", "en": "With and without the policy"},
    "fam.compare.same_luck": {"nl": "Dezelfde wijk en hetzelfde toeval: alleen het beleid verschilt.",
                              "en": "The same neighbourhood and the same luck: only the policy differs."},
    "fam.compare.reached": {"nl": "Het beleid bereikt het gezin in jaar {year}.",
                            "en": "The policy reaches the family in year {year}."},
    "fam.compare.missed": {"nl": "Het beleid bereikt dit gezin niet.", "en": "The policy does not reach this family."},
    "fam.compare.parted": {"nl": "De levens lopen zichtbaar uiteen vanaf jaar {year}.",
                           "en": "The lives visibly part from year {year} on."},
    "fam.compare.not_parted": {"nl": "De levens lopen niet zichtbaar uiteen.", "en": "The lives do not visibly part."},
    "fam.compare.col.name": {"nl": "Kind", "en": "Child"},
    "fam.compare.col.skills": {"nl": "Levensvaardigheden op 18 (zonder / met)", "en": "Life skills at 18 (without / with)"},
    "fam.compare.col.stress": {"nl": "Stress op 18-21 (zonder / met)", "en": "Stress at 18-21 (without / with)"},
    "fam.compare.col.parenting": {"nl": "Opvoeding ontvangen (zonder / met)", "en": "Parenting received (without / with)"},
    "fam.compare.not_seen": {"nl": "niet gezien", "en": "not seen"},
    "fam.story": {"nl": "Het verhaal (voor de klas)", "en": "The story (for a class)"},
    "fam.story.prev": {"nl": "Vorige", "en": "Previous"},
    "fam.story.next": {"nl": "Volgende", "en": "Next"},
    "fam.story.step": {"nl": "{k} van {n}", "en": "{k} of {n}"},
    "fam.story.empty": {"nl": "Dit gezin heeft (nog) geen verhaal: volg het langer.",
                        "en": "This family has no story (yet): follow it longer."},
    "fam.glossary": {"nl": "Woorden", "en": "Words"},
    # measures, groups and relations
    "fam.m.stress": {"nl": "Stress", "en": "Stress"},
    "fam.m.parenting": {"nl": "Opvoeding die het kind krijgt", "en": "Parenting the child receives"},
    "fam.m.attachment": {"nl": "Hechting", "en": "Attachment"},
    "fam.m.life_skills": {"nl": "Levensvaardigheden", "en": "Life skills"},
    "fam.m.wellbeing": {"nl": "Welbevinden", "en": "Wellbeing"},
    "fam.m.security": {"nl": "Bestaanszekerheid", "en": "Existential security"},
    "fam.m.income": {"nl": "Rondkomen", "en": "Making ends meet"},
    "fam.who.adults": {"nl": "volwassenen", "en": "adults"},
    "fam.who.minors": {"nl": "kinderen tot 18", "en": "children under 18"},
    "fam.who.young": {"nl": "kinderen en kleinkinderen", "en": "children and grandchildren"},
    "fam.rel.mother": {"nl": "moeder", "en": "mother"},
    "fam.rel.father": {"nl": "vader", "en": "father"},
    "fam.rel.daughter": {"nl": "dochter", "en": "daughter"},
    "fam.rel.son": {"nl": "zoon", "en": "son"},
    "fam.rel.granddaughter": {"nl": "kleindochter", "en": "granddaughter"},
    "fam.rel.grandson": {"nl": "kleinzoon", "en": "grandson"},
    "fam.rel.partner": {"nl": "partner", "en": "partner"},
    "fam.pron.her": {"nl": "haar", "en": "her"},
    "fam.pron.his": {"nl": "zijn", "en": "his"},
    "fam.lvl.low": {"nl": "laag", "en": "low"},
    "fam.lvl.moderate": {"nl": "gemiddeld", "en": "moderate"},
    "fam.lvl.high": {"nl": "hoog", "en": "high"},
    "fam.lvl.very_high": {"nl": "zeer hoog", "en": "very high"},
    "fam.lvl.weak": {"nl": "zwak", "en": "weak"},
    "fam.lvl.fair": {"nl": "matig", "en": "fair"},
    "fam.lvl.good": {"nl": "goed", "en": "good"},
    "fam.lvl.strong": {"nl": "sterk", "en": "strong"},
    "fam.word.falls": {"nl": "daalt", "en": "falls"},
    "fam.word.rises": {"nl": "stijgt", "en": "rises"},
    "fam.word.holds": {"nl": "blijft gelijk", "en": "holds"},
    "fam.pro.social_worker": {"nl": "een maatschappelijk werker", "en": "a social worker"},
    "fam.pro.police": {"nl": "de wijkagent", "en": "the neighbourhood police officer"},
    "fam.pro.builder": {"nl": "een opbouwwerker", "en": "a community builder"},
    "fam.pro.expert": {"nl": "een ervaringsdeskundige", "en": "an experience expert"},
    # chart
    "fam.chart.title": {"nl": "Het gezin door de jaren", "en": "The family over the years"},
    "fam.chart.years": {"nl": "jaren sinds het begin", "en": "years since the start"},
    "fam.chart.reference": {"nl": "gemiddelde van de wijk", "en": "neighbourhood average"},
    "fam.chart.with_policy": {"nl": "met beleid", "en": "with the policy"},
    "fam.chart.without_policy": {"nl": "zonder beleid", "en": "without the policy"},
    "fam.event.line": {"nl": "Jaar {year}: {name} \u2014 {what}", "en": "Year {year}: {name} \u2014 {what}"},
    "fam.event.birth": {"nl": "geboren", "en": "born"},
    "fam.event.parent": {"nl": "wordt ouder", "en": "becomes a parent"},
    "fam.event.adult": {"nl": "wordt 18", "en": "turns 18"},
    "fam.event.own_household": {"nl": "gaat op zichzelf wonen", "en": "sets up a household of their own"},
    "fam.event.couple": {"nl": "gaat samenwonen", "en": "moves in with a partner"},
    "fam.event.separation": {"nl": "scheiding", "en": "separation"},
    "fam.event.death": {"nl": "overlijdt", "en": "dies"},
    "fam.event.moved_away": {"nl": "verhuist uit de wijk", "en": "moves out of the neighbourhood"},
    "fam.event.professional": {"nl": "krijgt een vaste professional", "en": "gets a professional to turn to"},
    "fam.event.programme": {"nl": "bereikt door het beleid", "en": "reached by the policy"},
    "fam.event.job_loss": {"nl": "verliest werk", "en": "loses a job"},
    "fam.event.job_found": {"nl": "vindt werk", "en": "finds work"},
    "fam.event.illness": {"nl": "wordt ziek", "en": "falls ill"},
    "fam.event.debt": {"nl": "raakt in de schulden", "en": "gets into debt"},
    "fam.event.eviction": {"nl": "wordt uit huis gezet", "en": "is evicted"},
    "fam.event.bereavement": {"nl": "verliest een dierbare", "en": "loses someone close"},
    # story
    "fam.story.intro_single": {
        "nl": "Maak kennis met {name} ({age}). {name} is {rel} en voedt {kids} alleen op: {children} ({ages} jaar). "
              "De stress van {name} is {level} ({stress} van 100).",
        "en": "Meet {name} ({age}), a {rel} who raises {kids} alone: {children} (aged {ages}). "
              "{name}'s stress is {level} ({stress} out of 100)."},
    "fam.story.intro_couple": {
        "nl": "Maak kennis met {name} en {other}, met {kids}: {children} ({ages} jaar). "
              "De stress van {name} is {level} ({stress} van 100).",
        "en": "Meet {name} and {other}, with {kids}: {children} (aged {ages}). "
              "{name}'s stress is {level} ({stress} out of 100)."},
    "fam.word.one_child": {"nl": "een kind", "en": "one child"},
    "fam.word.n_children": {"nl": "{n} kinderen", "en": "{n} children"},
    "fam.story.job_loss": {
        "nl": "Jaar {year}: {name} verliest {pron} baan. De stress stijgt van {before_lvl} ({before}) naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} loses {pron} job. Stress rises from {before_lvl} ({before}) to {after_lvl} ({after})."},
    "fam.story.debt": {
        "nl": "Jaar {year}: {name} raakt in de schulden. De stress gaat van {before_lvl} ({before}) naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} gets into debt. Stress goes from {before_lvl} ({before}) to {after_lvl} ({after})."},
    "fam.story.eviction": {
        "nl": "Jaar {year}: {name} wordt uit huis gezet. De stress gaat van {before_lvl} ({before}) naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} is evicted. Stress goes from {before_lvl} ({before}) to {after_lvl} ({after})."},
    "fam.story.illness": {
        "nl": "Jaar {year}: {name} wordt ziek. De stress gaat van {before_lvl} ({before}) naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} falls ill. Stress goes from {before_lvl} ({before}) to {after_lvl} ({after})."},
    "fam.story.separation": {
        "nl": "Jaar {year}: {name} en {pron} partner gaan uit elkaar. De stress gaat van {before_lvl} ({before}) "
              "naar {after_lvl} ({after}).",
        "en": "Year {year}: {name} and {pron} partner separate. Stress goes from {before_lvl} ({before}) "
              "to {after_lvl} ({after})."},
    "fam.story.parenting_low": {
        "nl": "Jaar {year}: onder die last krijgen de kinderen minder aandachtige opvoeding ({parenting} van 100; "
              "in de wijk gemiddeld {ref}). Hun hechting {trend}: van {attachment0} naar {attachment}.",
        "en": "Year {year}: under this load the children receive less attentive parenting ({parenting} out of 100; "
              "the neighbourhood average is {ref}). Their attachment {trend}: from {attachment0} to {attachment}."},
    "fam.story.parenting_ok": {
        "nl": "Jaar {year}: ook op het moeilijkste moment krijgen de kinderen opvoeding op of boven het gemiddelde "
              "van de wijk ({parenting} tegen {ref}). Hun hechting {trend}: van {attachment0} naar {attachment}.",
        "en": "Year {year}: even at the hardest time, the children's parenting stays at or above the neighbourhood "
              "average ({parenting} against {ref}). Their attachment {trend}: from {attachment0} to {attachment}."},
    "fam.story.professional": {
        "nl": "Jaar {year}: {pro} komt langs bij {name}. Een bekend gezicht maakt hulp zoeken makkelijker.",
        "en": "Year {year}: {pro} starts visiting {name}. A known face makes it easier to ask for help."},
    "fam.story.programme": {
        "nl": "Jaar {year}: het gezin van {name} krijgt {policy}.",
        "en": "Year {year}: {name}'s family receives {policy}."},
    "fam.story.adult_lower": {
        "nl": "Jaar {year}: {name} wordt 18. De levensvaardigheden van {name} zijn {level} ({skills} van 100): minder dan "
              "gemiddeld bij de jonge volwassenen in de wijk ({ref}).",
        "en": "Year {year}: {name} turns 18 with {level} life skills ({skills} out of 100): less than the young adults in the "
              "neighbourhood on average ({ref})."},
    "fam.story.adult_higher": {
        "nl": "Jaar {year}: {name} wordt 18. De levensvaardigheden van {name} zijn {level} ({skills} van 100): meer dan "
              "gemiddeld bij de jonge volwassenen in de wijk ({ref}).",
        "en": "Year {year}: {name} turns 18 with {level} life skills ({skills} out of 100): more than the young adults in the "
              "neighbourhood on average ({ref})."},
    "fam.story.own_household": {
        "nl": "Jaar {year}: op {age}-jarige leeftijd gaat {name} op zichzelf wonen, in de wijk. Stress: {level} "
              "({stress}).",
        "en": "Year {year}: at {age}, {name} leaves home for a place of their own in the neighbourhood. Stress: "
              "{level} ({stress})."},
    "fam.story.couple": {"nl": "Jaar {year}: {name} en {partner} gaan samenwonen.",
                         "en": "Year {year}: {name} and {partner} move in together."},
    "fam.story.parent": {
        "nl": "Jaar {year}: {name} wordt zelf {rel}: {child} wordt geboren. De stress van {name} is {level} "
              "({stress}); wat {name} als kind meekreeg, gaat nu mee naar de volgende generatie.",
        "en": "Year {year}: {name} becomes a {rel}: {child} is born. {name}'s stress is {level} ({stress}); "
              "what {name} got as a child now goes on to the next generation."},
    "fam.story.moved_one": {
        "nl": "Jaar {year}: {name} ({age}) verhuist uit de wijk; we verliezen {name} uit het oog.",
        "en": "Year {year}: {name} ({age}) moves out of the neighbourhood; we lose sight of {name}."},
    "fam.story.moved_many": {
        "nl": "Jaar {year}: {names} verhuizen uit de wijk; hier eindigt hun spoor.",
        "en": "Year {year}: {names} move out of the neighbourhood; their trail ends here."},
    "fam.story.death": {"nl": "Jaar {year}: {name} overlijdt.", "en": "Year {year}: {name} dies."},
    "fam.story.look_back": {
        "nl": "Terugblik over {years} jaar: terwijl de kinderen opgroeiden was de stress van de ouders gemiddeld "
              "{level} ({stress}); de levensvaardigheden van de kinderen waren daarna {skills_lvl} ({skills}, "
              "jonge volwassenen in de wijk: {ref}). Zo gaat stress van ouder op kind over.",
        "en": "Looking back over {years} years: while the children grew up, the parents' stress was {level} on "
              "average ({stress}); the children's life skills afterwards were {skills_lvl} ({skills}; young adults "
              "in the neighbourhood: {ref}). This is how stress passes from parent to child."},
    "fam.story.look_back_not_passed": {
        "nl": "Terugblik over {years} jaar: terwijl de kinderen opgroeiden was de stress van de ouders gemiddeld "
              "{level} ({stress}), maar de levensvaardigheden van de kinderen waren daarna {skills_lvl} ({skills}, "
              "jonge volwassenen in de wijk: {ref}). Hier ging de stress niet op de kinderen over: wat hielp?",
        "en": "Looking back over {years} years: while the children grew up, the parents' stress was {level} on "
              "average ({stress}), yet the children's life skills afterwards were {skills_lvl} ({skills}; young "
              "adults in the neighbourhood: {ref}). Here the stress did not pass to the children: what helped?"},
    "fam.story.policy_missed": {
        "nl": "Met {policy}: het beleid bereikt dit gezin niet, dus hun verhaal blijft bijna hetzelfde.",
        "en": "With {policy}: the policy does not reach this family, so their story stays almost the same."},
    "fam.story.policy_reached": {
        "nl": "Met {policy}: het beleid bereikt het gezin in jaar {year}; de levens lopen zichtbaar uiteen vanaf "
              "jaar {parted}.",
        "en": "With {policy}: the policy reaches the family in year {year}; the lives visibly part from year {parted}."},
    "fam.story.policy_child_18": {
        "nl": "Met {policy} was {name} 18 geworden met levensvaardigheden {with} in plaats van {without}.",
        "en": "With {policy}, {name} would have turned 18 with life skills of {with} instead of {without}."},
    "fam.story.policy_child_last": {
        "nl": "Met {policy} waren de levensvaardigheden van {name} bij het laatste zicht hier ({age} jaar) {with} "
              "geweest in plaats van {without}.",
        "en": "With {policy}, {name}'s life skills when last seen here (aged {age}) would have been {with} instead "
              "of {without}."},
    "fam.story.policy_child_stress": {
        "nl": "Met {policy} was {name} 18 geworden met levensvaardigheden {with} in plaats van {without}, en had "
              "{name} tussen 18 en 21 stress {stress_with} gehad in plaats van {stress_without}.",
        "en": "With {policy}, {name} would have turned 18 with life skills of {with} instead of {without}, and "
              "carried stress of {stress_with} instead of {stress_without} between 18 and 21."},
    "fam.verdict.broken": {"nl": "Conclusie: met {policy} wordt de cirkel voor dit gezin doorbroken; de kinderen "
                                 "beginnen duidelijk sterker aan hun volwassen leven.",
                           "en": "Verdict: with {policy} the cycle breaks for this family; the children start "
                                 "adult life clearly stronger."},
    "fam.verdict.weakened": {"nl": "Conclusie: met {policy} wordt de cirkel iets zwakker, maar niet doorbroken.",
                             "en": "Verdict: with {policy} the cycle weakens a little, but does not break."},
    "fam.verdict.none": {"nl": "Conclusie: met {policy} verandert er voor de kinderen van dit gezin weinig.",
                         "en": "Verdict: with {policy} little changes for this family's children."},
    "fam.verdict.worse": {"nl": "Conclusie: met {policy} gaat het de kinderen hier door toeval en samenloop iets "
                                "slechter af; beleid werkt gemiddeld, niet voor elk gezin.",
                          "en": "Verdict: with {policy}, chance and circumstance leave the children a little worse "
                                "off here; a policy works on average, not for every family."},
    "fam.verdict.unknown": {"nl": "Conclusie: de kinderen zijn te kort gevolgd om iets te zeggen over {policy}.",
                            "en": "Verdict: the children were followed too briefly to say anything about {policy}."},
    # errors
    "fam.err.no_family": {"nl": "In deze wijk woont geen gezin met jonge kinderen om te volgen.",
                          "en": "No family with young children lives in this neighbourhood to follow."},
    "fam.err.household": {"nl": "Huishouden {household} bestaat niet; kies een nummer van 0 tot {n}.",
                          "en": "Household {household} does not exist; choose a number from 0 to {n}."},
    "fam.err.household_gone": {"nl": "Huishouden {household} woont hier niet meer; kies een ander gezin.",
                               "en": "Household {household} no longer lives here; choose another family."},
    "fam.err.policy": {"nl": "Onbekend beleid '{policy}'; kies uit: {allowed}.",
                       "en": "Unknown policy '{policy}'; choose from: {allowed}."},
    "fam.err.seed": {"nl": "Toevalsgetal {seed} kan niet; kies een geheel getal vanaf 0.",
                     "en": "Seed {seed} is not allowed; choose a whole number from 0."},
    "fam.err.months": {"nl": "{months} maanden kan niet; kies 1 tot 1200 maanden.",
                       "en": "{months} months is not allowed; choose 1 to 1200 months."},
    "fam.err.not_same": {"nl": "Deze twee runs volgen niet hetzelfde gezin met hetzelfde toeval.",
                         "en": "These two runs do not follow the same family with the same luck."},
    "fam.err.params": {"nl": "Deze instelling kan niet: {msg}", "en": "This setting is not allowed: {msg}"},
    "fam.err.other": {"nl": "Er ging iets mis bij het volgen van het gezin: {msg}",
                      "en": "Something went wrong while following the family: {msg}"},
}
TEXT.update(TEXT_FAMILY)


def error_text(exc: Exception, lang: str) -> str:
    """A readable message in ``lang`` for an error of this module, the schema or anything else."""
    if isinstance(exc, FamilyError):
        return t(exc.key, lang).format(**exc.values)
    if isinstance(exc, ParameterError):
        return t("fam.err.params", lang).format(msg=str(exc))
    return t("fam.err.other", lang).format(msg=f"{type(exc).__name__}: {exc}")


# ---- the component ---------------------------------------------------------------------------

_KIND_KEYS = {int(HouseholdKind.SINGLE_PARENT): "fam.kind.single_parent",
              int(HouseholdKind.COUPLE_CHILDREN): "fam.kind.couple_children",
              int(HouseholdKind.COUPLE): "fam.kind.couple", int(HouseholdKind.SINGLE_ADULT): "fam.kind.single_adult"}


def family_choices(params: Params, seed: int, k: int = 12) -> list[tuple[int, dict]]:
    """The candidate families at month 0 for the pick list: (household, facts to show)."""
    _check_run(seed, 1)
    model = VeerkrachtModel(params, seed=int(seed))
    out = []
    for hh in family_candidates(model, k):
        stress, _, ages = _partner_stress(model, hh)
        out.append((hh, {"hh": hh, "kind": _KIND_KEYS[int(model.state.hh_kind[hh])], "n": int(ages.size),
                         "ages": ", ".join(str(a // YEAR) for a in sorted(ages.tolist())), "stress": _pct(stress)}))
    return out


def _choice_label(facts: dict, lang: str) -> str:
    return t("fam.pick.item", lang).format(**{**facts, "kind": t(facts["kind"], lang)})


@functools.lru_cache(maxsize=8)
def _base_trace(params: Params, seed: int, months: int, household: int | None) -> FamilyTrace:
    """The run without a policy, kept for the page (picked ahead when ``household`` is None)."""
    if household is None:
        return pick_family(params, seed, months)
    return run_family(params, seed, months, household)


@functools.lru_cache(maxsize=16)
def _policy_trace(params: Params, seed: int, months: int, household: int, policy: str) -> FamilyTrace:
    """The run with ``policy``, kept for the page."""
    return run_family(params, seed, months, household, policy=policy)


def _compute(params: Params, seed: int, months: int, household: int | None, policy: str):
    """(trace without a policy, comparison or None) for the page; runs are kept, so switching back is instant."""
    _check_run(seed, months)
    base = _base_trace(params, int(seed), int(months), household)
    if policy == "none":
        return base, None
    if policy not in POLICIES:
        raise FamilyError("fam.err.policy", policy=policy, allowed=", ".join(POLICIES))
    other = _policy_trace(params, int(seed), int(months), base.household, policy)
    return base, compare_traces(base, other, policy)


@solara.component
def Glossary(lang: str):
    """The Dutch terms of the sources, each explained in a tooltip."""
    with solara.Row(classes=["vk-family-glossary"], gap="8px"):
        solara.Text(t("fam.glossary", lang) + ":")
        for term in ("veerkracht", "draagkracht", "draaglast", "bestaanszekerheid"):
            if term in GLOSSARY:
                with solara.Tooltip(gloss(term, lang)):
                    solara.Text(term, classes=[f"vk-family-term-{term}"],
                                style={"text-decoration": "underline dotted", "cursor": "help"})


@solara.component
def _Members(trace: FamilyTrace, lang: str):
    lines = []
    for m in sorted(trace.members.values(), key=lambda m: (m.first_month, m.generation, m.pid)):
        if m.first_month == trace.start_month:
            lines.append(t("fam.member.line", lang).format(name=m.name, rel=t(m.role_key(), lang),
                                                           age=m.age_first // YEAR))
        else:
            lines.append(t("fam.member.later", lang).format(name=m.name, rel=t(m.role_key(), lang),
                                                            year=_year(trace, m.first_month) + 1))
    with solara.Details(summary=t("fam.members", lang)):
        Markdown("\n".join(f"- {x}" for x in lines), style="font-size: 0.95em")
    solara.Div(classes=["vk-family-members"], children=[solara.Text(" \u00b7 ".join(
        f"{m.name} ({t(m.role_key(), lang)})" for m in trace.founders()))])


@solara.component
def _Summary(c: Comparison, lang: str):
    policy = t(f"fam.policy.{c.policy}", lang)
    lines = [f"**{t('fam.compare', lang)}: {policy}.** {t('fam.compare.same_luck', lang)}"]
    lines.append(t("fam.compare.reached", lang).format(year=_year(c.base, c.reached_month) + 1)
                 if c.reached_month is not None else t("fam.compare.missed", lang))
    lines.append(t("fam.compare.parted", lang).format(year=_year(c.base, c.parted_month) + 1)
                 if c.parted_month is not None else t("fam.compare.not_parted", lang))
    lines.append(t(f"fam.verdict.{c.verdict}", lang).format(policy=policy))
    table = [f"| {t('fam.compare.col.name', lang)} | {t('fam.compare.col.parenting', lang)} | "
             f"{t('fam.compare.col.skills', lang)} | {t('fam.compare.col.stress', lang)} |", "|---|---|---|---|"]
    unseen = t("fam.compare.not_seen", lang)

    def pair(a, b):
        return unseen if np.isnan(a) or np.isnan(b) else f"{_pct(a)} / {_pct(b)}"

    for r in c.children.itertuples():
        table.append(f"| {r.name} | {pair(r.parenting_without, r.parenting_with)} | "
                     f"{pair(r.life_skills_18_without, r.life_skills_18_with)} | "
                     f"{pair(r.stress_young_without, r.stress_young_with)} |")
    Markdown("\n\n".join(lines) + "\n\n" + "\n".join(table), style="font-size: 1.05em")


@solara.component
def FamilyView(lang: str = "nl", params: Params | None = None, glossary: bool = True):
    """The teaching page: pick a family, follow it over the years, compare a policy, tell the story.

    ``lang`` is 'nl' or 'en' (anything else shows Dutch). ``params`` is the neighbourhood
    (default :func:`family_params`: 20 x 20 dwellings, about 950 residents). ``glossary``
    shows the Dutch terms with their tooltips (a page that shows them already can leave
    them out).
    """
    lang = lang if lang in LANGS else "nl"
    seed, set_seed = solara.use_state(FAMILY_SEED)
    years, set_years = solara.use_state(FAMILY_YEARS)
    choice, set_choice = solara.use_state("auto")
    policy, set_policy = solara.use_state("none")
    measures, set_measures = solara.use_state(["stress", "parenting", "life_skills"])
    step, set_step = solara.use_state(0)
    params_in = params

    def make_params_safe():
        try:
            return (params_in or family_params()), None
        except Exception as e:  # noqa: BLE001 - a bad neighbourhood shows a message, not a traceback
            return None, e

    p, p_error = solara.use_memo(make_params_safe, dependencies=[params_in])

    def choices():
        if p is None:
            return []
        try:
            return family_choices(p, seed)
        except Exception:  # noqa: BLE001 - the run below reports the same problem readably
            return []

    options = solara.use_memo(choices, dependencies=[p, seed])
    # a family of another seed's list falls back to the page's pick
    household = int(choice) if choice in {str(hh) for hh, _ in options} else None

    def compute():
        if p_error is not None:
            raise p_error
        return _compute(p, seed, years * YEAR, household, policy)

    result = solara.lab.use_task(compute, dependencies=[p, seed, years, household, policy], raise_error=False)

    labels = {"auto": t("fam.pick.auto", lang), **{str(hh): _choice_label(f, lang) for hh, f in options}}
    by_label = {v: k for k, v in labels.items()}
    policy_labels = {k: t(f"fam.policy.{k}", lang) for k in ("none", *POLICIES)}
    measure_labels = {k: t(f"fam.m.{k}", lang) for k in MEASURES if k != "income"}

    with solara.Column(classes=["vk-family"], style={"max-width": "980px"}):
        Markdown(f"### {t('fam.title', lang)}")
        solara.Text(t("fam.intro", lang))
        if glossary:
            Glossary(lang)
        with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.InputInt(t("fam.seed", lang), value=seed,
                            on_value=lambda v: (set_seed(v if v is not None else 0), set_choice("auto"), set_step(0)),
                            classes=["vk-family-seed"], style={"max-width": "160px"})
            with solara.Column(classes=["vk-family-years"], style={"min-width": "260px"}):
                solara.SliderInt(t("fam.years", lang), value=years, min=5, max=40,
                                 on_value=lambda v: (set_years(v), set_step(0)))
            solara.Select(t("fam.pick", lang), values=list(labels.values()), value=labels.get(choice, labels["auto"]),
                          on_value=lambda v: (set_choice(by_label.get(v, "auto")), set_step(0)),
                          classes=["vk-family-pick"], style={"min-width": "420px"})
        solara.Text(t("fam.policy", lang), style={"font-weight": "bold"})
        policy_keys = {label: key for key, label in policy_labels.items()}
        solara.ToggleButtonsSingle(value=policy_labels[policy], values=list(policy_labels.values()),
                                   on_value=lambda v: (set_policy(policy_keys.get(v, "none")), set_step(0)),
                                   classes=["vk-family-policy"])
        if policy != "none":
            solara.Text(t(f"fam.policy.help.{policy}", lang), style={"font-size": "0.9em", "color": "#555"})
        solara.SelectMultiple(t("fam.measures", lang),
                              values=[measure_labels[m] for m in measures if m in measure_labels],
                              all_values=list(measure_labels.values()),
                              on_value=lambda vs: set_measures([k for k, v in measure_labels.items() if v in vs]),
                              classes=["vk-family-measures"])
        if result.error:
            solara.Error(error_text(result.exception or p_error, lang), classes=["vk-family-error"])
        elif not result.finished or result.value is None:
            with solara.Column(classes=["vk-family-busy"]):
                solara.ProgressLinear(True)
                solara.Text(t("fam.busy", lang))
        else:
            base, comparison = result.value
            _FamilyResult(base, comparison, lang, measures, step, set_step)


@solara.component
def _FamilyResult(base: FamilyTrace, comparison: Comparison | None, lang: str, measures: list, step: int, set_step):
    captions = solara.use_memo(lambda: story(base, comparison), dependencies=[base, comparison])
    n = len(captions)
    k = min(max(step, 0), max(n - 1, 0))
    highlight = captions[k].month if n else None
    svg = family_svg(base, lang, measures or ["stress"], other=comparison.other if comparison else None,
                     highlight=highlight, width=900)
    _Members(base, lang)
    # the story first: on a projector the caption sits above the chart whose marker follows it
    with solara.Card(t("fam.story", lang), classes=["vk-family-story"]):
        if n == 0:
            solara.Text(t("fam.story.empty", lang), classes=["vk-family-caption"])
        else:
            solara.Text(caption_text(captions[k], lang), classes=["vk-family-caption"],
                        style={"font-size": "1.35em", "line-height": "1.4"})
        with solara.Row(style={"align-items": "center"}):
            solara.Button(t("fam.story.prev", lang), on_click=lambda: set_step(max(k - 1, 0)), disabled=k <= 0,
                          classes=["vk-family-prev"])
            solara.Text(t("fam.story.step", lang).format(k=k + 1 if n else 0, n=n), classes=["vk-family-step"])
            solara.Button(t("fam.story.next", lang), on_click=lambda: set_step(min(k + 1, n - 1)),
                          disabled=k >= n - 1, classes=["vk-family-next"])
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["vk-family-chart"])
    if comparison is not None:
        with solara.Column(classes=["vk-family-summary"]):
            _Summary(comparison, lang)
