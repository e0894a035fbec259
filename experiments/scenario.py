"""Scenario files: TOML presets of a neighbourhood, checked against the parameter schema.

A scenario file has the tables ``[scenario]`` (name, description), ``[params]`` (any
schema parameter), ``[run]`` (steps, seed), ``[links]`` (``off = [...]``),
``[interventions.NAME]`` and ``[shocks.NAME]`` (settings as in :mod:`abm.interventions`).
Presets live in ``experiments/scenarios/``; a path to any ``.toml`` file works too.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from abm.interventions import make_plan
from abm.params import ParameterError, Params, check_links, make_params

PRESET_DIR = Path(__file__).resolve().parent / "scenarios"
TABLES = {"scenario": {"name", "description"}, "params": None, "run": {"steps", "seed"}, "links": {"off"},
          "interventions": None, "shocks": None}
DEFAULT_STEPS = 480


class ScenarioError(ValueError):
    """A scenario that cannot be read or does not fit the schema."""


@dataclass(frozen=True)
class Scenario:
    """A neighbourhood to simulate: parameters, links switched off, and run settings."""

    name: str
    params: Params
    steps: int = DEFAULT_STEPS
    seed: int | None = None
    off: tuple[str, ...] = ()
    description: str = ""
    source: str = ""
    changes: dict = field(default_factory=dict)
    interventions: dict = field(default_factory=dict)
    shocks: dict = field(default_factory=dict)


def presets() -> list[str]:
    """Names of the preset scenarios."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def resolve(name_or_path: str) -> Path:
    """The file of a preset name, or the given path; raises with the allowed names."""
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise ScenarioError(f"scenario file '{name_or_path}' not found")
        return path
    path = PRESET_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        close = difflib.get_close_matches(name_or_path, presets(), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ScenarioError(
            f"unknown scenario '{name_or_path}'; {hint}allowed: {', '.join(presets())} or a path to a .toml file"
        )
    return path


def _check_keys(where: str, got, allowed) -> None:
    for key in got:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=3, cutoff=0.6)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise ScenarioError(f"{where}: unknown key '{key}'; {hint}allowed: {', '.join(sorted(allowed))}")


def read_toml(path: Path, error: type[Exception] = ScenarioError) -> dict:
    """The TOML file at ``path``; raises ``error`` with one line if it cannot be read or parsed."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{path}: cannot be read: {e}") from None


def load(name_or_path: str) -> Scenario:
    """Read and check a scenario (preset name or path)."""
    path = resolve(name_or_path)
    data = read_toml(path)
    _check_keys(str(path), data, TABLES)
    for table, allowed in TABLES.items():
        if table in data:
            if not isinstance(data[table], dict):
                raise ScenarioError(f"{path}: [{table}] must be a table")
            if allowed is not None:
                _check_keys(f"{path} [{table}]", data[table], allowed)
    meta, run, links = data.get("scenario", {}), data.get("run", {}), data.get("links", {})
    changes = dict(data.get("params", {}))
    try:
        params = make_params(None, changes)
        off = check_links(links.get("off", []))
    except ParameterError as e:
        raise ScenarioError(f"{path} [params]: {e}") from None
    interventions, shocks = data.get("interventions", {}), data.get("shocks", {})
    try:
        make_plan(interventions, shocks).check_grid(params.grid_width, params.grid_height)  # each run makes its own
    except ParameterError as e:
        raise ScenarioError(f"{path}: {e}") from None
    steps = run.get("steps", DEFAULT_STEPS)
    seed = run.get("seed")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 100_000:
        raise ScenarioError(f"{path} [run]: steps = {steps!r}; allowed: a whole number from 1 to 100000")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63):
        raise ScenarioError(f"{path} [run]: seed = {seed!r}; allowed: a whole number from 0 to 2**63 - 1")
    return Scenario(name=str(meta.get("name", path.stem)), params=params, steps=steps, seed=seed, off=off,
                    description=str(meta.get("description", "")), source=str(path), changes=changes,
                    interventions=interventions, shocks=shocks)
