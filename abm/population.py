"""The starting neighbourhood: dwellings, facilities, blocks, households and persons.

The figures of the scenario (shares of single-parent households, low income, social
housing, citizen styles, trust, limitations) are inputs here, not outcomes to tune
towards; DESIGN.md lists their sources.

Random draws use a generator keyed by ``(seed, purpose, key)`` (:func:`keyed_rng`), so a
household drawn for a dwelling is the same whatever happens elsewhere in the grid.
"""

from __future__ import annotations

import numpy as np

from functools import lru_cache

from abm.kernels import F, I, CitizenStyle, Help, Limit, Role, TieType, drop_person_ties
from abm.params import Params
from abm.state import CellKind, HouseholdKind, ProKind, State

# purposes of keyed generators
PURPOSE_SPACE, PURPOSE_HOUSEHOLD, PURPOSE_NEWBORN, PURPOSE_ADULT = 1, 2, 3, 4


def keyed_rng(seed: int, purpose: int, *key: int) -> np.random.Generator:
    """A numpy generator for one purpose and key, independent of all other draws."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFFFFFFFFFF, purpose, *[int(k) + 2**40 for k in key]])


def _beta(rng: np.random.Generator, mean, kappa=8.0):
    """Beta draws with the given means (scalar or array) and concentration ``kappa``."""
    mean = np.clip(np.asarray(mean, dtype=float), 0.02, 0.98)
    return rng.beta(mean * kappa, (1.0 - mean) * kappa)


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
        odds = q / (1 - q) * p.single_parent_low_income_odds if q < 1 else np.inf
        q_sp = odds / (1 + odds) if np.isfinite(odds) else 1.0
        share = (1 - w_sp) * q + w_sp * q_sp
        lo, hi = (q, hi) if share < target else (lo, q)
    return (lo + hi) / 2


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
    state.cell_kind[state.fac_cell] = state.fac_kind
    n_blocks = state.n_blocks
    state.block_efficacy = np.full(n_blocks, 0.5)
    state.block_attachment = np.full(n_blocks, 0.5)
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


def nearest_meeting_place(state: State, cell: int, reach: int) -> int:
    """Index (into the facilities) of the nearest meeting place within ``reach`` cells, or -1."""
    idx = np.flatnonzero(state.fac_kind == CellKind.MEETING_PLACE)
    if idx.size == 0:
        return -1
    cx, cy = cell % state.grid_w, cell // state.grid_w
    fx, fy = state.fac_cell[idx] % state.grid_w, state.fac_cell[idx] // state.grid_w
    d = np.maximum(np.abs(fx - cx), np.abs(fy - cy))
    k = int(np.argmin(d))
    return int(idx[k]) if d[k] <= reach else -1


def draw_kind(p: Params, u: float, u2: float) -> HouseholdKind:
    if u < p.share_single_adult:
        return HouseholdKind.SINGLE_ADULT
    if u < p.share_single_adult + p.share_couple_no_children:
        return HouseholdKind.COUPLE
    return HouseholdKind.SINGLE_PARENT if u2 < p.share_single_parent else HouseholdKind.COUPLE_CHILDREN


def init_adult(state: State, p: Params, rng: np.random.Generator, pid: int, low_income: bool, age_months: int) -> None:
    """Stocks and traits of an adult arriving in (or starting in) the neighbourhood."""
    f, iv = state.f, state.i
    iv[I.AGE, pid] = age_months
    iv[I.ROLE, pid] = Role.PARTNER
    shares = np.array([p.style_dutiful, p.style_responsible, p.style_pragmatic, p.style_outsider])
    iv[I.STYLE, pid] = int(rng.choice(4, p=shares / shares.sum()))
    limits = 0
    if rng.random() < p.share_low_literacy:
        limits |= Limit.LOW_LITERACY
    if rng.random() < p.share_mild_id:
        limits |= Limit.MILD_ID
    if rng.random() < p.share_newcomer:
        limits |= Limit.NEWCOMER
    iv[I.LIMITS, pid] = limits
    working = age_months < 67 * 12
    p_emp = p.employment_rate * (0.55 if low_income else 1.1)
    iv[I.EMPLOYED, pid] = int(working and rng.random() < min(p_emp, 0.98))
    rows = [F.EARNING, F.INCOME, F.DEBT, F.BUFFER, F.HOUSING, F.TRUST, F.NAVIGATION, F.LIFE_SKILLS,
            F.MENTAL, F.STRESS, F.PARENTING, F.ATTACHMENT]
    means = [0.25 if low_income else 0.6, 0.3 if low_income else 0.65, 0.35 if low_income else 0.1,
             0.15 if low_income else 0.5, 0.6, p.trust_mean, 0.5 if limits == 0 else 0.3, 0.5,
             p.init_mental, 0.45 if low_income else 0.35, 0.6, 0.6]
    kappa = [10.0, 8.0, 8.0, 8.0, 8.0, 10.0, 8.0, 8.0, 6.0, 8.0, 8.0, 8.0]
    f[rows, pid] = _beta(rng, means, np.array(kappa))


_COMMON_ROWS = [F.SELF_ESTEEM, F.LIFE_SKILLS, F.AGENCY, F.SUCCESS, F.SUPPORT, F.PARTICIPATION, F.IDENTITY,
                F.WELLBEING, F.SECURITY, F.FUTURE, F.FUNCTIONING, F.PARENTING, F.ATTACHMENT, F.PHYSICAL,
                F.STRESS, F.MENTAL, F.HOUSING, F.TRUST, F.NAVIGATION]


def init_common(state: State, p: Params, rng: np.random.Generator, pid: int) -> None:
    """Stocks every person starts with, drawn around the middle of the scale."""
    f = state.f
    means = np.full(len(_COMMON_ROWS), 0.5)
    means[13:] = (0.8, 0.35, p.init_mental, 0.6, p.trust_mean, 0.5)
    kappa = np.full(len(_COMMON_ROWS), 8.0)
    kappa[15], kappa[17] = 6.0, 10.0
    f[_COMMON_ROWS, pid] = _beta(rng, means, kappa)
    f[F.ACUTE, pid] = 0.0
    f[F.EARNING, pid] = 0.5
    iv = state.i
    iv[I.ALIVE, pid] = 1
    iv[I.SEX, pid] = int(rng.random() < 0.5)
    iv[I.MOTHER, pid] = -1
    iv[I.FATHER, pid] = -1
    iv[I.STYLE, pid] = CitizenStyle.PRAGMATIC
    iv[I.EMPLOYED, pid] = 0
    iv[I.HELP, pid] = Help.NONE
    iv[I.WAIT_SINCE, pid] = -1
    iv[I.CARE_MONTHS, pid] = 0
    iv[I.LIMITS, pid] = 0
    iv[I.COMMUNITY, pid] = -1
    iv[I.PRO, pid] = -1
    iv[I.EVER_HELPED, pid] = 0
    iv[I.MEETING, pid] = -1


def add_household(state: State, p: Params, seed: int, cell: int, month: int, key: int) -> int:
    """Draw a household for dwelling ``cell`` and move it in; returns its id.

    ``key`` makes the draw unique (the initial fill uses the cell, arrivals the month and
    cell). Composition follows the scenario shares; low income follows
    :func:`low_income_base` with the extra odds of single parents.
    """
    rng = keyed_rng(seed, PURPOSE_HOUSEHOLD, month, cell, key)
    kind = draw_kind(p, rng.random(), rng.random())
    q = low_income_base(p)
    if kind == HouseholdKind.SINGLE_PARENT:
        odds = q / (1 - q) * p.single_parent_low_income_odds
        q = odds / (1 + odds)
    low = bool(rng.random() < q)
    hh = int(state.new_households(1)[0])
    state.hh_cell[hh] = cell
    state.cell_hh[cell] = hh
    state.hh_kind[hh] = kind
    state.hh_social[hh] = int(rng.random() < p.share_social_housing)
    state.hh_low_income[hh] = int(low)
    n_adults = 2 if kind in (HouseholdKind.COUPLE, HouseholdKind.COUPLE_CHILDREN) else 1
    n_children = 0
    if kind in (HouseholdKind.COUPLE_CHILDREN, HouseholdKind.SINGLE_PARENT):
        n_children = 1 + min(int(rng.poisson(p.mean_children - 1.0)), 4)
    if kind == HouseholdKind.SINGLE_ADULT:
        head_age = int(rng.integers(18 * 12, 85 * 12))
    elif kind == HouseholdKind.COUPLE:
        head_age = int(rng.integers(20 * 12, 80 * 12))
    else:
        head_age = int(rng.integers(22 * 12, 52 * 12))
    community = int(rng.integers(p.n_communities)) if rng.random() < p.share_community else -1
    ids = state.new_persons(n_adults + n_children)
    adults, children = ids[:n_adults], ids[n_adults:]
    for k, pid in enumerate(adults):
        init_common(state, p, rng, pid)
        age = head_age if k == 0 else max(18 * 12, head_age + int(rng.integers(-36, 37)))
        init_adult(state, p, rng, pid, low, age)
        state.i[I.SEX, pid] = k if n_adults == 2 else int(rng.random() < 0.15)  # single parents: mostly mothers
    mother = next((a for a in adults if state.i[I.SEX, a] == 0), -1)
    father = next((a for a in adults if state.i[I.SEX, a] == 1), -1)
    oldest = max(0, min(head_age - 18 * 12, 17 * 12 + 11))
    for pid in children:
        init_common(state, p, rng, pid)
        state.i[I.AGE, pid] = int(rng.integers(0, oldest + 1))
        state.i[I.ROLE, pid] = Role.CHILD
        state.i[I.MOTHER, pid] = mother
        state.i[I.FATHER, pid] = father
        state.i[I.STYLE, pid] = state.i[I.STYLE, adults[0]]
    reach = p.block_size + p.block_size // 2
    meeting = nearest_meeting_place(state, cell, reach)
    for pid in ids:
        state.i[I.HOUSEHOLD, pid] = hh
        state.i[I.COMMUNITY, pid] = community
        state.i[I.MEETING, pid] = meeting
        state.born_step[pid] = month
    link_household(state, ids)
    return hh


def link_household(state: State, ids: np.ndarray, weight: float = 0.8) -> None:
    """Bonding ties between all members of a household (where slots allow)."""
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            add_tie(state, int(ids[a]), int(ids[b]), TieType.BONDING, weight)


def add_tie(state: State, i: int, j: int, kind: int, weight: float) -> bool:
    """A mutual tie between i and j if both have a free slot and none exists yet."""
    oi, oj = state.tie_other[i], state.tie_other[j]
    if (oi == j).any():
        return False
    fi, fj = np.flatnonzero(oi < 0), np.flatnonzero(oj < 0)
    if fi.size == 0 or fj.size == 0:
        return False
    state.tie_other[i, fi[0]], state.tie_other[j, fj[0]] = j, i
    state.tie_w[i, fi[0]] = state.tie_w[j, fj[0]] = weight
    state.tie_type[i, fi[0]] = state.tie_type[j, fj[0]] = kind
    return True


def drop_ties(state: State, pid: int) -> None:
    """Remove every tie of ``pid`` (on death or moving away), keeping rows packed."""
    drop_person_ties(state.tie_other, state.tie_w, state.tie_type, pid)


def initial_state(p: Params, seed: int) -> State:
    """The neighbourhood at the start of the burn-in."""
    state = State(grid_w=p.grid_width, grid_h=p.grid_height, block_size=p.block_size, tie_slots=p.tie_slots)
    n_cells = p.grid_width * p.grid_height
    state.allocate(cap_persons=int(n_cells * 3.2) + 16, cap_households=n_cells + 16)
    rng = keyed_rng(seed, PURPOSE_SPACE, 0)
    build_space(state, p, rng)
    dwellings = np.flatnonzero(state.cell_kind == CellKind.DWELLING)
    occupied = dwellings[rng.random(dwellings.size) >= p.vacancy]
    for cell in occupied:
        add_household(state, p, seed, int(cell), month=-p.burn_in_months - 1, key=0)
    return state
