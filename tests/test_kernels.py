"""The numba kernels of :mod:`abm.kernels` against their plain-Python twins in :mod:`abm.reference`.

Hypothesis draws the shape of each case (sizes, seeds, steps, which parameters to move)
and a seed for a numpy generator that fills the arrays; every kernel (serial and, where it
exists, parallel) and its twin run on copies of the same inputs and must agree: integers
and tie slots exactly, floats to 1e-12 (money in euros to a relative 1e-12).

Generated persons are consistent where the kernels assume it: ``I.ACTIVITY`` follows age
(infant, school, an adult activity, retired from the pension age) and ``I.EMPLOYED`` is 1
exactly at work; money is never negative. Two tests guard kernel bugs found and fixed
(an illness that did not lower physical health; acute stress below 0 with the capacity links at
their tops).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from abm import kernels as kn
from abm.kernels import B, C, Activity, Ev, F, Help, I, K, L, M, N_B, N_C, N_F, N_I, N_L, N_M, Role, TieType
from abm.params import ParameterError, LINK_NAMES, Params, spec
from abm.population import NEVER_WORKED
from abm.reference import (
    household_budgets_ref,
    household_income_ref,
    spread_support_ref,
    uniform_ref,
    update_persons_ref,
    update_ties_ref,
)

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ATOL = 1e-12
INT64 = st.integers(-(2**63), 2**63 - 1)
SEEDS = st.integers(0, 2**63 - 1)
STEPS = st.integers(-1000, 10**6)
RNG_SEEDS = st.integers(0, 2**32 - 1)

KERNEL_LINKS = tuple(name for name in LINK_NAMES if name in K.__members__)
TIE_LINKS = ("participation_ties", "stress_withdrawal", "distrust_withdrawal", "community_ties", "meeting_ties",
             "school_gate_ties")
# links read only by household_budgets (navigation_seek and trust_seek are read by both kernels)
BUDGET_ONLY_LINKS = ("navigation_claim", "trust_claim")
BUDGET_LINKS = (*BUDGET_ONLY_LINKS, "navigation_seek", "trust_seek", "events_stress")
PERSON_LINKS = tuple(n for n in KERNEL_LINKS if n not in ("giveback_support", "parent_stress_support", "participation_ties",
                                                           "community_ties", "distrust_withdrawal", "meeting_ties",
                                                           "school_gate_ties",
                                                           *BUDGET_ONLY_LINKS))
EVENT_RATES = ("p_job_loss", "p_job_find", "p_illness", "p_bereavement", "p_eviction", "p_fraud_suspicion",
               "p_disability", "p_discouraged", "p_reenter")
BUDGET_RATES = ("p_claim", "p_debt_seek")
#: the parameters household_budgets reads: the economy and life-course groups of the schema, and a few more
BUDGET_PARAMS = tuple(n for n in K.__members__ if spec(n).metadata["group"] in ("economy", "life course")) + (
    "hit_debt", *BUDGET_LINKS)
BINARY_CTX = (C.IS_SINGLE, C.SCHOOL_CHILD, C.SOCIAL_HOUSING, C.MEET_OPEN)
#: what adults of working age do, and how often in the generated populations
ADULT_ACTIVITIES = (Activity.STUDY, Activity.WORK, Activity.SEEKING, Activity.INACTIVE, Activity.DISABLED)
ADULT_ACTIVITY_SHARES = (0.1, 0.4, 0.2, 0.15, 0.15)


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


def random_activity(rng, age, pension_age=67.0):
    """``I.ACTIVITY`` consistent with age in months, as the demography leaves it at the kernels.

    Under 4: infant; to 18: school; adults below the pension age: study, work, seeking,
    inactive or work-disabled; from the pension age: retired.
    """
    adult_activity = rng.choice(np.array(ADULT_ACTIVITIES, dtype=np.int64), size=age.size, p=ADULT_ACTIVITY_SHARES)
    return np.select([age < 4 * 12, age < 18 * 12, age < int(pension_age * 12.0)],
                     [Activity.INFANT, Activity.SCHOOL, adult_activity], Activity.RETIRED).astype(np.int64)


def random_jobless_months(rng, activity):
    """``I.JOBLESS_MONTHS``: 0 in work, else some months (often 11 or 12: discouragement after a year, the
    end of WW at the default ``ww_months``) or never worked."""
    r = rng.random(activity.size)
    months = np.select([r < 0.1, r < 0.4], [NEVER_WORKED, rng.integers(11, 13, activity.size)],
                       rng.integers(0, 40, activity.size))
    return np.where(activity == Activity.WORK, 0, months).astype(np.int64)



def person_ints(n: int) -> np.ndarray:
    """int64[N_I, n] zeros but for ``I.KEY``: distinct stable identities, unlike the indices (draws are keyed by them)."""
    iv = np.zeros((N_I, n), dtype=np.int64)
    iv[I.KEY] = kn.identity_keys(np.arange(n, dtype=np.int64), 0, kn.KEY_ARRIVAL)
    return iv

def random_population(rng, n, step, pension_age=67.0):
    """Stocks, integer state, context and event masks of ``n`` random persons."""
    f = unit_stocks(rng, N_F, n)
    iv = person_ints(n)
    iv[I.ALIVE] = 1
    age = rng.integers(0, 90 * 12 + 1, n)
    # the age thresholds of the kernel (school, attempts, adulthood, pension), and one month below
    edges = np.array([4 * 12, 12 * 12, 18 * 12, int(pension_age * 12.0)])
    at_edge = rng.random(n) < 0.15
    age[at_edge] = rng.choice(edges, at_edge.sum()) - rng.integers(0, 2, at_edge.sum())
    iv[I.AGE] = age
    iv[I.SEX] = rng.integers(0, 2, n)
    iv[I.HOUSEHOLD] = rng.integers(0, max(1, n // 2), n)
    iv[I.MOTHER] = -1
    iv[I.FATHER] = -1
    iv[I.ROLE] = np.where(age < 18 * 12, Role.CHILD, Role.PARTNER)
    iv[I.STYLE] = rng.integers(0, 4, n)
    iv[I.ACTIVITY] = random_activity(rng, age, pension_age)
    iv[I.EMPLOYED] = (iv[I.ACTIVITY] == Activity.WORK).astype(np.int64)
    iv[I.JOBLESS_MONTHS] = random_jobless_months(rng, iv[I.ACTIVITY])
    iv[I.CLAIM] = np.where(age >= 18 * 12, rng.integers(0, 2, n), 0)
    iv[I.HELP] = rng.integers(0, 3, n)
    waited = np.where(rng.random(n) < 0.05, rng.integers(0, 100 * 12, n), rng.integers(0, 61, n))  # months
    iv[I.WAIT_SINCE] = np.where(iv[I.HELP] == Help.WAITING, step - waited, -1)
    iv[I.CARE_MONTHS] = np.where(iv[I.HELP] == Help.CARE, rng.integers(0, 25, n), 0)
    iv[I.YOUTH_HELP] = np.where(age >= 18 * 12, rng.integers(0, 3, n), Help.NONE)
    iv[I.YOUTH_WAIT_SINCE] = np.where(iv[I.YOUTH_HELP] == Help.WAITING, step - rng.integers(0, 30, n), -1)
    iv[I.YOUTH_MONTHS] = np.where(iv[I.YOUTH_HELP] == Help.CARE, rng.integers(0, 25, n), 0)
    iv[I.LIMITS] = rng.integers(0, 8, n)
    iv[I.COMMUNITY] = rng.integers(-1, 4, n)
    iv[I.PRO] = rng.integers(-1, 3, n)
    iv[I.EVER_HELPED] = rng.integers(0, 2, n)
    iv[I.MEETING] = rng.integers(-1, 3, n)
    iv[I.DEBT_HELP] = Help.NONE
    iv[I.DEBT_WAIT_SINCE] = -1
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
    iv = person_ints(n)
    iv[I.AGE] = rng.integers(0, 90 * 12, n)  # ties between adults and minors: a minor's support counts less
    iv[I.AGE, rng.random(n) < 0.2] = 18 * 12 - rng.integers(0, 2)
    tie_other, tie_w, tie_type = random_ties(rng, n, kslots)
    active = random_active(rng, n)
    pv = param_vector(rng, mode, names=("giveback_support", "support_scale", "network_scale", "minor_support"))
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
    iv = person_ints(n)
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
    iv = person_ints(n)
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


def test_spread_support_parent_stress_acts_on_the_own_children_only():
    """Switched off (or strength 0) a parent's stress no longer lowers the support the own
    children receive; what others receive does not change."""
    rng = np.random.default_rng(8)
    n = 60
    f = unit_stocks(rng, N_F, n)
    f[F.STRESS] = rng.uniform(0.3, 0.9, n)
    iv = person_ints(n)
    iv[I.AGE] = rng.integers(0, 80 * 12, n)
    iv[I.MOTHER], iv[I.FATHER] = -1, -1
    iv[I.MOTHER, 30:] = np.arange(30)  # persons 30.. are the children of persons 0..29
    ties = random_ties(rng, n, 6)
    tie_other = ties[0]
    active = np.arange(n, dtype=np.int64)
    pv = Params().vector()
    results = []
    for strength, switch in ((pv[K.parent_stress_support], 0.0), (0.0, 1.0), (pv[K.parent_stress_support], 1.0)):
        p, sw, ctx = pv.copy(), np.ones(N_L), np.zeros((N_C, n))
        p[K.parent_stress_support], sw[L.parent_stress_support] = strength, switch
        kn.spread_support(f, iv, *ties, active, p, sw, ctx)
        results.append(ctx[C.SUPPORT_IN].copy())
    np.testing.assert_array_equal(results[0], results[1])
    with_parent = np.array([any(tie_other[i, k] == iv[I.MOTHER, i] for k in range(tie_other.shape[1]))
                            if iv[I.MOTHER, i] >= 0 else False for i in range(n)])
    assert with_parent.any()
    assert np.all(results[0][with_parent] > results[2][with_parent])
    np.testing.assert_array_equal(results[0][~with_parent], results[2][~with_parent])


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
    pv = param_vector(rng, mode)
    f0, iv0, ctx, ev0 = random_population(rng, n, step, pension_age=pv[K.pension_age])
    active = random_active(rng, n)
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
    written = (Ev.JOB_LOSS, Ev.ILLNESS, Ev.BEREAVEMENT, Ev.EVICTION, Ev.FRAUD_SUSPICION,
               Ev.ATTEMPT, Ev.SUCCESS, Ev.NEED, Ev.SOUGHT, Ev.DECLINED, Ev.CARE_END, Ev.JOB_FOUND)
    for bit in written:
        assert np.any(ev_k & bit), bit.name
    # problematic debt is the household budget's event now (household_budgets), separation and crisis others'
    assert not np.any(ev_k & (Ev.DEBT | Ev.SEPARATION | Ev.CRISIS))
    # every move of the life course the kernel makes
    before, after = iv0[I.ACTIVITY], iv_k[I.ACTIVITY]
    moves = {(Activity.WORK, Activity.SEEKING), (Activity.SEEKING, Activity.WORK), (Activity.SEEKING, Activity.INACTIVE),
             (Activity.INACTIVE, Activity.SEEKING), (Activity.WORK, Activity.DISABLED),
             (Activity.SEEKING, Activity.DISABLED), (Activity.INACTIVE, Activity.DISABLED)}
    for a, b in moves:
        assert np.any((before == a) & (after == b)), f"no move {a.name} -> {b.name}"
    made = set(zip(before[before != after].tolist(), after[before != after].tolist()))
    assert made <= moves, f"unexpected moves {made - moves}"
    np.testing.assert_array_equal(iv_k[I.EMPLOYED], (after == Activity.WORK).astype(np.int64))


def test_update_persons_discouragement_after_a_year():
    """A job seeker stops looking only after 12 months without work; the inactive look again."""
    n = 40
    f = np.full((N_F, n), 0.5)
    iv = person_ints(n)
    iv[I.AGE] = 40 * 12
    iv[I.ROLE] = Role.PARTNER
    iv[I.ACTIVITY] = np.where(np.arange(n) < 30, Activity.SEEKING, Activity.INACTIVE)
    iv[I.JOBLESS_MONTHS] = np.where(np.arange(n) < 30, np.arange(n) % 3 + 10, 50)  # 10, 11, 12 months; inactive
    iv[I.WAIT_SINCE] = -1
    ctx = np.full((N_C, n), 0.5)
    pv = Params().replace(p_job_find=0.0, p_disability=0.0, p_discouraged=1.0, p_reenter=1.0).vector()
    sw = np.ones(N_L)
    active = np.arange(n, dtype=np.int64)
    got = run_update_persons(kn.update_persons, f, iv, ctx, np.zeros(n, dtype=np.int64), active, pv, sw, 1, 0)
    want = run_update_persons(update_persons_ref, f, iv, ctx, np.zeros(n, dtype=np.int64), active, pv, sw, 1, 0)
    np.testing.assert_array_equal(got[1], want[1])
    activity, jobless = got[1][I.ACTIVITY], iv[I.JOBLESS_MONTHS]
    seeking = np.arange(n) < 30
    np.testing.assert_array_equal(activity[seeking], np.where(jobless[seeking] >= 12, Activity.INACTIVE, Activity.SEEKING))
    assert np.all(activity[~seeking] == Activity.SEEKING)
    np.testing.assert_array_equal(got[1][I.JOBLESS_MONTHS], jobless + 1)


def one_month_of_workers(n=200, **changes):
    """(f, iv, events) after one month of ``n`` working 40-year-olds with stocks at 0.8 (``changes`` to the parameters)."""
    f = np.full((N_F, n), 0.8)
    iv = person_ints(n)
    iv[I.AGE] = 40 * 12
    iv[I.ROLE] = Role.PARTNER
    iv[I.ACTIVITY] = Activity.WORK
    iv[I.EMPLOYED] = 1
    for row in (I.WAIT_SINCE, I.COMMUNITY, I.PRO, I.MEETING):
        iv[row] = -1
    ctx = np.full((N_C, n), 0.5)
    pv = Params().replace(**changes).vector()
    return run_update_persons(kn.update_persons, f, iv, ctx, np.zeros(n, dtype=np.int64), np.arange(n, dtype=np.int64),
                              pv, np.ones(N_L), 1, 0)


def test_update_persons_illness_lowers_physical_health():
    f_hit, _, ev = one_month_of_workers(p_illness=1.0, hit_illness=1.0)
    f_none, _, _ = one_month_of_workers(p_illness=1.0, hit_illness=0.0)
    assert np.all(ev & Ev.ILLNESS)
    assert np.all(f_hit[F.PHYSICAL] < f_none[F.PHYSICAL])


def test_update_persons_acute_in_range_with_capacity_links_at_their_tops():
    tops = {name: spec(name).metadata["hi"] for name in
            ("psy_capacity", "support_capacity", "identity_capacity", "material_capacity", "acute_recovery")}
    f, _, _ = one_month_of_workers(**tops)
    assert np.all((f[F.ACUTE] >= 0.0) & (f[F.ACUTE] <= 1.0))


def eventful_population(n=2000, rng_seed=11, step=40):
    rng = np.random.default_rng(rng_seed)
    f, iv, ctx, ev = random_population(rng, n, step)
    pv = Params().vector()
    for name in EVENT_RATES:
        pv[K[name]] = 0.6
    pv[K.need_threshold] = 0.2
    pv[K.p_self_signal] = 0.5
    return f, iv, ctx, ev, np.arange(n, dtype=np.int64), pv, step


#: links that act only in a condition the eventful population does not have by default
LINK_CONDITIONS = {"closure_care": {"schools_closed": 1.0}}


@pytest.mark.parametrize("name", PERSON_LINKS)
def test_update_persons_switched_off_link_contributes_nothing(name):
    f, iv, ctx, ev, active, pv, step = eventful_population()
    for param, value in LINK_CONDITIONS.get(name, {}).items():
        pv[K[param]] = value
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
    iv = person_ints(n)
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
    iv = person_ints(n)
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
    iv = person_ints(n)
    iv[I.HOUSEHOLD] = rng.integers(0, nh, n)
    iv[I.ROLE] = rng.integers(0, 2, n)
    iv[I.AGE] = rng.integers(0, 90 * 12, n)
    iv[I.EMPLOYED] = rng.integers(0, 2, n)
    iv[I.PRO] = rng.integers(-1, npro, n)
    iv[I.MEETING] = rng.integers(-1, nfac, n)
    active = np.sort(rng.choice(n, size=rng.integers(1, n + 1), replace=False)).astype(np.int64)
    hh_info = np.vstack([rng.integers(0, 4, nh), rng.integers(0, 2, nh), rng.integers(0, nb, nh)]).astype(np.int64)
    block_info = rng.random((4, nb))
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
    iv = person_ints(n)
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
    iv = person_ints(n)
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
    iv = person_ints(n)
    iv[I.HOUSEHOLD] = rng.integers(0, n_hh, n)
    iv[I.ROLE] = rng.integers(0, 2, n)
    active = np.sort(rng.choice(n, rng.integers(1, n + 1), replace=False)).astype(np.int64)
    rows = np.array([F.WELLBEING, F.AGENCY, F.LIFE_SKILLS], dtype=np.int64)
    np.testing.assert_allclose(kn.partner_means(f, iv, active, n_hh, rows),
                               partner_means_ref(f, iv, active, n_hh, rows), rtol=1e-12, atol=1e-15)


QUEUES = {"mental health": (I.HELP, I.WAIT_SINCE, I.CARE_MONTHS),
          "debt counselling": (I.DEBT_HELP, I.DEBT_WAIT_SINCE, I.DEBT_MONTHS)}


@pytest.mark.parametrize("queue", QUEUES)
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), n_admit=st.integers(0, 30))
def test_admit_queue_equals_twin(queue, seed, n, n_admit):
    from abm.reference import admit_queue_ref

    rows = QUEUES[queue]
    help_row, since_row, months_row = rows
    rng = np.random.default_rng(seed)
    iv = person_ints(n)
    for state_row, wait_row, care_row in QUEUES.values():  # both queues filled: only the one named may change
        iv[state_row] = rng.integers(0, 3, n)
        iv[wait_row] = np.where(iv[state_row] == Help.WAITING, rng.integers(-40, 30, n), -1)
        iv[care_row] = rng.integers(0, 9, n)
    active = np.sort(rng.choice(n, rng.integers(1, n + 1), replace=False)).astype(np.int64)
    fast, slow = iv.copy(), iv.copy()
    got = kn.admit_queue(fast, active, n_admit, 30, *rows)
    want = admit_queue_ref(slow, active, n_admit, 30, *rows)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fast, slow)
    others = [r for r in range(N_I) if r not in rows]
    np.testing.assert_array_equal(fast[others], iv[others])
    assert got[0].size == min(n_admit, int((iv[help_row, active] == Help.WAITING).sum()))
    assert (fast[help_row, got[0]] == Help.CARE).all() and (fast[since_row, got[0]] == -1).all()
    assert (fast[months_row, got[0]] == 0).all()
    # first come, first served: nobody left waiting waited longer than anyone admitted
    if got[0].size:
        still = active[fast[help_row, active] == Help.WAITING]
        assert (iv[since_row, still] >= iv[since_row, got[0]].max()).all()


# --------------------------------------------------------------------------------------
# household_budgets and household_income
# --------------------------------------------------------------------------------------

#: rows each kernel owns: household_budgets writes these and nothing else of a person
BUDGET_F_ROWS = (F.INCOME, F.DEBT, F.BUFFER, F.ACUTE)
BUDGET_I_ROWS = (I.CLAIM, I.DEBT_HELP, I.DEBT_WAIT_SINCE, I.DEBT_MONTHS)
BUDGET_FLAGS = (B.ELIGIBLE, B.CLAIMING, B.LOW, B.PROBLEM_DEBT, B.ENDS_MEET)


def budget_params(rng, mode):
    """``Params().vector()`` with budget parameters moved: "default", "random" (within the schema) or
    "eventful" (random, and claims, debt counselling and its end frequent, debt soon problematic)."""
    pv = Params().vector()
    if mode == "default":
        return pv
    for name in rng.choice(BUDGET_PARAMS, size=rng.integers(1, 16), replace=False):
        pv[K[name]] = schema_value(rng, name)
    if mode == "eventful":
        for name in BUDGET_RATES:
            pv[K[name]] = rng.uniform(0.3, 1.0)
        pv[K.debt_care_months] = rng.uniform(1.0, 4.0)
        pv[K.problem_debt_months] = rng.uniform(0.1, 2.0)
    return pv


def random_money(rng, n, asset_limit):
    """float64[N_M, n]: savings and arrears >= 0 (often 0, some at the asset limit, some large); stale incomes."""
    mo = np.zeros((N_M, n))
    r = rng.random(n)
    mo[M.SAVINGS] = np.select([r < 0.3, r < 0.4], [0.0, asset_limit / 2.0 * rng.uniform(0.9, 1.1, n)],
                              rng.uniform(0.0, 20_000.0, n))
    r = rng.random(n)
    mo[M.ARREARS] = np.select([r < 0.5, r < 0.9], [0.0, rng.uniform(0.0, 8_000.0, n)], rng.uniform(0.0, 60_000.0, n))
    mo[M.INCOME] = rng.uniform(-1e4, 1e4, n)  # overwritten for the active: must not be read
    return mo


def random_households(rng, nh, step, pv):
    """Persons in ``nh`` households, with the arrays household_budgets reads.

    A household has 0 (its partners gone), 1 or 2 partners and up to 3 children, some of
    them grown up; some households are gone (block -1), with or without members left in
    the arrays; person ids are shuffled, so a household's first partner is anywhere.
    """
    pension_age = float(pv[K.pension_age])
    households, roles, ages = [], [], []
    kind = np.zeros(nh, dtype=np.int64)
    for h in range(nh):
        partners = int(rng.choice(3, p=(0.05, 0.5, 0.45)))
        children = int(rng.integers(0, 4)) if rng.random() < 0.6 else 0
        kind[h] = (1 if children == 0 else 2) if partners == 2 else (0 if children == 0 else 3)
        for _ in range(partners):
            households.append(h)
            roles.append(Role.PARTNER)
            r = rng.random()
            edge = int(pension_age * 12.0) - int(rng.integers(0, 2))
            ages.append(edge if r < 0.1 else 18 * 12 if r < 0.15 else int(rng.integers(18 * 12, 95 * 12)))
        for _ in range(children):
            households.append(h)
            roles.append(Role.CHILD)
            ages.append(int(rng.integers(18 * 12, 30 * 12)) if rng.random() < 0.2 else int(rng.integers(0, 18 * 12)))
    n_members = len(households)
    n_absent = int(rng.integers(0, 3))  # ids that are not active (dead or gone)
    n = n_members + n_absent
    order = rng.permutation(n)
    f = unit_stocks(rng, N_F, n)
    iv = person_ints(n)
    iv[I.HOUSEHOLD, order[:n_members]] = households
    iv[I.HOUSEHOLD, order[n_members:]] = rng.integers(0, nh, n_absent)
    iv[I.ROLE, order[:n_members]] = roles
    iv[I.ROLE, order[n_members:]] = Role.PARTNER
    iv[I.AGE, order[:n_members]] = ages
    iv[I.AGE, order[n_members:]] = rng.integers(18 * 12, 80 * 12, n_absent)
    iv[I.ALIVE, order[:n_members]] = 1
    iv[I.ACTIVITY] = random_activity(rng, iv[I.AGE], pension_age)
    iv[I.EMPLOYED] = (iv[I.ACTIVITY] == Activity.WORK).astype(np.int64)
    iv[I.JOBLESS_MONTHS] = random_jobless_months(rng, iv[I.ACTIVITY])
    partner = iv[I.ROLE] == Role.PARTNER
    iv[I.CLAIM] = np.where(partner, rng.random(n) < 0.3, 0)
    # debt counselling cases: on any partner (the kernel reads the first partner's)
    iv[I.DEBT_HELP] = np.where(partner, rng.choice(3, n, p=(0.6, 0.2, 0.2)), Help.NONE)
    iv[I.DEBT_WAIT_SINCE] = np.where(iv[I.DEBT_HELP] == Help.WAITING, step - rng.integers(0, 40, n), -1)
    iv[I.DEBT_MONTHS] = np.where(iv[I.DEBT_HELP] == Help.CARE, rng.integers(0, 30, n), 0)
    iv[I.HELP] = rng.integers(0, 3, n)
    iv[I.WAIT_SINCE] = -1
    iv[I.PRO] = -1
    iv[I.MEETING] = -1
    iv[I.COMMUNITY] = -1
    mo = random_money(rng, n, float(pv[K.asset_limit]))
    block = rng.integers(0, 4, nh)
    block[rng.random(nh) < 0.15] = -1  # households gone
    hh_info = np.vstack([kind, rng.integers(0, 2, nh), block]).astype(np.int64)
    active = np.sort(order[:n_members]).astype(np.int64)
    if rng.random() < 0.3:  # a member left out this month (as if just gone)
        active = np.sort(rng.choice(active, size=max(active.size - 1, 0), replace=False)).astype(np.int64)
    return f, iv, mo, hh_info, active


def random_budgets(rng, nh):
    """float64[N_B, nh]: last month's budgets (garbage, but for the problematic-debt flag: 0 or 1)."""
    bud = rng.uniform(-1e3, 1e3, (N_B, nh))
    bud[B.PROBLEM_DEBT] = rng.integers(0, 2, nh)
    return bud


