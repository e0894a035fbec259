"""The model records what happened to each person who left: when (``left_month``) and why (``left_reason``).

Each kind of leaving is made the only (or the main) way out of a small neighbourhood, and
the record is checked against what the test sees happen: the persons gone after a month,
the households they lived in, and for deaths the model's own death draw repeated here.
"""

from __future__ import annotations

import numpy as np
import pytest

from abm.kernels import Ev, F, I, Role, uniform_array
from abm.model import VeerkrachtModel
from abm.state import CellKind, Departure
from tests.conftest import small_params

_DRAW_DEATH = 40  # the death draw of abm.demography (repeated here to check the record independently)


def _months(model: VeerkrachtModel, n: int):
    """Step ``n`` months; yield (month stepped, ids present before, their households before, ids gone)."""
    s = model.state
    for _ in range(n):
        before = s.active().copy()
        households = s.i[I.HOUSEHOLD, before].copy()
        month = model.month
        model.step()
        gone = before[s.i[I.ALIVE, before] != 1]
        yield month, before, households, gone


def _died_by_the_draw(model: VeerkrachtModel, month: int, pids: np.ndarray) -> np.ndarray:
    """Whether the model's keyed death draw of ``month`` took each of ``pids`` (the Gompertz hazard by age)."""
    p = model.p
    hazard = np.exp(p.mortality_log_a + p.mortality_b * model.state.i[I.AGE, pids] / 12.0)
    return uniform_array(model.seed, month, model.state.i[I.KEY, pids], _DRAW_DEATH) < 1.0 - np.exp(-hazard / 12.0)


def test_a_death_is_recorded_as_died_in_its_month():
    # high mortality, nobody moves: persons leave by death (and minors left without a parent, to care)
    model = VeerkrachtModel(small_params(mortality_log_a=-7.0, p_outmigration=0.0, p_leave_home=0.0,
                                         p_separation=0.0), seed=8)
    s = model.state
    deaths = 0
    for month, before, _, gone in _months(model, 36):
        assert (s.left_month[gone] == month).all()
        died = s.left_reason[gone] == Departure.DIED
        assert (died == _died_by_the_draw(model, month, gone)).all(), f"month {month}"
        # whoever else left is a minor who lost the last adult of the household
        assert (s.left_reason[gone[~died]] == Departure.TO_CARE).all()
        assert (s.i[I.AGE, gone[~died]] < 18 * 12).all()
        deaths += int(died.sum())
        # those still here have no record
        here = before[s.i[I.ALIVE, before] == 1]
        assert (s.left_month[here] == -1).all() and (s.left_reason[here] == Departure.PRESENT).all()
    assert deaths > 10 and deaths == model.counters["deaths"]


def test_a_move_out_alone_is_recorded_as_moved_out():
    # young adults leave home and the neighbourhood; no household moves away
    model = VeerkrachtModel(small_params(mortality_log_a=-14.0, p_outmigration=0.0, p_leave_home=1.0,
                                         p_leave_neighbourhood=1.0, p_separation=0.0), seed=9)
    s = model.state
    moved = 0
    for month, before, households, gone in _months(model, 24):
        assert (s.left_month[gone] == month).all()
        out = s.left_reason[gone] == Departure.MOVED_OUT
        moved += int(out.sum())
        assert out.sum() >= gone.size - 1  # at most a rare death besides
        leavers = gone[out]
        # each left alone: a grown child whose household stays, with its other members
        assert (s.i[I.ROLE, leavers] == Role.CHILD).all() and (s.i[I.AGE, leavers] >= 18 * 12).all()
        for pid in leavers.tolist():
            home = households[np.searchsorted(before, pid)]
            assert s.hh_cell[home] >= 0 and s.members(home).size > 0
    assert moved > 10


