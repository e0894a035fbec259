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

from abm.kernels import K
from abm.model import VeerkrachtModel
from abm.params import LINK_NAMES
from tests.conftest import small_params

OUTSIDE_KERNELS = [name for name in LINK_NAMES if name not in K.__members__]

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
