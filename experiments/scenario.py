"""Scenario files: TOML presets of a neighbourhood, checked against the parameter schema.

A scenario file has the tables ``[scenario]`` (name, description), ``[params]`` (any
schema parameter), ``[run]`` (steps, seed, checked by :class:`abm.params.RunSettings`),
``[links]`` (``off = [...]``), ``[interventions.NAME]`` and ``[shocks.NAME]`` (settings as
in :mod:`abm.interventions`), and ``[calibration]`` (``file = "..."``: the calibrated values
the scenario takes, written by ``run.py calibrate``; see :func:`load`). Presets live in ``experiments/scenarios/``; a path to any
``.toml`` file works too. :data:`SMALL` is the small neighbourhood that the tests, the
benchmarks and the golden run share.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from abm.interventions import make_plan
from abm.params import (
    DEFAULT_STEPS, ParameterError, Params, RunSettings, check_links, close_matches_hint, make_params, shown,
)

PRESET_DIR = Path(__file__).resolve().parent / "scenarios"
TABLES = {"scenario": {"name", "description"}, "params": None, "run": {"steps", "seed"}, "links": {"off"},
          "interventions": None, "shocks": None, "calibration": {"file"}}
MAX_TOML_BYTES = 4 * 2**20  # a scenario or sweep file is a few kB; anything near this is a mistake
#: The small neighbourhood of the tests, the benchmarks and the golden run: 20 x 20 dwellings in
#: four blocks and six months of burn-in (about 950 persons; a month takes a few milliseconds).
SMALL: dict[str, int] = {"grid_width": 20, "grid_height": 20, "block_size": 10, "burn_in_months": 6, "burn_in_max": 6}


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
    calibration: str = ""  # the calibrated values' file the scenario read ("" if none)
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
        hint = close_matches_hint(name_or_path, presets(), cutoff=0.5)
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
            raise ScenarioError(f"{where}: unknown key '{key}'; {close_matches_hint(key, sorted(allowed))}"
                                f"allowed: {', '.join(sorted(allowed))}")


def toml_value(v) -> str:
    """``v`` (a bool, number, string or list of them) as a TOML value, for the files the project writes."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v)) if math.isfinite(v) else "nan"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


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


def calibration_file(path: Path, data: dict) -> Path | None:
    """The calibrated values' file a scenario names in ``[calibration] file`` (relative to it), or None."""
    name = data.get("calibration", {}).get("file")
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{path} [calibration]: file = {shown(name)}; allowed: a path to a calibration file")
    return (path.parent / name).resolve()


def read_calibration(path: Path) -> dict:
    """A calibrated values' file (``run.py calibrate --presets``): ``provenance``, ``best`` and ``ensemble``.

    Raises :class:`ScenarioError` (one line) when it cannot be read or lacks a table.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ScenarioError(f"calibration file '{path}' cannot be read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"calibration file '{path}': not valid TOML ({e})") from None
    for key in ("provenance", "best"):
        if not isinstance(data.get(key), dict):
            raise ScenarioError(f"calibration file '{path}': a [{key}] table is needed")
    data.setdefault("ensemble", [])
    return data


def load(name_or_path: str, calibrated: bool = True, member: int | None = None) -> Scenario:
    """Read and check a scenario (preset name or path).

    A scenario with a ``[calibration] file`` takes that file's calibrated values (its
    ``[best]`` set, or ensemble set ``member``) under its own ``[params]``: the calibrated
    behaviour is shared, the scenario's inputs are its own. ``calibrated=False`` reads the
    scenario without them (what a calibration's trials start from).
    """
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
    cal_path = calibration_file(path, data)
    calibrated_values: dict = {}
    if cal_path is not None and calibrated:
        cal = read_calibration(cal_path)
        if member is None:
            calibrated_values = dict(cal["best"])
        else:
            sets = cal["ensemble"]
            if not (isinstance(member, int) and 0 <= member < len(sets)):
                raise ScenarioError(f"{path}: ensemble member {shown(member)}; allowed: 0 to {len(sets) - 1} "
                                    f"(the plausible sets of {cal_path.name})")
            calibrated_values = dict(sets[member]["params"])
    try:
        params = make_params(None, {**calibrated_values, **changes})
    except ParameterError as e:
        raise ScenarioError(f"{(cal_path if calibrated_values else path)} [params]: {e}") from None
    try:
        off = check_links(links.get("off", []))
    except ParameterError as e:
        raise ScenarioError(f"{path} [links]: {e}") from None
    interventions, shocks = data.get("interventions", {}), data.get("shocks", {})
    try:
        make_plan(interventions, shocks).check_grid(params.grid_width, params.grid_height)  # each run makes its own
    except ParameterError as e:
        raise ScenarioError(f"{path}: {e}") from None
    settings = RunSettings.check(run.get("steps", DEFAULT_STEPS), run.get("seed"), f"{path} [run]", error=ScenarioError)
    return Scenario(name=meta.get("name", path.stem), params=params, steps=settings.steps, seed=settings.seed,
                    off=off, description=meta.get("description", ""), source=str(path), changes=changes,
                    calibration=str(cal_path) if calibrated_values else "",
                    interventions=interventions, shocks=shocks)