def test_a_household_moving_away_is_recorded_as_moved_with_household():
    # whole households leave; nobody leaves home or separates
    model = VeerkrachtModel(small_params(mortality_log_a=-14.0, p_outmigration=0.5, p_leave_home=0.0,
                                         p_separation=0.0), seed=10)
    s = model.state
    moved = 0
    for month, before, households, gone in _months(model, 24):
        assert (s.left_month[gone] == month).all()
        with_household = s.left_reason[gone] == Departure.MOVED_WITH_HOUSEHOLD
        moved += int(with_household.sum())
        assert with_household.sum() >= gone.size - 1  # at most a rare death besides
        # everyone who lived with them left with them, and the household has no dwelling now
        for home in np.unique(households[np.isin(before, gone[with_household])]).tolist():
            housemates = before[households == home]
            assert (s.left_reason[housemates] == Departure.MOVED_WITH_HOUSEHOLD).all()
            assert (s.left_month[housemates] == month).all()
            assert s.hh_cell[home] == -1
    assert moved > 50
    # the counters start at month 0; those who left in the burn-in left before it
    since_0 = s.left_month[: s.n] >= 0
    assert model.counters["left"] == int(((s.left_reason[: s.n] == Departure.MOVED_WITH_HOUSEHOLD) & since_0).sum())
    assert (s.left_month[: s.n][(s.left_reason[: s.n] != Departure.PRESENT) & ~since_0] < 0).all()


def test_a_household_without_a_dwelling_to_move_to_is_recorded_as_moved_with_household(monkeypatch):
    """A facility opens in a home and no dwelling is empty: the household moves away, recorded."""
    model = VeerkrachtModel(small_params(), seed=12)
    s = model.state
    cell = int(np.flatnonzero((s.cell_hh >= 0) & (s.cell_kind == CellKind.DWELLING))[0])
    home = int(s.cell_hh[cell])
    members = s.members(home)
    assert members.size
    monkeypatch.setattr(model.housing, "empty_dwellings", lambda: np.zeros(0, dtype=np.int64))
    left = model.counters["left"]
    model.add_facility(cell, CellKind.MEETING_PLACE)
    assert (s.left_reason[members] == Departure.MOVED_WITH_HOUSEHOLD).all()
    assert (s.left_month[members] == model.month).all()
    assert s.hh_cell[home] == -1 and model.counters["left"] == left + members.size


@pytest.mark.parametrize("name", ["left_month", "left_reason"])
def test_the_records_are_read_through_the_model(small_run, name):
    ids = np.arange(small_run.next_person_id)
    assert (small_run.values(name, ids) == getattr(small_run.state, name)[ids]).all()
    reasons = set(small_run.values("left_reason", ids).tolist())
    assert {int(Departure.DIED), int(Departure.MOVED_WITH_HOUSEHOLD)} <= reasons


def test_the_read_methods_answer_from_the_state(small_run):
    """What a view asks the model (a person's stocks and state by name, a household, parents, children, events)."""
    m, s = small_run, small_run.state
    present = s.active()
    assert (m.present() == present).all()
    assert (m.values("stress") == s.f[F.STRESS, present]).all()
    assert (m.values("life_skills", present[:5]) == s.f[F.LIFE_SKILLS, present[:5]]).all()
    for name, row in (("age", I.AGE), ("household", I.HOUSEHOLD), ("role", I.ROLE), ("pro", I.PRO)):
        assert (m.values(name) == s.i[row, present]).all(), name
    with pytest.raises(KeyError, match="unknown person attribute 'stres'"):
        m.values("stres")
    hh = int(m.present_households()[0])
    assert (m.household_members(hh) == s.members(hh)).all()
    assert m.household_kinds([hh])[0] == s.hh_kind[hh]
    child = int(present[(s.i[I.MOTHER, present] >= 0)][0])
    mother, father = m.parents(child)
    assert (mother, father) == (s.i[I.MOTHER, child], s.i[I.FATHER, child])
    kids = m.children(mother)
    assert child in kids.tolist()
    assert set(kids.tolist()) == {q for q in range(s.n) if mother in (s.i[I.MOTHER, q], s.i[I.FATHER, q])}
    for pid in present[:200].tolist():
        names = m.life_events(pid)
        assert names == {e.name.lower() for e in Ev if s.events[pid] & e}
