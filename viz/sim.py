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
from abm.params import Params, ParameterError
from experiments.build import build_model
from experiments.scenario import ScenarioError, load, presets, toml_value
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
class Action:
    """Something done to a running neighbourhood from the page, and in which month (before its step)."""

    month: int
    kind: str  # param | policy_on | policy_off | crisis
    name: str
    value: object = None  # param: the value; policy_on: {"units": .., "months": ..}; crisis: {"months": ..}


@dataclass
class Run:
    """One neighbourhood: scenario, seed, parameter changes, policies, and the model.

    Everything done to it after month 0 (a slider, a policy switched on or off, a crisis) is
    kept as an :class:`Action` with its month, so the run can be made again without one of
    them (:meth:`replay`): the same neighbourhood, the same seed, only that one thing not
    done. That is what the page's "what changed" card compares with.
    """

    scenario: str = "krachtwijk"
    seed: int = DEFAULT_SEED
    changes: dict = field(default_factory=dict)
    policies: dict = field(default_factory=dict)  # name -> units, switched on from the start
    model: VeerkrachtModel | None = None
    root: Path | None = None  # set: a scenario path must lie inside this folder (the shared view)
    actions: list = field(default_factory=list)  # what was done after the start, in order
    start_changes: dict = field(default_factory=dict)  # the changes the model was built with
    start_policies: dict = field(default_factory=dict)

    def reset(self) -> None:
        """A new model from the scenario with the changes and the policies (month 0).

        Whatever goes wrong while reading the scenario or building the model becomes one
        readable line (ViewError); the model shown before stays as it was.
        """
        self.model = self._build(self.changes, self.policies)
        self.start_changes, self.start_policies = dict(self.changes), dict(self.policies)
        self.actions = []

    def _build(self, changes: dict, policies: dict) -> VeerkrachtModel:
        source = scenario_source(self.scenario, self.root)
        try:
            return build_model(load(source), changes, {name: {"units": units} for name, units in policies.items()},
                               seed=self.seed)
        except (ParameterError, ScenarioError) as e:
            raise view_error(e, _shown(str(e), source, self.scenario)) from None
        except RecursionError:
            raise ViewError(key="err.too_deep") from None
        except Exception as e:  # noqa: BLE001 - the last resort: any failure of a visitor's scenario is one line
            first = (str(e).splitlines() or [""])[0][:300]
            raise ViewError(key="err.scenario", msg=_shown(f"{type(e).__name__}: {first}", source, self.scenario)
                            ) from None

    def defaults(self) -> None:
        """Back to the scenario as it is: no changed settings, no policies, month 0."""
        self.changes, self.policies = {}, {}
        self.reset()

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

    @property
    def month(self) -> int:
        return self.ensure().month

    def set_param(self, name: str, value) -> None:
        """Change a parameter now (the running model takes it from this month) and for resets."""
        model = self.ensure()
        if getattr(model.p_base, name) == value:
            return  # a slider reporting the value it already has
        self._apply(model, Action(model.month, "param", name, value))
        self.changes[name] = value

    def switch_policy(self, name: str, on: bool, units: float | None = None, months: int | None = None,
                      after: int | None = None) -> None:
        """Start an intervention in the running neighbourhood now, or ``after`` months from now
        (``units``, for ``months``), or stop it now."""
        model = self.ensure()
        if name not in SPECS:
            raise ViewError(f"unknown intervention '{name}'")
        if on:
            if after is not None and not (isinstance(after, int) and 0 <= after <= 1200):
                raise ViewError(key="err.after", value=str(after))
            settings = {k: v for k, v in (("units", units), ("months", months), ("after", after or None))
                        if v is not None}
            iv = self._apply(model, Action(model.month, "policy_on", name, settings))
            if iv is not None:
                self.policies[name] = iv.units
        else:
            self._apply(model, Action(model.month, "policy_off", name))
            self.policies.pop(name, None)

    def crisis(self, name: str, months: int | None = None, severity: float | None = None) -> None:
        """A shock from this month on (the crisis button)."""
        model = self.ensure()
        settings = {k: v for k, v in (("months", months), ("severity", severity)) if v is not None}
        self._apply(model, Action(model.month, "crisis", name, settings))

    def _apply(self, model: VeerkrachtModel, action: Action, log: bool = True):
        """Do ``action`` to ``model`` (now) and keep it; a bad value is a ViewError and nothing is kept."""
        result = None
        try:
            if action.kind == "param":
                model.set_base_params(model.p_base.replace(**{action.name: action.value}))
            elif action.kind == "policy_on":
                result = model.start_intervention(action.name, **dict(action.value or {}))
                if result is None:
                    return None  # running already: nothing done
            elif action.kind == "policy_off":
                if action.name not in self.planned_policies(model):
                    return None
                model.stop_intervention(action.name)
            elif action.kind == "crisis":
                settings = dict(action.value or {})
                make_shock(action.name, settings)
                model.start_shock(action.name, **settings)
        except ParameterError as e:
            raise view_error(e) from None
        if log:
            self.actions.append(action)
        return result

    def replay(self, leave_out: int | None = None, months: int | None = None) -> VeerkrachtModel:
        """The same neighbourhood made again to month ``months`` (default: this run's month), with
        every action but number ``leave_out`` (see :attr:`actions`) done in the same month.

        Same scenario, seed and start: with nothing left out it is this run, bit for bit.
        """
        until = self.month if months is None else months
        model = self._build(self.start_changes, self.start_policies)
        todo = [a for k, a in enumerate(self.actions) if k != leave_out]
        while model.month < until:
            for action in todo:
                if action.month == model.month:
                    self._apply(model, action, log=False)
            model.step()
        return model

    def levers(self) -> list[dict]:
        """Every policy and crisis of the run: name, kind, start, end (None: still running), index of its action."""
        model = self.ensure()
        out = []
        for iv in model.plan.interventions:
            end = None if iv.months is None else iv.start + iv.months
            out.append({"kind": "policy", "name": iv.name, "start": iv.start, "end": end, "units": iv.units,
                        "action": self._action_of("policy_on", iv.name, iv.start)})
        for sh in model.plan.shocks:
            out.append({"kind": "crisis", "name": sh.name, "start": sh.start, "end": sh.start + sh.months,
                        "action": self._action_of("crisis", sh.name, sh.start)})
        return sorted(out, key=lambda lever: (lever["start"], lever["kind"], lever["name"]))

    def _action_of(self, kind: str, name: str, month: int) -> int | None:
        """The index of the action that made the lever ``name`` starting in ``month`` (None: it ran from the start)."""
        for k, a in enumerate(self.actions):
            after = int((a.value or {}).get("after", 0) or 0) if isinstance(a.value, dict) else 0
            if a.kind == kind and a.name == name and a.month + after == month:
                return k
        return None

    def crises_now(self) -> list[tuple[str, int]]:
        """The crises going on this month, with the months each has left (this one included)."""
        model = self.ensure()
        return [(sh.name, sh.start + sh.months - model.month) for sh in model.plan.shocks if sh.active(model.month)]

    def running_policies(self) -> list[Intervention]:
        return self.ensure().running_interventions()

    def planned_policies(self, model: VeerkrachtModel | None = None) -> set[str]:
        """The policies running now or starting later (a switch shows them on)."""
        model = model or self.ensure()
        return {iv.name for iv in model.plan.interventions if iv.active(model.month) or iv.start > model.month}

    def series(self, name: str) -> list[float]:
        """A column of the time series so far (one value per month, month 0 first)."""
        return [float(r[name]) for r in self.ensure().recorder.rows]

    def cost_this_month(self) -> float:
        model = self.ensure()
        return float(sum(row[3] for row in model.cost_rows if row[0] == model.month - 1))

    def costs(self) -> dict[str, dict[str, float]]:
        """Per policy: its cost so far and last month's (euros); a policy switched on this month is
        listed from the start (nothing spent yet)."""
        model = self.ensure()
        out: dict[str, dict[str, float]] = {iv.name: {"total": 0.0, "month": 0.0} for iv in model.running_interventions()}
        for month, name, _units, cost in model.cost_rows:
            entry = out.setdefault(name, {"total": 0.0, "month": 0.0})
            entry["total"] += float(cost)
            if month == model.month - 1:
                entry["month"] += float(cost)
        return out

    def what_changed(self, lever: dict) -> dict:
        """This run against the same neighbourhood without ``lever`` (one of :meth:`levers`), same seed.

        The mean difference of each measure of :data:`CARD_MEASURES` over the months since
        the lever started (this run minus the run without it), the cost of the lever so far,
        and the cost per point of effect (a point: 0.01 on the 0-1 scale of stress).
        """
        if lever.get("action") is None:
            raise ViewError(key="card.from_start")
        model = self.ensure()
        if model.month <= lever["start"]:
            raise ViewError(key="card.not_yet")
        other = self.replay(leave_out=lever["action"])
        rows_a, rows_b = model.recorder.rows, other.recorder.rows
        start = lever["start"] + 1  # row k holds the state after month k - 1
        diffs = {}
        for name, column in CARD_MEASURES.items():
            a = np.array([r[column] for r in rows_a[start:]], dtype=float)
            b = np.array([r[column] for r in rows_b[start:]], dtype=float)
            ok = np.isfinite(a) & np.isfinite(b)
            diffs[name] = float(np.mean(a[ok] - b[ok])) if ok.any() else float("nan")
        cost = self.costs().get(lever["name"], {}).get("total", 0.0) if lever["kind"] == "policy" else 0.0
        points = -diffs["stress"] * 100.0
        return {"lever": lever, "months": model.month - lever["start"], "diff": diffs, "cost": cost,
                "cost_per_point": cost / points if cost > 0 and points > 0 else None}

    def scenario_toml(self, lang: str = "nl") -> str:
        """The run as a scenario file: its settings, seed, policies and crises with their months.

        Self-contained (every parameter that differs from the schema's defaults, calibrated
        ones included), so it loads anywhere with ``run.py run --scenario FILE`` or on this
        page. A setting changed during the run applies from month 0 in the file.
        """
        model = self.ensure()
        base = Params()
        lines = [f"# {t('save.header', lang).format(scenario=self.scenario, month=model.month)}"]
        late = [a for a in self.actions if a.kind == "param"]
        if late:
            lines.append(f"# {t('save.late', lang)}: " + ", ".join(f"{a.name} ({a.month})" for a in late))
        lines += ["[scenario]", f'name = {toml_value(str(self.scenario).rsplit("/", 1)[-1].removesuffix(".toml"))}', "",
                  "[params]"]
        for name in _FIELD_ORDER:
            value = getattr(model.p_base, name)
            if value != getattr(base, name):
                lines.append(f"{name} = {toml_value(value)}")
        lines += ["", "[run]", f"seed = {int(self.seed)}", f"steps = {max(int(model.month), 1)}"]
        plan = model.plan.describe()
        for name, settings in plan["interventions"].items():
            lines += ["", f"[interventions.{name}]"] + [f"{k} = {toml_value(v)}" for k, v in settings.items()]
        for name, settings in plan["shocks"].items():
            for one in settings if isinstance(settings, list) else [settings]:
                head = f"[[shocks.{name}]]" if isinstance(settings, list) else f"[shocks.{name}]"
                lines += ["", head] + [f"{k} = {toml_value(v)}" for k, v in one.items()]
        return "\n".join(lines) + "\n"

    def load_toml(self, data: bytes, folder: Path) -> None:
        """A scenario file sent from the browser (at most :data:`SCENARIO_MAX_BYTES`) becomes this run."""
        if len(data) > SCENARIO_MAX_BYTES:
            raise ViewError(key="path.too_large", path="", limit=size_label(SCENARIO_MAX_BYTES))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "uploaded.toml"
        path.write_bytes(data)
        previous = (self.scenario, self.changes, self.policies, self.root)
        self.scenario, self.changes, self.policies, self.root = str(path), {}, {}, None
        try:
            sc = load(str(path))
        except ScenarioError as e:
            self.scenario, self.changes, self.policies, self.root = previous
            raise view_error(e, str(e).replace(str(path), "")) from None
        except Exception as e:  # noqa: BLE001 - an odd file is one line, the run shown before stays
            self.scenario, self.changes, self.policies, self.root = previous
            raise ViewError(key="err.scenario", msg=f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:200]}"
                            ) from None
        try:
            self.seed = int(sc.seed) if getattr(sc, "seed", None) is not None else self.seed
            self.reset()
        except ViewError:
            self.scenario, self.changes, self.policies, self.root = previous
            raise
        self.root = previous[3]


