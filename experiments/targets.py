"""Calibration and validation targets: public figures the model's outcomes are held against.

A targets file (``experiments/targets/*.toml``) holds one table per target::

    [[target]]
    name = "low_income_focus_areas"   # snake_case, unique
    output = "low_income"              # an outcome of abm.outcomes.OUTCOMES (`run.py outcomes`)
    value = 0.126                      # the figure
    band = [0.10, 0.16]                # what counts as a match: lo <= value <= hi
    year = 2023                        # the year the figure is about
    scenarios = ["krachtwijk"]         # the presets it applies to
    source = "CBS (2026), ..."
    note = "..."                       # optional

The whole file is checked before anything runs: unknown or missing keys, a name that is
not snake_case or is used twice (in one file or across the files read together), an
output that is not an outcome (with close matches), a scenario that is not a preset, a
band that is not two numbers ``lo <= hi``, a value outside its band, a year that is not a
whole number from :data:`YEAR_MIN` to this year. Anything wrong raises
:class:`TargetsError` with one line naming the file, the target, the bad value and what
is allowed. The outcome names are read from :data:`abm.outcomes.OUTCOMES` when a file is
checked, so an outcome added to the model is a valid output at once.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from abm.outcomes import OUTCOMES
from abm.params import ParameterError, check_number, close_matches_hint, shown
from experiments.scenario import ScenarioError, presets, read_toml

TARGETS_DIR = Path(__file__).resolve().parent / "targets"
REQUIRED = ("name", "output", "value", "band", "year", "scenarios", "source")
OPTIONAL = ("note",)
KEYS = (*REQUIRED, *OPTIONAL)
NAME_RE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
YEAR_MIN = 1900
# the magnitude beyond which a target's value or band is a typing error, not a figure
LIMIT = 1e16


class TargetsError(ScenarioError):
    """A targets file that cannot be read or does not fit the format (one line)."""


@dataclass(frozen=True)
class Target:
    """One checked target: a figure, the band that counts as a match, where it comes from."""

    name: str
    output: str
    value: float
    lo: float
    hi: float
    year: int
    scenarios: tuple[str, ...]
    source: str
    note: str = ""
    file: str = ""

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the band (ends included); False for NaN."""
        return bool(self.lo <= x <= self.hi)


@dataclass(frozen=True)
class TargetsFile:
    """The targets of one file, with the file's path and the SHA-256 of its bytes."""

    path: str
    sha256: str
    targets: tuple[Target, ...]


def default_files() -> list[Path]:
    """Every ``experiments/targets/*.toml``, sorted by name."""
    return sorted(TARGETS_DIR.glob("*.toml")) if TARGETS_DIR.is_dir() else []


def load_all(paths: list[str | os.PathLike] | None = None) -> list[TargetsFile]:
    """The targets of ``paths`` (default: :func:`default_files`), checked; names unique across all."""
    if paths is None:
        paths = default_files()
        if not paths:
            raise TargetsError(f"no targets file in {TARGETS_DIR}; give one with --targets FILE")
    unique: dict[Path, str | os.PathLike] = {}
    for p in paths:
        unique.setdefault(Path(p).resolve(), p)  # a file named twice is read once
    files = [load(p) for p in unique.values()]
    seen: dict[str, str] = {}
    for f in files:
        for t in f.targets:
            if t.name in seen:
                raise TargetsError(f"{f.path} target '{t.name}': the name is used in {seen[t.name]} too; "
                                   "allowed: a name unique across the targets files read together")
            seen[t.name] = f.path
    return files


def load(path: str | os.PathLike) -> TargetsFile:
    """Read and check one targets file; raises :class:`TargetsError` (one line)."""
    path = Path(path)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):
        is_file = False
    if not is_file:
        raise TargetsError(f"targets file {shown(str(path), 200)} not found")
    name = _display(path)
    data = read_toml(Path(name), TargetsError)
    targets = check(data, name)
    return TargetsFile(name, hashlib.sha256(path.read_bytes()).hexdigest(), targets)


