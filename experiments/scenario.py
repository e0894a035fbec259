"""Scenario files: TOML presets of a neighbourhood, checked against the parameter schema.

A scenario file has the tables ``[scenario]`` (name, description), ``[params]`` (any
schema parameter), ``[run]`` (steps, seed), ``[links]`` (``off = [...]``),
``[interventions.NAME]`` and ``[shocks.NAME]`` (settings as in :mod:`abm.interventions`).
Presets live in ``experiments/scenarios/``; a path to any ``.toml`` file works too.
"""

from __future__ import annotations

import argparse
import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from abm.interventions import make_plan
from abm.params import ParameterError, Params, check_links, make_params, shown

PRESET_DIR = Path(__file__).resolve().parent / "scenarios"
TABLES = {"scenario": {"name", "description"}, "params": None, "run": {"steps", "seed"}, "links": {"off"},
          "interventions": None, "shocks": None}
DEFAULT_STEPS = 480
STEPS_MAX = 100_000  # months in one run
SEED_MAX = 2**63 - 1  # seeds are 63-bit
MAX_TOML_BYTES = 4 * 2**20  # a scenario or sweep file is a few kB; anything near this is a mistake


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
    if not isinstance(name_or_path, str):
        raise ScenarioError(f"scenario = {shown(name_or_path)}; allowed: {', '.join(presets())} or a path to a .toml file")
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        path = Path(name_or_path)
        if not _is_file(path):
            raise ScenarioError(f"scenario file {shown(name_or_path, 200)} not found")
        return path
    path = PRESET_DIR / f"{name_or_path}.toml"
    if not _is_file(path):
        close = difflib.get_close_matches(name_or_path, presets(), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ScenarioError(
            f"unknown scenario {shown(name_or_path)}; {hint}allowed: {', '.join(presets())} or a path to a .toml file"
        )
    return path


def _is_file(path: Path) -> bool:
    """``path.is_file()``, and False for a name the system cannot look up (too long, a NUL byte)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _check_keys(where: str, got, allowed) -> None:
    for key in got:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=3, cutoff=0.6)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise ScenarioError(f"{where}: unknown key '{key}'; {hint}allowed: {', '.join(sorted(allowed))}")


def read_toml(path: Path, error: type[Exception] = ScenarioError) -> dict:
    """The TOML file at ``path``; raises ``error`` with one line if it cannot be read or parsed.

    Besides syntax errors that covers what ``tomllib`` cannot hold: arrays or tables nested
    too deeply (RecursionError), whole numbers longer than Python reads from text (4300
    digits), and files over :data:`MAX_TOML_BYTES`.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_TOML_BYTES + 1)
    except (OSError, ValueError) as e:  # ValueError: a NUL in the path
        raise error(f"{path}: cannot be read: {' '.join(str(e).split())}") from None
    if len(raw) > MAX_TOML_BYTES:
        raise error(f"{path}: larger than {MAX_TOML_BYTES // 2**20} MB; allowed: a scenario or sweep file "
                    "of at most that size")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(f"{path}: cannot be read: not UTF-8 text ({e.reason} at byte {e.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: not valid TOML: {' '.join(str(e).split())}") from None
    except RecursionError:
        raise error(f"{path}: not usable: arrays or tables nested too deeply; allowed: the tables and "
                    "values of a scenario or sweep file (see the README)") from None
    except ValueError:  # a whole number over Python's 4300-digit limit for reading text
        raise error(f"{path}: not usable: a number has more than 4300 digits; allowed: numbers within "
                    "the ranges of `run.py params`") from None


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
    for key in ("name", "description"):
        if key in meta and not isinstance(meta[key], str):
            raise ScenarioError(f"{path} [scenario]: {key} = {shown(meta[key])}; allowed: a text in quotes")
    changes = dict(data.get("params", {}))
    try:
        params = make_params(None, changes)
    except ParameterError as e:
        raise ScenarioError(f"{path} [params]: {e}") from None
    try:
        off = check_links(links.get("off", []))
    except ParameterError as e:
        raise ScenarioError(f"{path} [links]: {e}") from None
    interventions, shocks = data.get("interventions", {}), data.get("shocks", {})
    try:
        make_plan(interventions, shocks).check_grid(params.grid_width, params.grid_height)  # each run makes its own
    except ParameterError as e:
        raise ScenarioError(f"{path}: {e}") from None
    steps = run.get("steps", DEFAULT_STEPS)
    seed = run.get("seed")
    if not is_whole(steps, 1, STEPS_MAX):
        raise ScenarioError(f"{path} [run]: steps = {shown(steps)}; allowed: a whole number from 1 to {STEPS_MAX}")
    if seed is not None and not is_whole(seed, 0, SEED_MAX):
        raise ScenarioError(f"{path} [run]: seed = {shown(seed)}; allowed: a whole number from 0 to 2**63 - 1")
    return Scenario(name=meta.get("name", path.stem), params=params, steps=steps, seed=seed, off=off,
                    description=meta.get("description", ""), source=str(path), changes=changes,
                    interventions=interventions, shocks=shocks)


def is_whole(value, lo: int, hi: int) -> bool:
    """True if ``value`` is a whole number (an int or numpy integer, not a bool) from ``lo`` to ``hi``."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and lo <= value <= hi


def whole_arg(name: str, lo: int | None = None, hi: int | None = None, hi_text: str | None = None):
    """An argparse type: a whole number (from ``lo`` to ``hi`` where given), with an error naming both.

    Text of any length is safe: a number too long to read is refused like one out of range.
    """
    allowed = f"allowed: {lo} to {hi_text or hi}" if lo is not None and hi is not None else "allowed: a whole number"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            if text.strip().lstrip("+-").isdigit():  # longer than Python reads (4300 digits)
                why = "is out of range" if lo is not None and hi is not None else "has too many digits"
                raise argparse.ArgumentTypeError(f"{name} {shown(text)} {why}; {allowed}") from None
            raise argparse.ArgumentTypeError(f"{name} {shown(text)} is not a whole number; {allowed}") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{name} {shown(value)} is out of range; {allowed}")
        return value

    return parse
