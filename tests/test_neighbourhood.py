"""Block conditions act on residents directly (neighbourhood effects), and the presets differ in them."""

from __future__ import annotations

import numpy as np
import pytest

from abm import kernels as kn
from abm.kernels import C, F, I, K, L, N_L, B
from abm.params import Params
from experiments.build import build_model
from experiments.scenario import SMALL
from tests.test_kernels import random_population, run_update_persons


def _blocks_once(model, change=None) -> dict:
    """One update of the block states from the model's present state, after ``change(state)``; the state is restored."""
    s = model.state
    saved = {name: getattr(s, name).copy() for name in ("block_efficacy", "block_attachment", "block_nuisance",
                                                      "block_turnover", "hh_budget", "hh_social")}
    if change is not None:
        change(s)
    act = s.active()
    model._blocks(act[s.i[I.AGE, act] >= 18 * 12])
    out = {name: getattr(s, name).copy() for name in ("block_efficacy", "block_attachment", "block_nuisance")}
    for name, value in saved.items():
        setattr(s, name, value)
    return out


@pytest.fixture(scope="module")
def neighbourhood():
    """A 40 x 40 krachtwijk (16 blocks) after two years."""
    model = build_model("krachtwijk", {**SMALL, "grid_width": 40, "grid_height": 40}, seed=4)
    model.run(24)
    return model


def _half(model) -> np.ndarray:
    return np.arange(model.state.n_blocks) % 2 == 0


def test_residential_instability_lowers_collective_efficacy_directly(neighbourhood):
    """Turnover lowers efficacy through its own link, not only through attachment: with the
    attachment path off it still does; with both off it does not."""
    m = neighbourhood
    half = _half(m)

    def unstable(s):
        s.block_turnover[half] += 0.3

    m.sw[L.turnover_attachment] = 0.0
    try:
        base, moved = _blocks_once(m), _blocks_once(m, unstable)
        assert np.all(moved["block_efficacy"][half] < base["block_efficacy"][half])
        np.testing.assert_array_equal(moved["block_efficacy"][~half], base["block_efficacy"][~half])
        m.sw[L.instability_efficacy] = 0.0
        base, moved = _blocks_once(m), _blocks_once(m, unstable)
        np.testing.assert_array_equal(moved["block_efficacy"], base["block_efficacy"])
    finally:
        m.sw[L.turnover_attachment] = 1.0
        m.sw[L.instability_efficacy] = 1.0


def test_concentrated_low_income_lowers_efficacy_and_attachment_and_raises_nuisance(neighbourhood):
    """Concentrated disadvantage: more low-income households in a block never raise its attachment
    (the mix term measures the housing stock, not income) and lower its efficacy."""
    m = neighbourhood
    half = _half(m)
    s = m.state
    cell_block = s.cell_block

    def poorer(state):
        hh = state.active_households()
        in_half = half[cell_block[state.hh_cell[hh]]]
        state.hh_budget[B.LOW, hh[in_half]] = 1.0

    base, moved = _blocks_once(m), _blocks_once(m, poorer)
    assert np.all(moved["block_efficacy"][half] < base["block_efficacy"][half])
    assert np.all(moved["block_attachment"][half] < base["block_attachment"][half])
    assert np.all(moved["block_nuisance"][half] > base["block_nuisance"][half])


def test_a_mixed_housing_stock_raises_attachment(neighbourhood):
    m = neighbourhood
    half = _half(m)
    cell_block = m.state.cell_block

    def all_social(state):
        hh = state.active_households()
        state.hh_social[hh[half[cell_block[state.hh_cell[hh]]]]] = 1

    def mixed(state):
        hh = state.active_households()
        sel = hh[half[cell_block[state.hh_cell[hh]]]]
        state.hh_social[sel] = (np.arange(sel.size) % 2).astype(np.int8)

    one_kind, half_half = _blocks_once(m, all_social), _blocks_once(m, mixed)
    assert np.all(half_half["block_attachment"][half] > one_kind["block_attachment"][half])


@pytest.mark.parametrize("link, row, sign", [("nuisance_stress", C.NUISANCE_B, +1.0),
                                              ("housing_quality_stress", C.HOUSING_Q_B, -1.0)])
def test_nuisance_and_poor_housing_raise_stress(link, row, sign):
    n, step = 300, 20
    rng = np.random.default_rng(3)
    f, iv, ctx, ev = random_population(rng, n, step)
    act = np.arange(n, dtype=np.int64)
    pv = Params().vector()
    high, low = ctx.copy(), ctx.copy()
    high[row] = 0.9
    low[row] = 0.1
    f_high, _, _ = run_update_persons(kn.update_persons, f, iv, high, ev, act, pv, np.ones(N_L), 1, step)
    f_low, _, _ = run_update_persons(kn.update_persons, f, iv, low, ev, act, pv, np.ones(N_L), 1, step)
    assert np.all(sign * (f_high[F.STRESS] - f_low[F.STRESS]) > 0)
    off = np.ones(N_L)
    off[L[link]] = 0.0
    f_high, _, _ = run_update_persons(kn.update_persons, f, iv, high, ev, act, pv, off, 1, step)
    f_low, _, _ = run_update_persons(kn.update_persons, f, iv, low, ev, act, pv, off, 1, step)
    np.testing.assert_array_equal(f_high[F.STRESS], f_low[F.STRESS])


def test_the_presets_differ_in_their_block_conditions_as_described(preset_decades):
    """Default grids, ten years: the krachtwijk has the most nuisance and the poorest housing, the
    Dutch average the least and the best, the mixed neighbourhood in between; stress follows."""
    out = {}
    for name in ("krachtwijk", "mixed", "average_nl"):
        model = preset_decades[name]
        s = model.state
        out[name] = (s.block_nuisance.mean(), s.block_housing.mean(), s.block_efficacy.mean(),
                     model.results()["timeseries"]["stress_mean"].iloc[-12:].mean())
    kw, mixed, nl = out["krachtwijk"], out["mixed"], out["average_nl"]
    assert kw[0] > mixed[0] > nl[0]
    assert kw[1] < mixed[1] < nl[1]
    assert kw[2] < mixed[2] < nl[2]
    assert kw[3] > mixed[3] > nl[3]
    # blocks within a neighbourhood differ too (not one value for all)
    s = preset_decades["krachtwijk"].state
    assert s.block_efficacy.std() > 0.02 and s.block_housing.std() > 0.02
