"""Interventions and shocks: checked like parameters, doing what their mechanism says, never free."""

from __future__ import annotations

import numpy as np
import pytest

from abm.interventions import SPECS, make_plan, parse_cli
from abm.kernels import F, I, Help, Role
from abm.model import VeerkrachtModel
from abm.params import ParameterError
from abm.state import CellKind, HouseholdKind, ProKind
from agents.places import Facility
from agents.professionals import ExperienceExpert, Professional
from tests.conftest import small_params

SEED = 11


def run(months=24, seed=SEED, interventions=None, shocks=None, off=(), **changes):
    model = VeerkrachtModel(small_params(**changes), seed=seed, off=off,
                            plan=make_plan(interventions=interventions or {}, shocks=shocks or {}))
    model.run(months)
    return model


# ---- checking -----------------------------------------------------------------------------

@pytest.mark.parametrize("interventions, shocks, fragment", [
    ({"single_parent_suport": {}}, {}, "unknown intervention 'single_parent_suport'; did you mean single_parent_support"),
    ({"learning": {"unit": 3}}, {}, "unknown setting 'unit'; did you mean units"),
    ({"learning": {"units": -1}}, {}, "units = -1 is out of range; allowed: 0 to 5000"),
    ({"learning": {"units": 2.5}}, {}, "units = 2.5 is not a whole number"),
    ({"mixed_housing": {"units": 1.5}}, {}, "units = 1.5 is out of range; allowed: 0 to 1.0"),
    ({"learning": {"start": "soon"}}, {}, "start = 'soon' is not a number"),
    ({"learning": {"effect": 4}}, {}, "effect = 4 is out of range; allowed: 0.0 to 3.0"),
    ({"meeting_places": {"cells": [[1, 2, 3]]}}, {}, "cells = [[1, 2, 3]]; allowed: a list of [x, y]"),
    ({"meeting_places": {"cells": [[1, 2]], "units": 2}}, {}, "1 cells given but units = 2"),
    ({"learning": {"cells": [[1, 2]]}}, {}, "unknown setting 'cells'"),
    ({}, {"lockdwn": {}}, "unknown shock 'lockdwn'; did you mean lockdown"),
    ({}, {"inflation": {"severity": 2}}, "severity = 2 is out of range; allowed: 0.0 to 1.0"),
    ({}, {"inflation": {"months": 0}}, "months = 0 is out of range; allowed: 1 to"),
])
def test_bad_settings_raise_one_line_naming_the_value(interventions, shocks, fragment):
    with pytest.raises(ParameterError) as e:
        make_plan(interventions=interventions, shocks=shocks)
    assert fragment in str(e.value)
    assert "\n" not in str(e.value)


def test_cells_are_checked_against_the_grid_before_the_run():
    with pytest.raises(ParameterError, match=r"cell \(25, 3\) is off the grid; allowed: x 0 to 19"):
        VeerkrachtModel(small_params(), seed=1, plan=make_plan(interventions={"meeting_places": {"cells": [[25, 3]]}}))
    probe = VeerkrachtModel(small_params(), seed=1)
    school = int(probe.state.fac_cell[probe.state.fac_kind == CellKind.SCHOOL][0])
    x, y = school % 20, school // 20
    with pytest.raises(ParameterError, match=rf"cell \({x}, {y}\) already holds a school"):
        VeerkrachtModel(small_params(), seed=1, plan=make_plan(interventions={"service_point": {"cells": [[x, y]]}}))


def test_command_line_syntax():
    assert parse_cli("single_parent_support:units=60,start=12", "intervention") == (
        "single_parent_support", {"units": 60, "start": 12})
    assert parse_cli("inflation", "shock") == ("inflation", {})
    with pytest.raises(ParameterError, match="expected name:key=value"):
        parse_cli("learning:units", "intervention")
    with pytest.raises(ParameterError, match="units = 'many' is not a number"):
        parse_cli("learning:units=many", "intervention")


