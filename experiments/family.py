"""One family across generations, and the same family again under a policy: model output.

Follows the members of one household from the start of a run (month 0, after the
burn-in): the parents' stress, the parenting quality the children receive, their
attachment and life skills, and, once the children grow up, their own households and
children. The same family can be run again under a policy with the same seed (common
random numbers, so the two runs differ only through the policy).

Everything here is read through the model's read methods and records
(:meth:`abm.model.VeerkrachtModel.values`, ``household_members``, ``parents``,
``life_events``, the record of who left when and why): nothing repeats a model draw.
The teaching view (:mod:`viz.family`) tells the story and draws the chart.

* :func:`family_params` the neighbourhood of the teaching view (20 x 20 dwellings by default);
* :func:`family_candidates`, :func:`telling_family`, :func:`candidate_facts` households
  worth following, now;
* :class:`FamilyTrace` records a family month by month (``observe`` after each step);
* :func:`run_family` runs a model and traces one family; :func:`pick_family` runs ahead
  once with several candidates and keeps the family with the most to tell;
* :func:`compare_policy`, :func:`counterfactuals` the same family under parenting
  support (``single_parent_support``), an income floor (``existential_security``) and a
  known professional (``neighbourhood_team``), with where the paths part;
* :func:`child_outcomes` what each child's childhood gave it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from abm.interventions import Plan
from abm.kernels import Role
from abm.model import VeerkrachtModel
from abm.params import Params, make_params
from abm.state import Departure, HouseholdKind, ProKind
from experiments.build import build_model

__all__ = [
    "ADULT", "EVENT_KINDS", "FAMILY_GRID", "FAMILY_SEED", "FAMILY_YEARS", "MEASURES", "POLICIES", "YEAR",
    "Comparison", "Event", "FamilyError", "FamilyTrace", "Member", "candidate_facts", "check_run",
    "child_outcomes", "compare_policy", "compare_traces", "counterfactuals", "family_candidates", "family_params",
    "neighbourhood_means", "partner_stress", "pick_family", "run_family", "same_person", "telling_family",
]

YEAR = 12
ADULT = 18 * YEAR
FAMILY_GRID = 20  # 20 x 20 dwellings: about 950 residents, 30 years in about 2 s
FAMILY_SEED = 1
FAMILY_YEARS = 30

# the stocks the trace records per member and month (names of abm.model.VeerkrachtModel.values)
MEASURES = ("stress", "parenting", "attachment", "life_skills", "wellbeing", "security", "income")
# measures that describe a childhood (drawn while a minor)
CHILD_MEASURES = ("parenting", "attachment")

# the three policies of the teaching view: the intervention and its settings
POLICIES: dict[str, tuple[str, dict]] = {
    "parenting_support": ("single_parent_support", {"units": 40}),
    "income_floor": ("existential_security", {"units": 60}),
    "known_professional": ("neighbourhood_team", {"units": 1}),
}
# this month's life events that become events of the trace, in the order they are told
SETBACK_EVENTS = ("job_loss", "illness", "debt", "eviction", "separation", "bereavement", "job_found")
PRO_NAMES = {ProKind.SOCIAL_WORKER: "social_worker", ProKind.POLICE: "police",
             ProKind.COMMUNITY_BUILDER: "builder", ProKind.EXPERIENCE_EXPERT: "expert"}

NAMES_FEMALE = ("Sanne", "Noor", "Fatima", "Lotte", "Ayla", "Emma", "Sara", "Yasmin", "Iris", "Lina", "Mila", "Esra")
NAMES_MALE = ("Sam", "Daan", "Omar", "Finn", "Milan", "Noah", "Youssef", "Luuk", "Adam", "Bram", "Levi", "Mehmet")

# what a FamilyError says (the page shows the same keys in its language, from viz.i18n)
MESSAGES = {
    "fam.err.no_family": "No family with young children lives in this neighbourhood to follow.",
    "fam.err.household": "Household {household} does not exist; choose a number from 0 to {n}.",
    "fam.err.household_gone": "Household {household} no longer lives here; choose another family.",
    "fam.err.policy": "Unknown policy '{policy}'; choose from: {allowed}.",
    "fam.err.seed": "Seed {seed} is not allowed; choose a whole number from 0.",
    "fam.err.months": "{months} months is not allowed; choose 1 to 1200 months.",
    "fam.err.not_same": "These two runs do not follow the same family with the same luck.",
}


class FamilyError(ValueError):
    """A family that cannot be followed (unknown household, no members); ``key`` names the message."""

    def __init__(self, key: str, **values) -> None:
        self.key = key
        self.values = values
        super().__init__(MESSAGES[key].format(**values))


# ---- the neighbourhood ---------------------------------------------------------------------

def family_params(size: int = FAMILY_GRID, **changes) -> Params:
    """The neighbourhood of the teaching view: ``size`` x ``size`` dwellings, schema-checked.

    Raises ParameterError (with the allowed range) for a size or change the schema refuses.
    """
    return make_params(None, {"grid_width": size, "grid_height": size, "block_size": 10, **changes})


def partner_stress(model: VeerkrachtModel, hh: int) -> tuple[float, int, np.ndarray]:
    """(mean stress of the household's partners, number of partners, ages of its minors in months)."""
    members = model.household_members(hh)
    roles = model.values("role", members)
    partners = members[roles == Role.PARTNER]
    minors = members[(roles == Role.CHILD) & (model.values("age", members) < ADULT)]
    stress = float(model.values("stress", partners).mean()) if partners.size else 0.0
    return stress, int(partners.size), model.values("age", minors)


def family_candidates(model: VeerkrachtModel, k: int = 12) -> list[int]:
    """Households with young children worth following, most telling first (at most ``k``).

    A household qualifies if an adult heads it and a minor under 12 lives there.
    Single-parent households whose youngest child is under 6 come first (the pattern of
    loop 3), ordered by the parents' stress, highest first; then the other qualifying
    households, by stress. Ties go to the lower id, so the list depends only on the
    model's state (and so on its seed).
    """
    scored = []
    households = model.present_households()
    kinds = model.household_kinds(households)
    for hh, kind in zip(households.tolist(), kinds.tolist()):
        stress, n_partners, ages = partner_stress(model, hh)
        if n_partners == 0 or ages.size == 0 or ages.min() >= 12 * YEAR:
            continue
        first = kind == HouseholdKind.SINGLE_PARENT and ages.min() < 6 * YEAR
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


def candidate_facts(params: Params, seed: int, k: int = 12) -> list[dict]:
    """The candidate families at month 0 (:func:`family_candidates`), each with what a pick list shows.

    One dict per household: ``household``, ``kind`` (:class:`~abm.state.HouseholdKind`),
    ``ages`` (of its minors, in months, ascending) and ``stress`` (its partners' mean).
    """
    check_run(seed, 1)
    model = build_model(params, seed=int(seed))
    out = []
    for hh in family_candidates(model, k):
        stress, _, ages = partner_stress(model, hh)
        out.append({"household": hh, "kind": HouseholdKind(int(model.household_kinds([hh])[0])),
                    "ages": sorted(ages.tolist()), "stress": stress})
    return out


def neighbourhood_means(model: VeerkrachtModel) -> dict[str, float]:
    """This month's yardstick for each measure: the mean over the adults present; for the
    childhood stocks (parenting, attachment) over the minors; for life skills over the
    young adults (18-25), the age at which the children of the story are compared."""
    present = model.present()
    age = model.values("age", present)
    groups = {"adults": age >= ADULT, "minors": age < ADULT, "young": (age >= ADULT) & (age < 26 * YEAR)}
    out = {}
    for name in MEASURES:
        who = groups["minors" if name in CHILD_MEASURES else ("young" if name == "life_skills" else "adults")]
        n = int(who.sum())
        out[name] = float(model.values(name, present)[who].sum() / n) if n else math.nan
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


def same_person(a: Member, b: Member) -> bool:
    """Whether two members of two runs of one family are the same person (same id, parents, sex, start)."""
    return (a.pid, a.mother, a.father, a.sex, a.relation, a.first_month, a.age_first) == \
        (b.pid, b.mother, b.father, b.sex, b.relation, b.first_month, b.age_first)


@dataclass
class Event:
    """Something that happened to a member in a month: ``kind`` names it (see ``EVENT_KINDS``)."""

    month: int
    pid: int
    kind: str
    detail: dict = field(default_factory=dict)


EVENT_KINDS = ("birth", "parent", "adult", "own_household", "couple", "separation", "death", "moved_away",
               "professional", "programme", *(k for k in SETBACK_EVENTS if k != "separation"))


class FamilyTrace:
    """The members of one household and their descendants, recorded month by month.

    Create it on a model (at any month; month 0 after the burn-in is the usual start), then
    call :meth:`observe` after every ``model.step()``. Each observation records, for every
    member present, role, age, household, the stocks of :data:`MEASURES`, whether a
    professional is linked and whether a policy of the plan reaches the member; new
    members (children born to a member, partners who move in with one) join the trace; and
    events are derived from what changed since the month before and from the model's
    record of who left and why. The neighbourhood's means are recorded too
    (``reference``), as a yardstick.

    Raises FamilyError if ``household`` has no members present.
    """

    def __init__(self, model: VeerkrachtModel, household: int) -> None:
        n_hh = model.n_household_ids
        if isinstance(household, bool) or not isinstance(household, (int, np.integer)) \
                or not 0 <= int(household) < n_hh:
            raise FamilyError("fam.err.household", household=household, n=max(n_hh - 1, 0))
        household = int(household)
        founders = model.household_members(household)
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
        self._scanned = model.next_person_id
        self._prev: dict[int, tuple] = {}
        self._rows: dict[str, list] = {k: [] for k in ("month", "pid", "role", "age", "household", "kind",
                                                         "has_pro", "reached", *MEASURES)}
        self._ref: dict[str, list] = {k: [] for k in ("month", *MEASURES)}
        self.months: list[int] = []
        roles = model.values("role", founders)
        has_adults = bool((roles == Role.PARTNER).any())
        for pid, role in zip(founders.tolist(), roles.tolist()):
            generation = 0 if role == Role.PARTNER or not has_adults else 1
            self._add(model, pid, generation, "parent" if generation == 0 else "child")
        self._record(model)

    # ---- membership --------------------------------------------------------------------
    def _add(self, model: VeerkrachtModel, pid: int, generation: int, relation: str) -> Member:
        sex = int(model.values("sex", [pid])[0])
        names = NAMES_MALE if sex == 1 else NAMES_FEMALE
        k = self._named[1 if sex == 1 else 0]
        self._named[1 if sex == 1 else 0] += 1
        # names by order of appearance, starting at a place set by the household (variety between families)
        name = names[(k + self.household) % len(names)] + ("" if k < len(names) else f" {k // len(names) + 1}")
        mother, father = model.parents(pid)
        member = Member(pid=pid, name=name, sex=sex, generation=generation, relation=relation,
                        mother=mother, father=father, first_month=int(model.month),
                        age_first=int(model.values("age", [pid])[0]))
        self.members[pid] = member
        if relation != "partner":
            self._blood.add(pid)
        return member

    def _join_new(self, model: VeerkrachtModel) -> list[int]:
        """Children born to a blood member since the last look, and partners who moved in."""
        new: list[int] = []
        n = model.next_person_id
        if n > self._scanned:
            fresh = np.arange(self._scanned, n, dtype=np.int64)
            mothers = model.values("mother", fresh).tolist()
            fathers = model.values("father", fresh).tolist()
            blood = self._blood
            hit = [self._scanned + k for k, (mo, fa) in enumerate(zip(mothers, fathers)) if mo in blood or fa in blood]
            for pid in hit:
                parents = [q for q in model.parents(pid) if q in self._blood]
                generation = 1 + min(self.members[q].generation for q in parents)
                self._add(model, pid, generation, "child")
                new.append(pid)
            self._scanned = n
        blood = np.array(sorted(self._blood), dtype=np.int64)
        alive, role, home = (model.values(name, blood).tolist() for name in ("alive", "role", "household"))
        for pid, is_alive, is_role, hh in zip(blood.tolist(), alive, role, home):
            if is_alive != 1 or is_role != Role.PARTNER:
                continue
            housemates = model.household_members(hh)
            for other, other_role in zip(housemates.tolist(), model.values("role", housemates).tolist()):
                if other not in self.members and other_role == Role.PARTNER:
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
        month = int(model.month)
        new = self._join_new(model)
        ids = np.array(sorted(self.members), dtype=np.int64)
        alive = dict(zip(ids.tolist(), model.values("alive", ids).tolist()))
        gone = np.array([pid for pid, prev in self._prev.items() if prev[0] == 1 and alive[pid] != 1], dtype=np.int64)
        # the model's record says why each left (in the month just stepped)
        for pid, reason, age in zip(gone.tolist(), model.values("left_reason", gone).tolist(),
                                    model.values("age", gone).tolist()):
            self.events.append(Event(month, pid, "death" if reason == Departure.DIED else "moved_away", {"age": age}))
        reach_hh, reach_p, reach_pro = model.plan.reach(max(month - 1, 0))
        here = ids[[alive[pid] == 1 for pid in ids.tolist()]] if ids.size else ids
        columns = {name: model.values(name, here).tolist() for name in ("age", "household", "role", "pro")}
        skills = model.values("life_skills", here).tolist()
        for k, pid in enumerate(here.tolist()):
            member = self.members[pid]
            age = columns["age"][k]
            if pid in new and member.relation == "child":
                self.events.append(Event(month, pid, "birth", {"mother": member.mother, "father": member.father}))
                for q in (member.mother, member.father):
                    if q in self.members and not any(e.kind == "parent" and e.pid == q for e in self.events):
                        first = not any(m.mother == q or m.father == q for m in self.members.values()
                                        if m.pid != pid and m.born_month() < month)
                        if first:
                            self.events.append(Event(month, q, "parent", {"child": pid}))
            happened = model.life_events(pid)
            prev = self._prev.get(pid)
            for kind in SETBACK_EVENTS:
                if kind in happened and (kind != "separation" or prev is not None):
                    self.events.append(Event(month, pid, kind))
            if age == ADULT:
                self.events.append(Event(month, pid, "adult", {"life_skills": skills[k]}))
            hh, role, pro = columns["household"][k], columns["role"][k], columns["pro"][k]
            if prev is not None:
                _, p_hh, p_role, p_pro, p_reached = prev
                if p_role == Role.CHILD and role == Role.PARTNER and hh != p_hh:
                    self.events.append(Event(month, pid, "own_household", {"age": age}))
                if pro >= 0 and p_pro != pro:
                    self.events.append(Event(month, pid, "professional",
                                             {"pro": PRO_NAMES.get(model.professional_kind(pro), "social_worker"),
                                              "policy": pro in reach_pro}))
            reached = hh in reach_hh or pid in reach_p or pro in reach_pro
            if reached and (prev is None or not prev[4]) and month > self.start_month:
                self.events.append(Event(month, pid, "programme", {"household": hh}))
        self._record(model, (reach_hh, reach_p, reach_pro), means)

    def _record(self, model: VeerkrachtModel, reach=None, means: dict | None = None) -> None:
        month = int(model.month)
        reach_hh, reach_p, reach_pro = reach if reach is not None else model.plan.reach(max(month - 1, 0))
        members = np.array(sorted(self.members), dtype=np.int64)
        ids = members[model.values("alive", members) == 1]
        rows = self._rows
        hh = model.values("household", ids)
        pro = model.values("pro", ids)
        role = model.values("role", ids)
        rows["month"] += [month] * ids.size
        rows["pid"] += ids.tolist()
        rows["role"] += role.tolist()
        rows["age"] += model.values("age", ids).tolist()
        rows["household"] += hh.tolist()
        rows["kind"] += model.household_kinds(hh).tolist()
        rows["has_pro"] += (pro >= 0).tolist()
        rows["reached"] += [h in reach_hh or q in reach_p or r in reach_pro
                            for h, q, r in zip(hh.tolist(), ids.tolist(), pro.tolist())]
        for name in MEASURES:
            rows[name] += model.values(name, ids).tolist()
        reached = rows["reached"][len(rows["reached"]) - ids.size:]
        self._prev = {pid: (1, int(h), int(r), int(q), bool(x)) for pid, h, r, q, x in zip(
            ids.tolist(), hh.tolist(), role.tolist(), pro.tolist(), reached)}
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

    def year_of(self, month: int) -> int:
        """Whole years from the start of the trace to ``month`` (0 in the first year)."""
        return (month - self.start_month) // YEAR

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

def check_run(seed, months) -> None:
    """A seed (0 to 2**63 - 1) and a number of months (1 to 1200) to follow a family; FamilyError if not."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise FamilyError("fam.err.seed", seed=seed)
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or not 1 <= int(months) <= 1200:
        raise FamilyError("fam.err.months", months=months)


def _policy_levers(policy: str | None) -> dict:
    """The interventions of a policy of :data:`POLICIES` ('none' or None: no interventions)."""
    if policy is None or policy == "none":
        return {}
    if policy not in POLICIES:
        raise FamilyError("fam.err.policy", policy=policy, allowed=", ".join(POLICIES))
    name, settings = POLICIES[policy]
    return {name: dict(settings)}


def run_family(params: Params, seed: int, months: int, household: int, plan: Plan | None = None,
               policy: str | None = None) -> FamilyTrace:
    """Run a neighbourhood for ``months`` and trace ``household`` (an id at month 0).

    ``plan`` (from :func:`abm.interventions.make_plan`) or ``policy`` (a key of
    :data:`POLICIES`) adds a policy; with the same ``seed`` the run shares its random draws
    with the run without it. The trace's ``policy`` attribute names the policy.
    """
    check_run(seed, months)
    levers = plan.describe() if plan is not None else {"interventions": _policy_levers(policy), "shocks": {}}
    model = build_model(params, interventions=levers["interventions"], shocks=levers["shocks"], seed=int(seed))
    trace = FamilyTrace(model, household)
    for _ in range(int(months)):
        model.step()
        trace.observe(model)
    trace.policy = policy or ("custom" if model.plan else "none")
    return trace


def _children_grown(trace: FamilyTrace) -> int:
    """How many of the founding family's children the trace sees turning 18."""
    children = {m.pid for m in trace.founder_children()}
    return len({e.pid for e in trace.events if e.kind == "adult" and e.pid in children})


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
    grown = _children_grown(trace)
    grandchildren = sum(1 for m in trace.members.values() if m.generation >= 2)
    outcomes = child_outcomes(trace)
    stress = float(outcomes["parents_stress"].mean()) if len(outcomes) else 0.0
    stress = stress if np.isfinite(stress) else 0.0
    return float(30.0 * stress + years + 4.0 * min(grown, 3) + 2.0 * min(grandchildren, 3))


def pick_family(params: Params, seed: int, months: int, k: int = 12) -> FamilyTrace:
    """Run once with the ``k`` most telling candidates traced; return the trace with the most to tell.

    The candidates come from :func:`family_candidates` at month 0; the winner is a family
    whose children are seen reaching 18 if any is (a story for a class follows a child to
    adulthood), and among those the one whose children are seen growing up in the
    neighbourhood longest, with bonuses for children seen reaching 18, for grandchildren and
    for the parents' stress. Deterministic
    for a seed. Raises FamilyError if no household has young children.
    """
    check_run(seed, months)
    model = build_model(params, seed=int(seed))
    candidates = family_candidates(model, k)
    if not candidates:
        raise FamilyError("fam.err.no_family")
    traces = [FamilyTrace(model, hh) for hh in candidates]
    for _ in range(int(months)):
        model.step()
        means = neighbourhood_means(model)
        for trace in traces:
            trace.observe(model, means)
    # a story for a class follows a child to adulthood: families whose children are seen turning 18
    # come first, then the most telling
    best = max(traces, key=lambda tr: (_children_grown(tr) > 0, _story_score(tr), -tr.household))
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
