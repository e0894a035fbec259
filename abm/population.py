"""The starting neighbourhood: dwellings, facilities, blocks, households and persons.

The figures of the scenario (shares of single-parent households, low income, social
housing, citizen styles, trust, limitations) are inputs here, not outcomes to tune
towards; DESIGN.md lists their sources.

Households are drawn in vectorised batches from counter-based random numbers keyed by
``(seed, month, dwelling, draw)``: the household that moves into a dwelling in a given
month is the same whatever happens elsewhere in the grid. Initial stocks are
logit-normal: ``sigmoid(logit(median) + spread * z)``, with the medians and spreads of the
schema's ``initial`` group (``init_*``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import logit, ndtri

from abm.kernels import (
    B, F, I, M, Activity, CitizenStyle, Help, Limit, Role, TieType, household_income, identity_keys, link_groups, uniform_array, uniform_rows, KEY_ARRIVAL,
    KEY_HOUSEHOLD_ARRIVAL,
)
from abm.params import Params
from abm.state import CellKind, HouseholdKind, ProKind, State

PURPOSE_SPACE = 1
# draw numbers: household-level draws (keyed by dwelling), person-level draws at arrival
# (keyed by dwelling * 8 + slot), at birth (keyed by the newborn) and at 18 (keyed by the
# person); ranges kept apart from the kernels' draw numbers (0-99)
_H, _P, D_NEWBORN, D_AT_18 = 100, 200, 300, 400
MAX_CHILDREN = 5
# enum members as plain ints for numba calls (typing an IntEnum argument costs ~60 µs a call)
BONDING = int(TieType.BONDING)


def keyed_rng(seed: int, purpose: int, *key: int) -> np.random.Generator:
    """A numpy generator for one purpose and key, independent of all other draws."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFFFFFFFFFF, purpose, *[int(k) + 2**40 for k in key]])


def logit_normal(mean, sd, u) -> np.ndarray:
    """Values in (0, 1): ``sigmoid(logit(mean) + sd * z)`` with z the normal quantile of ``u``."""
    mean = np.clip(np.asarray(mean, dtype=float), 0.02, 0.98)
    u = np.clip(u, 1e-12, 1.0 - 1e-12)
    return 1.0 / (1.0 + np.exp(-(logit(mean) + sd * ndtri(u))))


def style_shares(p: Params) -> np.ndarray:
    shares = np.array([p.style_dutiful, p.style_responsible, p.style_pragmatic, p.style_outsider])
    return np.cumsum(shares / shares.sum())


@lru_cache(maxsize=64)
def low_income_base(p: Params) -> float:
    """Probability of low income for households other than single parents.

    Chosen so that the whole population has ``share_low_income`` given the extra odds
    of single parents (bisection on the mixture).
    """
    share_families = 1.0 - p.share_single_adult - p.share_couple_no_children
    w_sp = share_families * p.share_single_parent
    target = p.share_low_income
    lo, hi = 0.0, 1.0
    for _ in range(60):
        q = (lo + hi) / 2
        if q >= 1.0:  # a target of (nearly) 1: every household has a low income
            break
        share = (1 - w_sp) * q + w_sp * with_odds(q, p.single_parent_low_income_odds)
        lo, hi = (q, hi) if share < target else (lo, q)
    return (lo + hi) / 2


def with_odds(q: float, odds_ratio: float) -> float:
    """The probability whose odds are ``odds_ratio`` times those of ``q`` (1 where ``q`` is 1)."""
    if q >= 1.0:
        return 1.0
    odds = q / (1 - q) * odds_ratio
    return odds / (1 + odds)


