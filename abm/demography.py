"""Demography of the neighbourhood, one month at a time.

Ageing, deaths (with bereavement for the family left behind), births, children coming of
age (their earning capacity set by their life skills: the child's chances of loop 3),
young adults leaving home (to a dwelling here or out of the neighbourhood), couples
forming, couples separating (a couple with children becomes a single-parent household),
households moving out (selectively: those who do well are likelier to leave) and in.

Every draw is keyed by (seed, month, person or household or cell), so one household's
fate does not shift another's random stream. Households are placed, moved and removed
through ``model.housing`` (:class:`abm.housing.Housing`); a person who leaves goes through
``model.depart``, which records the month and why (:class:`abm.state.Departure`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scipy.special import ndtri

from abm.kernels import (
    KEY_BIRTH, KEY_HOUSEHOLD_NEW, F, I, M, Activity, Ev, Help, L, Role, identity_keys, link_groups, partner_means, uniform,
    uniform_array,
)
from abm.population import (
    BONDING, D_AT_18, D_NEWBORN, NEVER_WORKED, add_households, init_persons, link_household, logit_normal,
    meeting_places_for, style_shares,
)
from abm.state import Departure, HouseholdKind

if TYPE_CHECKING:
    from abm.model import VeerkrachtModel

# draw numbers (keys are persons, households or cells)
_D_DEATH, _D_BIRTH, _D_LEAVE, _D_LEAVE_OUT, _D_PARTNER, _D_SEPARATE, _D_OUT, _D_IN = 40, 41, 42, 43, 44, 45, 46, 47
_D_VACANT, _D_PICK_PARTNER, _D_SEP_OUT, _D_STUDY_END = 48, 49, 50, 51

YEAR = 12
_ROWS_STRESS = np.array([F.STRESS], dtype=np.int64)
# the resilience index of a partner (as in abm.kernels.spread_support)
_ROWS_RESILIENCE = np.array([F.WELLBEING, F.AGENCY, F.LIFE_SKILLS], dtype=np.int64)


def _monthly(p_year, mult=1.0):
    return 1.0 - (1.0 - p_year) ** (mult / 12.0)


def step(model: "VeerkrachtModel") -> None:
    """One month of demography; updates arrays, Mesa agents, counters and block turnover."""
    s = model.state
    moves = np.zeros(s.n_blocks)
    # empty dwellings for this month's moves: taken by movers, and added to when a partner
    # moves in with the other (in-migration looks afresh at the end)
    model.housing.open_month()
    act = s.active()
    s.i[I.AGE, : s.n] += s.alive_mask()
    _life_course(model)
    _deaths(model, act)
    _births(model)
    _come_of_age(model)
    _leave_home(model, moves)
    _partnering(model, moves)
    _separations(model, moves)
    _out_migration(model, moves)
    _in_migration(model, moves)
    # turnover (moves per household per year) as a one-year moving average per block
    hh = s.active_households()
    n_hh_block = np.maximum(np.bincount(s.cell_block[s.hh_cell[hh]], minlength=s.n_blocks), 1)
    s.block_turnover += (12.0 * moves / n_hh_block - s.block_turnover) / 12.0


# ---- helpers ----------------------------------------------------------------------------

def life_event(model, pids, size: float, flag: int) -> None:
    """A life event outside the kernel: acute stress up (link ``events_stress``) and flagged."""
    s = model.state
    if len(pids) == 0:
        return
    pids = np.asarray(pids, dtype=np.int64)
    k = model.p.events_stress * model.sw[L.events_stress] * size
    s.f[F.ACUTE, pids] += k * (1.0 - s.f[F.ACUTE, pids])
    s.events[pids] |= flag


def _vacant_cell(model, key: int, draw: int) -> int:
    """Take one of this month's empty dwellings, picked by a keyed draw, or -1 if none."""
    return model.housing.take_vacancy(uniform(model.seed, model.month, key, draw))


def _new_household_for(model, pids: np.ndarray, cell: int, moves) -> int:
    """Move persons ``pids`` into a new household in ``cell``; returns its id."""
    s = model.state
    hh = int(s.new_households(1)[0])
    s.hh_key[hh] = identity_keys(s.i[I.KEY, pids[:1]], model.month, KEY_HOUSEHOLD_NEW)[0]
    old = np.unique(s.i[I.HOUSEHOLD, pids])
    s.join(pids, hh)
    # social rent for someone whose own income lies below the low-income line
    s.hh_social[hh] = int(s.m[M.INCOME, pids[0]] < model.p.low_income_line)
    reach = model.p.block_size + model.p.block_size // 2
    s.i[I.MEETING, pids] = meeting_places_for(s, np.array([cell]), reach)[0]
    s.hh_kind[hh] = HouseholdKind.SINGLE_ADULT
    model.housing.place(hh, cell)
    model.housing.refresh_kind(hh)
    moves[s.cell_block[cell]] += 1
    for o in old:
        model.housing.refresh_kind(int(o))
    return hh