def run_budgets(fn, f, iv, mo, active, hh_info, pv, sw, floor, seed, step, bud, events):
    f, iv, mo, bud, events = copies(f, iv, mo, bud, events)
    fn(f, iv, mo, active, hh_info, pv, sw, floor, seed, step, bud, events)
    return f, iv, mo, bud, events


def assert_budgets_equal(got, want):
    f_k, iv_k, mo_k, bud_k, ev_k = got
    f_r, iv_r, mo_r, bud_r, ev_r = want
    np.testing.assert_array_equal(iv_k, iv_r)
    np.testing.assert_array_equal(ev_k, ev_r)
    np.testing.assert_allclose(f_k, f_r, rtol=0, atol=ATOL)
    np.testing.assert_allclose(mo_k, mo_r, rtol=1e-12, atol=1e-9)  # euros
    np.testing.assert_allclose(bud_k, bud_r, rtol=1e-12, atol=1e-9)


def assert_budget_properties(before, after, active, hh_info):
    """What household_budgets may change, and the ranges of what it writes."""
    f0, iv0, mo0, bud0, ev0 = before
    f, iv, mo, bud, ev = after
    n = f.shape[1]
    other_f = [r for r in range(N_F) if r not in BUDGET_F_ROWS]
    other_i = [r for r in range(N_I) if r not in BUDGET_I_ROWS]
    np.testing.assert_array_equal(f[other_f], f0[other_f])
    np.testing.assert_array_equal(iv[other_i], iv0[other_i])
    absent = np.setdiff1d(np.arange(n), active)
    for a, b in ((f, f0), (iv, iv0), (mo, mo0)):
        np.testing.assert_array_equal(a[:, absent], b[:, absent])
    # events only gain Ev.DEBT, and only partners get it
    assert np.all((ev & ev0) == ev0) and np.all((ev ^ ev0) & ~Ev.DEBT == 0)
    assert np.all(iv[I.ROLE, np.flatnonzero(ev ^ ev0)] == Role.PARTNER)
    # stocks in [0, 1]; money finite and >= 0
    assert np.all(np.isfinite(f[:, active]))
    assert np.all((f[BUDGET_F_ROWS, :][:, active] >= 0.0) & (f[BUDGET_F_ROWS, :][:, active] <= 1.0))
    assert np.all(np.isfinite(mo[:, active]))
    assert np.all(mo[M.SAVINGS, active] >= 0.0) and np.all(mo[M.ARREARS, active] >= 0.0)
    assert np.all(mo[M.INCOME, active] >= 0.0)
    # households gone or without partners: only PERSONS (0) written
    h_partners = np.bincount(iv[I.HOUSEHOLD, active][iv[I.ROLE, active] == Role.PARTNER], minlength=hh_info.shape[1])
    skipped = (hh_info[2] < 0) | (h_partners == 0)
    np.testing.assert_array_equal(bud[B.PERSONS, skipped], 0.0)
    rows = [r for r in range(N_B) if r != B.PERSONS]
    np.testing.assert_array_equal(bud[np.ix_(rows, np.flatnonzero(skipped))], bud0[np.ix_(rows, np.flatnonzero(skipped))])
    done = ~skipped
    b = bud[:, done]
    assert np.all(np.isfinite(b))
    assert np.all(np.isin(b[list(BUDGET_FLAGS)], (0.0, 1.0)))
    assert np.all(b[B.CLAIMING] <= b[B.ELIGIBLE])
    assert np.all(b[B.ASSISTANCE] >= 0.0) and np.all(b[B.ASSISTANCE][b[B.CLAIMING] == 0.0] == 0.0)
    assert np.all(b[B.SAVINGS] >= 0.0) and np.all(b[B.ARREARS] >= 0.0)
    np.testing.assert_array_equal(b[B.PERSONS], np.bincount(iv[I.HOUSEHOLD, active], minlength=hh_info.shape[1])[done])
    # the partners hold the household's money in equal shares and its claim
    for h in np.flatnonzero(done):
        members = active[iv[I.HOUSEHOLD, active] == h]
        partners = members[iv[I.ROLE, members] == Role.PARTNER]
        np.testing.assert_allclose(mo[M.SAVINGS, partners].sum(), bud[B.SAVINGS, h], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(mo[M.ARREARS, partners].sum(), bud[B.ARREARS, h], rtol=1e-12, atol=1e-9)
        assert np.all(iv[I.CLAIM, partners] == bud[B.CLAIMING, h])


@SETTINGS
@given(
    rng_seed=RNG_SEEDS,
    nh=st.integers(1, 25),
    seed=SEEDS,
    step=st.integers(-36, 600),
    months=st.integers(1, 3),
    mode=st.sampled_from(["default", "random", "eventful"]),
    p_on=st.sampled_from([1.0, 0.7]),
)
def test_household_budgets_equals_reference(rng_seed, nh, seed, step, months, mode, p_on):
    """A few months of budgets, debt counselling admitting between them, kernel against twin."""
    from abm.reference import admit_queue_ref

    rng = np.random.default_rng(rng_seed)
    pv = budget_params(rng, mode)
    sw = switch_vector(rng, p_on)
    f, iv, mo, hh_info, active = random_households(rng, nh, step, pv)
    bud = random_budgets(rng, nh)
    events = rng.integers(0, 2**15, f.shape[1]).astype(np.int64)
    kernel = twin = (f, iv, mo, bud, events)
    for month in range(months):
        transfer = np.where(rng.random(nh) < 0.2, rng.uniform(0.0, 2000.0, nh), 0.0)  # income floors
        before = kernel
        kernel = run_budgets(kn.household_budgets, *kernel[:3], active, hh_info, pv, sw, transfer, seed, step + month,
                             *kernel[3:])
        twin = run_budgets(household_budgets_ref, *twin[:3], active, hh_info, pv, sw, transfer, seed, step + month,
                           *twin[3:])
        assert_budgets_equal(kernel, twin)
        assert_budget_properties(before, kernel, active, hh_info)
        n_admit = int(rng.integers(0, 4))
        got = kn.admit_queue(kernel[1], active, n_admit, step + month, I.DEBT_HELP, I.DEBT_WAIT_SINCE, I.DEBT_MONTHS)
        want = admit_queue_ref(twin[1], active, n_admit, step + month, I.DEBT_HELP, I.DEBT_WAIT_SINCE, I.DEBT_MONTHS)
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(kernel[1], twin[1])


def test_household_budgets_takes_every_branch():
    """Months of many households: every draw and branch of the budget occurs, and the twin agrees."""
    rng = np.random.default_rng(77)
    nh, seed, step = 1500, 5, 3
    pv = Params().vector()
    pv[K.p_claim] = 0.6
    pv[K.p_debt_seek] = 0.6
    pv[K.debt_care_months] = 3.0
    sw = np.ones(N_L)
    f, iv, mo, hh_info, active = random_households(rng, nh, step, pv)
    bud = random_budgets(rng, nh)
    events = np.zeros(f.shape[1], dtype=np.int64)
    transfer = np.zeros(nh)
    state = (f, iv, mo, bud, events)
    seen = dict(claimed_by_draw=0, counselling_ended=0, sought_counselling=0, new_problem_debt=0,
                stays_problem_debt=0, not_eligible_for_savings=0, allowances=0, pensioners=0,
                unemployment_benefit=0, benefit_ended=0, shortfall=0, surplus=0)
    for month in range(4):
        before = state
        state = run_budgets(kn.household_budgets, *state[:3], active, hh_info, pv, sw, transfer, seed, step + month,
                            *state[3:])
        twin = run_budgets(household_budgets_ref, *before[:3], active, hh_info, pv, sw, transfer, seed, step + month,
                           *before[3:])
        assert_budgets_equal(state, twin)
        f1, iv1, mo1, bud1, ev1 = state
        iv0, bud0, ev0 = before[1], before[3], before[4]
        partner = active[iv0[I.ROLE, active] == Role.PARTNER]
        seen["claimed_by_draw"] += int(((iv0[I.CLAIM, partner] == 0) & (iv1[I.CLAIM, partner] == 1)).sum())
        seen["counselling_ended"] += int(((iv0[I.DEBT_HELP, partner] == Help.CARE)
                                          & (iv1[I.DEBT_HELP, partner] == Help.NONE)).sum())
        seen["sought_counselling"] += int(((iv0[I.DEBT_HELP, partner] == Help.NONE)
                                           & (iv1[I.DEBT_HELP, partner] == Help.WAITING)).sum())
        seen["new_problem_debt"] += int(((ev1 & ~ev0) & Ev.DEBT != 0).sum())
        done = bud1[B.PERSONS] > 0
        seen["stays_problem_debt"] += int((done & (bud0[B.PROBLEM_DEBT] == 1) & (bud1[B.PROBLEM_DEBT] == 1)).sum())
        seen["not_eligible_for_savings"] += int((done & (bud1[B.ELIGIBLE] == 0)
                                                 & (bud1[B.DISPOSABLE] < 0.5 * pv[K.assistance_single])).sum())
        seen["allowances"] += int((done & (bud1[B.DISPOSABLE] > bud1[B.MEASURED])).sum())
        act = iv1[I.ACTIVITY, active]
        seen["pensioners"] += int((act == Activity.RETIRED).sum())
        seeking = active[act == Activity.SEEKING]
        seen["unemployment_benefit"] += int((mo1[M.INCOME, seeking] > 0).sum())
        seen["benefit_ended"] += int((mo1[M.INCOME, seeking] == 0).sum())
        seen["shortfall"] += int((done & (bud1[B.RESIDUAL] < 0)).sum())
        seen["surplus"] += int((done & (bud1[B.RESIDUAL] > 0)).sum())
        n_admit = 20
        kn.admit_queue(iv1, active, n_admit, step + month, I.DEBT_HELP, I.DEBT_WAIT_SINCE, I.DEBT_MONTHS)
    for what, count in seen.items():
        assert count > 0, f"never: {what}"


@SETTINGS
@given(rng_seed=RNG_SEEDS, nh=st.integers(1, 25), mode=st.sampled_from(["default", "random"]))
def test_household_income_equals_reference(rng_seed, nh, mode):
    rng = np.random.default_rng(rng_seed)
    pv = budget_params(rng, mode)
    f, iv, mo, hh_info, active = random_households(rng, nh, 0, pv)
    mo_k, mo_r = mo.copy(), mo.copy()
    iv0 = iv.copy()
    got = kn.household_income(f, iv, mo_k, active, hh_info, pv)
    want = household_income_ref(f, iv, mo_r, active, hh_info, pv)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(mo_k, mo_r, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(iv, iv0)
    assert np.all(got[1][got[1] > 0] >= 1.0)  # an equivalence factor is at least one adult's


def test_household_income_matches_the_budget():
    """The income the first draw fits (household_income) is the budget's measured income without draws or income floors."""
    rng = np.random.default_rng(3)
    pv = Params().vector()
    pv[K.p_claim] = 0.0  # no claim by draw: the claims stand as they are
    f, iv, mo, hh_info, active = random_households(rng, 300, 0, pv)
    income = kn.household_income(f, iv, mo.copy(), active, hh_info, pv)
    _, _, _, bud, _ = run_budgets(kn.household_budgets, f, iv, mo, active, hh_info, pv, np.ones(N_L), np.zeros(300), 1, 0,
                                  np.zeros((N_B, 300)), np.zeros(f.shape[1], dtype=np.int64))
    done = bud[B.PERSONS] > 0
    assert done.sum() > 100
    np.testing.assert_array_equal(income[0, done], bud[B.MEASURED, done])
    np.testing.assert_array_equal(income[1, done], bud[B.EQUIVALENCE, done])
    np.testing.assert_array_equal(income[2, done], bud[B.COSTS, done])
    np.testing.assert_array_equal(income[:, ~done], 0.0)


@pytest.mark.parametrize("name", BUDGET_LINKS)
def test_household_budgets_switched_off_link_contributes_nothing(name):
    rng = np.random.default_rng(12)
    nh = 400
    pv = Params().vector()
    pv[K.p_claim] = 0.5
    pv[K.p_debt_seek] = 0.5
    f, iv, mo, hh_info, active = random_households(rng, nh, 0, pv)
    bud = random_budgets(rng, nh)
    events = np.zeros(f.shape[1], dtype=np.int64)
    sw = np.ones(N_L)
    sw_off = sw.copy()
    sw_off[L[name]] = 0.0
    pv_zero = pv.copy()
    pv_zero[K[name]] = 0.0
    pv_on = pv.copy()
    pv_on[K[name]] = max(pv[K[name]], 0.5 * spec(name).metadata["hi"])
    args = lambda p, s: (f, iv, mo, active, hh_info, p, s, np.zeros(nh), 4, 0, bud, events)  # noqa: E731
    off = run_budgets(kn.household_budgets, *args(pv_on, sw_off))
    zero = run_budgets(kn.household_budgets, *args(pv_zero, sw))
    on = run_budgets(kn.household_budgets, *args(pv_on, sw))
    for a, b in zip(off, zero):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(off, on)), f"link {name} has no effect"


@SETTINGS
@given(rng_seed=RNG_SEEDS, n=st.integers(1, 300), offset=st.floats(-20.0, 20.0), line=st.floats(0.0, 1.0))
def test_person_survey_equals_reference(rng_seed, n, offset, line):
    """The survey's one pass over the persons counts what the twin's masks count."""
    from abm.reference import person_survey_ref

    rng = np.random.default_rng(rng_seed)
    f = rng.random((N_F, n))
    iv = person_ints(n)
    iv[I.AGE] = rng.integers(0, 95 * 12, n)
    iv[I.ACTIVITY] = rng.integers(0, len(Activity), n)
    iv[I.HOUSEHOLD] = rng.integers(0, 20, n)
    iv[I.DEBT_HELP] = rng.integers(0, 3, n)
    low = (rng.random(20) < 0.3).astype(float)
    ids = np.sort(rng.choice(n, size=rng.integers(0, n + 1), replace=False)).astype(np.int64)
    got = kn.person_survey(f, iv, low, ids, offset, 60.0, line)
    want = person_survey_ref(f, iv, low, ids, offset, 60.0, line)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(kn.mhi5_scores(f, ids, offset),
                                  100.0 * 0.5 * ((1.0 - f[F.MENTAL, ids]) + f[F.WELLBEING, ids]) - offset)
