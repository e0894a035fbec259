"""One 95% interval of a mean over replicates (:mod:`experiments.stats`), used by every table.

A first version had three: with one replicate one gave lo = hi = mean and the others NaN,
and their columns were named differently.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from experiments.stats import INTERVAL_COLUMNS, half_width, interval_table, mean_interval


def test_no_values():
    r = mean_interval([])
    assert r.n == 0 and all(math.isnan(x) for x in (r.mean, r.sd, r.ci_lo, r.ci_hi))


def test_one_value_has_a_mean_and_no_interval():
    r = mean_interval([0.3])
    assert r.n == 1 and r.mean == 0.3
    assert math.isnan(r.sd) and math.isnan(r.ci_lo) and math.isnan(r.ci_hi)


def test_two_values():
    r = mean_interval([1.0, 3.0])
    half = sps.t.ppf(0.975, 1) * math.sqrt(2.0) / math.sqrt(2)  # sd of (1, 3) is sqrt(2)
    assert r.n == 2 and r.mean == 2.0 and r.sd == pytest.approx(math.sqrt(2.0))
    assert (r.ci_lo, r.ci_hi) == pytest.approx((2.0 - half, 2.0 + half), rel=1e-12)
    assert r.ci_hi - r.ci_lo == pytest.approx(2 * 12.7062 * 1.0, rel=1e-4)  # t(0.975, 1) = 12.706


def test_many_values_equal_scipy_t_interval():
    v = np.random.default_rng(7).normal(5.0, 2.0, 40)
    r = mean_interval(v)
    lo, hi = sps.t.interval(0.95, v.size - 1, loc=v.mean(), scale=sps.sem(v))
    assert r.n == 40 and (r.ci_lo, r.ci_hi) == pytest.approx((lo, hi), rel=1e-12)


def test_missing_values_are_left_out_and_not_counted():
    with_nan = mean_interval([1.0, np.nan, 3.0, np.inf, -np.inf])
    assert with_nan == mean_interval([1.0, 3.0])
    assert mean_interval([np.nan]).n == 0 and mean_interval([np.nan, 2.0]).n == 1


def test_half_width_is_nan_below_two_and_vectorises():
    assert math.isnan(half_width(0, math.nan)) and math.isnan(half_width(1, 0.5))
    got = half_width(np.array([0, 1, 2, 10]), np.array([np.nan, np.nan, 1.0, 1.0]))
    assert np.isnan(got[:2]).all()
    np.testing.assert_allclose(got[2:], [sps.t.ppf(0.975, 1) / math.sqrt(2), sps.t.ppf(0.975, 9) / math.sqrt(10)])


def test_table_has_one_row_per_group_with_the_same_numbers():
    df = pd.DataFrame({"g": ["a"] * 5 + ["b"] + ["c"] * 2 + ["d"] * 2,
                       "value": [1.0, 2.0, 4.0, 8.0, np.nan, 0.7, np.nan, np.nan, 1.0, 3.0]})
    t = interval_table(df, ["g"]).set_index("g")
    assert list(t.columns) == list(INTERVAL_COLUMNS)
    assert t["n"].to_dict() == {"a": 4, "b": 1, "c": 0, "d": 2}
    for g in "abcd":
        want = mean_interval(df.loc[df["g"] == g, "value"])
        got = t.loc[g]
        for col in INTERVAL_COLUMNS:
            assert (math.isnan(got[col]) and math.isnan(getattr(want, col))) or \
                got[col] == pytest.approx(getattr(want, col), rel=1e-12), (g, col)
    assert interval_table(df.iloc[:0], ["g"]).columns.tolist() == ["g", *INTERVAL_COLUMNS]


def _runs(values_by_point: dict[int, list[float]]) -> pd.DataFrame:
    rows = [dict(point=p, replicate=r, outcome="stress_mean", value=v, status="ok", **{"set.x": float(p)})
            for p, values in values_by_point.items() for r, v in enumerate(values)]
    return pd.DataFrame(rows)


def test_every_table_of_batch_results_gives_the_same_interval():
    """A comparison's summary, a sweep's points and the batch page's points table agree, n = 1 included."""
    from experiments.reports import summary_table
    from experiments.sweep import point_stats
    from viz.batch import points_table

    runs = _runs({0: [0.4], 1: [0.3, 0.5], 2: [0.2, 0.25, 0.3, np.nan]})
    tidy = runs.assign(label=runs["point"].astype(str))
    tables = [summary_table(tidy).assign(point=lambda d: d["label"].astype(int)),
              point_stats(runs, ["set.x"]), points_table(runs, ["set.x"])]
    for t in tables:
        t = t.set_index("point").sort_index()
        assert set(INTERVAL_COLUMNS) <= set(t.columns)
        assert t["n"].tolist() == [1, 2, 3]
        assert t.loc[0, "mean"] == 0.4 and np.isnan(t.loc[0, ["sd", "ci_lo", "ci_hi"]].astype(float)).all()
        for p, values in ((1, [0.3, 0.5]), (2, [0.2, 0.25, 0.3])):
            want = mean_interval(values)
            assert (t.loc[p, "ci_lo"], t.loc[p, "ci_hi"]) == pytest.approx((want.ci_lo, want.ci_hi), rel=1e-12)


def test_a_paired_difference_uses_the_same_interval():
    from experiments.reports import paired_differences

    df = pd.DataFrame({"label": ["A"] * 3 + ["B"] * 3, "replicate": [0, 1, 2] * 2, "outcome": "stress_mean",
                       "value": [0.5, 0.6, 0.55, 0.4, 0.52, 0.44]})
    d = paired_differences(df, "A").iloc[0]
    want = mean_interval(np.array([0.4, 0.52, 0.44]) - np.array([0.5, 0.6, 0.55]))
    assert (d["diff"], d["ci_lo"], d["ci_hi"], d["n"]) == (want.mean, want.ci_lo, want.ci_hi, want.n)
    one = paired_differences(df[df["replicate"] == 0], "A").iloc[0]
    assert one["n"] == 1 and np.isnan(one["ci_lo"]) and one["better"] == "unclear"
