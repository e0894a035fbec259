"""One way to build a run (experiments.build): the command line, tasks, views and benchmark share it."""

from __future__ import annotations

import pytest

from abm.interventions import make_plan
from abm.model import VeerkrachtModel
from abm.params import ParameterError, make_params
from experiments.build import build_model, recipe
from experiments.scenario import SMALL, ScenarioError, load


def test_a_recipe_puts_changes_interventions_shocks_and_links_on_top_of_the_scenario():
    r = recipe("krachtwijk", {**SMALL, "trust_mean": 0.3}, {"learning": {"units": 5}}, {"inflation": {"start": 3}},
               ["stress_parenting"])
    sc = load("krachtwijk")
    assert r.name == "krachtwijk" and r.scenario == sc
    assert r.params == make_params(sc.params, {**SMALL, "trust_mean": 0.3})  # the scenario's calibrated values kept
    assert r.off == (*sc.off, "stress_parenting")
    assert r.plan.describe() == make_plan(sc.interventions, sc.shocks, {"learning": {"units": 5}},
                                          {"inflation": {"start": 3}}).describe()
    # parameters made in code, or none: the schema's defaults under the name "custom"
    assert recipe(make_params(None, SMALL)).params == make_params(None, SMALL)
    assert recipe().name == "custom" and recipe().params == make_params()


def test_a_built_model_is_the_model_made_by_hand_and_each_build_has_its_own_plan():
    r = recipe(make_params(None, SMALL), interventions={"single_parent_support": {"units": 20}})
    a, b = r.build(7), r.build(7)
    by_hand = VeerkrachtModel(make_params(None, SMALL), seed=7, plan=make_plan({"single_parent_support": {"units": 20}}))
    assert a.plan is not b.plan and a.plan is not r.plan
    for model in (a, b, by_hand):
        model.run(6)
    assert a.results()["timeseries"].equals(by_hand.results()["timeseries"])
    assert b.results()["timeseries"].equals(by_hand.results()["timeseries"])
    assert not r.plan.interventions[0].enrolled.size  # the recipe's plan is never run
    assert build_model(make_params(None, SMALL), seed=7).seed == 7


def test_bad_input_is_one_line():
    with pytest.raises(ScenarioError, match="unknown scenario"):
        recipe("krachtwijkk")
    with pytest.raises(ParameterError, match="trust_mean"):
        recipe("krachtwijk", {"trust_mean": 2.0})
    with pytest.raises(ParameterError, match="unknown link"):
        recipe("krachtwijk", off=["no_such_link"])
    with pytest.raises(ParameterError, match="off the grid"):
        recipe(make_params(None, SMALL), interventions={"service_point": {"cells": [[30, 1]]}})