def test_scenario_overrides_merge_per_setting():
    plan = make_plan({"learning": {"units": 10, "start": 5}}, {}, {"learning": {"units": 20}}, {})
    (iv,) = plan.interventions
    assert (iv.units, iv.start) == (20, 5)


# ---- mechanisms ---------------------------------------------------------------------------

def test_no_plan_and_an_idle_plan_give_the_same_run():
    """An intervention that has not started yet changes nothing (same seed, same results)."""
    a = run(12)
    b = run(12, interventions={"learning": {"units": 50, "start": 500}})
    np.testing.assert_array_equal(a.state.f, b.state.f)
    assert b.results()["costs"].empty


def test_programme_enrols_up_to_its_units_from_the_eligible_and_pays_for_them():
    model = run(12, interventions={"single_parent_support": {"units": 5}})
    (iv,) = model.plan.interventions
    s = model.state
    assert iv.enrolled.size == 5
    assert np.all(s.hh_kind[iv.enrolled] == HouseholdKind.SINGLE_PARENT)
    costs = model.results()["costs"]
    assert len(costs) == 12 and costs["units"].max() == 5
    np.testing.assert_allclose(costs["cost"], costs["units"] * SPECS["single_parent_support"].cost_per_unit)


def test_single_parent_support_raises_the_parenting_children_receive():
    base = run(24)
    with_ = run(24, interventions={"single_parent_support": {"units": 30}})
    (iv,) = with_.plan.interventions
    s, b = with_.state, base.state
    members = np.array(sorted(m for h in iv.enrolled.tolist() for m in s.hh_sets[h]))
    kids = members[s.i[I.ROLE, members] == Role.CHILD]
    kids = kids[kids < b.n]
    kids = kids[b.i[I.ALIVE, kids] == 1]  # present in both runs
    assert kids.size >= 5
    assert s.f[F.PARENTING, kids].mean() > b.f[F.PARENTING, kids].mean() + 0.02


def test_existential_security_keeps_income_above_the_floor_and_lowers_debt():
    model = run(24, interventions={"existential_security": {"units": 40}})
    (iv,) = model.plan.interventions
    s = model.state
    adults = np.array(sorted(m for h in iv.enrolled.tolist() for m in s.hh_sets[h] if s.i[I.ROLE, m] == Role.PARTNER))
    base = run(24)
    assert s.f[F.INCOME, adults].min() > 0.45  # floor 0.6 at effect 1, reached by relaxation
    assert s.f[F.DEBT, adults].mean() < base.state.f[F.DEBT, adults].mean()


def test_meeting_places_by_count_are_placed_opened_and_used():
    model = run(6, interventions={"meeting_places": {"units": 2, "start": 2}})
    s = model.state
    meeting = np.flatnonzero(s.fac_kind == CellKind.MEETING_PLACE)
    base = VeerkrachtModel(small_params(), seed=SEED).state
    assert meeting.size == int((base.fac_kind == CellKind.MEETING_PLACE).sum()) + 2
    new = meeting[-2:]
    assert np.all(s.cell_kind[s.fac_cell[new]] == CellKind.MEETING_PLACE)
    assert np.all(s.cell_hh[s.fac_cell[new]] == -1)  # nobody lives in a meeting place
    assert len(model.agents_by_type[Facility]) == s.fac_cell.size
    act = s.active()
    assert np.isin(new, s.i[I.MEETING, act]).all()  # residents go there