def _move_out(model, pid: int, draw: int, moves) -> None:
    """Person ``pid`` leaves the household: to an empty dwelling here as a household of one,
    or (with ``p_leave_neighbourhood``, or when none is free) out of the neighbourhood."""
    s = model.state
    old = int(s.i[I.HOUSEHOLD, pid])
    cell = -1
    key = int(s.i[I.KEY, pid])
    if uniform(model.seed, model.month, key, draw) >= model.p.p_leave_neighbourhood:
        cell = _vacant_cell(model, key, _D_VACANT)
    if cell < 0:
        model.depart([pid], Departure.MOVED_OUT)
        model.housing.refresh_kind(old)
        return
    s.i[I.ROLE, pid] = Role.PARTNER
    _new_household_for(model, np.array([pid]), cell, moves)


def _orphaned(model, hh: int) -> None:
    """A household left without partners: an adult child takes over, or minors leave for care elsewhere."""
    s = model.state
    members = s.members(hh)
    if members.size == 0:
        model.housing.remove(hh)
        return
    if (s.i[I.ROLE, members] == Role.PARTNER).any():
        model.housing.refresh_kind(hh)
        return
    grown = members[s.i[I.AGE, members] >= 18 * YEAR]
    if grown.size:
        oldest = grown[np.argmax(s.i[I.AGE, grown])]
        s.i[I.ROLE, oldest] = Role.PARTNER
        model.housing.refresh_kind(hh)
        return
    for pid in members.tolist():
        model.depart([pid], Departure.TO_CARE)
    model.housing.remove(hh)


# ---- the parts ----------------------------------------------------------------------------

def _deaths(model, act: np.ndarray) -> None:
    s, p = model.state, model.p
    n = s.n
    age = s.i[I.AGE, act]
    # the monthly probability by age in months, looked up (the same values per person)
    age_y = np.arange(age.max() + 1) / 12.0
    hazard = np.exp(p.mortality_log_a + p.mortality_b * age_y)  # yearly hazard
    p_month = 1.0 - np.exp(-hazard / 12.0)
    u = uniform_array(model.seed, model.month, s.key(act), _D_DEATH)
    dead = act[u < p_month[age]]
    if dead.size == 0:
        return
    # children of the dead, found in one pass
    is_dead = np.zeros(n + 1, dtype=bool)  # index -1 (no parent) lands on the spare last entry
    is_dead[dead] = True
    mothers, fathers = s.i[I.MOTHER, :n], s.i[I.FATHER, :n]
    orphan = np.flatnonzero(s.alive_mask() & (is_dead[mothers] | is_dead[fathers]))
    children_of: dict[int, list[int]] = {}
    for child, m, f_ in zip(orphan.tolist(), mothers[orphan].tolist(), fathers[orphan].tolist()):
        for parent in (m, f_):
            children_of.setdefault(parent, []).append(child)
    touched = set()
    dead_set = set(dead.tolist())
    gone: set[int] = set()  # the dead handled so far (all leave together after the loop)
    for pid in dead.tolist():
        hh = int(s.i[I.HOUSEHOLD, pid])
        _bequeath(s, pid, hh, dead_set)
        kin = [int(x) for x in (s.i[I.MOTHER, pid], s.i[I.FATHER, pid]) if x >= 0]
        kin += [x for x in s.hh_sets.get(hh, ()) if x != pid]
        kin += children_of.get(pid, [])
        gone.add(pid)
        # the bereaved: kin still alive, and not among those who died before them this month
        alive_kin = sorted(k for k in set(kin) if s.i[I.ALIVE, k] == 1 and k not in gone)
        life_event(model, alive_kin, p.hit_bereavement, Ev.BEREAVEMENT)
        touched.add(hh)
    model.depart(dead, Departure.DIED)
    for hh in touched:
        _orphaned(model, hh)


