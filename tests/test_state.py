"""The caches the step relies on stay in step with the arrays they summarise."""

from __future__ import annotations

import numpy as np

from abm.kernels import I
from abm.model import VeerkrachtModel
from abm.population import meeting_places_for, nearest_meeting_places
from abm.state import CellKind
from tests.conftest import small_params


def _fresh_active(s):
    return np.flatnonzero(s.i[I.ALIVE, : s.n]).astype(np.int64)


def test_active_and_alive_mask_follow_arrivals_and_departures():
    model = VeerkrachtModel(small_params(burn_in_months=0), seed=5)
    s = model.state
    first = s.active().copy()
    np.testing.assert_array_equal(first, _fresh_active(s))
    leaving = first[:7]
    s.set_alive(leaving, False)
    np.testing.assert_array_equal(s.active(), _fresh_active(s))
    assert not s.alive_mask()[leaving].any()
    new = s.new_persons(3)  # more ids, not yet present
    assert s.alive_mask().size == s.n
    s.set_alive(new, True)
    np.testing.assert_array_equal(s.active(), _fresh_active(s))
    assert s.alive_mask()[new].all()


def test_active_matches_the_arrays_through_a_run():
    model = VeerkrachtModel(small_params(burn_in_months=0), seed=6)
    s = model.state
    for _ in range(24):
        model.step()
        np.testing.assert_array_equal(s.active(), _fresh_active(s))
        np.testing.assert_array_equal(s.alive_mask(), s.i[I.ALIVE, : s.n] == 1)


def test_meeting_place_table_is_remade_when_facilities_change():
    model = VeerkrachtModel(small_params(burn_in_months=0), seed=7)
    s = model.state
    cells = np.arange(s.n_cells, dtype=np.int64)
    reach = 4
    np.testing.assert_array_equal(meeting_places_for(s, cells, reach), nearest_meeting_places(s, cells, reach))
    # turn the first meeting place into a school: cells that went there must look again
    k = int(np.flatnonzero(s.fac_kind == CellKind.MEETING_PLACE)[0])
    before = meeting_places_for(s, cells, reach)
    s.fac_kind[k] = CellKind.SCHOOL
    after = meeting_places_for(s, cells, reach)
    np.testing.assert_array_equal(after, nearest_meeting_places(s, cells, reach))
    assert (before == k).any() and not (after == k).any()