def build_space(state: State, p: Params, rng: np.random.Generator) -> None:
    """Cells, blocks and facilities (school, service point, mental-health service, meeting places)."""
    w, h, b = p.grid_width, p.grid_height, p.block_size
    cells = np.arange(w * h)
    x, y = cells % w, cells // w
    state.cell_block = (y // b) * (w // b) + (x // b)
    state.cell_kind = np.zeros(w * h, dtype=np.int8)
    state.cell_hh = np.full(w * h, -1, dtype=np.int64)
    # the school, service point and mental-health service near the centre, meeting places spread
    centre = (h // 2) * w + w // 2
    fixed = [centre, centre + 2, centre - 2 * w]
    kinds = [CellKind.SCHOOL, CellKind.SERVICE_POINT, CellKind.MENTAL_HEALTH]
    free = np.setdiff1d(cells, fixed)
    meeting = rng.choice(free, size=p.n_meeting_places, replace=False) if p.n_meeting_places else []
    fac_cells = list(fixed) + [int(c) for c in meeting]
    fac_kinds = kinds + [CellKind.MEETING_PLACE] * len(meeting)
    state.fac_cell = np.array(fac_cells, dtype=np.int64)
    state.fac_kind = np.array(fac_kinds, dtype=np.int8)
    state.fac_open = np.ones(len(fac_cells), dtype=np.int8)
    state.fac_in_use = np.ones(len(fac_cells), dtype=np.int8)
    state.cell_kind[state.fac_cell] = state.fac_kind
    n_blocks = state.n_blocks
    state.block_efficacy = np.full(n_blocks, p.init_block_efficacy)
    state.block_attachment = np.full(n_blocks, p.init_block_attachment)
    state.block_nuisance = np.full(n_blocks, p.nuisance)
    # blocks differ in the quality of their housing and public space, around the neighbourhood's
    state.block_housing = logit_normal(p.housing_quality, p.housing_quality_spread, rng.random(n_blocks))
    state.block_turnover = np.full(n_blocks, 2.0 * p.p_outmigration)
    # professionals work from the service point
    kinds_counts = [
        (ProKind.SOCIAL_WORKER, p.n_social_workers, p.caseload_social_worker),
        (ProKind.POLICE, p.n_police, p.caseload_police),
        (ProKind.COMMUNITY_BUILDER, p.n_community_builders, p.caseload_builder),
        (ProKind.EXPERIENCE_EXPERT, p.n_experience_experts, p.caseload_expert),
    ]
    pk, pc = [], []
    for kind, count, cap in kinds_counts:
        pk += [kind] * count
        pc += [cap] * count
    state.pro_kind = np.array(pk, dtype=np.int8)
    state.pro_capacity = np.array(pc, dtype=np.int64)
    state.pro_cell = np.full(len(pk), fixed[1], dtype=np.int64)


def meeting_places_for(state: State, cells: np.ndarray, reach: int) -> np.ndarray:
    """For each cell, the nearest meeting place (index into the facilities) within ``reach``, or -1.

    Looked up in a table of all cells, made once and made again when the facilities change.
    """
    key = (reach, state.grid_w, state.fac_cell.tobytes(), state.fac_kind.tobytes(), state.fac_in_use.tobytes())
    cached = state.meeting_table
    if cached is None or cached[0] != key:
        cached = (key, nearest_meeting_places(state, np.arange(state.n_cells, dtype=np.int64), reach))
        state.meeting_table = cached
    return cached[1][np.asarray(cells, dtype=np.int64)]


def nearest_meeting_places(state: State, cells: np.ndarray, reach: int, chunk: int = 4096) -> np.ndarray:
    idx = np.flatnonzero((state.fac_kind == CellKind.MEETING_PLACE) & (state.fac_in_use == 1))
    out = np.full(cells.size, -1, dtype=np.int64)
    if idx.size == 0 or cells.size == 0:
        return out
    w = state.grid_w
    fx, fy = (state.fac_cell[idx] % w)[None, :], (state.fac_cell[idx] // w)[None, :]
    for a in range(0, cells.size, chunk):
        c = cells[a:a + chunk]
        d = np.maximum(np.abs((c % w)[:, None] - fx), np.abs((c // w)[:, None] - fy))
        k = np.argmin(d, axis=1)
        near = d[np.arange(c.size), k] <= reach
        out[a:a + chunk][near] = idx[k[near]]
    return out


def draw_kinds(p: Params, u: np.ndarray, u2: np.ndarray) -> np.ndarray:
    kind = np.where(u2 < p.share_single_parent, HouseholdKind.SINGLE_PARENT, HouseholdKind.COUPLE_CHILDREN)
    kind = np.where(u < p.share_single_adult + p.share_couple_no_children, HouseholdKind.COUPLE, kind)
    kind = np.where(u < p.share_single_adult, HouseholdKind.SINGLE_ADULT, kind)
    return kind.astype(np.int8)


def _poisson_capped(lam: float, u: np.ndarray, cap: int) -> np.ndarray:
    """Poisson(lam) by inverse CDF, capped at ``cap``."""
    k = np.arange(cap)
    logfact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, cap)))])
    cdf = np.cumsum(np.exp(-lam + k * np.log(max(lam, 1e-12)) - logfact))
    return np.minimum(np.searchsorted(cdf, u, side="right"), cap).astype(np.int64)


# common stocks: (row, parameter of the median); adults' material stocks: (row, median, median if
# low income); all logit-normal with spread ``init_spread``. The order fixes the draw numbers.
_COMMON = [(F.SELF_ESTEEM, "init_self_esteem"), (F.LIFE_SKILLS, "init_life_skills"), (F.AGENCY, "init_agency"),
           (F.SUCCESS, "init_success"), (F.SUPPORT, "init_support"), (F.PARTICIPATION, "init_participation"),
           (F.IDENTITY, "init_identity"), (F.WELLBEING, "init_wellbeing"), (F.SECURITY, "init_security"),
           (F.FUTURE, "init_future"), (F.FUNCTIONING, "init_functioning"), (F.PARENTING, "init_parenting"),
           (F.ATTACHMENT, "init_attachment"), (F.PHYSICAL, "init_physical"), (F.STRESS, "init_stress"),
           (F.HOUSING, "init_housing"), (F.NAVIGATION, "init_navigation")]
_ADULT = [(F.EARNING, "init_earning", "init_earning_low"), (F.STRESS, "init_stress", "init_stress_low")]
# months since the last job of someone who never had one (no unemployment benefit)
NEVER_WORKED = 10_000


@lru_cache(maxsize=64)
def _initial_draws(p: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows, medians (column), spreads (column) and draw numbers (from 0) of the stocks every new person draws."""
    table = [(row, getattr(p, median), p.init_spread, n) for n, (row, median) in enumerate(_COMMON)]
    table += [(F.MENTAL, p.init_mental, p.init_mental_spread, 30), (F.TRUST, p.trust_mean, p.trust_spread, 31),
              (F.HOURS, p.hours_mean, p.init_spread, 33)]
    rows, medians, spreads, draws = zip(*table)
    return (np.array(rows, dtype=np.int64), np.array(medians, dtype=float)[:, None],
            np.array(spreads, dtype=float)[:, None], np.array(draws, dtype=np.int64))


# the integer rows every new person starts with, and their values (set in one assignment)
_INT_START = ((I.MOTHER, -1), (I.FATHER, -1), (I.STYLE, CitizenStyle.PRAGMATIC), (I.EMPLOYED, 0),
              (I.HELP, Help.NONE), (I.WAIT_SINCE, -1), (I.CARE_MONTHS, 0), (I.LIMITS, 0),
              (I.COMMUNITY, -1), (I.PRO, -1), (I.EVER_HELPED, 0), (I.MEETING, -1),
              (I.ACTIVITY, Activity.INFANT), (I.JOBLESS_MONTHS, NEVER_WORKED), (I.CLAIM, 0),
              (I.DEBT_HELP, Help.NONE), (I.DEBT_WAIT_SINCE, -1), (I.DEBT_MONTHS, 0),
              (I.YOUTH_HELP, Help.NONE), (I.YOUTH_WAIT_SINCE, -1), (I.YOUTH_MONTHS, 0))
_INT_START_ROWS = np.array([row for row, _ in _INT_START], dtype=np.int64)
_INT_START_VALUES = np.array([value for _, value in _INT_START], dtype=np.int64)


def init_persons(state: State, p: Params, seed: int, month: int, ids: np.ndarray, keys: np.ndarray,
                 base: int) -> None:
    """Common traits and stocks of new persons, from draws keyed by ``keys`` (draws ``base``..)."""
    f, iv = state.f, state.i
    # the stocks drawn around their medians, all in one pass (draws base + n, base + 30, 31, 33)
    rows, medians, spreads, draws = _initial_draws(p)
    f[np.ix_(rows, ids)] = logit_normal(medians, spreads, uniform_rows(seed, month, keys, draws + base))
    f[F.ACUTE, ids] = 0.0
    f[F.EARNING, ids] = 0.5
    f[F.WORK_HISTORY, ids] = 0.0
    state.m[:, ids] = 0.0
    state.set_alive(ids, True)
    iv[I.SEX, ids] = (uniform_array(seed, month, keys, base + 32) < 0.5).astype(np.int64)
    iv[_INT_START_ROWS[:, None], ids] = _INT_START_VALUES[:, None]
    state.born_step[ids] = month
    state.child_parent_stress[ids] = 0.0
    state.child_months[ids] = 0
    state.child_single_months[ids] = 0
    state.child_income[ids] = 0.0
    state.child_network[ids] = 0.0
    state.child_nuisance[ids] = 0.0
    state.child_housing[ids] = 0.0


def init_adults(state: State, p: Params, seed: int, month: int, ids: np.ndarray, keys: np.ndarray,
                low: np.ndarray) -> None:
    """Traits and stocks of arriving adults: citizen style, limitations, work, material resources."""
    f, iv = state.f, state.i
    u = lambda d: uniform_array(seed, month, keys, _P + 40 + d)  # noqa: E731
    iv[I.ROLE, ids] = Role.PARTNER
    iv[I.STYLE, ids] = np.searchsorted(style_shares(p), u(0), side="right").clip(0, 3)
    limits = np.where(u(1) < p.share_low_literacy, Limit.LOW_LITERACY, 0)
    limits |= np.where(u(2) < p.share_mild_id, Limit.MILD_ID, 0)
    limits |= np.where(u(3) < p.share_newcomer, Limit.NEWCOMER, 0)
    iv[I.LIMITS, ids] = limits
    age = iv[I.AGE, ids]
    working = age < int(p.pension_age * 12)
    p_emp = np.minimum(p.employment_rate * np.where(low, p.employment_factor_low, p.employment_factor_other), 0.98)
    employed = working & (u(4) < p_emp)
    # not in work: young adults may still study; some are work-disabled, of the others some look for
    # work; those past the pension age are retired
    student = working & ~employed & (age < 25 * 12) & (u(5) < p.p_study)
    seeking = u(6) < p.init_seeking
    disabled = u(7) < p.init_disabled
    activity = np.select([~working, employed, student, disabled, seeking],
                         [Activity.RETIRED, Activity.WORK, Activity.STUDY, Activity.DISABLED, Activity.SEEKING],
                         Activity.INACTIVE)
    iv[I.ACTIVITY, ids] = activity
    iv[I.EMPLOYED, ids] = employed.astype(np.int64)
    # months since the last job: drawn over five years for those out of work (most past their WW)
    iv[I.JOBLESS_MONTHS, ids] = np.where(employed, 0, (u(8) * 60).astype(np.int64))
    # the share of the working life in work so far, around the chance of work
    f[F.WORK_HISTORY, ids] = logit_normal(np.where(employed | ~working, 0.8, 0.4), p.init_spread, u(9))
    iv[I.CLAIM, ids] = (u(21) < p.share_claiming).astype(np.int64)
    for n, (row, median, median_low) in enumerate(_ADULT):
        f[row, ids] = logit_normal(np.where(low, getattr(p, median_low), getattr(p, median)), p.init_spread, u(10 + n))
    f[F.NAVIGATION, ids] = logit_normal(np.where(limits == 0, p.init_navigation, p.init_navigation_limited), p.init_spread,
                                        u(20))


def add_households(state: State, p: Params, seed: int, cells: np.ndarray, month: int) -> np.ndarray:
    """Draw one household per dwelling in ``cells`` and move them in; returns their ids.

    Composition follows the scenario shares; low income follows :func:`low_income_base`
    with the extra odds of single parents. The Mesa agents are the caller's business.
    """
    cells = np.asarray(cells, dtype=np.int64)
    nh = cells.size
    if nh == 0:
        return np.zeros(0, dtype=np.int64)
    u = lambda d: uniform_array(seed, month, cells, _H + d)  # noqa: E731
    kind = draw_kinds(p, u(0), u(1))
    q = low_income_base(p)
    q_hh = np.where(kind == HouseholdKind.SINGLE_PARENT, with_odds(q, p.single_parent_low_income_odds), q)
    low = u(2) < q_hh
    couple = (kind == HouseholdKind.COUPLE) | (kind == HouseholdKind.COUPLE_CHILDREN)
    family = (kind == HouseholdKind.COUPLE_CHILDREN) | (kind == HouseholdKind.SINGLE_PARENT)
    n_adults = np.where(couple, 2, 1)
    n_children = np.where(family, 1 + _poisson_capped(p.mean_children - 1.0, u(3), MAX_CHILDREN - 1), 0)
    lo = np.select([kind == HouseholdKind.SINGLE_ADULT, kind == HouseholdKind.COUPLE], [18, 20], 22) * 12
    hi = np.select([kind == HouseholdKind.SINGLE_ADULT, kind == HouseholdKind.COUPLE], [92, 90], 55) * 12
    head_age = lo + (u(4) * (hi - lo)).astype(np.int64)
    community = np.where(u(5) < p.share_community, (u(6) * p.n_communities).astype(np.int64), -1)
    hh = state.new_households(nh)
    state.hh_key[hh] = identity_keys(cells, month, KEY_HOUSEHOLD_ARRIVAL)
    state.hh_cell[hh] = cells
    state.cell_hh[cells] = hh
    state.hh_kind[hh] = kind
    state.hh_social[hh] = (u(7) < p.share_social_housing).astype(np.int8)
    state.hh_budget[:, hh] = 0.0
    # persons: slot 0 and 1 adults, slots 2.. children
    size = n_adults + n_children
    owner = np.repeat(np.arange(nh), size)
    start = np.concatenate([[0], np.cumsum(size)])
    slot = np.arange(owner.size) - start[owner]
    ids = state.new_persons(owner.size)
    keys = cells[owner] * 8 + slot
    init_persons(state, p, seed, month, ids, keys, _P)
    iv = state.i
    iv[I.KEY, ids] = identity_keys(keys, month, KEY_ARRIVAL)
    adult = slot < n_adults[owner]
    # ages: the second partner within three years of the first; children younger than 18
    offset = (uniform_array(seed, month, keys, _P + 70) * 73).astype(np.int64) - 36
    age = np.where(slot == 0, head_age[owner], np.maximum(18 * 12, head_age[owner] + offset))
    oldest = np.clip(head_age - 18 * 12, 0, 17 * 12 + 11)
    child_age = (uniform_array(seed, month, keys, _P + 71) * (oldest[owner] + 1)).astype(np.int64)
    iv[I.AGE, ids] = np.where(adult, age, child_age)
    a_ids = ids[adult]
    init_adults(state, p, seed, month, a_ids, keys[adult], low[owner[adult]])
    # sex: couples are a woman (slot 0) and a man (slot 1); the adult of a one-adult household
    # is a man with probability share_single_men
    single = n_adults[owner] == 1
    sex = np.where(single, (uniform_array(seed, month, keys, _P + 72) < p.share_single_men).astype(np.int64), slot)
    iv[I.SEX, a_ids] = sex[adult]
    first = ids[start[:-1]]
    second = np.where(n_adults == 2, ids[np.minimum(start[:-1] + 1, ids.size - 1)], -1)
    mother = np.where(iv[I.SEX, first] == 0, first, second)
    father = np.where(iv[I.SEX, first] == 1, first, second)
    c_ids = ids[~adult]
    co = owner[~adult]
    iv[I.ROLE, c_ids] = Role.CHILD
    iv[I.ACTIVITY, c_ids] = np.where(iv[I.AGE, c_ids] >= 48, Activity.SCHOOL, Activity.INFANT)
    iv[I.MOTHER, c_ids] = mother[co]
    iv[I.FATHER, c_ids] = father[co]
    iv[I.STYLE, c_ids] = iv[I.STYLE, first[co]]
    meeting = meeting_places_for(state, cells, p.block_size + p.block_size // 2)
    iv[I.HOUSEHOLD, ids] = hh[owner]
    iv[I.COMMUNITY, ids] = community[owner]
    iv[I.MEETING, ids] = meeting[owner]
    for k in range(nh):
        state.hh_sets[int(hh[k])] = set(ids[start[k]:start[k + 1]].tolist())
    link_groups(state.tie_other, state.tie_w, state.tie_type, start, ids, BONDING, 0.8)
    fit_incomes(state, p, hh, ids, low, uniform_array(seed, month, cells, _H + 8))
    return hh


@lru_cache(maxsize=64)
def params_vector(p: Params) -> np.ndarray:
    """``p.vector()``, made once per parameter set (in-migration asks for it every month); do not modify."""
    return p.vector()


def household_info(state: State) -> np.ndarray:
    """int64[3, n_households]: kind, social housing, block (-1 for households gone)."""
    nh = state.n_hh
    cell = state.hh_cell[:nh]
    info = np.empty((3, nh), dtype=np.int64)
    info[0] = state.hh_kind[:nh]
    info[1] = state.hh_social[:nh]
    np.take(state.cell_block, cell, out=info[2], mode="clip")
    info[2][cell < 0] = -1
    return info


def fit_incomes(state: State, p: Params, hh: np.ndarray, ids: np.ndarray, low: np.ndarray, u: np.ndarray,
                rounds: int = 5, keep_money: bool = False) -> None:
    """Fit the economic positions of new households to their drawn low-income status.

    A household drawn with a low income gets an equivalised income (on the low-income line's
    measure, :func:`abm.kernels.household_income`) below the line, the others one above it:
    the scenario's ``share_low_income`` is then what the model measures when they arrive.
    Too much income: the workers' hours are cut to a target between 0.7 and 0.98 times the
    line (``u`` places it), or they lose their job when the cut would take most of it (and
    job seekers their unemployment benefit), and the household does not claim; a pension is
    cut. Too little: the first working-age partner
    works, full time, with a higher earning capacity, or a pensioner gets a pension. A few
    rounds; what still differs stays (its share is measured, not forced).

    Then the households start with the savings they would settle at (saving a share of the
    monthly surplus, spending a share of the savings) and no arrears, unless ``keep_money``.
    """
    f, iv, m = state.f, state.i, state.m
    pv = params_vector(p)
    line = p.low_income_line
    pension_m = int(p.pension_age * 12)
    target = np.where(low, line * (0.7 + 0.28 * u), line * (1.1 + 0.8 * u))
    info = household_info(state)
    # each person's household, as an index into ``hh``
    where = np.full(state.n_hh, -1, dtype=np.int64)
    where[hh] = np.arange(hh.size)
    kp = where[iv[I.HOUSEHOLD, ids]]
    before = None
    for _ in range(rounds):
        out = household_income(f, iv, m, ids, info, pv)
        eq_income = out[0, hh] / np.maximum(out[1, hh], 1e-9)
        wrong = np.flatnonzero(low != (eq_income < line))
        # done, or a round changed none of the households still on the wrong side (another would not)
        if wrong.size == 0 or (before is not None and np.array_equal(eq_income[wrong], before[wrong])):
            break
        before = eq_income
        # the persons of the households to change (each household of ``hh`` is handled at once)
        wrong_k = np.zeros(hh.size, dtype=bool)
        wrong_k[wrong] = True
        gap = (eq_income - target) * out[1, hh]  # income to take away (> 0) or add (< 0)
        pw = wrong_k[kp]
        activity = iv[I.ACTIVITY, ids]
        partner = iv[I.ROLE, ids] == Role.PARTNER
        # too much income: cut the workers' hours, or their jobs; no claim
        down = pw & low[kp]
        workers = down & (activity == Activity.WORK)
        wages = np.bincount(kp[workers], weights=m[M.INCOME, ids[workers]], minlength=hh.size)
        cut = wages > gap / 0.9
        shorter = ids[workers & cut[kp]]
        f[F.HOURS, shorter] *= ((wages - gap) / np.where(wages > 0.0, wages, 1.0))[kp[workers & cut[kp]]]
        jobless = ids[workers & ~cut[kp]]
        iv[I.ACTIVITY, jobless] = Activity.SEEKING
        iv[I.EMPLOYED, jobless] = 0
        # out of work for longer than unemployment benefit lasts
        iv[I.JOBLESS_MONTHS, ids[down & ~cut[kp] & (activity == Activity.SEEKING)]] = NEVER_WORKED
        iv[I.JOBLESS_MONTHS, jobless] = NEVER_WORKED
        f[F.WORK_HISTORY, ids[down & ~cut[kp] & (activity == Activity.RETIRED)]] = 0.0
        iv[I.CLAIM, ids[down & partner]] = 0
        # too little: the first working-age partner (one in work first) works full time, or takes a job;
        # households of pensioners get a pension
        up = pw & ~low[kp]
        able = up & partner & (iv[I.AGE, ids] < pension_m)
        cand = np.flatnonzero(able)
        if cand.size:
            order = np.lexsort((ids[cand], activity[cand] != Activity.WORK, kp[cand]))
            firsts = cand[order][np.r_[True, kp[cand[order]][1:] != kp[cand[order]][:-1]]]
            w = ids[firsts]
            working = activity[firsts] == Activity.WORK
            f[F.HOURS, w[working]] = 1.0
            f[F.EARNING, w[working]] += 0.5 * (1.0 - f[F.EARNING, w[working]])
            hired = w[~working]
            iv[I.ACTIVITY, hired] = Activity.WORK
            iv[I.EMPLOYED, hired] = 1
            iv[I.JOBLESS_MONTHS, hired] = 0
            f[F.HOURS, hired] = np.maximum(f[F.HOURS, hired], 0.8)
        has_able = np.bincount(kp[able], minlength=hh.size) > 0
        retired = ids[up & partner & ~has_able[kp]]
        f[F.WORK_HISTORY, retired] = 1.0
        f[F.EARNING, retired] += 0.5 * (1.0 - f[F.EARNING, retired])
    if keep_money:
        return
    out = household_income(f, iv, m, ids, info, pv)
    # savings where saving a share of the surplus and spending a share of the savings meet,
    # held by the partners in equal shares
    savings = np.zeros(state.n_hh)
    savings[hh] = p.save_share * np.maximum(out[0, hh] - out[2, hh], 0.0) / max(p.savings_use, 1e-3)
    partners = ids[iv[I.ROLE, ids] == Role.PARTNER]
    home = iv[I.HOUSEHOLD, partners]
    count = np.bincount(home, minlength=state.n_hh)
    m[M.SAVINGS, partners] = savings[home] / count[home]
    m[M.ARREARS, partners] = 0.0


def link_household(state: State, ids: np.ndarray, weight: float = 0.8) -> None:
    """Bonding ties between all members of one household (where slots allow)."""
    ids = np.asarray(ids, dtype=np.int64)
    link_groups(state.tie_other, state.tie_w, state.tie_type, np.array([0, ids.size], dtype=np.int64), ids,
                BONDING, weight)


def refit_low_income(state: State, p: Params, seed: int, passes: int = 3) -> None:
    """Fit the households' incomes to the scenario's low-income share once more (at the end of the burn-in).

    The households below the line stay below it as far as the share allows; when there are
    too many, those closest to the line rise above it, when too few, those closest above
    it fall below (:func:`fit_incomes`; the households keep their savings and arrears).
    A household that cannot be moved (pensioners, whose AOW lies above the line; a
    disability benefit above it) or that should not be (one on social assistance: who claims
    is what the burn-in settled) is passed over for the next one, for a few passes.
    """
    hh = state.active_households()
    hh = hh[state.hh_budget[B.PERSONS, hh] > 0]
    if hh.size == 0:
        return
    b = state.hh_budget
    want = int(round(p.share_low_income * hh.size))
    pension_m = int(p.pension_age * 12)
    stuck = ~np.array([any(state.i[I.AGE, m] < pension_m and state.i[I.ROLE, m] == Role.PARTNER
                           for m in state.hh_sets[int(h)]) for h in hh])
    # a household on social assistance stays on it: the burn-in settled who claims
    stuck |= b[B.CLAIMING, hh] > 0.5
    for n in range(passes):
        now = b[B.LOW, hh] > 0.5
        eq_income = b[B.MEASURED, hh] / np.maximum(b[B.EQUIVALENCE, hh], 1e-9)
        order = np.argsort(np.where(~stuck | now, eq_income, np.inf), kind="stable")  # poorest first
        low = np.zeros(hh.size, dtype=bool)
        low[order[:want]] = True
        moved = low != now
        if not moved.any():
            return
        hh_m = hh[moved]
        ids = np.concatenate([state.members(int(h)) for h in hh_m])
        u = uniform_array(seed, -1 - n, state.hh_cell[hh_m], _H + 9)
        fit_incomes(state, p, hh_m, ids, low[moved], u, keep_money=True)
        out = household_income(state.f, state.i, state.m, ids, household_info(state), params_vector(p))
        b[B.MEASURED, hh_m] = out[0, hh_m]
        b[B.LOW, hh_m] = (out[0, hh_m] / np.maximum(out[1, hh_m], 1e-9) < p.low_income_line).astype(float)
        stuck[moved] |= (b[B.LOW, hh_m] > 0.5) != low[moved]


def burn_in_limit(p: Params) -> int:
    """The most months the burn-in may take (``burn_in_max``, at least ``burn_in_months``)."""
    return max(p.burn_in_months, p.burn_in_max)


def initial_state(p: Params, seed: int) -> State:
    """The neighbourhood at the start of the burn-in."""
    state = State(grid_w=p.grid_width, grid_h=p.grid_height, block_size=p.block_size, tie_slots=p.tie_slots)
    n_cells = p.grid_width * p.grid_height
    state.allocate(cap_persons=int(n_cells * 3.2) + 16, cap_households=n_cells + 16)
    rng = keyed_rng(seed, PURPOSE_SPACE, 0)
    build_space(state, p, rng)
    dwellings = np.flatnonzero(state.cell_kind == CellKind.DWELLING)
    occupied = dwellings[rng.random(dwellings.size) >= p.vacancy]
    add_households(state, p, seed, occupied, month=-burn_in_limit(p) - 1)
    return state