def _bequeath(s, pid: int, hh: int, dead: set) -> None:
    """A partner who dies leaves his or her share of the savings and arrears (and a debt-counselling
    case) to the first partner of the household who survives the month, if any."""
    if s.i[I.ROLE, pid] != Role.PARTNER:
        return
    heirs = [m for m in s.hh_sets.get(hh, ()) if m != pid and m not in dead and s.i[I.ROLE, m] == Role.PARTNER]
    if not heirs:
        return
    heir = min(heirs)  # the first in id order
    s.m[M.SAVINGS, heir] += s.m[M.SAVINGS, pid]
    s.m[M.ARREARS, heir] += s.m[M.ARREARS, pid]
    s.m[[M.SAVINGS, M.ARREARS], pid] = 0.0
    if s.i[I.DEBT_HELP, pid] != Help.NONE and s.i[I.DEBT_HELP, heir] == Help.NONE:
        for row in (I.DEBT_HELP, I.DEBT_WAIT_SINCE, I.DEBT_MONTHS):
            s.i[row, heir] = s.i[row, pid]


def _births(model) -> None:
    s, p = model.state, model.p
    iv, n = s.i, s.n
    age = iv[I.AGE, :n]
    women = np.flatnonzero(s.alive_mask() & (iv[I.SEX, :n] == 0) & (iv[I.ROLE, :n] == Role.PARTNER)
                           & (age >= 18 * YEAR) & (age < 45 * YEAR))
    if women.size == 0:
        return
    kind = s.hh_kind[iv[I.HOUSEHOLD, women]]
    couple = (kind == HouseholdKind.COUPLE) | (kind == HouseholdKind.COUPLE_CHILDREN)
    rate = np.where(couple, p.p_birth_couple, p.p_birth_single)
    shape = np.exp(-(((iv[I.AGE, women] / 12.0) - 30.0) / 7.0) ** 2) * 1.6  # peak near 30
    p_month = 1.0 - (1.0 - np.minimum(rate * shape, 0.99)) ** (1.0 / 12.0)
    u = uniform_array(model.seed, model.month, s.key(women), _D_BIRTH)
    mothers = women[u < p_month]
    if mothers.size == 0:
        return
    ids = s.new_persons(mothers.size)
    iv, f = s.i, s.f  # new_persons may have grown (replaced) the arrays
    iv[I.KEY, ids] = identity_keys(iv[I.KEY, mothers], model.month, KEY_BIRTH)
    init_persons(s, p, model.seed, model.month, ids, iv[I.KEY, ids], D_NEWBORN)
    for row in (F.SELF_ESTEEM, F.LIFE_SKILLS, F.AGENCY, F.PARENTING, F.ATTACHMENT, F.WELLBEING,
                F.SECURITY, F.FUTURE, F.FUNCTIONING):
        f[row, ids] = 0.5
    f[F.STRESS, ids] = 0.2
    f[F.MENTAL, ids] = 0.1
    f[F.SUCCESS, ids] = 0.0
    f[F.PARTICIPATION, ids] = 0.0
    iv[I.AGE, ids] = 0
    iv[I.ROLE, ids] = Role.CHILD
    iv[I.MOTHER, ids] = mothers
    for row in (I.STYLE, I.COMMUNITY, I.MEETING):
        iv[row, ids] = iv[row, mothers]
    groups, start = [], [0]
    role, sex = iv[I.ROLE], iv[I.SEX]
    for pid, mother in zip(ids.tolist(), mothers.tolist()):
        hh = int(iv[I.HOUSEHOLD, mother])
        members = sorted(s.hh_sets.get(hh, ()))
        partners = [m for m in members if role[m] == Role.PARTNER and m != mother]
        iv[I.FATHER, pid] = partners[0] if partners and sex[partners[0]] == 1 else -1
        s.join(pid, hh)
        groups += [pid, *members]
        start.append(len(groups))
        model.counters["births"] += 1
        if s.hh_kind[hh] in (HouseholdKind.SINGLE_ADULT, HouseholdKind.COUPLE):  # now with a child
            model.housing.refresh_kind(hh)
    # the newborns' ties to their household, in one call
    link_groups(s.tie_other, s.tie_w, s.tie_type, np.array(start, dtype=np.int64),
                np.array(groups, dtype=np.int64), BONDING, 0.8)


