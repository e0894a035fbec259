"""The interventions' effect sizes in the literature's metrics, against the anchors of DESIGN.md.

``python run.py anchors [--seeds N] [--months M] [--out FILE] [--write]`` measures what
each lever does to those it reaches, in the metric of a published effect size, and sets it
beside that figure. :data:`ANCHORS` declares each comparison once: the lever, who is
measured, the outcome and metric, the literature's figure (in the model's orientation) and
what that figure is to the model: an upper bound on the benefit (Siegenthaler et al. 2012,
Ong et al. 2019, Pfeiffer et al. 2011), a reference point (McGuire et al. 2022: cash
transfers in low- and middle-income countries), none (``meeting_places``,
``neighbourhood_team``, ``experience_experts``, ``service_point``: no robust effect size,
their strength an assumption kept wide, their effect on their main outcome shown for
information), or a row without an anchor that shows where a lever acts first.

Design: for each seed, a baseline run of the scenario and one run per lever (the lever at
``units``, from month 0 after the burn-in), all with the same seed, so that both arms meet
the same luck (common random numbers). In the lever's arm the persons it reaches are
followed month by month (a programme's enrolled persons, or the members of its enrolled
households; the cases of a staff lever's professionals; the users of a facility) and put
into the measured group the first month they are reached (intention to treat: everybody
ever reached counts, however long). At the horizon each of them still present in both arms
is matched with the same person in the baseline by stable identity (``I.KEY``). Then, per
seed: d (or SMD) = mean paired difference / standard deviation of the outcome in the
baseline among the same persons; relative risk = share with the outcome in the lever's arm
/ share in the baseline; relative change = mean in the lever's arm / mean in the baseline
- 1. The table gives the mean over seeds with its 95% interval
(:func:`experiments.stats.mean_interval`).

The verdict reads the interval in the direction of benefit: against an upper bound,
``within`` when the whole interval lies at or below the bound's benefit, ``beyond`` when it
lies wholly above it, ``spans the bound`` otherwise; against a reference point,
``matches`` when the interval holds it, else ``smaller`` or ``larger``; ``wrong direction``
when the whole interval shows harm; ``n/a`` without an interval (one seed, or nobody to measure).

The table goes into ``docs/ODD.md`` between the lines :data:`START` and :data:`END`
(``--write``).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from abm.codegen import marker_lines, rewrite, write_text_atomic
from abm.interventions import SPECS
from abm.interventions.plan import ENROLS_HOUSEHOLDS
from abm.kernels import C, F, I, M, Role
from abm.params import ParameterError, RunSettings, close_matches_hint, shown, whole_arg
from experiments.build import recipe
from experiments.results import OutputError, check_out_path
from experiments.scenario import load
from experiments.stats import mean_interval
from experiments.store import json_ready, model_identity, provenance
from experiments.sweep import replicate_seeds

__all__ = [
    "ANCHORS", "ASSUMPTION", "BOUND", "END", "INFORMATION", "LEVERS", "REFERENCE", "START", "Anchor", "Arm", "Effect",
    "Snapshot", "docs_block", "effect", "markdown_table", "match", "measure", "reached_now", "run_arm", "snapshot",
    "summarise", "update", "verdict",
]

START = "<!-- anchors: start -->"
END = "<!-- anchors: end -->"
ROOT = Path(__file__).resolve().parent.parent
ODD_PATH = ROOT / "docs" / "ODD.md"
DEFAULT_SEEDS = 30
DEFAULT_MONTHS = 12
DEFAULT_SEED = 2024
MAX_SEEDS = 1000
YEAR = 12
ADULT_AGE = 18 * YEAR
OUT_SUFFIXES = (".json", ".csv", ".md")

# the metrics: what is computed per seed, and the value of no effect (an SMD is a d by another name)
D, SMD, RR, CHANGE = "d", "SMD", "relative risk", "relative change"
NULL = {D: 0.0, SMD: 0.0, RR: 1.0, CHANGE: 0.0}
#: the outcomes as the table names them
OUTCOME_LABELS = {F.MENTAL: "mental problems", F.WELLBEING: "wellbeing", F.PARTICIPATION: "participation",
                  F.TRUST: "trust", F.NAVIGATION: "navigation"}


#: what the literature's figure is to the model: a bound on its benefit, a point of
#: comparison, none (the strength is an assumption), or no anchor at all (a row for information)
BOUND, REFERENCE, ASSUMPTION, INFORMATION = "upper bound", "reference point", "none", "no anchor"


@dataclass(frozen=True)
class Anchor:
    """One lever's effect in one metric, with the literature's figure for it.

    ``value`` is in the model's orientation (``outcome`` as the model holds it: a figure for
    mental *health* becomes one for mental *problems* with the sign turned); None where the
    literature has no robust effect size. ``kind``: :data:`BOUND` (the figure is an upper
    bound on the benefit), :data:`REFERENCE`, :data:`ASSUMPTION` or :data:`INFORMATION`.
    ``lower_is_better``: benefit is a fall of the metric.
    """

    lever: str
    group: str  # who is measured: a key of GROUPS
    outcome: F
    metric: str  # D | SMD | RR | CHANGE
    lower_is_better: bool
    value: float | None
    kind: str
    source: str
    literature: str  # what the study measured, in its words
    note: str

    @property
    def label(self) -> str:
        """The metric and outcome, short: ``d, wellbeing``; a relative risk names its threshold."""
        what = OUTCOME_LABELS.get(self.outcome, self.outcome.name.lower().replace("_", " "))
        if self.metric == RR:
            return f"relative risk, {what} above disorder_line"
        return f"{self.metric}, {what}"


#: who is measured, as first reached: the text the table shows
GROUPS = {
    "children": "children (under 18) of the enrolled households",
    "adults": "adults heading the enrolled households",
    "adults_in_arrears": "adults heading the enrolled households who had arrears when enrolled",
    "enrolled": "the enrolled persons",
    "reached": "those the lever reached",
}

ANCHORS: tuple[Anchor, ...] = (
    Anchor("single_parent_support", "children", F.MENTAL, RR, True, 0.60, BOUND, "Siegenthaler et al. 2012",
           "relative risk 0.60 of mental illness in children of parents with mental illness (prevention "
           "programmes, meta-analysis)",
           "the children's share with a mental problem at the horizon (prevalence, all ever enrolled): the "
           "model's nearest match to the trials' incidence of a disorder"),
    Anchor("single_parent_support", "children", F.ATTACHMENT, D, False, None, INFORMATION, "none",
           "no anchor: where the lever acts first on the children (parenting received, then attachment, loop 3)",
           "shows whether the lever reaches the children at all"),
    Anchor("existential_security", "adults", F.WELLBEING, D, False, 0.13, REFERENCE, "McGuire et al. 2022",
           "cash transfers in low- and middle-income countries: subjective wellbeing d = 0.13",
           "a reference point, not a bound: transfers there are large relative to income"),
    Anchor("existential_security", "adults", F.MENTAL, D, True, -0.07, REFERENCE, "McGuire et al. 2022",
           "cash transfers in low- and middle-income countries: mental health d = 0.07 (as problems: -0.07)",
           "a reference point, not a bound"),
    Anchor("existential_security", "adults_in_arrears", F.MENTAL, CHANGE, True, -0.11, BOUND, "Ong et al. 2019",
           "each debt account cleared: anxiety -11% (and +0.25 SD cognition, no stock of the model)",
           "the whole programme (income floor and debt relief), so more than debt relief alone; "
           "arrears are paid off in part each month, not cleared at once"),
    Anchor("peer_support", "enrolled", F.MENTAL, SMD, True, -0.59, BOUND, "Pfeiffer et al. 2011",
           "peer support for depression: SMD -0.59 against usual care",
           "the enrolled wait for mental-health or youth care"),
    Anchor("meeting_places", "reached", F.PARTICIPATION, D, False, None, ASSUMPTION, "none",
           "no robust effect size: assumption, kept wide",
           "residents whose nearest meeting place is a new one"),
    Anchor("neighbourhood_team", "reached", F.TRUST, D, False, None, ASSUMPTION, "none",
           "no robust effect size: assumption, kept wide",
           "the cases of the team's professionals"),
    Anchor("experience_experts", "reached", F.TRUST, D, False, None, ASSUMPTION, "none",
           "no robust effect size: assumption, kept wide",
           "the cases of the experience experts (care avoiders with need)"),
    Anchor("service_point", "reached", F.NAVIGATION, D, False, None, ASSUMPTION, "none",
           "no robust effect size: assumption, kept wide",
           "residents within walking reach and the cases of its social workers"),
)

#: the levers measured, in table order
LEVERS: tuple[str, ...] = tuple(dict.fromkeys(a.lever for a in ANCHORS))


# ---- one arm ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """The persons present at the horizon: identities ascending, their stocks in the same order.

    ``keys``: int64[n]; ``f``: float64[N_F, n] (rows :class:`abm.kernels.F`); ``disorder_line``:
    the run's own line for a mental problem.
    """

    keys: np.ndarray
    f: np.ndarray
    disorder_line: float


@dataclass
class Arm:
    """One run at its horizon: the snapshot, and the identities the lever reached, by group."""

    snapshot: Snapshot
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # group -> int64 keys, ascending
    units: float = 0.0


def snapshot(model) -> Snapshot:
    """The persons present in ``model`` now, sorted by stable identity."""
    ids = model.present()
    keys = model.values("key", ids)
    order = np.argsort(keys, kind="stable")
    return Snapshot(keys=keys[order], f=model.state.f[:, ids[order]].copy(),
                    disorder_line=float(model.p_base.disorder_line))


def _placed(iv, what: str) -> list[int]:
    return [int(k) for kind, k in iv.placed if kind == what]


def _members(model, households: np.ndarray) -> np.ndarray:
    """Ids of the persons living in ``households`` now, ascending."""
    parts = [model.household_members(int(h)) for h in households.tolist()]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def reached_now(model, iv, arrears_before: np.ndarray) -> dict[str, np.ndarray]:
    """The persons intervention ``iv`` reaches this month (after its step), by group.

    ``arrears_before``: each person's arrears at the start of the month (before the
    programme paid any off), by person id.
    """
    present = model.present()
    if iv.spec.kind == "programme" and iv.name in ENROLS_HOUSEHOLDS:
        members = _members(model, iv.enrolled)
        role, age = model.values("role", members), model.values("age", members)
        adults = members[role == Role.PARTNER]
        # an adult who joined the household during the month had no arrears here before it
        known = adults[adults < arrears_before.size]
        return {"adults": adults, "children": members[(role == Role.CHILD) & (age < ADULT_AGE)],
                "adults_in_arrears": known[arrears_before[known] > 0]}
    if iv.spec.kind == "programme":
        return {"enrolled": iv.enrolled.copy()}
    pros = np.array(_placed(iv, "pro"), dtype=np.int64)
    cases = present[np.isin(model.values("pro", present), pros)] if pros.size else present[:0]
    if iv.name == "meeting_places":
        places = np.array(_placed(iv, "facility"), dtype=np.int64)
        return {"reached": present[np.isin(model.values("meeting", present), places)]}
    if iv.name == "service_point":
        near = present[model.state.ctx[C.SERVICE_POINT, present] > 0]
        return {"reached": np.union1d(near, cases)}
    return {"reached": cases}


def run_arm(scenario, changes: dict | None, seed: int, months: int, lever: str | None = None,
            units: float | None = None) -> Arm:
    """Run ``scenario`` (with parameter ``changes``) for ``months`` after the burn-in, seed ``seed``.

    With ``lever``, the intervention of that name runs from month 0 with ``units`` (default:
    its table's); each month the persons it reaches join their groups the first month they
    are reached (their group decided then). Returns the :class:`Arm` at the horizon.
    """
    if lever is None:
        model = recipe(scenario, changes).build(seed)
        model.run(months)
        return Arm(snapshot(model))
    units = SPECS[lever].units_default if units is None else units
    model = recipe(scenario, changes, {lever: {"units": units}}).build(seed)
    iv = next(x for x in model.plan.interventions if x.name == lever)
    seen = np.zeros(0, dtype=np.int64)  # identities reached in an earlier month
    groups: dict[str, list[int]] = {}
    for _ in range(months):
        arrears_before = model.state.m[M.ARREARS, : model.state.n].copy()
        model.step()
        now = {group: model.values("key", ids) for group, ids in reached_now(model, iv, arrears_before).items()}
        for group, keys in now.items():
            groups.setdefault(group, []).extend(keys[~np.isin(keys, seen)].tolist())
        seen = np.union1d(seen, np.concatenate(list(now.values())))
    reached = {g: np.unique(np.array(k, dtype=np.int64)) for g, k in groups.items()}
    return Arm(snapshot(model), reached, float(units))


# ---- the comparison ----------------------------------------------------------------------

def match(base: Snapshot, arm: Snapshot, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The persons of ``keys`` present in both snapshots: (keys, columns in ``base``, columns in ``arm``)."""
    both = np.intersect1d(np.intersect1d(np.asarray(keys, dtype=np.int64), base.keys), arm.keys)
    return both, np.searchsorted(base.keys, both), np.searchsorted(arm.keys, both)


class Effect(NamedTuple):
    """The anchor's metric for one seed, the persons matched, and the outcome's level in the baseline
    among them (the share with the outcome for a relative risk, else the mean)."""

    value: float
    n: int
    baseline: float


def effect(anchor: Anchor, base: Snapshot, arm: Snapshot, keys: np.ndarray) -> Effect:
    """The anchor's metric for the persons ``keys`` in ``arm`` against the same persons in ``base``.

    NaN where it cannot be measured: fewer than two persons, no spread in the baseline (d),
    nobody with the outcome in the baseline (relative risk), a zero baseline mean (relative change).
    """
    both, ib, ia = match(base, arm, keys)
    b, a = base.f[anchor.outcome, ib], arm.f[anchor.outcome, ia]
    n = int(both.size)
    if n < 2:
        return Effect(math.nan, n, math.nan)
    if anchor.metric == RR:
        share_b = float(np.mean(b > base.disorder_line))
        share_a = float(np.mean(a > arm.disorder_line))
        return Effect(share_a / share_b if share_b > 0 else math.nan, n, share_b)
    mean_b = float(np.mean(b))
    if anchor.metric in (D, SMD):
        sd = float(np.std(b, ddof=1))
        return Effect(float(np.mean(a - b)) / sd if sd > 0 else math.nan, n, mean_b)
    return Effect(float(np.mean(a)) / mean_b - 1.0 if mean_b != 0 else math.nan, n, mean_b)


def measure(scenario="krachtwijk", changes: dict | None = None, *, seeds: int = DEFAULT_SEEDS,
            months: int = DEFAULT_MONTHS, root_seed: int = DEFAULT_SEED, levers: Sequence[str] | None = None,
            units: dict[str, float] | None = None, progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Each anchor's metric per seed: one row per (anchor, seed).

    Columns: ``lever``, ``anchor`` (index in :data:`ANCHORS`), ``seed``, ``replicate``,
    ``value``, ``n`` (persons matched), ``baseline`` (the outcome's level among them in the
    baseline, see :class:`Effect`), ``reached`` (persons of the group ever reached), ``units``.

    ``scenario`` and ``changes`` as for :func:`experiments.build.recipe`; the replicate seeds
    are ``replicate_seeds(root_seed, seeds)``, shared by every arm. ``levers`` (default
    :data:`LEVERS`) and ``units`` ({lever: units}, default the table's) choose the arms;
    ``progress`` is called with 1 after each run.
    """
    levers = list(LEVERS if levers is None else levers)
    units = dict(units or {})
    rows = []
    for r, seed in enumerate(replicate_seeds(int(root_seed), int(seeds))):
        base = run_arm(scenario, changes, seed, months).snapshot
        if progress:
            progress(1)
        for lever in levers:
            arm = run_arm(scenario, changes, seed, months, lever, units.get(lever))
            for k, anchor in enumerate(ANCHORS):
                if anchor.lever != lever:
                    continue
                keys = arm.groups.get(anchor.group, np.zeros(0, dtype=np.int64))
                e = effect(anchor, base, arm.snapshot, keys)
                rows.append(dict(lever=lever, anchor=k, seed=seed, replicate=r, value=e.value, n=e.n,
                                 baseline=e.baseline, reached=int(keys.size), units=arm.units))
            if progress:
                progress(1)
    return pd.DataFrame(rows, columns=["lever", "anchor", "seed", "replicate", "value", "n", "baseline", "reached",
                                       "units"])


def verdict(anchor: Anchor, lo: float, hi: float) -> str:
    """How the interval [lo, hi] of the model's metric stands to the anchor (see the module's text)."""
    if anchor.kind == ASSUMPTION:
        return "assumption, kept wide"
    if anchor.kind == INFORMATION:
        return "for information"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "n/a"
    null = NULL[anchor.metric]

    def benefit(x: float) -> float:
        return null - x if anchor.lower_is_better else x - null

    b_lo, b_hi = sorted((benefit(lo), benefit(hi)))
    target = benefit(anchor.value)
    if b_hi < 0:
        return "wrong direction"
    if anchor.kind == BOUND:
        return "within" if b_hi <= target else ("beyond" if b_lo > target else "spans the bound")
    return "matches" if b_lo <= target <= b_hi else ("smaller" if b_hi < target else "larger")


def summarise(per_seed: pd.DataFrame) -> list[dict]:
    """One row per anchor measured: the anchor, the mean over seeds with its 95% interval, the verdict."""
    out = []
    for k, anchor in enumerate(ANCHORS):
        mine = per_seed[per_seed["anchor"] == k]
        if mine.empty:
            continue
        iv = mean_interval(mine["value"])
        out.append(dict(lever=anchor.lever, units=float(mine["units"].iloc[0]), metric=anchor.label,
                        group=GROUPS[anchor.group], source=anchor.source, literature=anchor.literature,
                        anchor_value=anchor.value, kind=anchor.kind, mean=iv.mean, ci_lo=iv.ci_lo, ci_hi=iv.ci_hi,
                        seeds=iv.n, persons=float(mine["n"].mean()), baseline=float(mine["baseline"].mean()),
                        verdict=verdict(anchor, iv.ci_lo, iv.ci_hi),
                        note=anchor.note))
    return out


# ---- the table ------------------------------------------------------------------------

def _num(x, digits: int = 3) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _model_cell(r: dict) -> str:
    if not math.isfinite(r["mean"]):
        return "n/a"
    if not (math.isfinite(r["ci_lo"]) and math.isfinite(r["ci_hi"])):
        return f"{_num(r['mean'])} (one seed: no interval)"
    return f"{_num(r['mean'])} [{_num(r['ci_lo'])}, {_num(r['ci_hi'])}]"


def _units(x: float) -> str:
    return f"{x:g}"


def markdown_table(rows: Sequence[dict]) -> str:
    """The summary rows as a Markdown table."""
    head = ("lever (units)", "literature anchor", "anchor is", "model: mean [95% interval]", "verdict", "note")
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    for r in rows:
        anchor = r["literature"] if r["anchor_value"] is None else f"{r['source']}: {r['literature']}"
        level = "share" if r["metric"].startswith(RR) else "mean"
        note = (f"{r['metric']} of {r['group']} (about {r['persons']:.0f} per seed, {r['seeds']} seeds; baseline "
                f"{level} {_num(r['baseline'], 2)}); {r['note']}")
        cells = (f"`{r['lever']}` ({_units(r['units'])})", anchor, r["kind"], _model_cell(r), r["verdict"], note)
        lines.append("| " + " | ".join(" ".join(str(c).split()).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def docs_block(report: dict) -> str:
    """The table with one line on how and when it was made (Markdown)."""
    prov, s = report["provenance"], report["settings"]
    commit = f", commit {prov['commit'][:12]}" if prov.get("commit") else ""
    digest = report["model"]["source_sha256"][:12]
    changed = ", ".join(f"{k} = {v}" for k, v in s["set"].items())
    where = f"with {changed}" if changed else "at its default grid"
    made = (f"_Made by `{report['command']}` on {prov['date'][:10]} (Veerkracht {prov['version']}{commit}, model "
            f"source {digest}). Scenario {s['scenario']} {where}; {s['seeds']} seeds (root {s['seed']}); "
            f"each lever from month 0 after the burn-in, measured at month {s['months']}; paired arms with common "
            "random numbers; intention to treat on everybody the lever ever reached; mean over seeds with its 95% "
            "interval._")
    return f"{made}\n\n{markdown_table(report['rows'])}"


def command_line(scenario: str, seeds: int, months: int, seed: int, levers: Sequence[str] | None, sets: dict) -> str:
    """The ``run.py anchors`` command that makes the same table."""
    parts = ["run.py anchors", f"--seeds {seeds}", f"--months {months}"]
    if scenario != "krachtwijk":
        parts.append(f"--scenario {scenario}")
    if seed != DEFAULT_SEED:
        parts.append(f"--seed {seed}")
    parts += [f"--lever {x}" for x in levers or ()]
    parts += [f"--set {k}={v}" for k, v in sets.items()]
    return " ".join(parts)


def update(text: str, block: str) -> str:
    """``text`` with ``block`` between the anchors' marker lines; ValueError without them (one pair, in order)."""
    starts, ends = marker_lines(text, START, END)
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"expected the line {START!r} once and then the line {END!r} once; found "
                         f"{len(starts)} and {len(ends)}")
    return text[: starts[0]] + "\n" + block.rstrip("\n") + "\n\n" + text[ends[0]:]


# ---- the command ------------------------------------------------------------------------

def add_parser(sub) -> None:
    """The ``anchors`` subcommand."""
    c = sub.add_parser(
        "anchors", help="the interventions' effect sizes against the literature (paired arms, common random numbers)",
        description="Run the baseline and each lever with a literature anchor (and the levers without one, for "
                    "information) with the same seeds, and measure each lever's effect on those it reached in "
                    "the literature's metric: d, SMD, relative risk or relative change, mean over seeds with a "
                    "95% interval, beside the published figure.",
        epilog=f"example (the table in docs/ODD.md): run.py anchors --seeds {DEFAULT_SEEDS} --months {DEFAULT_MONTHS} "
               "--write")
    c.add_argument("--seeds", type=whole_arg("seeds", 1, MAX_SEEDS), default=DEFAULT_SEEDS, metavar="N",
                   help=f"paired replicates, 1 to {MAX_SEEDS} (default {DEFAULT_SEEDS})")
    c.add_argument("--months", type=whole_arg("months", *RunSettings.BOUNDS["steps"][:2]), default=DEFAULT_MONTHS,
                   metavar="M",
                   help=f"months from the start of the levers to the measurement (default {DEFAULT_MONTHS})")
    c.add_argument("--seed", type=RunSettings.arg("seed"), default=DEFAULT_SEED, metavar="S",
                   help=f"root seed of the replicate seeds, 0 to 2**63 - 1 (default {DEFAULT_SEED})")
    c.add_argument("--scenario", default="krachtwijk", help="preset or .toml path (default: krachtwijk)")
    c.add_argument("--lever", action="append", metavar="NAME",
                   help=f"measure only this lever (repeatable; default all: {', '.join(LEVERS)})")
    c.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="change a parameter in every arm (repeatable), e.g. a smaller grid for a quick look")
    c.add_argument("--out", metavar="FILE",
                   help="also write the result to FILE: .json (rows, values per seed, provenance), .csv (rows) "
                        "or .md (the table)")
    c.add_argument("--write", action="store_true",
                   help="put the table into docs/ODD.md between its anchors markers")
    c.add_argument("--odd", type=Path, default=ODD_PATH, metavar="PATH", help="the ODD file --write changes "
                   "(default: docs/ODD.md)")
    c.add_argument("--quiet", action="store_true", help="no progress bar")


