"""The views ask :mod:`abm.queries`; what they show equals what the metrics count.

The Rotterdam category is one rule (:func:`abm.kernels.category_of`): the monthly metric
counts adults with it, and the map colours each household with the category of its adult
who is worst off. A first version of the map used another formula (the partners' mean of
ten stocks, debt left out), which coloured about 7% of the small run's households in a
category none of their adults had.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm import kernels as kn
from abm import queries
from abm.kernels import N_F, N_I, Category, I, S
from viz.render import CATEGORY, CATEGORY_COLOURS, EMPTY, map_rgb

_COUNTS = (S.STRONG, S.VULNERABLE, S.DECLINER)


def test_adult_categories_equal_the_recorded_metric(small_run):
    """Counting the query's categories gives the shares the run recorded for its last month."""
    m = small_run
    ids, cats = queries.adult_categories(m)
    last = m.recorder.rows[-1]
    assert ids.size == last["adults"] and ids.size > 100
    counts = np.bincount(cats, minlength=3)
    assert counts.sum() == ids.size and (counts > 0).all()
    for c, name in enumerate(queries.CATEGORY_NAMES):
        assert counts[c] == round(last[f"share_{name}"] * last["adults"]), name
    s, p = m.state, m.p
    _, sums = kn.adult_summary(s.f, s.i, s.events, s.tie_other, s.tie_type, ids, p.strong_threshold,
                               p.decliner_threshold, p.strong_max_stress, p.chronic_stress_line)
    np.testing.assert_array_equal(counts, sums[list(_COUNTS)])


def _map_categories(model) -> tuple[np.ndarray, np.ndarray]:
    """(households, categories) read back from the colours of the category map."""
    rgb = map_rgb(model, CATEGORY).reshape(-1, 3)
    cells, hh = queries.household_cells(model)
    colours = {tuple(CATEGORY_COLOURS[name]): c for c, name in enumerate(queries.CATEGORY_NAMES)}
    colours[tuple(EMPTY)] = queries.NO_ADULT
    return hh, np.array([colours[tuple(int(x) for x in rgb[cell])] for cell in cells])


def test_map_shows_the_metric_category_of_each_household(small_run):
    """Every household on the map has the worst category the metric counts for its adults."""
    m = small_run
    hh, shown = _map_categories(m)
    ids, cats = queries.adult_categories(m)
    of_hh = m.state.i[I.HOUSEHOLD, ids]
    single = 0
    for h, c in zip(hh.tolist(), shown.tolist()):
        mine = cats[of_hh == h]
        assert mine.size, f"household {h} on the map has no adult"
        assert c == mine.max(), f"household {h}: map {c}, its adults {mine.tolist()}"
        single += mine.size == 1
    assert single > 50  # households with one adult: the map shows exactly the metric's category
    # the map and the metric count the same adults: those of the households shown
    assert np.isin(of_hh, hh).all()
    # and all three categories appear on the map
    assert set(shown.tolist()) == {0, 1, 2}


def test_household_categories_match_the_map(small_run):
    hh, shown = _map_categories(small_run)
    np.testing.assert_array_equal(queries.household_categories(small_run)[hh], shown)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80))
def test_rotterdam_categories_count_as_adult_summary_and_its_twin(seed, n):
    """The query's kernel and the metric's kernel (and its plain twin) use one rule."""
    from abm.reference import adult_summary_ref

    rng = np.random.default_rng(seed)
    f = rng.random((N_F, n))
    iv = np.zeros((N_I, n), dtype=np.int64)
    events = np.zeros(n, dtype=np.int64)
    tie_other = np.full((n, 2), -1, dtype=np.int32)
    tie_type = np.zeros((n, 2), dtype=np.int8)
    ids = np.sort(rng.choice(n, rng.integers(1, n + 1), replace=False)).astype(np.int64)
    strong, decliner = sorted(rng.uniform(0.2, 0.8, 2))
    cats = kn.rotterdam_categories(f, ids, strong, decliner, 0.5)
    counts = np.bincount(cats, minlength=3)
    for summary in (kn.adult_summary, adult_summary_ref):
        _, sums = summary(f, iv, events, tie_other, tie_type, ids, strong, decliner, 0.5, 0.6)
        np.testing.assert_array_equal(counts, sums[list(_COUNTS)])


@pytest.mark.parametrize("index, stress, want", [
    (0.39, 0.1, Category.DECLINER), (0.40, 0.9, Category.VULNERABLE), (0.54, 0.1, Category.VULNERABLE),
    (0.55, 0.49, Category.STRONG), (0.55, 0.5, Category.VULNERABLE), (0.9, 0.1, Category.STRONG),
])
def test_category_rule_at_its_edges(index, stress, want):
    """Decliner below the lower threshold; strong at or above the upper one with stress below 0.5 (ODD 4.12)."""
    assert kn.category_of(index, index, index, index, stress, 0.55, 0.40, 0.5) == want
