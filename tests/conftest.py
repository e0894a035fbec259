"""Shared fixtures: a small neighbourhood and one short run of it.

The small neighbourhood (:data:`experiments.scenario.SMALL`: 20 x 20 dwellings in blocks
of 10 x 10, 6 months of burn-in, about 950 persons) runs a month in a few milliseconds, so
tests that need a model but not the default population use it: as parameters
(:func:`small_params`), as ``--set`` options (:func:`small_args`) or as TOML lines
(:func:`small_toml`), each with changes on top (a shorter burn-in, say).
"""

from __future__ import annotations

import pytest

from abm.model import VeerkrachtModel
from abm.params import Params, make_params
from experiments.scenario import SMALL

SMALL_SEED = 2024
SMALL_STEPS = 60


def small_params(**changes) -> Params:
    """The small neighbourhood, with ``changes`` to any other parameter (schema-checked)."""
    return make_params(None, {**SMALL, **changes})


def small_args(**changes) -> list[str]:
    """The small neighbourhood (with ``changes``) as command-line options: ``--set NAME=VALUE`` each."""
    return [arg for name, value in {**SMALL, **changes}.items() for arg in ("--set", f"{name}={value}")]


def small_toml(**changes) -> str:
    """The small neighbourhood (with ``changes``) as TOML lines ``name = value``, for a [params] or [set] table."""
    return "".join(f"{name} = {value}\n" for name, value in {**SMALL, **changes}.items())


@pytest.fixture(scope="session")
def make_small_params():
    """:func:`small_params` as a fixture, for tests that prefer not to import from conftest."""
    return small_params


@pytest.fixture(scope="session")
def small_run() -> VeerkrachtModel:
    """A small model run for 60 months (seed 2024). Shared by the session: read it, do not change it."""
    model = VeerkrachtModel(small_params(), seed=SMALL_SEED)
    model.run(SMALL_STEPS)
    return model


@pytest.fixture(scope="session")
def results_root(tmp_path_factory):
    """The folder the browser tests' page may read (``run.py app --results-root``)."""
    return tmp_path_factory.mktemp("results")


@pytest.fixture(scope="session")
def server(results_root):
    """One `run.py app` for the browser test modules of a session (each page is a session of its own)."""
    pytest.importorskip("playwright.sync_api", reason="playwright is in requirements/lock.txt")
    from tests.browser import app_server

    with app_server(results_root=results_root) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium (or ``VEERKRACHT_CHROMIUM``) through Playwright, one per test module."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements/lock.txt")
    from tests.browser import launch

    with playwright_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="session")
def preset_decades():
    """The three presets at their default grids, ten years after the burn-in (seed 1): {name: model}.

    Shared by the tests that hold the presets against each other (help system, neighbourhood),
    so that each default-grid decade is run once per session.
    """
    from experiments.build import build_model

    out = {}
    for name in ("krachtwijk", "mixed", "average_nl"):
        model = build_model(name, {}, seed=1)
        model.run(120)
        out[name] = model
    return out