def _check_levers(names: Sequence[str] | None) -> list[str] | None:
    if not names:
        return None
    for name in names:
        if name not in LEVERS:
            raise ParameterError(f"--lever {shown(name)}: no literature anchor or main outcome for it; "
                                 f"{close_matches_hint(name, LEVERS)}allowed: {', '.join(LEVERS)}")
    return list(dict.fromkeys(names))


def _check_out_file(path: str) -> Path:
    check_out_path(path)
    out = Path(path)
    if out.suffix.lower() not in OUT_SUFFIXES:
        raise OutputError(f"--out {shown(path)}: unknown kind of file; allowed: a name ending in "
                          f"{', '.join(OUT_SUFFIXES)}")
    if out.is_dir():
        raise OutputError(f"--out {shown(path)} is a folder; allowed: a file name")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"--out {shown(path)}: folder '{parent}' does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"--out {shown(path)}: folder '{parent}' is not writable")
    return out


def _check_odd(path: Path) -> None:
    try:
        update(path.read_text(encoding="utf-8"), "")
    except OSError as e:
        raise OutputError(f"--write: {path} cannot be read ({e.strerror})") from None
    except ValueError as e:
        raise OutputError(f"--write: {path}: {e}") from None




def write_out(path: Path, report: dict, per_seed: pd.DataFrame) -> None:
    """The result as ``path``'s kind of file (.json, .csv, .md), written atomically."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(json_ready({**report, "per_seed": per_seed.to_dict(orient="records")}), indent=2,
                          allow_nan=False)
    elif suffix == ".csv":
        text = pd.DataFrame(report["rows"]).to_csv(index=False, float_format="%.6g")
    else:
        text = f"# Intervention effect sizes against the literature\n\n{docs_block(report)}"
    write_text_atomic(path, text)


def run_command(args, parse_sets) -> int:
    """``run.py anchors``: check everything, run the arms, print the table, write what was asked."""
    levers = _check_levers(args.lever)
    out = _check_out_file(args.out) if args.out is not None else None
    if args.write:
        _check_odd(args.odd)
    sets = parse_sets(args.set)
    scenario = load(args.scenario)
    recipe(scenario, sets)  # the parameters checked before anything runs
    chosen = levers or list(LEVERS)
    settings = {"scenario": scenario.name, "set": sets, "seeds": args.seeds, "months": args.months,
                "seed": args.seed, "levers": chosen}
    # the code that runs is the code here now (another hand may edit the files while it runs)
    prov, identity = provenance(settings), model_identity()
    t0 = time.perf_counter()
    with tqdm(total=args.seeds * (1 + len(chosen)), unit="run", disable=args.quiet, file=sys.stderr,
              desc="anchors") as bar:
        per_seed = measure(scenario, sets, seeds=args.seeds, months=args.months, root_seed=args.seed, levers=levers,
                           progress=bar.update)
    seconds = time.perf_counter() - t0
    report = {"provenance": prov, "model": identity, "settings": settings,
              "command": command_line(args.scenario, args.seeds, args.months, args.seed, levers, sets),
              "seconds": seconds, "rows": summarise(per_seed)}
    print(f"anchors: {scenario.name}, {args.seeds} seeds, {args.months} months, {len(chosen)} levers "
          f"({seconds:.0f} s)")
    print(markdown_table(report["rows"]), end="")
    if out is not None:
        write_out(out, report, per_seed)
        print(f"  written: {out}")
    if args.write:
        rewrite(args.odd, lambda text: update(text, docs_block(report)))
        print(f"  {args.odd}: table between {START} and {END} updated")
    return 0
