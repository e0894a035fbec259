"""Output measures: quantiles, Gini, transmission coefficient."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.kernels import row_quantiles
from abm.metrics import QUANTILES, gini, transmission


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3000), levels=st.integers(0, 6))
def test_row_quantiles_equal_numpy(seed, n, levels):
    """Bucket selection gives numpy's quantiles, also with many ties and constant rows."""
    rng = np.random.default_rng(seed)
    x = rng.random((7, n))
    if levels:  # rows with few distinct values put many values in one bin
        x[1] = rng.integers(0, levels, n) / levels
    x[2] = 0.25
    x[3] = np.where(rng.random(n) < 0.5, 0.0, x[3])
    x[4] = x[4] ** 12  # most values crowd near 0
    before = x.copy()
    expected = np.quantile(x, QUANTILES, axis=1).T
    np.testing.assert_allclose(row_quantiles(x, np.array(QUANTILES)), expected, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(x, before)


def test_gini_known_values():
    assert gini(np.ones(10)) == pytest.approx(0.0)
    x = np.zeros(100)
    x[-1] = 1.0
    assert gini(x) == pytest.approx(0.99)
    assert gini(np.array([1.0, 3.0])) == pytest.approx(0.25)


def test_transmission_recovers_a_known_slope_and_adjusts_for_shared_circumstances():
    rng = np.random.default_rng(5)
    n = 4000
    material = rng.random(n)
    network = rng.random(n)
    community = (rng.random(n) < 0.3).astype(int)
    parents = 0.6 - 0.4 * material + 0.1 * rng.standard_normal(n)
    # the child's stress: 0.5 per unit of parents' stress, plus the shared material circumstances
    child = 0.5 * parents - 0.3 * material + 0.05 * rng.standard_normal(n)
    kind = np.where(rng.random(n) < 0.3, "single_parent", "couple")
    lin = pd.DataFrame(dict(parents_stress=parents, household_material=material, network=network,
                            community=community, block_nuisance=rng.random(n), block_housing=rng.random(n),
                            stress=child, household_kind=kind))
    t = transmission(lin)
    assert t["all"]["slope"] == pytest.approx(0.5, abs=0.02)
    assert t["all"]["slope_raw"] > 0.7  # the raw slope also carries the shared material circumstances
    assert t["all"]["n"] == n and t["single_parent"]["n"] + t["couple"]["n"] == n
    small = transmission(lin.iloc[:5])
    assert small["all"]["slope"] is None