def _life_course(model) -> None:
    """School from 4; the end of a study; retirement at the state pension age.

    A study ends with a monthly chance set by ``study_years`` and raises the earning
    capacity (``study_earning``); the graduate then looks for work. At the pension age
    work, job seeking, inactivity and disability end in retirement (AOW and a pension).
    """
    s, p = model.state, model.p
    iv, n = s.i, s.n
    alive = s.alive_mask()
    age = iv[I.AGE, :n]
    act = iv[I.ACTIVITY, :n]
    iv[I.ACTIVITY, np.flatnonzero(alive & (act == Activity.INFANT) & (age >= 4 * YEAR))] = Activity.SCHOOL
    students = np.flatnonzero(alive & (act == Activity.STUDY))
    if students.size:
        u = uniform_array(model.seed, model.month, s.key(students), _D_STUDY_END)
        done = students[u < 1.0 - np.exp(-1.0 / (12.0 * p.study_years))]
        s.f[F.EARNING, done] += p.study_earning * (1.0 - s.f[F.EARNING, done])
        iv[I.ACTIVITY, done] = Activity.SEEKING
        iv[I.JOBLESS_MONTHS, done] = NEVER_WORKED
    retiring = np.flatnonzero(alive & (age >= int(p.pension_age * YEAR)) & (act >= Activity.WORK)
                              & (act != Activity.RETIRED))
    iv[I.ACTIVITY, retiring] = Activity.RETIRED
    iv[I.EMPLOYED, retiring] = 0


def _come_of_age(model) -> None:
    """At 18 a child's earning capacity is set by its life skills (its chances, loop 3) and luck.

    The same chances decide whether the young adult goes on to study (``p_study`` for
    average life skills) or looks for work; the hours of a future job are drawn.
    """
    s, p, sw = model.state, model.p, model.sw
    turning = np.flatnonzero(s.alive_mask() & (s.i[I.AGE, : s.n] == 18 * YEAR))
    if turning.size == 0:
        return
    keys = s.key(turning)
    noise = 0.6 * ndtri(np.clip(uniform_array(model.seed, model.month, keys, D_AT_18), 1e-12, 1 - 1e-12))
    chances = p.skills_chances * sw[L.skills_chances] * (s.f[F.LIFE_SKILLS, turning] - 0.5)
    s.f[F.EARNING, turning] = 1.0 / (1.0 + np.exp(-(chances + noise)))
    q = min(max(p.p_study, 1e-6), 1.0 - 1e-6)
    study = uniform_array(model.seed, model.month, keys, D_AT_18 + 3) < 1.0 / (1.0 + np.exp(-(np.log(q / (1.0 - q)) + chances)))
    s.i[I.ACTIVITY, turning] = np.where(study, Activity.STUDY, Activity.SEEKING)
    s.i[I.JOBLESS_MONTHS, turning] = NEVER_WORKED
    s.f[F.WORK_HISTORY, turning] = 0.0
    s.f[F.HOURS, turning] = logit_normal(p.hours_mean, p.init_spread,
                                         uniform_array(model.seed, model.month, keys, D_AT_18 + 4))
    # half take a citizen style of their own
    own = uniform_array(model.seed, model.month, keys, D_AT_18 + 1) < 0.5
    style = np.searchsorted(style_shares(p), uniform_array(model.seed, model.month, keys, D_AT_18 + 2), side="right")
    s.i[I.STYLE, turning[own]] = style[own].clip(0, 3)


def _leave_home(model, moves) -> None:
    s, p = model.state, model.p
    iv, n = s.i, s.n
    grown_children = np.flatnonzero(s.alive_mask() & (iv[I.ROLE, :n] == Role.CHILD) & (iv[I.AGE, :n] >= 18 * YEAR))
    if grown_children.size == 0:
        return
    u = uniform_array(model.seed, model.month, s.key(grown_children), _D_LEAVE)
    for pid in grown_children[u < _monthly(p.p_leave_home)]:
        _move_out(model, int(pid), _D_LEAVE_OUT, moves)