# the measures of the "what changed" card: name -> column of the time series
CARD_MEASURES = {"stress": "stress_mean", "wellbeing": "wellbeing_mean", "security": "security_mean",
                 "help_reach": "help_reach"}


@dataclass
class Futures:
    """Two futures of the same neighbourhood with the same seed: without and with the policies.

    Both start alike and meet the same luck; a policy switched on later starts in the
    second future from that month on (:meth:`branch`), so the two run apart only from then.
    A crisis hits both.
    """

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

    @property
    def month(self) -> int:
        return self.with_.month

    def branch(self, name: str, on: bool, units: float | None = None) -> None:
        """Switch policy ``name`` on or off in the second future from this month on (no restart)."""
        self.with_.switch_policy(name, on, units=units)

    def crisis(self, name: str) -> None:
        """A crisis now in both futures."""
        self.without.crisis(name)
        self.with_.crisis(name)

    def policies(self) -> list[str]:
        return [iv.name for iv in self.with_.running_policies()]

    def difference(self, name: str) -> list[float]:
        a, b = self.without.series(name), self.with_.series(name)
        n = min(len(a), len(b))
        return list(np.asarray(b[:n]) - np.asarray(a[:n]))


def view_error(e: Exception, message: str | None = None) -> ViewError:
    """A model's error as a ViewError that the page can say in its language (what was wrong, if known)."""
    err = ViewError(message or str(e))
    err.why, err.values = getattr(e, "why", None), dict(getattr(e, "values", {}) or {})
    return err


_FIELD_ORDER = tuple(Params.__dataclass_fields__)


def _shown(message: str, source: str, typed: str) -> str:
    """``message`` naming the file as the visitor typed it, not by its real path on the server."""
    return message.replace(source, typed) if source != typed else message
