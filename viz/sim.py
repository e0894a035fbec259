"""The runs behind the browser view: one live neighbourhood, or two futures side by side.

Plain Python (no Solara), so the page stays thin and the behaviour is tested directly:
reset from a preset or scenario file with changed parameters, step, switch policies on and
off in the running neighbourhood, hit it with a crisis now. Every failure a visitor can
cause (a bad value, a bad scenario file) raises :class:`ViewError` with a readable line.

The view can be shared with a room (``run.py app --host 0.0.0.0`` has no login), so what a
visitor types as a path is confined (:func:`confine`): only files and folders inside the
results root (:func:`results_root`, set by ``run.py app --results-root``) are read, symlinks
that leave it are refused, a path outside gets the same message as a missing one, and
files are read only up to a size (:data:`SCENARIO_MAX_BYTES` for a scenario file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from abm.interventions import SPECS, Intervention, make_shock
from abm.model import VeerkrachtModel
from abm.params import ParameterError
from experiments.build import build_model
from experiments.scenario import ScenarioError, load, presets
from viz.i18n import t

DEFAULT_SEED = 20230915
# parameters shown as sliders first; the rest sit under "all settings"
KEY_PARAMS = ("trust_mean", "share_single_parent", "share_low_income", "share_social_housing", "negative_media",
              "polarisation", "n_social_workers", "ggz_capacity", "system_complexity", "bureaucracy")
# where the view may read: set by `run.py app --results-root DIR` (default: results/ under the working folder)
RESULTS_ROOT_ENV = "VEERKRACHT_RESULTS_ROOT"
SCENARIO_MAX_BYTES = 1_000_000  # a scenario file is a few hundred bytes; 1 MB is plenty and cheap to parse


class ViewError(ValueError):
    """Something a visitor asked for that cannot be done; the message is shown on the page.

    ``key`` and ``values``, when set, name the message in :data:`viz.i18n.TEXT` so the page
    shows it in its language (:func:`error_text`); ``str(e)`` is the English text.
    """

    def __init__(self, message: str = "", key: str | None = None, **values) -> None:
        self.key = key
        self.values = values
        super().__init__(t(key, "en").format(**values) if key else message)


def error_text(exc: Exception, lang: str) -> str:
    """The one-line message of ``exc`` in ``lang`` (English where the message has no translation)."""
    key = getattr(exc, "key", None)
    if key:
        return t(key, lang).format(**exc.values)
    return str(exc)


def results_root() -> Path:
    """The folder the view may read (resolved): ``$VEERKRACHT_RESULTS_ROOT``, else ``results`` here."""
    return Path(os.environ.get(RESULTS_ROOT_ENV) or "results").resolve()


def root_label(root: str | os.PathLike) -> str:
    """How the page names the results root: relative to the working folder when inside it."""
    root = Path(root).resolve()
    try:
        return root.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(root)


def size_label(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.0f} MB" if n_bytes >= 1e6 else f"{n_bytes / 1e3:.0f} kB"


def confine(text: str | os.PathLike, root: str | os.PathLike, kind: str | None = None,
            max_bytes: int | None = None) -> Path:
    """The real path of ``text`` if it lies inside ``root``; ViewError (``path.*``) otherwise.

    ``text`` is absolute, or relative to ``root`` (or to the working folder, so
    ``results/x`` works when the root is ``results``). Symlinks are resolved before the
    check, so one that leaves the root is refused. A path outside the root and a path that
    does not exist get the same message: the page never tells whether something outside
    exists. ``kind`` 'file' asks for a regular file (not a folder, device or pipe), 'dir'
    for a folder; ``max_bytes`` bounds a file's size.
    """
    shown = str(text).strip()
    shown_short = shown if len(shown) <= 200 else shown[:200] + "..."
    real_root = Path(root).resolve()
    refused = ViewError(key="path.refused", path=shown_short, root=root_label(real_root))
    if not shown or "\x00" in shown:
        raise refused
    given = Path(shown)
    candidates = [given] if given.is_absolute() else [real_root / given, Path.cwd() / given]
    for candidate in candidates:
        try:
            real = candidate.resolve()
            if real.is_relative_to(real_root) and real.exists():
                break
        except (OSError, RuntimeError, ValueError):  # too long, a symlink loop, an odd name
            continue
    else:
        raise refused
    try:
        if kind == "dir" and not real.is_dir():
            raise ViewError(key="path.not_folder", path=shown_short)
        if kind == "file" and not real.is_file():
            raise ViewError(key="path.not_file", path=shown_short)
        if max_bytes is not None and real.is_file() and real.stat().st_size > max_bytes:
            raise ViewError(key="path.too_large", path=shown_short, limit=size_label(max_bytes))
    except OSError:
        raise refused from None
    return real


def scenario_source(text: str, root: str | os.PathLike | None) -> str:
    """What :func:`experiments.scenario.load` may read for ``text``: a preset name as it is, or a path.

    With a ``root``, a path must be a scenario file inside it of at most
    :data:`SCENARIO_MAX_BYTES` (:func:`confine`); without one (a trusted caller) any path goes.
    """
    text = str(text).strip()
    if root is None or text in presets() or not (text.endswith(".toml") or "/" in text or os.sep in text):
        return text  # a preset name, or a name that load() explains with the presets it knows
    return str(confine(text, root, kind="file", max_bytes=SCENARIO_MAX_BYTES))


@dataclass
class Run:
    """One neighbourhood: scenario, seed, parameter changes, policies, and the model."""

    scenario: str = "krachtwijk"
    seed: int = DEFAULT_SEED
    changes: dict = field(default_factory=dict)
    policies: dict = field(default_factory=dict)  # name -> units, switched on from the start
    model: VeerkrachtModel | None = None
    root: Path | None = None  # set: a scenario path must lie inside this folder (the shared view)

    def reset(self) -> None:
        """A new model from the scenario with the changes and the policies (month 0).

        Whatever goes wrong while reading the scenario or building the model becomes one
        readable line (ViewError); the model shown before stays as it was.
        """
        source = scenario_source(self.scenario, self.root)
        try:
            model = build_model(load(source), self.changes,
                                {name: {"units": units} for name, units in self.policies.items()}, seed=self.seed)
        except (ParameterError, ScenarioError) as e:
            raise ViewError(_shown(str(e), source, self.scenario)) from None
        except RecursionError:
            raise ViewError(key="err.too_deep") from None
        except Exception as e:  # noqa: BLE001 - the last resort: any failure of a visitor's scenario is one line
            first = (str(e).splitlines() or [""])[0][:300]
            raise ViewError(key="err.scenario", msg=_shown(f"{type(e).__name__}: {first}", source, self.scenario)
                            ) from None
        self.model = model

    def close(self) -> None:
        """Let go of the model (a closed tab)."""
        self.model = None

    def ensure(self) -> VeerkrachtModel:
        if self.model is None:
            self.reset()
        return self.model

    def step(self, months: int = 1) -> None:
        model = self.ensure()
        for _ in range(months):
            model.step()

    def set_param(self, name: str, value) -> None:
        """Change a parameter now (the running model takes it from this month) and for resets."""
        model = self.ensure()
        if getattr(model.p_base, name) == value:
            return  # a slider reporting the value it already has
        try:
            new = model.p_base.replace(**{name: value})
        except ParameterError as e:
            raise ViewError(str(e)) from None
        self.changes[name] = value
        model.set_base_params(new)

    def switch_policy(self, name: str, on: bool, units: float | None = None) -> None:
        """Start an intervention in the running neighbourhood now, or stop it now."""
        model = self.ensure()
        if name not in SPECS:
            raise ViewError(f"unknown intervention '{name}'")
        if on:
            try:
                iv = model.start_intervention(name, **({} if units is None else {"units": units}))
            except ParameterError as e:
                raise ViewError(str(e)) from None
            if iv is not None:
                self.policies[name] = iv.units
        else:
            model.stop_intervention(name)
            self.policies.pop(name, None)

    def crisis(self, name: str, months: int | None = None, severity: float | None = None) -> None:
        """A shock from this month on (the crisis button)."""
        model = self.ensure()
        try:
            make_shock(name, {k: v for k, v in (("months", months), ("severity", severity)) if v is not None})
            model.start_shock(name, months=months, severity=severity)
        except ParameterError as e:
            raise ViewError(str(e)) from None

    def running_policies(self) -> list[Intervention]:
        return self.ensure().running_interventions()

    def series(self, name: str) -> list[float]:
        """A column of the time series so far (one value per month, month 0 first)."""
        return [float(r[name]) for r in self.ensure().recorder.rows]

    def cost_this_month(self) -> float:
        model = self.ensure()
        return float(sum(row[3] for row in model.cost_rows if row[0] == model.month - 1))


@dataclass
class Futures:
    """Two futures of the same neighbourhood with the same seed: without and with the policies."""

    without: Run = field(default_factory=Run)
    with_: Run = field(default_factory=Run)
    root: Path | None = None  # as Run.root

    def reset(self, scenario: str, seed: int, changes: dict, policies: dict) -> None:
        self.without = Run(scenario, seed, dict(changes), {}, root=self.root)
        self.with_ = Run(scenario, seed, dict(changes), dict(policies), root=self.root)
        self.without.reset()
        self.with_.reset()

    def close(self) -> None:
        self.without.close()
        self.with_.close()

    def step(self, months: int = 1) -> None:
        self.without.step(months)
        self.with_.step(months)

    def difference(self, name: str) -> list[float]:
        a, b = self.without.series(name), self.with_.series(name)
        n = min(len(a), len(b))
        return list(np.asarray(b[:n]) - np.asarray(a[:n]))


def _shown(message: str, source: str, typed: str) -> str:
    """``message`` naming the file as the visitor typed it, not by its real path on the server."""
    return message.replace(source, typed) if source != typed else message