def _display(path: Path) -> str:
    """``path`` relative to the working folder when inside it (shorter messages), else as given."""
    try:
        return Path(path).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def check(data: dict, source: str = "targets") -> tuple[Target, ...]:
    """The targets of a parsed targets file ``data``; ``source`` names the file in messages."""
    for key in data:
        if key != "target":
            raise TargetsError(f"{source}: unknown key '{key}'; {close_matches_hint(key, ['target'])}"
                               "allowed: [[target]] tables only")
    tables = data.get("target")
    if not tables:
        raise TargetsError(f"{source}: no targets; allowed: one or more [[target]] tables with "
                           f"{', '.join(REQUIRED)}")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise TargetsError(f"{source}: target = {shown(tables)}; allowed: [[target]] tables (an array of tables)")
    out: list[Target] = []
    names: set[str] = set()
    for i, table in enumerate(tables, 1):
        target = _target(source, i, table)
        if target.name in names:
            raise TargetsError(f"{source} target '{target.name}': the name is used twice; allowed: a name "
                               "unique in the file")
        names.add(target.name)
        out.append(target)
    return tuple(out)


def _target(source: str, i: int, t: dict) -> Target:
    name = t.get("name")
    if isinstance(name, str) and NAME_RE.fullmatch(name):
        where = f"{source} target '{name}'"
    else:
        where = f"{source} target {i}"
        if "name" in t:
            raise TargetsError(f"{where}: name = {shown(name)} is not snake_case; allowed: lower-case letters, "
                               "digits and single underscores, starting with a letter (e.g. low_income_focus_areas)")
    for key in t:
        if key not in KEYS:
            raise TargetsError(f"{where}: unknown key {shown(key)}; {close_matches_hint(key, KEYS)}"
                               f"allowed: {', '.join(KEYS)}")
    missing = [k for k in REQUIRED if k not in t]
    if missing:
        raise TargetsError(f"{where}: {', '.join(missing)} missing; a target needs {', '.join(REQUIRED)}")
    output = t["output"]
    if output not in OUTCOMES:
        raise TargetsError(f"{where}: output = {shown(output)} is not an outcome; "
                           f"{close_matches_hint(output, OUTCOMES)}allowed: {', '.join(OUTCOMES)} "
                           "(`run.py outcomes`)")
    band = t["band"]
    if not isinstance(band, list) or len(band) != 2:
        raise TargetsError(f"{where}: band = {shown(band)}; allowed: two numbers [lo, hi] with lo <= hi")
    try:
        lo = check_number(where, "band lo", band[0], -LIMIT, LIMIT)
        hi = check_number(where, "band hi", band[1], -LIMIT, LIMIT)
        value = check_number(where, "value", t["value"], -LIMIT, LIMIT)
        this_year = datetime.now(timezone.utc).year
        year = check_number(where, "year", t["year"], YEAR_MIN, this_year, whole=True)
    except ParameterError as e:
        raise TargetsError(str(e)) from None
    if not lo <= hi:
        raise TargetsError(f"{where}: band = {shown(band)} has lo above hi; allowed: two numbers [lo, hi] "
                           "with lo <= hi")
    if not lo <= value <= hi:
        raise TargetsError(f"{where}: value = {shown(value)} lies outside its band [{lo}, {hi}]; allowed: a "
                           f"value from {lo} to {hi} (or a band that holds it)")
    scenarios = t["scenarios"]
    known = presets()
    if not isinstance(scenarios, list) or not scenarios or not all(isinstance(s, str) for s in scenarios):
        raise TargetsError(f"{where}: scenarios = {shown(scenarios)}; allowed: a list of one or more of "
                           f"{', '.join(known)}")
    for s in scenarios:
        if s not in known:
            raise TargetsError(f"{where}: scenario {shown(s)} is not a preset; "
                               f"{close_matches_hint(s, known, cutoff=0.5)}allowed: {', '.join(known)}")
    if len(set(scenarios)) != len(scenarios):
        raise TargetsError(f"{where}: scenarios = {shown(scenarios)} names a scenario twice")
    for key in ("source", "note"):
        if key in t and (not isinstance(t[key], str) or not t[key].strip()):
            raise TargetsError(f"{where}: {key} = {shown(t[key])}; allowed: a non-empty text")
    return Target(name=name, output=output, value=float(value), lo=float(lo), hi=float(hi), year=int(year),
                  scenarios=tuple(scenarios), source=" ".join(t["source"].split()),
                  note=" ".join(t.get("note", "").split()), file=source)
