"""The numba kernels of :mod:`abm.kernels` against their plain-Python twins in :mod:`abm.reference`.

Hypothesis draws the shape of each case (sizes, seeds, steps, which parameters to move)
and a seed for a numpy generator that fills the arrays; every kernel (serial and, where it
exists, parallel) and its twin run on copies of the same inputs and must agree: integers
and tie slots exactly, floats to 1e-12.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from abm import kernels as kn
from abm.kernels import C, Ev, F, Help, I, K, L, N_C, N_F, N_I, N_L, Role, TieType
from abm.params import ParameterError, LINK_NAMES, Params, spec
from abm.reference import spread_support_ref, uniform_ref, update_persons_ref, update_ties_ref

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ATOL = 1e-12
INT64 = st.integers(-(2**63), 2**63 - 1)
SEEDS = st.integers(0, 2**63 - 1)
STEPS = st.integers(-1000, 10**6)
RNG_SEEDS = st.integers(0, 2**32 - 1)

KERNEL_LINKS = tuple(name for name in LINK_NAMES if name in K.__members__)
TIE_LINKS = ("participation_ties", "stress_withdrawal", "distrust_withdrawal", "community_ties")
PERSON_LINKS = tuple(n for n in KERNEL_LINKS if n not in ("giveback_support", "participation_ties",
                                                           "community_ties", "distrust_withdrawal"))
EVENT_RATES = ("p_job_loss", "p_job_find", "p_illness", "p_bereavement", "p_debt", "p_eviction",
               "p_fraud_suspicion")
BINARY_CTX = (C.IS_SINGLE, C.SCHOOL_CHILD, C.SOCIAL_HOUSING, C.MEET_OPEN)


# --------------------------------------------------------------------------------------
# Input generators
# --------------------------------------------------------------------------------------


def schema_value(rng, name):
    """A value of parameter ``name`` within its schema range, often at an end."""
    lo, hi = spec(name).metadata["lo"], spec(name).metadata["hi"]
    r = rng.random()
    if r < 0.1:
        return float(lo)
    if r < 0.2:
        return float(hi)
    return float(lo + (hi - lo) * rng.random())


def param_vector(rng, mode, names=None):
    """``Params().vector()``, with some entries moved within their schema ranges.

    mode: "default" (unchanged), "links" (some link strengths), "all" (any parameters) or
    "eventful" (some links, and high event rates so every event branch is taken).
    """
    pv = Params().vector()
    if mode == "default":
        return pv
    pool = list(names if names is not None else (KERNEL_LINKS if mode in ("links", "eventful") else K.__members__))
    for name in rng.choice(pool, size=rng.integers(1, min(len(pool), 15) + 1), replace=False):
        pv[K[name]] = schema_value(rng, name)
    if mode == "eventful":
        for name in EVENT_RATES:
            pv[K[name]] = rng.uniform(0.3, 1.0)
        pv[K.p_attempt] = rng.uniform(0.3, 1.0)
        pv[K.p_self_signal] = rng.uniform(0.3, 1.0)
        pv[K.need_threshold] = rng.uniform(0.0, 0.4)
        pv[K.care_months_mean] = rng.uniform(1.0, 4.0)
    return pv


def switch_vector(rng, p_on):
    return (rng.random(N_L) < p_on).astype(np.float64)


def unit_stocks(rng, rows, n):
    """Uniform values in [0, 1], about 5% of them exactly 0 or 1."""
    x = rng.random((rows, n))
    ends = rng.random((rows, n)) < 0.05
    x[ends] = rng.integers(0, 2, ends.sum()).astype(np.float64)
    return x


def random_active(rng, n):
    """Sorted active persons: everybody, or a random subset."""
    if rng.random() < 0.5:
        return np.arange(n, dtype=np.int64)
    return np.flatnonzero(rng.random(n) < 0.8).astype(np.int64)


def random_ties(rng, n, kslots, persons=None, households=None, w_edge=1.0):
    """Symmetric, packed tie slots among ``persons`` (default all).

    Weights are in (0, 1]; one in ten is exactly 1 and one in ten exactly ``w_edge``.
    """
    tie_other = np.full((n, kslots), -1, dtype=np.int32)
    tie_w = np.zeros((n, kslots), dtype=np.float64)
    tie_type = np.zeros((n, kslots), dtype=np.int8)
    persons = np.arange(n) if persons is None else np.asarray(persons)
    if len(persons) < 2:
        return tie_other, tie_w, tie_type
    count = np.zeros(n, dtype=np.int64)
    for _ in range(int(rng.integers(0, len(persons) * kslots + 1))):
        a, b = (int(x) for x in rng.choice(persons, size=2))
        if households is not None and rng.random() < 0.3:  # a tie within a's household
            same = persons[households[persons] == households[a]]
            b = int(rng.choice(same))
        if a == b or count[a] >= kslots or count[b] >= kslots or b in tie_other[a]:
            continue
        r = rng.random()
        w = 1.0 if r < 0.1 else w_edge if r < 0.2 else float(1.0 - rng.random())  # (0, 1]
        kind = int(rng.integers(TieType.BONDING, TieType.BRIDGING + 1))
        for x, y in ((a, b), (b, a)):
            tie_other[x, count[x]] = y
            tie_w[x, count[x]] = w
            tie_type[x, count[x]] = kind
            count[x] += 1
    return tie_other, tie_w, tie_type


def random_population(rng, n, step):
    """Stocks, integer state, context and event masks of ``n`` random persons."""
    f = unit_stocks(rng, N_F, n)
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.ALIVE] = 1
    age = rng.integers(0, 90 * 12 + 1, n)
    edges = np.array([4, 12, 18, 67]) * 12  # the age thresholds in the kernel, and one month below
    at_edge = rng.random(n) < 0.15
    age[at_edge] = rng.choice(edges, at_edge.sum()) - rng.integers(0, 2, at_edge.sum())
    iv[I.AGE] = age
    iv[I.SEX] = rng.integers(0, 2, n)
    iv[I.HOUSEHOLD] = rng.integers(0, max(1, n // 2), n)
    iv[I.MOTHER] = -1
    iv[I.FATHER] = -1
    iv[I.ROLE] = np.where(age < 18 * 12, Role.CHILD, Role.PARTNER)
    iv[I.STYLE] = rng.integers(0, 4, n)
    iv[I.EMPLOYED] = rng.integers(0, 2, n)
    iv[I.HELP] = rng.integers(0, 3, n)
    waited = np.where(rng.random(n) < 0.05, rng.integers(0, 100 * 12, n), rng.integers(0, 61, n))  # months
    iv[I.WAIT_SINCE] = np.where(iv[I.HELP] == Help.WAITING, step - waited, -1)
    iv[I.CARE_MONTHS] = np.where(iv[I.HELP] == Help.CARE, rng.integers(0, 25, n), 0)
    iv[I.LIMITS] = rng.integers(0, 8, n)
    iv[I.COMMUNITY] = rng.integers(-1, 4, n)
    iv[I.PRO] = rng.integers(-1, 3, n)
    iv[I.EVER_HELPED] = rng.integers(0, 2, n)
    iv[I.MEETING] = rng.integers(-1, 3, n)
    ctx = unit_stocks(rng, N_C, n)
    for row in BINARY_CTX:
        ctx[row] = (rng.random(n) < 0.5).astype(np.float64)
    events = rng.integers(0, 2**15, n).astype(np.int64)  # stale masks, overwritten for the active
    return f, iv, ctx, events


def copies(*arrays):
    return tuple(a.copy() for a in arrays)


# --------------------------------------------------------------------------------------
# uniform
# --------------------------------------------------------------------------------------


@SETTINGS
@given(st.lists(st.tuples(SEEDS, STEPS, INT64, st.integers(0, 2**31)), min_size=1, max_size=25))
@example([(0, 0, 0, 0), (2**63 - 1, -1000, 0, 0), (2**63 - 1, 10**6, 2**63 - 1, 11), (1, -1, -1, 30)])
def test_uniform_equals_reference(cases):
    for seed, step, key, draw in cases:
        u = kn.uniform(seed, step, key, draw)
        assert u == uniform_ref(seed, step, key, draw), (seed, step, key, draw)
        assert 0.0 <= u < 1.0


@SETTINGS
@given(SEEDS, STEPS, st.integers(0, 30))
def test_uniform_array_equals_reference(seed, step, draw):
    keys = np.arange(0, 200, dtype=np.int64) * 7919
    out = kn.uniform_array(seed, step, keys, draw)
    assert out.tolist() == [uniform_ref(seed, step, int(k), draw) for k in keys]


@pytest.mark.parametrize("seed,step,draw", [(0, 0, 0), (2**63 - 1, -1, 7), (12345, 10**6, 30)])
def test_uniform_is_roughly_uniform(seed, step, draw):
    over_keys = kn.uniform_array(seed, step, np.arange(10_000, dtype=np.int64), draw)
    over_steps = np.array([kn.uniform(seed, s, 3, draw) for s in range(-1000, 9000)])
    over_draws = np.array([kn.uniform(seed, step, 3, d) for d in range(10_000)])
    for u in (over_keys, over_steps, over_draws):
        assert abs(u.mean() - 0.5) < 0.02
        assert u.min() >= 0.0 and u.max() < 1.0
        assert np.histogram(u, bins=10, range=(0.0, 1.0))[0].min() > 800  # no empty tenth
        assert len(np.unique(u)) == len(u)


# --------------------------------------------------------------------------------------
# spread_support
# --------------------------------------------------------------------------------------


@SETTINGS
@given(
    rng_seed=RNG_SEEDS,
    n=st.integers(1, 40),
    kslots=st.integers(1, 8),
    mode=st.sampled_from(["default", "links", "all"]),
    p_on=st.sampled_from([1.0, 0.8, 0.5]),
)
def test_spread_support_equals_reference(rng_seed, n, kslots, mode, p_on):
    rng = np.random.default_rng(rng_seed)
    f = unit_stocks(rng, N_F, n)
    iv = np.zeros((N_I, n), dtype=np.int64)
    tie_other, tie_w, tie_type = random_ties(rng, n, kslots)
    active = random_active(rng, n)
    pv = param_vector(rng, mode, names=("giveback_support", "support_scale", "network_scale"))
    sw = switch_vector(rng, p_on)
    ctx0 = rng.random((N_C, n))
    ties0 = copies(tie_other, tie_w, tie_type)

    out = {}
    for name, fn in (("serial", kn.spread_support), ("parallel", kn.spread_support_parallel),
                     ("reference", spread_support_ref)):
        ctx = ctx0.copy()
        fn(f, iv, tie_other, tie_w, tie_type, active, pv, sw, ctx)
        out[name] = ctx
    np.testing.assert_allclose(out["serial"], out["reference"], rtol=0, atol=ATOL)
    np.testing.assert_array_equal(out["serial"], out["parallel"])
    # inputs are read only
    for a, b in zip((tie_other, tie_w, tie_type), ties0):
        np.testing.assert_array_equal(a, b)

    ctx = out["serial"]
    inactive = np.setdiff1d(np.arange(n), active)
    np.testing.assert_array_equal(ctx[:, inactive], ctx0[:, inactive])
    # [0, 1) in exact arithmetic; 1 - exp(-x) rounds to 1.0 for large x, so test [0, 1]
    for row in (C.NET_Q, C.BRIDGING, C.RESILIENCE):
        assert np.all((ctx[row, active] >= 0.0) & (ctx[row, active] <= 1.0))
    assert np.all((ctx[C.SUPPORT_IN, active] >= 0.0) & (ctx[C.SUPPORT_IN, active] <= 1.0))


def test_spread_support_in_range_over_whole_giveback_range():
    n = 2
    f = np.full((N_F, n), 0.5)
    f[[F.WELLBEING, F.AGENCY, F.LIFE_SKILLS, F.STRESS, F.ACUTE], 1] = 0.0  # giver 1: resilience 0
    f[F.SUPPORT, 0] = 0.0
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.AGE] = 40 * 12
    iv[I.COMMUNITY] = -1
    iv[I.MEETING] = -1
    iv[I.WAIT_SINCE] = -1
    tie_other = np.array([[1], [0]], dtype=np.int32)
    tie_w = np.ones((n, 1))
    tie_type = np.full((n, 1), TieType.BONDING, dtype=np.int8)
    pv = Params().replace(giveback_support=spec("giveback_support").metadata["hi"]).vector()
    sw = np.ones(N_L)
    ctx = np.zeros((N_C, n))
    active = np.arange(n, dtype=np.int64)
    kn.spread_support(f, iv, tie_other, tie_w, tie_type, active, pv, sw, ctx)
    kn.update_persons(f, iv, ctx, active, pv, sw, 1, 0, np.zeros(n, dtype=np.int64))
    assert ctx[C.SUPPORT_IN, 0] >= 0.0
    assert f[F.SUPPORT, 0] >= 0.0


def test_spread_support_switched_off_giveback():
    rng = np.random.default_rng(7)
    n = 60
    f = unit_stocks(rng, N_F, n)
    iv = np.zeros((N_I, n), dtype=np.int64)
    ties = random_ties(rng, n, 6)
    active = np.arange(n, dtype=np.int64)
    pv = Params().vector()
    results = []
    for strength, switch in ((pv[K.giveback_support], 0.0), (0.0, 1.0), (pv[K.giveback_support], 1.0)):
        p, sw, ctx = pv.copy(), np.ones(N_L), np.zeros((N_C, n))
        p[K.giveback_support], sw[L.giveback_support] = strength, switch
        kn.spread_support(f, iv, *ties, active, p, sw, ctx)
        results.append(ctx)
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], results[2])


# --------------------------------------------------------------------------------------
# update_persons
# --------------------------------------------------------------------------------------


def run_update_persons(fn, f, iv, ctx, events, active, pv, sw, seed, step):
    f, iv, events = copies(f, iv, events)
    fn(f, iv, ctx.copy(), active, pv, sw, seed, step, events)
    return f, iv, events


@SETTINGS
@given(
    rng_seed=RNG_SEEDS,
    n=st.integers(1, 60),
    seed=SEEDS,
    step=st.integers(-36, 600),
    mode=st.sampled_from(["default", "links", "all", "eventful"]),
    p_on=st.sampled_from([1.0, 0.8, 0.5]),
)
def test_update_persons_equals_reference(rng_seed, n, seed, step, mode, p_on):
    rng = np.random.default_rng(rng_seed)
    f0, iv0, ctx, ev0 = random_population(rng, n, step)
    active = random_active(rng, n)
    pv = param_vector(rng, mode)
    sw = switch_vector(rng, p_on)

    f_k, iv_k, ev_k = run_update_persons(kn.update_persons, f0, iv0, ctx, ev0, active, pv, sw, seed, step)
    f_p, iv_p, ev_p = run_update_persons(kn.update_persons_parallel, f0, iv0, ctx, ev0, active, pv, sw, seed, step)
    f_r, iv_r, ev_r = run_update_persons(update_persons_ref, f0, iv0, ctx, ev0, active, pv, sw, seed, step)

    np.testing.assert_array_equal(ev_k, ev_r)
    np.testing.assert_array_equal(iv_k, iv_r)
    np.testing.assert_allclose(f_k, f_r, rtol=0, atol=ATOL)
    np.testing.assert_array_equal(ev_k, ev_p)
    np.testing.assert_array_equal(iv_k, iv_p)
    np.testing.assert_array_equal(f_k, f_p)

    assert np.all(np.isfinite(f_k))
    assert np.all((f_k >= 0.0) & (f_k <= 1.0))
    inactive = np.setdiff1d(np.arange(n), active)
    np.testing.assert_array_equal(f_k[:, inactive], f0[:, inactive])
    np.testing.assert_array_equal(iv_k[:, inactive], iv0[:, inactive])
    np.testing.assert_array_equal(ev_k[inactive], ev0[inactive])
    waiting = iv_k[I.HELP] == Help.WAITING
    assert np.all(iv_k[I.WAIT_SINCE, waiting] <= step)


def test_update_persons_takes_every_branch():
    """One large eventful month: every event the kernel writes occurs, and the twin agrees."""
    rng = np.random.default_rng(2024)
    n, seed, step = 3000, 99, 17
    f0, iv0, ctx, ev0 = random_population(rng, n, step)
    active = np.arange(n, dtype=np.int64)
    pv = param_vector(rng, "eventful", names=("p_attempt",))
    pv[K.wait_trust] = spec("wait_trust").metadata["hi"]  # decades of waiting: exp overflows to inf
    sw = np.ones(N_L)
    f_k, iv_k, ev_k = run_update_persons(kn.update_persons, f0, iv0, ctx, ev0, active, pv, sw, seed, step)
    f_r, iv_r, ev_r = run_update_persons(update_persons_ref, f0, iv0, ctx, ev0, active, pv, sw, seed, step)
    np.testing.assert_array_equal(ev_k, ev_r)
    np.testing.assert_array_equal(iv_k, iv_r)
    np.testing.assert_allclose(f_k, f_r, rtol=0, atol=ATOL)
    written = (Ev.JOB_LOSS, Ev.ILLNESS, Ev.BEREAVEMENT, Ev.DEBT, Ev.EVICTION, Ev.FRAUD_SUSPICION,
               Ev.ATTEMPT, Ev.SUCCESS, Ev.NEED, Ev.SOUGHT, Ev.DECLINED, Ev.CARE_END, Ev.JOB_FOUND)
    for bit in written:
        assert np.any(ev_k & bit), bit.name
    assert not np.any(ev_k & (Ev.SEPARATION | Ev.CRISIS))


def eventful_population(n=2000, rng_seed=11, step=40):
    rng = np.random.default_rng(rng_seed)
    f, iv, ctx, ev = random_population(rng, n, step)
    pv = Params().vector()
    for name in EVENT_RATES:
        pv[K[name]] = 0.6
    pv[K.need_threshold] = 0.2
    pv[K.p_self_signal] = 0.5
    return f, iv, ctx, ev, np.arange(n, dtype=np.int64), pv, step


@pytest.mark.parametrize("name", PERSON_LINKS)
def test_update_persons_switched_off_link_contributes_nothing(name):
    f, iv, ctx, ev, active, pv, step = eventful_population()
    sw = np.ones(N_L)
    sw_off = sw.copy()
    sw_off[L[name]] = 0.0
    pv_zero = pv.copy()
    pv_zero[K[name]] = 0.0
    pv_on = pv.copy()
    pv_on[K[name]] = max(pv[K[name]], 0.5 * spec(name).metadata["hi"])  # make sure the link acts

    off = run_update_persons(kn.update_persons, f, iv, ctx, ev, active, pv_on, sw_off, 5, step)
    zero = run_update_persons(kn.update_persons, f, iv, ctx, ev, active, pv_zero, sw, 5, step)
    on = run_update_persons(kn.update_persons, f, iv, ctx, ev, active, pv_on, sw, 5, step)
    for a, b in zip(off, zero):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(off, on)), f"link {name} has no effect"


# --------------------------------------------------------------------------------------
# update_ties
# --------------------------------------------------------------------------------------


def build_groups(groups):
    """CSR offsets and members of a list of member lists (members sorted within a group)."""
    g_start = np.zeros(len(groups) + 1, dtype=np.int64)
    g_start[1:] = np.cumsum([len(g) for g in groups])
    members = [int(x) for g in groups for x in sorted(g)]
    return g_start, np.array(members, dtype=np.int64)


def group_flags(n, g_start, g_members, g_base):
    """Per person, bit c set when in a group of channel c (as contact_groups returns)."""
    flags = np.zeros(n, dtype=np.int8)
    bounds = [*g_base.tolist(), g_start.size - 1]
    for ch in range(5):
        for g in range(bounds[ch], bounds[ch + 1]):
            flags[g_members[g_start[g]:g_start[g + 1]]] |= np.int8(1 << ch)
    return flags


def random_neighbourhood(rng, kslots, width=6, height=5, w_edge=1.0):
    """A small grid with households, persons, contact groups and symmetric ties.

    ``w_edge``: a tie weight to use often (e.g. ``tie_min``, to test the cut-off exactly).
    """
    n_cells = width * height
    n_hh = int(rng.integers(1, n_cells + 1))
    cells = rng.permutation(n_cells)[:n_hh]
    hh_cell = np.full(n_hh + 1, -1, dtype=np.int64)  # the last household has gone
    hh_cell[:n_hh] = cells
    cell_hh = np.full(n_cells, -1, dtype=np.int64)
    cell_hh[cells] = np.arange(n_hh)
    sizes = rng.integers(0, 5, n_hh)  # a household may have no alive members left
    n_alive = int(sizes.sum())
    n_dead = int(rng.integers(0, 4))
    n = n_alive + n_dead
    alive = np.sort(rng.permutation(n)[:n_alive])
    dead = np.setdiff1d(np.arange(n), alive)

    f = unit_stocks(rng, N_F, n)
    if rng.random() < 0.5:  # coarse earning capacity: many bonding pairs
        f[F.EARNING] = rng.integers(0, 3, n) / 2.0
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.ALIVE, alive] = 1
    iv[I.HOUSEHOLD] = -1
    iv[I.HOUSEHOLD, alive] = rng.permutation(np.repeat(np.arange(n_hh), sizes))
    iv[I.AGE] = rng.integers(0, 90 * 12, n)
    iv[I.STYLE] = rng.integers(0, 4, n)
    iv[I.EMPLOYED, alive] = rng.integers(0, 2, n_alive)
    n_meet = int(rng.integers(0, 4))
    n_comm = int(rng.integers(1, 5))
    iv[I.MEETING] = -1
    iv[I.MEETING, alive] = rng.integers(-1, n_meet, n_alive)
    iv[I.COMMUNITY] = -1
    iv[I.COMMUNITY, alive] = rng.integers(-1, n_comm, n_alive)
    iv[I.WAIT_SINCE] = -1

    attend = rng.random(n) < 0.6
    groups = [alive[iv[I.HOUSEHOLD, alive] == h] for h in range(n_hh + 1)]
    groups += [[i for i in alive if iv[I.MEETING, i] == m and attend[i]] for m in range(n_meet)]
    groups += [[i for i in alive if rng.random() < 0.3]]
    groups += [alive[iv[I.COMMUNITY, alive] == c] for c in range(n_comm)]
    groups += [alive[iv[I.EMPLOYED, alive] == 1]]
    g_start, g_members = build_groups(groups)
    n_households = n_hh + 1
    g_base = np.cumsum([0, n_households, n_meet, 1, n_comm]).astype(np.int64)
    g_flags = group_flags(n, g_start, g_members, g_base)

    ties = random_ties(rng, n, kslots, persons=alive, households=iv[I.HOUSEHOLD], w_edge=w_edge)
    assert_tie_invariants(*ties)
    return dict(f=f, iv=iv, ties=ties, active=alive.astype(np.int64), hh_cell=hh_cell, cell_hh=cell_hh,
                grid_wh=np.array([width, height], dtype=np.int64), g_start=g_start,
                g_members=g_members, g_base=g_base, g_flags=g_flags, dead=dead)


def tie_params(rng, mode):
    pv = Params().vector()
    if mode == "default":
        return pv
    pv[K.tie_decay] = 0.0 if rng.random() < 0.2 else rng.uniform(0.0, 1.0)  # 0: weights meet tie_min exactly
    pv[K.tie_gain] = rng.uniform(0.01, 1.0)  # the schema's lower bound: a tie needs weight > 0
    pv[K.tie_min] = rng.uniform(0.001, 0.5)
    pv[K.similarity_income] = rng.choice([0.0, 0.5, rng.uniform(0.0, 1.0)])  # 0.5: coarse earnings tie
    if mode == "busy":
        for name in ("p_contact_neighbour", "p_contact_meeting", "p_contact_school", "p_contact_community",
                     "p_contact_work"):
            pv[K[name]] = 0.5
        pv[K.community_ties] = 1.0
    else:
        for name in ("p_contact_neighbour", "p_contact_meeting", "p_contact_school", "p_contact_community",
                     "p_contact_work", *TIE_LINKS):
            if rng.random() < 0.5:
                pv[K[name]] = schema_value(rng, name)
    return pv


def assert_tie_invariants(tie_other, tie_w, tie_type):
    n, kslots = tie_other.shape
    for i in range(n):
        filled = tie_other[i] >= 0
        m = int(filled.sum())
        assert filled[:m].all(), f"row {i} not packed: {tie_other[i]}"
        assert np.all(tie_w[i, m:] == 0.0) and np.all(tie_type[i, m:] == TieType.NONE), f"row {i}: stale empty slot"
        partners = tie_other[i, :m]
        assert len(set(partners.tolist())) == m, f"row {i}: duplicate tie {partners}"
        assert i not in partners, f"row {i}: self tie"
        for k in range(m):
            j = int(partners[k])
            assert 0.0 < tie_w[i, k] <= 1.0, f"tie {i}-{j}: weight {tie_w[i, k]}"
            assert tie_type[i, k] in (TieType.BONDING, TieType.BRIDGING), f"tie {i}-{j}: type {tie_type[i, k]}"
            back = np.flatnonzero(tie_other[j] == i)
            assert len(back) == 1, f"tie {i}-{j} not mutual"
            assert tie_w[j, back[0]] == tie_w[i, k], f"tie {i}-{j}: weights differ"
            assert tie_type[j, back[0]] == tie_type[i, k], f"tie {i}-{j}: types differ"


def run_update_ties(fn, nb, ties, pv, sw, seed, step):
    tie_other, tie_w, tie_type = copies(*ties)
    fn(nb["f"], nb["iv"], tie_other, tie_w, tie_type, nb["active"], nb["hh_cell"], nb["cell_hh"],
       nb["grid_wh"], nb["g_start"], nb["g_members"], nb["g_base"], nb["g_flags"], pv, sw, seed, step)
    return tie_other, tie_w, tie_type


@SETTINGS
@given(
    rng_seed=RNG_SEEDS,
    kslots=st.integers(1, 8),
    seed=SEEDS,
    step=st.integers(-36, 600),
    months=st.integers(1, 3),
    mode=st.sampled_from(["default", "random", "busy"]),
    p_on=st.sampled_from([1.0, 0.7]),
)
def test_update_ties_equals_reference(rng_seed, kslots, seed, step, months, mode, p_on):
    rng = np.random.default_rng(rng_seed)
    pv = tie_params(rng, mode)
    nb = random_neighbourhood(rng, kslots, w_edge=pv[K.tie_min])
    sw = switch_vector(rng, p_on)
    inputs = {k: v.copy() for k, v in nb.items() if isinstance(v, np.ndarray)}

    ties_k = ties_r = nb["ties"]
    for month in range(months):
        ties_k = run_update_ties(kn.update_ties, nb, ties_k, pv, sw, seed, step + month)
        ties_r = run_update_ties(update_ties_ref, nb, ties_r, pv, sw, seed, step + month)
        for a, b in zip(ties_k, ties_r):
            np.testing.assert_array_equal(a, b)
        assert_tie_invariants(*ties_k)
        assert not np.any(np.isin(ties_k[0], nb["dead"]))
        assert np.all(ties_k[0][nb["dead"]] == -1)
    for key, value in inputs.items():  # everything but the ties is read only
        np.testing.assert_array_equal(nb[key], value)


def test_update_ties_makes_and_loses_ties():
    """The comparison above is not vacuous: over a year ties are made, strengthened and lost."""
    rng = np.random.default_rng(5)
    nb = random_neighbourhood(rng, 6, width=12, height=10)
    pv = Params().vector()
    pv[K.tie_decay] = 0.3
    sw = np.ones(N_L)
    ties_k = ties_r = nb["ties"]
    made = lost = strengthened = 0
    for step in range(12):
        new_k = run_update_ties(kn.update_ties, nb, ties_k, pv, sw, 3, step)
        ties_r = run_update_ties(update_ties_ref, nb, ties_r, pv, sw, 3, step)
        for a, b in zip(new_k, ties_r):
            np.testing.assert_array_equal(a, b)
        before = {(i, int(j)): w for i in range(len(ties_k[0])) for j, w in zip(ties_k[0][i], ties_k[1][i]) if j >= 0}
        after = {(i, int(j)): w for i in range(len(new_k[0])) for j, w in zip(new_k[0][i], new_k[1][i]) if j >= 0}
        made += len(after.keys() - before.keys())
        lost += len(before.keys() - after.keys())
        strengthened += sum(after[t] > before[t] for t in after.keys() & before.keys())
        ties_k = new_k
    assert made > 0 and lost > 0 and strengthened > 0
    assert np.any(ties_k[2] == TieType.BONDING) and np.any(ties_k[2] == TieType.BRIDGING)


@pytest.mark.parametrize("name", TIE_LINKS)
def test_update_ties_switched_off_link_contributes_nothing(name):
    rng = np.random.default_rng(8)
    nb = random_neighbourhood(rng, 6, width=12, height=10)
    pv = Params().vector()
    pv[K.p_contact_community] = 0.5
    sw = np.ones(N_L)
    sw_off = sw.copy()
    sw_off[L[name]] = 0.0
    pv_zero = pv.copy()
    pv_zero[K[name]] = 0.0
    results = []
    for p, s in ((pv, sw_off), (pv_zero, sw), (pv, sw)):
        ties = nb["ties"]
        for step in range(6):
            ties = run_update_ties(kn.update_ties, nb, ties, p, s, 1, step)
        results.append(ties)
    for a, b in zip(results[0], results[1]):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(results[0], results[2])), f"link {name} has no effect"


def test_update_ties_weights_positive_at_range_ends():
    n = 2
    f = np.full((N_F, n), 0.5)
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.HOUSEHOLD] = [0, 1]
    iv[I.EMPLOYED] = 1
    iv[I.COMMUNITY] = -1
    iv[I.MEETING] = -1
    g_start, g_members = build_groups([[0], [1], [], [], [0, 1]])  # 2 households, school, 1 community, work
    args = dict(active=np.arange(n, dtype=np.int64), hh_cell=np.array([0, 2], dtype=np.int64),
                cell_hh=np.array([0, -1, 1, -1], dtype=np.int64), grid_wh=np.array([4, 1], dtype=np.int64),
                g_start=g_start, g_members=g_members, g_base=np.array([0, 2, 2, 3, 4], dtype=np.int64))
    args["g_flags"] = group_flags(n, g_start, g_members, args["g_base"])
    with pytest.raises(ParameterError):
        Params().replace(tie_gain=0.0)
    with pytest.raises(ParameterError):
        Params().replace(tie_min=0.0)
    lowest = {name: spec(name).metadata["lo"] for name in ("tie_gain", "tie_min")}
    pv = Params().replace(p_contact_work=0.5, **lowest).vector()
    sw = np.ones(N_L)
    tie_other = np.full((n, 4), -1, dtype=np.int32)
    tie_w = np.zeros((n, 4))
    tie_type = np.zeros((n, 4), dtype=np.int8)
    for step in range(24):
        kn.update_ties(f, iv, tie_other, tie_w, tie_type, args["active"], args["hh_cell"], args["cell_hh"],
                       args["grid_wh"], args["g_start"], args["g_members"], args["g_base"], args["g_flags"], pv, sw, 0, step)
    if tie_other[0, 0] != 1:
        pytest.fail("no work contact in two years: the test setup is wrong")
    assert_tie_invariants(tie_other, tie_w, tie_type)


# ---- gather_context ----------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80))
def test_gather_context_equals_twin(seed, n):
    """The numba loop and the numpy group sums agree on random households, blocks and professionals."""
    from abm.reference import gather_context_ref

    rng = np.random.default_rng(seed)
    nh, nb, npro, nfac = max(1, n // 2), 4, 3, 5
    f = rng.random((N_F, n))
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.HOUSEHOLD] = rng.integers(0, nh, n)
    iv[I.ROLE] = rng.integers(0, 2, n)
    iv[I.AGE] = rng.integers(0, 90 * 12, n)
    iv[I.PRO] = rng.integers(-1, npro, n)
    iv[I.MEETING] = rng.integers(-1, nfac, n)
    active = np.sort(rng.choice(n, size=rng.integers(1, n + 1), replace=False)).astype(np.int64)
    hh_info = np.vstack([rng.integers(0, 4, nh), rng.integers(0, 2, nh), rng.integers(0, nb, nh)]).astype(np.int64)
    block_info = rng.random((2, nb))
    pro_info = np.vstack([rng.random(npro), rng.integers(0, 2, npro)]).astype(float)
    fac_open = rng.integers(0, 2, nfac).astype(np.int8)
    ctx0 = rng.random((N_C, n))
    fast, slow = ctx0.copy(), ctx0.copy()
    kn.gather_context(f, iv, active, hh_info, block_info, pro_info, fac_open, fast)
    gather_context_ref(f, iv, active, hh_info, block_info, pro_info, fac_open, slow)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-15)
    # rows the kernel does not own are untouched
    for row in (C.SUPPORT_IN, C.NET_Q, C.BRIDGING, C.RESILIENCE):
        np.testing.assert_array_equal(fast[row], ctx0[row])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80))
def test_adult_summary_equals_twin(seed, n):
    from abm.reference import adult_summary_ref

    rng = np.random.default_rng(seed)
    k = 6
    f = rng.random((N_F, n))
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.HOUSEHOLD] = rng.integers(0, max(1, n // 3), n)
    iv[I.HELP] = rng.integers(0, 3, n)
    iv[I.AGE] = rng.integers(18 * 12, 90 * 12, n)
    iv[I.EMPLOYED] = rng.integers(0, 2, n)
    events = rng.integers(0, 2**15, n).astype(np.int64)
    tie_other = np.full((n, k), -1, dtype=np.int32)
    tie_type = np.zeros((n, k), dtype=np.int8)
    for i in range(n):  # packed rows, random partners (symmetry does not matter for counting)
        d = rng.integers(0, k + 1)
        tie_other[i, :d] = rng.integers(0, n, d)
        tie_type[i, :d] = rng.integers(1, 3, d)
    ids = np.sort(rng.choice(n, rng.integers(1, n + 1), replace=False)).astype(np.int64)
    strong, decliner = 0.55, 0.4
    strong_stress, chronic = rng.uniform(0.3, 0.7, 2)
    got = kn.adult_summary(f, iv, events, tie_other, tie_type, ids, strong, decliner, strong_stress, chronic)
    want = adult_summary_ref(f, iv, events, tie_other, tie_type, ids, strong, decliner, strong_stress, chronic)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    assert got[1][kn.S.STRONG] + got[1][kn.S.VULNERABLE] + got[1][kn.S.DECLINER] == ids.size


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 120))
def test_contact_groups_equals_twin(seed, n):
    from abm.reference import contact_groups_ref

    rng = np.random.default_rng(seed)
    n_hh, n_fac, n_comm = max(1, n // 3), 5, 3
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.HOUSEHOLD] = rng.integers(0, n_hh, n)
    iv[I.AGE] = rng.integers(0, 80 * 12, n)
    iv[I.ROLE] = rng.integers(0, 2, n)
    iv[I.MEETING] = rng.integers(-1, n_fac, n)
    iv[I.COMMUNITY] = rng.integers(-1, n_comm, n)
    iv[I.EMPLOYED] = rng.integers(0, 2, n)
    events = np.where(rng.random(n) < 0.5, Ev.ATTEMPT, 0).astype(np.int64)
    fac_open = rng.integers(0, 2, n_fac).astype(np.int8)
    active = np.sort(rng.choice(n, rng.integers(1, n + 1), replace=False)).astype(np.int64)
    got = kn.contact_groups(iv, events, fac_open, active, n_hh, n_fac, n_comm)
    want = contact_groups_ref(iv, events, fac_open, active, n_hh, n_fac, n_comm)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80))
def test_partner_means_equals_twin(seed, n):
    from abm.reference import partner_means_ref

    rng = np.random.default_rng(seed)
    n_hh = max(1, n // 2)
    f = rng.random((N_F, n))
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.HOUSEHOLD] = rng.integers(0, n_hh, n)
    iv[I.ROLE] = rng.integers(0, 2, n)
    active = np.sort(rng.choice(n, rng.integers(1, n + 1), replace=False)).astype(np.int64)
    rows = np.array([F.WELLBEING, F.AGENCY, F.LIFE_SKILLS], dtype=np.int64)
    np.testing.assert_allclose(kn.partner_means(f, iv, active, n_hh, rows),
                               partner_means_ref(f, iv, active, n_hh, rows), rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), n_admit=st.integers(0, 30))
def test_admit_queue_equals_twin(seed, n, n_admit):
    from abm.reference import admit_queue_ref

    rng = np.random.default_rng(seed)
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.HELP] = rng.integers(0, 3, n)
    iv[I.WAIT_SINCE] = np.where(iv[I.HELP] == Help.WAITING, rng.integers(-40, 30, n), -1)
    iv[I.CARE_MONTHS] = rng.integers(0, 9, n)
    active = np.sort(rng.choice(n, rng.integers(1, n + 1), replace=False)).astype(np.int64)
    fast, slow = iv.copy(), iv.copy()
    got = kn.admit_queue(fast, active, n_admit, 30)
    want = admit_queue_ref(slow, active, n_admit, 30)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fast, slow)
    # first come, first served: nobody left waiting waited longer than anyone admitted
    if got[0].size:
        still = active[fast[I.HELP, active] == Help.WAITING]
        assert (iv[I.WAIT_SINCE, still] >= iv[I.WAIT_SINCE, got[0]].max()).all()
