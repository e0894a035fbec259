"""Link ablation at model level: a switched-off link contributes nothing, and every link does something.

The kernel tests check this for the links the kernels read. The links below act in the
Python part of the step (blocks, professionals, demography), so they are checked on whole
runs of the small neighbourhood: switching a link off must give exactly the run with its
strength set to 0, and a different run from the one with the link on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.interventions import make_plan
from abm.interventions.mechanisms import PROGRAMME_LINKS
from abm.interventions.specs import SPECS
from abm.kernels import K
from abm.model import VeerkrachtModel
from abm.params import LINK_NAMES
from tests.conftest import small_params

#: the links the Python part of the step reads (the programmes' links act only while a programme runs: below)
OUTSIDE_KERNELS = [name for name in LINK_NAMES if name not in K.__members__ and name not in PROGRAMME_LINKS]

STEPS = 48
SEED = 77


def _run(params, off=()) -> tuple[pd.DataFrame, np.ndarray]:
    model = VeerkrachtModel(params, seed=SEED, off=off)
    model.run(STEPS)
    s = model.state
    return model.results()["timeseries"], s.f[:, : s.n].copy()


@pytest.fixture(scope="module")
def baseline():
    return _run(small_params())


def test_the_list_is_what_the_python_step_uses():
    assert len(OUTSIDE_KERNELS) == 18
    assert {"disadvantage_efficacy", "instability_efficacy", "efficacy_nuisance", "disadvantage_nuisance"} <= set(
        OUTSIDE_KERNELS)
    assert {"skills_chances", "stress_separation", "selective_outmigration", "participation_efficacy"} <= set(
        OUTSIDE_KERNELS)


@pytest.mark.parametrize("name", OUTSIDE_KERNELS)
def test_link_off_equals_strength_zero_and_differs_from_on(baseline, name):
    off_ts, off_f = _run(small_params(), off=(name,))
    zero_ts, zero_f = _run(small_params(**{name: 0.0}))
    pd.testing.assert_frame_equal(off_ts, zero_ts)
    np.testing.assert_array_equal(off_f, zero_f)
    on_ts, on_f = baseline
    same = on_f.shape == off_f.shape and np.array_equal(on_f, off_f)
    assert not same, f"switching {name} off changed nothing in {STEPS} months"


# ---- the programmes' links: checked while the programme that declares them runs ------------

def _programme_of(link: str) -> str:
    return next(name for name, sp in SPECS.items() if link in sp.links)


def _run_with(params, lever: str, off=()):
    units = {"peer_support": 40}.get(lever, SPECS[lever].units_default)
    model = VeerkrachtModel(params, seed=SEED, off=off, plan=make_plan(interventions={lever: {"units": units}}))
    model.run(24)
    s = model.state
    return model.results()["timeseries"], s.f[:, : s.n].copy()


def test_every_programme_link_is_declared_by_a_programme():
    assert set(PROGRAMME_LINKS) <= set(LINK_NAMES)
    for link in PROGRAMME_LINKS:
        assert SPECS[_programme_of(link)].kind == "programme", link


@pytest.mark.parametrize("name", PROGRAMME_LINKS)
def test_programme_link_off_equals_strength_zero_and_differs_from_on(name):
    lever = _programme_of(name)
    params = small_params(grid_width=30, grid_height=30, burn_in_months=6)
    off_ts, off_f = _run_with(params, lever, off=(name,))
    zero_ts, zero_f = _run_with(small_params(grid_width=30, grid_height=30, burn_in_months=6, **{name: 0.0}), lever)
    pd.testing.assert_frame_equal(off_ts, zero_ts)
    np.testing.assert_array_equal(off_f, zero_f)
    on_ts, on_f = _run_with(params, lever)
    assert not (on_f.shape == off_f.shape and np.array_equal(on_f, off_f)), (
        f"switching {name} off changed nothing while {lever} ran")