def _partnering(model, moves) -> None:
    """Single adults (18-49) may form a couple; the partner (and children) move in."""
    s, p = model.state, model.p
    iv, n = s.i, s.n
    age = iv[I.AGE, :n]
    alive = s.alive_mask()
    # I.HOUSEHOLD of someone gone still names a household (the last): masked out by alive
    kind = s.hh_kind[iv[I.HOUSEHOLD, :n]]
    single = (kind == HouseholdKind.SINGLE_ADULT) | (kind == HouseholdKind.SINGLE_PARENT)
    eligible = np.flatnonzero(alive & single & (iv[I.ROLE, :n] == Role.PARTNER) & (age >= 18 * YEAR)
                              & (age < 50 * YEAR))
    if eligible.size < 2:
        return
    u = uniform_array(model.seed, model.month, s.key(eligible), _D_PARTNER)
    seekers = eligible[u < _monthly(p.p_partner)]
    if seekers.size == 0:
        return
    # a seeker picks a single adult of the other sex by a keyed draw (the next free one if taken)
    pools = {sex: eligible[iv[I.SEX, eligible] == sex] for sex in (0, 1)}
    taken = set()
    for pid in seekers.tolist():
        if pid in taken:
            continue
        pool = pools[1 - int(iv[I.SEX, pid])]
        start = int(uniform(model.seed, model.month, s.i[I.KEY, pid], _D_PICK_PARTNER) * pool.size)
        other = -1
        for k in range(pool.size):
            q = int(pool[(start + k) % pool.size])
            if q not in taken:
                other = q
                break
        if other < 0:
            continue
        taken.update((pid, other))
        hh = int(iv[I.HOUSEHOLD, pid])
        old = int(iv[I.HOUSEHOLD, other])
        if old == hh:
            continue
        movers = s.members(old)
        old_cell = int(s.hh_cell[old])
        s.join(movers, hh)
        iv[I.MEETING, movers] = iv[I.MEETING, pid]
        model.housing.vacate(old)
        moves[s.cell_block[old_cell]] += 1
        link_household(s, s.members(hh))
        model.housing.refresh_kind(hh)


def _separations(model, moves) -> None:
    """Couples may separate; one partner leaves, a couple with children becomes a single-parent household."""
    s, p, sw = model.state, model.p, model.sw
    hh = s.active_households()
    couples = hh[(s.hh_kind[hh] == HouseholdKind.COUPLE) | (s.hh_kind[hh] == HouseholdKind.COUPLE_CHILDREN)]
    if couples.size == 0:
        return
    u = uniform_array(model.seed, model.month, s.hh_key[couples], _D_SEPARATE)
    iv = s.i
    mean_stress = partner_means(s.f, iv, s.active(), s.n_hh, _ROWS_STRESS)[couples]
    mult = np.exp(p.stress_separation * sw[L.stress_separation] * (mean_stress - 0.5))
    for h in couples[u < _monthly(p.p_separation, mult)]:
        h = int(h)
        members = s.members(h)
        pp = members[iv[I.ROLE, members] == Role.PARTNER]
        if pp.size < 2:
            continue
        men = pp[iv[I.SEX, pp] == 1]
        leaver = int(men[0]) if men.size else int(pp[-1])
        s.i[I.CLAIM, leaver] = 0  # a household of one claims anew
        life_event(model, members, p.hit_separation, Ev.SEPARATION)
        _move_out(model, leaver, _D_SEP_OUT, moves)


def _out_migration(model, moves) -> None:
    """Whole households move away; those who do well are likelier to go, attachment keeps people."""
    s, p, sw = model.state, model.p, model.sw
    hh = s.active_households()
    mean_res = partner_means(s.f, s.i, s.active(), s.n_hh, _ROWS_RESILIENCE)
    block = s.cell_block[s.hh_cell[hh]]
    mult = np.exp(p.selective_outmigration * sw[L.selective_outmigration] * (mean_res[hh] - 0.5)
                  - p.attachment_stay * sw[L.attachment_stay] * (s.block_attachment[block] - 0.5))
    u = uniform_array(model.seed, model.month, s.hh_key[hh], _D_OUT)
    leaving = hh[u < _monthly(p.p_outmigration, mult)]
    if leaving.size == 0:
        return
    np.add.at(moves, s.cell_block[s.hh_cell[leaving]], 1)
    persons = np.concatenate([s.members(int(h)) for h in leaving])
    model.depart(persons, Departure.MOVED_WITH_HOUSEHOLD)
    for h in leaving.tolist():
        model.housing.remove(h)


def _in_migration(model, moves) -> None:
    """Each empty dwelling is let with a monthly chance set by ``months_vacant``, to a household drawn like the start."""
    s, p = model.state, model.p
    vacant = model.housing.empty_dwellings().astype(np.int64)
    if vacant.size == 0:
        return
    q = 1.0 - np.exp(-1.0 / p.months_vacant)
    u = uniform_array(model.seed, model.month, vacant, _D_IN)
    cells = vacant[u < q]
    before = s.n
    hhs = add_households(s, p, model.seed, cells, model.month)
    model.housing.place_new(hhs, cells)
    np.add.at(moves, s.cell_block[cells], 1)
    model.counters["arrived"] += s.n - before