def test_a_facility_on_an_occupied_cell_moves_the_household():
    probe = VeerkrachtModel(small_params(), seed=SEED)
    s0 = probe.state
    cell = int(np.flatnonzero((s0.cell_kind == CellKind.DWELLING) & (s0.cell_hh >= 0))[0])
    hh = int(s0.cell_hh[cell])
    model = VeerkrachtModel(small_params(), seed=SEED,
                            plan=make_plan(interventions={"service_point": {"cells": [[cell % 20, cell // 20]]}}))
    model.step()
    s = model.state
    assert s.cell_kind[cell] == CellKind.SERVICE_POINT
    assert s.hh_cell[hh] >= 0 and s.hh_cell[hh] != cell
    assert s.cell_hh[s.hh_cell[hh]] == hh
    assert model.households[hh].cell.coordinate == (int(s.hh_cell[hh]) % 20, int(s.hh_cell[hh]) // 20)
    # the service point comes with two social workers working from it
    new_pros = np.flatnonzero(s.pro_cell == cell)
    assert new_pros.size == 2 and np.all(s.pro_kind[new_pros] == ProKind.SOCIAL_WORKER)


def test_staff_join_and_leave_with_their_intervention():
    model = run(3, interventions={"experience_experts": {"units": 3, "start": 1, "months": 1}})
    s = model.state
    added = np.flatnonzero(s.pro_kind == ProKind.EXPERIENCE_EXPERT)[-3:]
    assert len(model.agents_by_type[ExperienceExpert]) >= 3
    assert np.all(s.pro_capacity[added] == 0)  # retired after its month
    assert not np.isin(s.i[I.PRO, s.active()], added).any()
    costs = model.results()["costs"]
    assert list(costs["step"]) == [1]


def test_parameter_levers_change_the_month_parameters_and_restore_them():
    model = VeerkrachtModel(small_params(), seed=SEED,
                            plan=make_plan(interventions={"longer_contracts": {"units": 5, "start": 1, "months": 2}}))
    base = model.p_base.competition
    seen = []
    for _ in range(4):
        model.step()
        seen.append(model.p.competition)
    assert seen[0] == base and seen[1] == pytest.approx(base * 0.5) and seen[2] == pytest.approx(base * 0.5)
    assert seen[3] == base


def test_lockdown_closes_meeting_places_cuts_jobs_and_reopens():
    base = run(3)
    model = VeerkrachtModel(small_params(), seed=SEED,
                            plan=make_plan(shocks={"lockdown": {"start": 1, "months": 2, "severity": 0.3}}))
    s = model.state
    meeting = s.fac_kind == CellKind.MEETING_PLACE
    model.step()
    assert s.fac_open[meeting].all()
    model.step()  # month 1: closed, jobs cut
    assert not s.fac_open[meeting].any()
    model.step()
    employed = lambda m: (m.state.i[I.EMPLOYED, m.state.active()] == 1).mean()  # noqa: E731
    assert employed(model) < employed(base) - 0.1
    model.step()  # month 3: over
    assert s.fac_open[meeting].all()


def test_inflation_tightens_budgets_while_it_lasts():
    from abm.metrics import survey

    base = run(18)
    hit = run(18, shocks={"inflation": {"start": 0, "months": 18, "severity": 0.3}})
    assert survey(hit)["ends_meet_difficulty"] > survey(base)["ends_meet_difficulty"] + 0.05
    debt = lambda m: m.state.f[F.DEBT, m.state.active()].mean()  # noqa: E731
    assert debt(hit) > debt(base)


def test_crisis_button_starts_a_shock_in_the_running_neighbourhood():
    model = VeerkrachtModel(small_params(), seed=SEED)
    model.run(3)
    model.start_shock("lockdown", months=2)
    model.step()
    assert not model.state.fac_open[model.state.fac_kind == CellKind.MEETING_PLACE].any()
    assert model.plan.shocks[0].start == 3


def test_peer_support_enrols_the_longest_waiting():
    """Peer support while waiting: those who waited a month or more for mental-health care or
    youth care, the longest first; nobody who asked this month."""
    model = run(23, interventions={"peer_support": {"units": 3}}, ggz_capacity=0.5)
    (iv,) = model.plan.interventions
    s = model.state
    act = s.active()
    month = model.month

    def waited(state, since):
        return np.where(s.i[state, act] == Help.WAITING, month - s.i[since, act], -1)

    # the waits at the moment the programme enrols (before this month's admissions)
    model.plan.begin_month(model)
    model._gather(act)
    model.plan.adjust_context(model)
    model._update(s.f, s.i, s.ctx, act, model.pv, model.sw, model.seed, month, s.events)
    w = np.maximum(waited(I.HELP, I.WAIT_SINCE), waited(I.YOUTH_HELP, I.YOUTH_WAIT_SINCE))
    model.plan.after_update(model)
    eligible = act[w >= 1]
    assert iv.enrolled.size == min(3, eligible.size) > 0
    assert np.isin(iv.enrolled, eligible).all()
    # the longest waiting: nobody left out waited longer than someone enrolled
    w_of = dict(zip(act.tolist(), w.tolist()))
    assert max((w_of[p] for p in eligible.tolist() if p not in set(iv.enrolled.tolist())), default=-1) <= min(
        w_of[p] for p in iv.enrolled.tolist())


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_intervention_runs_costs_money_and_keeps_the_invariants(name):
    """None is free; the state stays valid (bounds, no NaN, one household per cell)."""
    model = run(8, interventions={name: {"start": 1}})
    costs = model.results()["costs"]
    assert (costs["intervention"] == name).all() and len(costs) == 7
    assert costs["cost"].sum() > 0
    s = model.state
    act = s.active()
    assert np.isfinite(s.f[:, act]).all() and (s.f[:, act] >= 0).all() and (s.f[:, act] <= 1).all()
    hh = s.active_households()
    assert np.all(s.cell_hh[s.hh_cell[hh]] == hh)
    assert np.all(s.cell_kind[s.hh_cell[hh]] == CellKind.DWELLING)
    # the Mesa layer follows: one agent per household, facility and professional
    assert set(model.households) == set(hh.tolist())
    assert len(model.agents_by_type[Facility]) == s.fac_cell.size
    assert sum(isinstance(a, Professional) for a in model.agents) == s.pro_kind.size


# ---- direction of effects (DESIGN.md, Validity) ----------------------------------------------

# a generous dose of each lever, and the outcome the seeds expect it to move (+1 up, -1 down)
EXPECTED = {
    "single_parent_support": (80, "stress_mean", -1),
    "school_partnership": (4, "stress_mean", -1),
    "existential_security": (150, "security_mean", +1),
    "service_point": (2, "non_take_up", -1),
    "meeting_places": (4, "participation_rate", +1),
    "neighbourhood_team": (2, "trust_mean", +1),
    "mental_health_access": (10, "wait_months_mean", -1),
    "peer_support": (60, "wellbeing_mean", +1),
    "newcomer_work": (4, "employment_rate", +1),
    "learning": (120, "security_mean", +1),
    "experience_experts": (6, "non_take_up", -1),
    "longer_contracts": (10, "trust_mean", +1),
    "mixed_housing": (1.0, "security_mean", +1),
    "neighbourhood_families": (60, "stress_mean", -1),
}
DIRECTION_SEEDS = (1, 2, 3)


def test_expected_covers_every_intervention():
    assert set(EXPECTED) == set(SPECS)


@pytest.fixture(scope="module")
def direction_runs():
    """Baseline and each lever, 48 months in a 30 x 30 neighbourhood, same seeds (common random numbers)."""
    from abm.outcomes import OUTCOMES

    params = small_params(grid_width=30, grid_height=30, burn_in_months=12)
    outcomes = sorted({o for _, o, _ in EXPECTED.values()})

    def measure(plan, seed):
        model = VeerkrachtModel(params, seed=seed, plan=plan)
        model.run(48)
        tables, summary = model.results(), model.summary()
        return {o: OUTCOMES[o].get(model, tables, summary) for o in outcomes}

    out = {}
    for seed in DIRECTION_SEEDS:
        out[("baseline", seed)] = measure(make_plan(), seed)
        for name, (units, _, _) in EXPECTED.items():
            out[(name, seed)] = measure(make_plan(interventions={name: {"units": units}}), seed)
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_interventions_move_outcomes_the_way_the_seeds_expect(direction_runs, name):
    _, outcome, sign = EXPECTED[name]
    diffs = [direction_runs[(name, s)][outcome] - direction_runs[("baseline", s)][outcome] for s in DIRECTION_SEEDS]
    assert sign * np.mean(diffs) > 0, f"{name}: {outcome} moved {np.round(diffs, 4)} (expected {'+' if sign > 0 else '-'})"


@pytest.mark.parametrize("name", sorted(n for n, sp in SPECS.items() if sp.kind == "programme"))
def test_a_programme_at_effect_zero_is_no_programme(baseline_run, name):
    """``effect = 0``: enrolled or not, nobody's stocks move (the sensitivity range 0-3 starts at none)."""
    ts0, f0 = baseline_run
    model = VeerkrachtModel(small_params(grid_width=30, grid_height=30, burn_in_months=6), seed=12,
                            plan=make_plan(interventions={name: {"units": EXPECTED[name][0], "effect": 0.0}}))
    model.run(36)
    assert model.plan.interventions[0].in_use > 0, f"{name} enrolled nobody"
    np.testing.assert_array_equal(model.state.f[:, : model.state.n], f0)


# --------------------------------------------------------------------------------------
# a lever acts through the links it declares
# --------------------------------------------------------------------------------------

#: the outcome a lever's link test watches, where it differs from EXPECTED's: the waiting time itself
#: is what more capacity shortens (no link in between), so the test watches what the help does; mixed
#: housing changes who arrives, so the test watches what the declared links act on (attachment)
LINKED_OUTCOMES = {"mental_health_access": "mental_mean", "mixed_housing": "attachment_mean"}
#: levers that also act outside any link, by what they are: a facility takes a dwelling (its household
#: moves, one household fewer can arrive), mixed housing lets dwellings to other households. With their
#: links off their effect must shrink to at most RESIDUAL of the effect with links on.
PHYSICAL = ("meeting_places", "service_point", "mixed_housing")
RESIDUAL = 0.1
LINK_SEEDS = (1, 2)


def _linked_run(name, seed, off=(), units=None):
    """The 30 x 30 neighbourhood, 48 months, with lever ``name`` (None: none) and links ``off``."""
    plan = make_plan(interventions={name: {"units": units if units is not None else EXPECTED[name][0]}} if name else {})
    model = VeerkrachtModel(small_params(grid_width=30, grid_height=30, burn_in_months=12), seed=seed, plan=plan, off=off)
    model.run(48)
    return model


def _last_year(model, outcome):
    return float(model.results()["timeseries"][outcome].iloc[-12:].mean())


@pytest.fixture(scope="module")
def no_lever_runs():
    return {seed: _last_year_all(_linked_run(None, seed)) for seed in LINK_SEEDS}


def _last_year_all(model):
    ts = model.results()["timeseries"]
    return {o: float(ts[o].iloc[-12:].mean()) for o in {LINKED_OUTCOMES.get(n, e[1]) for n, e in EXPECTED.items()}}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in PHYSICAL else n
                                  for n in sorted(EXPECTED)])
def test_a_lever_acts_only_through_the_links_it_declares(no_lever_runs, name):
    """With every link the lever declares switched off (in both arms), its effect vanishes.

    Programmes, parameters and staff: the persons' stocks and the watched outcome are the
    no-lever run's bit for bit (same links off, common random numbers), so the lever has no
    path that its links do not name. Facilities and mixed housing also act by what they are
    (:data:`PHYSICAL`): there the effect must shrink to at most :data:`RESIDUAL` of its size
    with the links on. Either way the lever must act with its links on.
    """
    outcome = LINKED_OUTCOMES.get(name, EXPECTED[name][1])
    off = SPECS[name].links
    on, gone = [], []
    for seed in LINK_SEEDS if name in PHYSICAL else LINK_SEEDS[:1]:
        on.append(_last_year(_linked_run(name, seed), outcome) - no_lever_runs[seed][outcome])
        without, lever = _linked_run(None, seed, off), _linked_run(name, seed, off)
        gone.append(_last_year(lever, outcome) - _last_year(without, outcome))
        if name not in PHYSICAL:
            n = min(without.state.n, lever.state.n)
            np.testing.assert_array_equal(lever.state.f[:, :n], without.state.f[:, :n],
                                          err_msg=f"{name} changed the persons' stocks with its links {off} off")
    assert abs(np.mean(on)) > 0, f"{name} does not move {outcome} even with its links on"
    assert abs(np.mean(gone)) <= (RESIDUAL if name in PHYSICAL else 0.0) * abs(np.mean(on)), (
        f"{name}: with its links {off} off, {outcome} still moved {np.mean(gone):+.5f} (with them on {np.mean(on):+.5f})")


# --------------------------------------------------------------------------------------
# a lever acts only through its units
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def baseline_run():
    """A 30 x 30 neighbourhood, 36 months, no lever: the timeseries and the final stocks."""
    model = VeerkrachtModel(small_params(grid_width=30, grid_height=30, burn_in_months=6), seed=12)
    model.run(36)
    return model.results()["timeseries"], model.state.f[:, : model.state.n].copy()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_lever_with_no_units_does_nothing_and_costs_nothing(baseline_run, name):
    """``units = 0``: the run is the baseline's bit for bit, and the lever costs nothing."""
    ts0, f0 = baseline_run
    model = VeerkrachtModel(small_params(grid_width=30, grid_height=30, burn_in_months=6), seed=12,
                            plan=make_plan(interventions={name: {"units": 0}}))
    model.run(36)
    tables = model.results()
    assert tables["costs"]["cost"].sum() == 0.0
    np.testing.assert_array_equal(model.state.f[:, : model.state.n], f0)
    cols = [c for c in ts0.columns if c in tables["timeseries"].columns]
    assert tables["timeseries"][cols].equals(ts0[cols])


# --------------------------------------------------------------------------------------
# each lever over ten years at the default grid (slow: `make test-slow`)
# --------------------------------------------------------------------------------------

#: lever -> (units at the default grid, outcome, expected sign); ten years, five paired seeds. The
#: table above, with more units where the default grid has more households, and two outcomes that
#: a decade shows better (trust near a service point, the waiting time in weeks)
DECADE_UNITS = {"single_parent_support": 200, "existential_security": 600, "meeting_places": 6, "neighbourhood_team": 3,
                "learning": 300, "neighbourhood_families": 150}
DECADE_OUTCOMES = {"service_point": ("trust_mean", +1), "mental_health_access": ("wait_weeks_ggz", -1)}
DECADE = {name: (DECADE_UNITS.get(name, units), *DECADE_OUTCOMES.get(name, (outcome, sign)))
          for name, (units, outcome, sign) in EXPECTED.items()}
DECADE_SEEDS = (1, 2, 3, 4, 5)


def test_the_decade_table_covers_every_intervention():
    assert set(DECADE) == set(SPECS)


@pytest.fixture(scope="module")
def decade_runs():
    from abm.outcomes import OUTCOMES
    from experiments.build import build_model

    outcomes = sorted({o for _, o, _ in DECADE.values()})

    def measure(seed, interventions=None):
        model = build_model("krachtwijk", {}, interventions=interventions, seed=seed)
        model.run(120)
        tables, summary = model.results(), model.summary()
        return {o: OUTCOMES[o].get(model, tables, summary) for o in outcomes}

    out = {}
    for seed in DECADE_SEEDS:
        out[("baseline", seed)] = measure(seed)
        for name, (units, _, _) in DECADE.items():
            out[(name, seed)] = measure(seed, {name: {"units": units}})
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(DECADE))
def test_each_lever_acts_over_ten_years_at_the_default_grid(decade_runs, name):
    """Ten years of the krachtwijk at its default grid, five seeds, common random numbers: the
    paired difference from the baseline has the expected sign and its 95% interval excludes 0."""
    from experiments.stats import mean_interval

    _, outcome, sign = DECADE[name]
    diffs = [decade_runs[(name, s)][outcome] - decade_runs[("baseline", s)][outcome] for s in DECADE_SEEDS]
    iv = mean_interval(diffs)
    assert sign * iv.mean > 0 and (iv.ci_lo > 0 if sign > 0 else iv.ci_hi < 0), (
        f"{name}: {outcome} moved {np.round(diffs, 4)}, 95% interval [{iv.ci_lo:.4g}, {iv.ci_hi:.4g}]")
