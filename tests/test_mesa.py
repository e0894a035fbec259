"""Mesa agents are thin views onto the state arrays.

``model.agents``, ``select``, ``agents_by_type``, ``groupby`` and a Mesa ``DataCollector``
must see the same numbers the kernels use, and writing through an agent must change the
arrays (nothing to sync). A household has one agent for its whole stay: the same
``unique_id`` after a move or a change of kind.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from mesa import DataCollector

from abm.kernels import F, I, Role
from abm.model import VeerkrachtModel
from abm.state import CellKind, HouseholdKind
from agents.households import Household
from agents.places import Facility
from agents.professionals import CommunityBuilder, ExperienceExpert, NeighbourhoodOfficer, SocialWorker
from tests.conftest import small_params

ALL_TYPES = {Household, Facility, SocialWorker, NeighbourhoodOfficer, CommunityBuilder, ExperienceExpert}


@pytest.fixture
def model() -> VeerkrachtModel:
    """A fresh small model with one professional of every kind (tests here change it)."""
    m = VeerkrachtModel(small_params(n_experience_experts=1), seed=31)
    m.run(12)
    return m


def _hh_adults_mean(s, hh: int, row: F) -> float:
    members = s.members(hh)
    adults = members[s.i[I.ROLE, members] == Role.PARTNER]
    return float(s.f[row, adults].mean())


def test_agent_types(model):
    types = {type(a) for a in model.agents}
    assert types == ALL_TYPES
    assert set(model.agent_types) == ALL_TYPES
    s = model.state
    assert len(model.agents_by_type[Facility]) == s.fac_cell.size
    p = model.p
    assert len(model.agents_by_type[SocialWorker]) == p.n_social_workers
    assert len(model.agents_by_type[NeighbourhoodOfficer]) == p.n_police
    assert len(model.agents_by_type[CommunityBuilder]) == p.n_community_builders
    assert len(model.agents_by_type[ExperienceExpert]) == p.n_experience_experts


def test_select_counts_match_arrays(model):
    s = model.state
    kinds = s.hh_kind[s.active_households()]
    n_sp = int((kinds == HouseholdKind.SINGLE_PARENT).sum())
    assert n_sp > 0
    assert len(model.agents.select(lambda a: isinstance(a, Household) and a.is_single_parent)) == n_sp
    assert len(model.agents.select(agent_type=Household)) == kinds.size
    assert len(model.agents_by_type[Household]) == kinds.size
    stressed = model.agents.select(lambda a: isinstance(a, Household) and a.stress > 0.5)
    adults_stress = {int(h): _hh_adults_mean(s, int(h), F.STRESS) for h in s.active_households()}
    assert len(stressed) == sum(v > 0.5 for v in adults_stress.values())


def test_groupby_kind_matches_arrays(model):
    s = model.state
    counts = model.agents.select(agent_type=Household).groupby("kind").count()
    expected = Counter(HouseholdKind(int(k)) for k in s.hh_kind[s.active_households()])
    assert counts == dict(expected)
    means = model.agents.select(agent_type=Household).groupby("kind").agg("stress", np.mean)
    for kind, value in means.items():
        hh = s.active_households()[s.hh_kind[s.active_households()] == kind]
        assert value == pytest.approx(np.mean([_hh_adults_mean(s, int(h), F.STRESS) for h in hh]), rel=1e-12)
    by_class = model.agents.groupby(type).count()
    assert by_class[Household] == s.active_households().size
    single = model.agents_by_type[Household].groupby("is_single_parent").count()
    assert single[True] == expected[HouseholdKind.SINGLE_PARENT]


def test_household_views_read_the_arrays(model):
    s = model.state
    for agent in list(model.agents.select(agent_type=Household))[:50]:
        h = agent.hh
        assert agent.kind == HouseholdKind(int(s.hh_kind[h]))
        assert np.array_equal(agent.members, s.members(h))
        assert agent.stress == pytest.approx(_hh_adults_mean(s, h, F.STRESS), rel=1e-15)
        assert agent.wellbeing == pytest.approx(_hh_adults_mean(s, h, F.WELLBEING), rel=1e-15)
        assert agent.security == pytest.approx(_hh_adults_mean(s, h, F.SECURITY), rel=1e-15)
        assert agent.block == s.cell_block[s.hh_cell[h]]
        assert agent.size == agent.adults.size + agent.children.size


def test_writing_stress_changes_the_arrays(model):
    s = model.state
    agent = next(a for a in model.agents_by_type[Household] if a.is_single_parent)
    adults, children = agent.adults, agent.children
    assert adults.size == 1 and children.size >= 1
    before = s.f[F.STRESS].copy()
    agent.stress = 0.9
    assert (s.f[F.STRESS, adults] == 0.9).all()
    assert agent.stress == 0.9
    others = np.ones(before.size, dtype=bool)
    others[adults] = False
    assert np.array_equal(s.f[F.STRESS, others], before[others]), "only the adults of this household change"
    # a couple: both partners
    couple = next(a for a in model.agents_by_type[Household] if a.kind == HouseholdKind.COUPLE_CHILDREN)
    couple.stress = 0.25
    assert couple.adults.size == 2 and (s.f[F.STRESS, couple.adults] == 0.25).all()
    # and the model goes on from the written value
    model.step()
    assert s.f[F.STRESS, adults[0]] != 0.9  # it relaxed from there
    assert abs(s.f[F.STRESS, adults[0]] - 0.9) < 0.2


@pytest.mark.parametrize("value", [1.5, -0.1, float("nan")])
def test_out_of_range_stress_raises(model, value):
    s = model.state
    agent = next(iter(model.agents_by_type[Household]))
    before = s.f[F.STRESS].copy()
    with pytest.raises(ValueError):
        agent.stress = value
    assert np.array_equal(s.f[F.STRESS], before), "a refused value must leave the arrays alone"


def test_facility_view_writes_arrays(model):
    fac = next(iter(model.agents_by_type[Facility]))
    fac.is_open = False
    assert model.state.fac_open[fac.index] == 0 and not fac.is_open
    fac.is_open = True
    assert model.state.fac_open[fac.index] == 1


def test_professional_caseload_view(model):
    s = model.state
    for pro in model.agents.select(lambda a: hasattr(a, "caseload")):
        case = pro.caseload
        assert case.size <= pro.capacity
        assert (s.i[I.PRO, case] == pro.index).all()
        assert (s.i[I.ALIVE, case] == 1).all()


def test_datacollector_agenttype_reporters(model):
    """One household, one row per step under one AgentID; the rows equal the arrays of that step."""
    dc = DataCollector(
        model_reporters={"stress_mean": lambda m: m.results()["timeseries"]["stress_mean"].iloc[-1]},
        agenttype_reporters={Household: {"hh": "hh", "stress": "stress", "kind": "kind"}},
    )
    s = model.state
    expected = {}
    for step in range(6):
        model.step()
        dc.collect(model)
        hh = s.active_households()
        expected[step] = {int(h): (_hh_adults_mean(s, int(h), F.STRESS), int(s.hh_kind[h])) for h in hh}
    df = dc.get_agenttype_vars_dataframe(Household)
    steps = sorted(df.index.get_level_values(0).unique())
    assert len(steps) == 6
    for k, step in enumerate(steps):
        rows = df.xs(step, level=0)
        got = dict(zip(rows["hh"].tolist(), zip(rows["stress"].tolist(), rows["kind"].tolist())))
        assert set(got) == set(expected[k]), f"step {k}: the rows are not the present households"
        for h, (stress, kind) in expected[k].items():
            assert got[h][0] == stress and int(got[h][1]) == kind, f"step {k}, household {h}"
    # one agent is one household, and one household one agent, over all steps
    rows = df.reset_index()
    assert (rows.groupby("AgentID")["hh"].nunique() == 1).all()
    assert (rows.groupby("hh")["AgentID"].nunique() == 1).all(), "a household got a new agent"
    # some households changed kind in these steps and kept their rows together
    assert (rows.groupby("AgentID")["kind"].nunique() > 1).any(), "no household changed kind: the test proves nothing"
    # the model reporter sees the recorder's mean over adults, which the arrays give too
    act = s.active()
    adults = act[s.i[I.AGE, act] >= 18 * 12]
    assert dc.get_model_vars_dataframe()["stress_mean"].iloc[-1] == pytest.approx(s.f[F.STRESS, adults].mean(), rel=1e-12)


def test_household_agent_is_stable_across_moves_and_kind_changes(model):
    """The same agent (same ``unique_id``) while a household lives here: it moves, it changes kind."""
    s = model.state
    before = {h: (a, a.unique_id) for h, a in model.households.items()}
    # a move: a facility opens in a household's dwelling, the household goes to the nearest empty one
    assert model.housing.empty_dwellings().size > 0
    hh = int(s.active_households()[0])
    agent, uid = before[hh]
    old_cell = int(s.hh_cell[hh])
    model.add_facility(old_cell, CellKind.MEETING_PLACE)
    new_cell = int(s.hh_cell[hh])
    assert new_cell not in (-1, old_cell)
    assert model.households[hh] is agent and agent.unique_id == uid
    assert agent.cell is model.grid[(new_cell % s.grid_w, new_cell // s.grid_w)]
    assert agent in model.agents and len(agent.cell.agents) == 1
    # changes of kind: a year of births, separations and children leaving home
    kinds = {h: int(s.hh_kind[h]) for h in before}
    changed = set()
    for _ in range(12):
        model.step()
        for h, (a, u) in before.items():
            if s.hh_cell[h] < 0:
                assert a not in model.agents, f"household {h} left, its agent stayed"
                continue
            assert model.households[h] is a and a.unique_id == u, f"household {h} got a new agent"
            assert a.kind == s.hh_kind[h]
            if int(s.hh_kind[h]) != kinds[h]:
                changed.add((kinds[h], int(s.hh_kind[h])))
    to_single = (int(HouseholdKind.COUPLE_CHILDREN), int(HouseholdKind.SINGLE_PARENT))
    assert to_single in changed, f"no couple became a single parent in a year: {changed}"


def test_one_household_agent_per_present_household(model):
    """Every month of a short run: as many household agents as households living here, the same ids."""
    s = model.state
    for _ in range(12):
        model.step()
        present = s.active_households()
        assert len(model.agents_by_type[Household]) == present.size
        assert len(model.agents.select(agent_type=Household)) == present.size
        assert sorted(a.hh for a in model.agents_by_type[Household]) == present.tolist()
