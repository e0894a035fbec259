"""Measurement (issue 11): setbacks judged against matched controls, and a lineage not selected on staying.

Bounce forward, back or not compares a person's change of wellbeing over the setback window
with the change of matched controls, adults of the same age group and wellbeing band without
a setback in the same months (:class:`abm.metrics.ControlCohorts`), so that drift is not taken
for bouncing. The placebo check: adults with no setback at all, judged the same way at the
months they had none, must come out centred on "back"; the old rule (the change against no
change) calls half of them "forward" in the default neighbourhood (its first years still
drift upwards).

Young people who leave the neighbourhood before the lineage age are recorded as they leave
(:func:`abm.metrics.record_leavers`), and the transmission coefficient controls for the age
the child's stress was read at (:func:`abm.metrics.transmission`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from abm.kernels import F, I, SETBACKS
from abm.metrics import (
    LEFT_REASONS, MIN_CHILD_MONTHS, MIN_CONTROLS, N_BANDS, N_STRATA, OUTCOME_BACK, OUTCOME_FORWARD, OUTCOME_NOT,
    ControlCohorts, control_strata, judge, transmission,
)
from abm.model import VeerkrachtModel
from abm.params import Params
from abm.state import Departure

SEED = 515
STEPS = 96  # windows of 24 months closing from month 24: 72 cohorts
ADULT = 18 * 12
OUTCOMES = (OUTCOME_FORWARD, OUTCOME_BACK, OUTCOME_NOT)


def shares(outcomes: np.ndarray) -> dict[str, float]:
    return {k: float((outcomes == k).mean()) for k in OUTCOMES}


@dataclass
class Placebo:
    """Every adult-month without a setback in the window that follows, judged as a setback would be."""

    model: VeerkrachtModel
    change: np.ndarray = field(default=None)  # own change of wellbeing over the window
    control: np.ndarray = field(default=None)  # matched controls' mean change (the person left out)
    n_controls: np.ndarray = field(default=None)
    # per closed cohort: (start month, ids, valid, present at the end) and the setback months seen by hand
    cohorts: list = field(default_factory=list)
    setback_months: dict = field(default_factory=dict)  # person -> months with a setback event
    setback_age: dict = field(default_factory=dict)  # (person, month) -> age in months at a setback event
    closed: dict = field(default_factory=dict)  # month -> its closed cohort (abm.metrics.Cohort)


@pytest.fixture(scope="module")
def placebo() -> Placebo:
    """The default neighbourhood for 96 months, stepped by hand to keep each closed cohort and each setback."""
    model = VeerkrachtModel(Params(), seed=SEED)
    out = Placebo(model)
    change, control, n_controls = [], [], []
    s = model.state
    for _ in range(STEPS):
        model.step()
        month = model.month - 1
        hit = np.flatnonzero(s.events[: s.n] & SETBACKS)
        for pid, age in zip(hit.tolist(), s.i[I.AGE, hit].tolist()):
            out.setback_months.setdefault(pid, []).append(month)
            out.setback_age[pid, month] = age
        out.closed.update(model.recorder.controls.closed)
        for start, c in model.recorder.controls.closed.items():
            v = np.flatnonzero(c.valid)
            mean, n = model.recorder.controls.change(start, c.strata[v], own=c.change[v])
            change.append(c.change[v])
            control.append(mean)
            n_controls.append(n)
            out.cohorts.append((start, c.ids.copy(), c.valid.copy(), s.alive_mask()[c.ids].copy()))
    out.change, out.control, out.n_controls = (np.concatenate(x) for x in (change, control, n_controls))
    return out


def test_controls_are_adults_without_a_setback_in_the_window(placebo):
    """A cohort member counts as a control exactly when present at the end and without a setback in the window."""
    window = placebo.model.p.resilience_window
    assert len(placebo.cohorts) == STEPS - window
    checked = 0
    for start, ids, valid, present in placebo.cohorts:
        had = np.array([any(start <= t <= start + window for t in placebo.setback_months.get(pid, ()))
                        for pid in ids.tolist()])
        np.testing.assert_array_equal(valid, present & ~had, err_msg=f"cohort of month {start}")
        checked += int(valid.sum())
    assert checked > 100_000


def test_no_setback_adults_are_judged_back_not_forward(placebo):
    """Adults without a setback, judged against matched controls: centred on back, forward and not alike.

    Over 24 months the wellbeing of adults without a setback spreads by about 0.07 around
    what their matched controls did; the default tolerance (0.04) holds two thirds of them,
    the rest fall outside it as many above as below. A narrow band (0.02) leaves half of
    them outside, centred alike. The old rule (the change against no change) calls most of
    them forward: the drift.
    """
    tol = placebo.model.p.setback_tolerance
    assert tol == pytest.approx(0.04)
    assert (placebo.n_controls >= MIN_CONTROLS).all()
    matched = shares(judge(placebo.change, placebo.control, tol))
    old = shares(judge(placebo.change, np.zeros_like(placebo.change), tol))
    d = placebo.change - placebo.control
    report = f"matched {matched}, old rule {old}, mean difference {d.mean():.4f}, n {d.size}"
    assert abs(d.mean()) < 0.01, report
    assert matched[OUTCOME_BACK] > 0.55, report
    assert matched[OUTCOME_FORWARD] < 0.25 and matched[OUTCOME_NOT] < 0.25, report
    assert abs(matched[OUTCOME_FORWARD] - matched[OUTCOME_NOT]) < 0.08, report
    narrow = shares(judge(placebo.change, placebo.control, 0.02))
    assert narrow[OUTCOME_BACK] > 0.4 and abs(narrow[OUTCOME_FORWARD] - narrow[OUTCOME_NOT]) < 0.08, (narrow, report)
    # the same check fails the old rule: this run drifts
    assert old[OUTCOME_FORWARD] > 0.3 and np.mean(placebo.change) > 0.02, report


def test_real_setbacks_produce_all_three_outcomes(placebo):
    """In a normal run setbacks end forward, back and not, each as the matched controls judge it."""
    run = placebo.model
    sb = run.results()["setbacks"]
    assert len(sb) >= 500
    counts = sb["outcome"].value_counts(normalize=True)
    for k in OUTCOMES:
        assert counts.get(k, 0.0) >= 0.05, counts.to_dict()
    assert (sb["controls"] >= MIN_CONTROLS).all() and sb["control_change"].notna().all()
    tol = run.p.setback_tolerance
    again = judge((sb["wellbeing_after"] - sb["wellbeing_before"]).to_numpy(), sb["control_change"].to_numpy(), tol)
    np.testing.assert_array_equal(again, sb["outcome"].to_numpy())
    # the controls matter: the old rule would judge a good share of the setbacks otherwise
    old = judge((sb["wellbeing_after"] - sb["wellbeing_before"]).to_numpy(), np.zeros(len(sb)), tol)
    assert (old != sb["outcome"].to_numpy()).mean() > 0.1


def test_each_setback_is_compared_with_the_cohort_of_its_month(placebo):
    """The controls of a setback: the cohort of its month, in the person's age group and band at that month."""
    sb = placebo.model.results()["setbacks"]
    age = np.array([placebo.setback_age[pid, month] for pid, month in zip(sb["person"], sb["step"])])
    strata = control_strata(age, sb["wellbeing_before"].to_numpy())
    for month, rows in sb.groupby("step").indices.items():
        cohorts = ControlCohorts()
        cohorts.closed = {month: placebo.closed[month]}
        mean, n = cohorts.change(month, strata[rows])
        np.testing.assert_allclose(sb["control_change"].to_numpy()[rows], mean, rtol=1e-12)
        np.testing.assert_array_equal(sb["controls"].to_numpy()[rows], n)


