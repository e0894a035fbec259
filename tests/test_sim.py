"""The runs behind the browser view, without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.scenario import SMALL
from viz.sim import Futures, Run, ViewError


def small_run(**kw) -> Run:
    run = Run(changes=dict(SMALL), **kw)
    run.reset()
    return run


def test_a_setting_applies_from_the_next_month_and_a_bad_one_is_refused():
    run = small_run()
    run.set_param("competition", 0.2)
    run.step()
    assert run.model.p.competition == 0.2 and run.changes["competition"] == 0.2
    with pytest.raises(ViewError, match="competition = 1.5 is out of range"):
        run.set_param("competition", 1.5)
    with pytest.raises(ViewError, match="citizen style shares must add up to 1"):
        run.set_param("style_outsider", 1.0)
    assert run.model.p_base.style_outsider != 1.0


def test_policies_switch_on_and_off_in_the_running_neighbourhood():
    run = small_run()
    run.step(2)
    run.switch_policy("learning", True, units=10)
    run.step(3)
    assert [iv.name for iv in run.running_policies()] == ["learning"]
    assert run.cost_this_month() == 10 * 450.0
    run.switch_policy("learning", False)
    run.step()
    assert run.running_policies() == [] and run.cost_this_month() == 0.0
    with pytest.raises(ViewError, match="unknown intervention"):
        run.switch_policy("teleport", True)


def test_crisis_now_and_a_bad_scenario_file(tmp_path):
    run = small_run()
    run.step()
    run.crisis("inflation", months=3)
    assert run.model.plan.shocks[0].start == 1
    bad = tmp_path / "bad.toml"
    bad.write_text("[params]\nvacancy = 0.9\n")
    with pytest.raises(ViewError, match="vacancy = 0.9"):
        Run(scenario=str(bad)).reset()


def test_two_futures_share_the_seed_and_differ_only_by_the_policy():
    futures = Futures()
    futures.reset("krachtwijk", 5, dict(SMALL), {})
    futures.step(6)
    assert np.allclose(futures.difference("stress_mean"), 0.0)  # no policy: the same future twice
    futures.reset("krachtwijk", 5, dict(SMALL), {"existential_security": 60})
    futures.step(12)
    assert futures.difference("security_mean")[-1] > 0


def test_the_view_starts_and_stops_interventions_through_the_models_api():
    run = small_run()
    model = run.model
    run.step(2)
    started = model.start_intervention("learning", units=10)
    assert started is not None and started.start == 2 and started.units == 10
    assert model.start_intervention("learning") is None  # runs already
    assert [iv.name for iv in model.running_interventions()] == ["learning"]
    model.stop_intervention("learning")  # switched off in the month it was switched on: it never runs
    assert model.running_interventions() == [] and model.plan.interventions == []
    run.switch_policy("learning", True)
    run.step(3)
    run.switch_policy("learning", False)
    (stopped,) = model.plan.interventions
    assert stopped.months == 3 and not stopped.active(model.month)


def test_a_policy_can_start_later_and_be_called_off_before_it_starts():
    """The page's "starts in N months": the plan holds it from now, it costs nothing until it starts,
    the what-changed card compares from its start, and switching it off before then removes it."""
    run = Run("krachtwijk", seed=5, changes=dict(SMALL))
    run.reset()
    run.step(2)
    run.switch_policy("existential_security", True, after=3)
    assert run.planned_policies() == {"existential_security"} and not run.running_policies()
    lever = run.levers()[0]
    assert lever["start"] == 5 and lever["end"] is None
    run.step(3)
    assert run.costs()["existential_security"]["total"] == 0.0  # months 2-4: not started
    run.step(2)
    assert run.costs()["existential_security"]["total"] > 0.0
    card = run.what_changed(run.levers()[0])
    assert card["months"] == run.month - 5
    other = Run("krachtwijk", seed=5, changes=dict(SMALL))
    other.reset()
    other.switch_policy("existential_security", True, after=4)
    other.switch_policy("existential_security", False)
    assert other.planned_policies() == set() and other.ensure().plan.interventions == []
    with pytest.raises(ViewError):
        other.switch_policy("existential_security", True, after=-1)