def _change_naive(cohort, strata: np.ndarray, own: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The controls' mean change, person by person: the narrowest band window with enough controls."""
    v = cohort.valid
    group_all, band_all = np.divmod(cohort.strata[v], N_BANDS)
    x = cohort.change[v]
    means, counts = [], []
    for k, stratum in enumerate(strata.tolist()):
        group, band = divmod(stratum, N_BANDS)
        less = (own[k], 1) if own is not None else (0.0, 0)
        found = None
        for same_age in (True, False):
            for r in range(N_BANDS):
                sel = (np.abs(band_all - band) <= r) & ((group_all == group) | (not same_age))
                total, count = x[sel].sum() - less[0], int(sel.sum()) - less[1]
                if count >= MIN_CONTROLS:
                    found = (total / count, count)
                    break
            if found:
                break
        if found is None:
            total, count = x.sum() - less[0], x.size - less[1]
            found = (total / count if count > 0 else np.nan, count)
        means.append(found[0])
        counts.append(found[1])
    return np.array(means), np.array(counts)


@pytest.mark.parametrize("seed", range(6))
def test_control_change_equals_its_naive_twin(seed):
    """Widening bands within the age group, then over all ages, then all controls; the person left out."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(5, 300))
    ages = rng.choice([20, 35, 50, 70], m) * 12 + rng.integers(0, 60, m)
    base = np.clip(rng.normal(rng.uniform(0.3, 0.8), rng.uniform(0.02, 0.2), m), 0, 1)
    cohorts = ControlCohorts()
    cohorts.start(3, np.arange(m), control_strata(ages, base), base)
    alive, followed = rng.random(m) < 0.85, rng.random(m) < 0.1
    free = alive & ~followed
    wellbeing = np.clip(base + rng.normal(0.02, 0.05, m), 0, 1)
    cohorts.close(3 + 24, 24, wellbeing, alive, np.where(followed, 10, -1))
    c = cohorts.closed[3]
    np.testing.assert_array_equal(c.valid, free)
    assert c.counts.sum() == free.sum() and c.sums.size == N_STRATA
    # setbacks at any ages and levels
    probe = control_strata(rng.integers(18 * 12, 90 * 12, 40), rng.random(40))
    got = cohorts.change(3, probe)
    want = _change_naive(c, probe, None)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(got[1], want[1])
    # the controls themselves, each left out of its own comparison
    v = np.flatnonzero(c.valid)
    got = cohorts.change(3, c.strata[v], own=c.change[v])
    want = _change_naive(c, c.strata[v], c.change[v])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(got[1], want[1])
    # a month without a cohort: no controls
    mean, n = cohorts.change(4, probe)
    assert np.isnan(mean).all() and (n == 0).all()


def test_judge_compares_with_the_controls_change():
    change = np.array([0.10, 0.10, 0.10, -0.05, 0.0])
    control = np.array([0.05, 0.09, 0.13, np.nan, np.nan])
    assert judge(change, control, 0.02).tolist() == [OUTCOME_FORWARD, OUTCOME_BACK, OUTCOME_NOT, OUTCOME_NOT,
                                                     OUTCOME_BACK]


def test_control_strata_age_groups_and_bands():
    age = np.array([18, 29, 30, 44, 45, 64, 65, 99]) * 12
    wb = np.array([0.0, 0.024, 0.025, 0.5, 0.999, 1.0, 0.26, 0.51])
    group, band = np.divmod(control_strata(age, wb), N_BANDS)
    assert group.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert band.tolist() == [0, 0, 1, 20, N_BANDS - 1, N_BANDS - 1, 10, 20]


# ---- the lineage: those who leave before the lineage age ------------------------------------


def test_young_people_who_leave_are_recorded_as_they_leave(small_run):
    """Every child who left (other than by death) before the lineage age with 24 months observed has a row."""
    m = small_run
    s, lin = m.state, m.results()["lineage"]
    age = int(round(m.p.lineage_age_years * 12))
    assert not lin["child"].duplicated().any()
    left = lin[lin["left"] == 1]
    stayed = lin[lin["left"] == 0]
    assert len(left) >= 20, len(left)
    n = s.n
    reason = s.left_reason[:n]
    expected = np.flatnonzero((s.left_month[:n] >= 0) & (reason != Departure.PRESENT) & (reason != Departure.DIED)
                              & (s.child_months[:n] >= MIN_CHILD_MONTHS) & (s.i[I.AGE, :n] < age))
    assert sorted(left["child"].tolist()) == expected.tolist()
    ids = left["child"].to_numpy()
    assert left["left_reason"].tolist() == [LEFT_REASONS[Departure(r)] for r in s.left_reason[ids].tolist()]
    np.testing.assert_allclose(left["age_years"], s.i[I.AGE, ids] / 12.0)
    assert (left["age_years"] < m.p.lineage_age_years).all() and (left["months_observed"] >= MIN_CHILD_MONTHS).all()
    # their outcomes as they left (nothing changes a person's stocks after leaving)
    np.testing.assert_allclose(left["stress"], s.f[F.STRESS, ids])
    np.testing.assert_allclose(left["parents_stress"], s.child_parent_stress[ids] / s.child_months[ids])
    assert (stayed["age_years"] == m.p.lineage_age_years).all() and (stayed["left_reason"] == "").all()


def test_transmission_controls_for_the_age_the_stress_was_read_at():
    """Leavers read younger, with a different stress level by age: the slope stays the parents' share."""
    rng = np.random.default_rng(11)
    n = 6000
    material, network = rng.random(n), rng.random(n)
    community = (rng.random(n) < 0.3).astype(int)
    left = (rng.random(n) < 0.7).astype(int)
    age = np.where(left == 1, rng.uniform(2, 21, n), 21.0)
    parents = 0.6 - 0.4 * material + 0.1 * rng.standard_normal(n) + 0.01 * (21 - age)  # younger: more stressed parents
    level = np.select([age < 6, age < 12, age < 18], [0.0, 0.05, 0.1], -0.05)  # stress by age band
    child = 0.5 * parents - 0.3 * material + level + 0.05 * rng.standard_normal(n)
    kind = np.where(rng.random(n) < 0.3, "single_parent", "couple")
    lin = pd.DataFrame(dict(parents_stress=parents, household_material=material, network=network,
                            community=community, block_nuisance=rng.random(n), block_housing=rng.random(n),
                            stress=child, household_kind=kind, age_years=age, left=left))
    t = transmission(lin)["all"]
    assert t["slope"] == pytest.approx(0.5, abs=0.02), t
    assert t["n"] == n and t["n_left"] == int(left.sum())
    assert t["slope_stayed"] == pytest.approx(0.5, abs=0.04), t
    # without the age bands the slope would be off
    unadjusted = transmission(lin.drop(columns=["age_years"]))["all"]
    assert abs(unadjusted["slope"] - 0.5) > 0.05, unadjusted


def test_transmission_controls_for_the_block_parents_and_children_share():
    """Nuisance and poor housing in the block raise the stress of parents and children alike:
    without anything passed on from parent to child, the adjusted slope is zero, the raw one is not."""
    rng = np.random.default_rng(5)
    n = 6000
    nuisance, housing = rng.random(n), rng.random(n)
    parents = 0.3 + 0.3 * nuisance - 0.2 * housing + 0.1 * rng.standard_normal(n)
    child = 0.2 + 0.3 * nuisance - 0.2 * housing + 0.05 * rng.standard_normal(n)
    lin = pd.DataFrame(dict(parents_stress=parents, household_material=rng.random(n), network=rng.random(n),
                            community=(rng.random(n) < 0.3).astype(int), block_nuisance=nuisance,
                            block_housing=housing, stress=child, household_kind="couple", age_years=21.0, left=0))
    t = transmission(lin)["all"]
    assert abs(t["slope"]) < 2 * t["se"] + 0.01, t
    assert t["slope_raw"] > 0.2, t


def test_transmission_in_a_run_counts_the_leavers(small_run):
    t = transmission(small_run.results()["lineage"])
    lin = small_run.results()["lineage"]
    assert t["all"]["n"] == len(lin) and t["all"]["n_left"] == int(lin["left"].sum()) > 0
    assert t["all"]["n_left"] == t["couple"]["n_left"] + t["single_parent"]["n_left"]
