"""The validation report: the model's outcomes against public figures (the targets files).

``python run.py validate [SCENARIO ...] --replicates R --out DIR`` reads the targets
(:mod:`experiments.targets`; default every ``experiments/targets/*.toml``), runs each
scenario R times for ``--months`` months on the sweep engine (:mod:`experiments.runner`:
all cores, or a Dask cluster; replicate r has the seed ``replicate_seeds(seed, R)[r]`` in
every scenario; an interrupted or repeated call resumes and reuses the finished runs), and
writes next to the runs in ``DIR``:

``validation.csv``, ``validation.md``  one row per target and scenario: the figure, its band,
                                       the model's mean over the replicates with its 95%
                                       interval (:mod:`experiments.stats`), n, verdict, year, source
``validation.png``                     every target against its band
``validation.json``                    the rows and their provenance: model version and code
                                       digest, the targets files and their SHA-256, scenarios,
                                       replicates, months, root seed, date

With ``--ensemble`` each scenario runs once per plausible set of its calibration file as well
as per replicate (:mod:`experiments.ensemble`; replicate r has the same seed in every set): the
mean and its 95% interval are over the sets' means (each the mean of its replicates), so they
include parameter uncertainty at its full weight, and each row also gives the range of the sets' own means (``sets_lo``,
``sets_hi``); the report says so.

The verdict is ``in`` when the model's mean lies in the band (ends included), ``out`` when
it does not, ``n/a`` when no run could measure the outcome. Each task computes only the
outcomes its scenario's targets name.

The report's table also goes into the documentation, between the lines
:data:`START` and :data:`END` of ``docs/ODD.md`` and ``README.md``::

    python -m experiments.validate            # print the block made from results/validation
    python -m experiments.validate --write    # put it into docs/ODD.md and README.md
    python -m experiments.validate --check    # exit 1 if either is out of date with the report

(``run.py validate ... --docs`` writes it right after the report; ``make validation`` runs
the three presets and does both.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import matplotlib
import numpy as np
import pandas as pd

from abm.codegen import marker_lines, rewrite, up_to_date, write_or_check
from abm.params import ParameterError, RunSettings, check_number, shown, whole_arg
from experiments import ensemble
from experiments.runner import run_tasks
from experiments.scenario import ScenarioError, resolve as resolve_scenario
from experiments.stats import interval_table
from experiments.store import json_ready, model_identity, provenance, read_runs, scenario_digests
from experiments.sweep import replicate_seeds
from experiments.targets import Target, TargetsError, TargetsFile, default_files, load_all
from experiments.tasks import prepare

matplotlib.use("Agg")  # figures go to files, never to a window
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

DEFAULT_MONTHS = 120
DEFAULT_SEED = 2024
DEFAULT_REPLICATES = 8
MAX_REPLICATES = 10_000
CSV, MD, PNG, JSON = "validation.csv", "validation.md", "validation.png", "validation.json"
COLUMNS = ("target", "output", "scenario", "value", "band_lo", "band_hi", "mean", "ci_lo", "ci_hi", "n", "verdict",
           "year", "source", "note")
ENSEMBLE_COLUMNS = ("sets", "sets_lo", "sets_hi")  # with --ensemble: the plausible sets and the range of their means
ROOT = Path(__file__).resolve().parent.parent
DOC_PATHS = (ROOT / "docs" / "ODD.md", ROOT / "README.md")
DEFAULT_REPORT = ROOT / "results" / "validation"
START = "<!-- validation:start -->"  # the full table (docs/ODD.md)
END = "<!-- validation:end -->"
SHORT_START = "<!-- validation-summary:start -->"  # the short table (README.md)
SHORT_END = "<!-- validation-summary:end -->"
COMMAND = "python -m experiments.validate"
IN_COLOUR, OUT_COLOUR, BAND_COLOUR = "#2a7f62", "#c0392b", "#9ecae1"


@dataclass(frozen=True)
class Validation:
    """A checked validation: the targets, what runs, and the engine's runs (``{"task", "replicate", "root_seed"}``,
    and ``"member"`` with ``--ensemble``). ``members``: scenario -> its number of plausible sets (empty without
    ``--ensemble``)."""

    files: tuple[TargetsFile, ...]
    scenarios: tuple[str, ...]
    replicates: int
    months: int
    seed: int
    sets: dict
    outcomes: dict  # scenario -> the outcomes its targets name
    runs: list
    meta: dict
    members: dict = field(default_factory=dict)

    @property
    def targets(self) -> list[Target]:
        return [t for f in self.files for t in f.targets]

    @property
    def note(self) -> str:
        """How the intervals are made, with ``--ensemble`` ("" without)."""
        return ensemble.note(list(self.members.values())) if self.members else ""


def plan(files: Sequence[TargetsFile], scenarios: Sequence[str] | None = None, replicates: int = DEFAULT_REPLICATES,
         months: int = DEFAULT_MONTHS, seed: int = DEFAULT_SEED, sets: dict | None = None,
         use_ensemble: bool = False) -> Validation:
    """The runs of a validation, every input checked before anything runs.

    ``scenarios`` default to every scenario a target names (in the order first named); a
    scenario given that is not a preset, or that no target names, is refused. Each
    scenario's first task is built once (:func:`experiments.tasks.prepare`), so a ``sets``
    the neighbourhood cannot be built with is refused too. ``use_ensemble``: each scenario's runs
    once per plausible set of its calibration file (a scenario that reads none is refused), each
    set built once. Raises :class:`TargetsError`, :class:`~experiments.scenario.ScenarioError` or
    :class:`~abm.params.ParameterError` (one line).
    """
    targets = [t for f in files for t in f.targets]
    named = list(dict.fromkeys(s for t in targets for s in t.scenarios))
    chosen = []
    for s in scenarios or named:
        if s not in named:
            resolve_scenario(s)  # not a preset at all: said so, with close matches
            raise TargetsError(f"scenario {shown(s)}: no target applies to it; allowed: {', '.join(named)} "
                               "(the presets the targets name)")
        if s not in chosen:
            chosen.append(s)
    replicates = check_number("", "replicates", replicates, 1, MAX_REPLICATES, whole=True)
    settings = RunSettings.check(months, seed, need_seed=True)
    months, seed = settings.steps, settings.seed
    sets = dict(sets or {})
    outcomes = {s: list(dict.fromkeys(t.output for t in targets if s in t.scenarios)) for s in chosen}
    members = {s: ensemble.plausible_sets(s).sets for s in chosen} if use_ensemble else {}
    seeds = replicate_seeds(seed, replicates)
    runs = []
    for s in chosen:
        base = {"scenario": s, "steps": months, "outcomes": outcomes[s]}
        if sets:
            base["set"] = dict(sets)
        try:
            prepare({**base, "seed": seeds[0]})
        except (ParameterError, ScenarioError) as e:
            raise type(e)(f"scenario {s}: {e}") from None
        mine = [{"task": {**base, "seed": sd}, "replicate": r, "root_seed": seed} for r, sd in enumerate(seeds)]
        if use_ensemble:
            mine = ensemble.expand(mine, members[s])
            ensemble.check_members(mine, f"scenario {s}: ")
        runs += mine
    meta = {"command": "validate", "scenarios": chosen, "replicates": replicates, "months": months, "seed": seed,
            "set": sets, "outcomes": outcomes}
    if use_ensemble:  # only then: a validation without the flag resumes the folders made before it existed
        meta["ensemble"] = members
    return Validation(tuple(files), tuple(chosen), replicates, months, seed, sets, outcomes, runs, meta, members)


# ---- the rows ----------------------------------------------------------------------------

def verdict(target: Target, mean: float) -> str:
    """``in`` when ``mean`` lies in the target's band, ``out`` when not, ``n/a`` when it is not a number."""
    if mean is None or not math.isfinite(mean):
        return "n/a"
    return "in" if target.contains(mean) else "out"


def report_rows(v: Validation, runs: pd.DataFrame) -> list[dict]:
    """One row per target and scenario (targets in file order, scenarios in run order).

    ``runs`` is the dataset (:func:`experiments.store.read_runs`); failed runs are left out,
    and the mean and its interval come from :func:`experiments.stats.interval_table`. With
    ``--ensemble`` they are over the plausible sets' means (each over its replicates; n is
    the number of sets, :func:`experiments.ensemble.set_means`), and the rows also hold
    :data:`ENSEMBLE_COLUMNS`: the number of sets and the lowest and highest of the sets' means.
    """
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    if v.members and len(ok):  # over the sets' means (n = sets): parameter uncertainty at its full weight
        ok_sets = ok[["scenario", "outcome", ensemble.LABEL, "value"]].dropna(subset=["value"])
        stats = interval_table(ensemble.set_means(ok_sets, ("scenario", "outcome")), ["scenario", "outcome"])
    else:
        stats = interval_table(ok, ["scenario", "outcome"]) if len(ok) else pd.DataFrame()
    by = {(r.scenario, r.outcome): r for r in stats.itertuples(index=False)} if len(stats) else {}
    spread = {}
    if v.members and len(ok):
        per_set = interval_table(ok, ["scenario", "outcome", ensemble.LABEL])
        per_set = per_set[per_set["n"] > 0]
        spread = {key: (float(g["mean"].min()), float(g["mean"].max()))
                  for key, g in per_set.groupby(["scenario", "outcome"])}
    rows = []
    for t in v.targets:
        for s in v.scenarios:
            if s not in t.scenarios:
                continue
            st = by.get((s, t.output))
            mean, lo, hi, n = ((float(st.mean), float(st.ci_lo), float(st.ci_hi), int(st.n)) if st is not None
                               else (math.nan, math.nan, math.nan, 0))
            rows.append({"target": t.name, "output": t.output, "scenario": s, "value": t.value, "band_lo": t.lo,
                         "band_hi": t.hi, "mean": mean, "ci_lo": lo, "ci_hi": hi, "n": n, "verdict": verdict(t, mean),
                         "year": t.year, "source": t.source, "note": t.note})
            if v.members:
                set_lo, set_hi = spread.get((s, t.output), (math.nan, math.nan))
                rows[-1].update(sets=v.members[s], sets_lo=set_lo, sets_hi=set_hi)
    return rows


def _num(x) -> str:
    """A figure as a reader wants it: three significant digits, whole thousands with separators."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    x = float(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _interval(row: dict) -> str:
    if row["n"] == 0 or row["mean"] is None or not math.isfinite(row["mean"]):
        return "n/a"
    if row["ci_lo"] is None or not math.isfinite(row["ci_lo"]):
        return f"{_num(row['mean'])} (one run)"
    return f"{_num(row['mean'])} [{_num(row['ci_lo'])}, {_num(row['ci_hi'])}]"


def _cell(text) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, no line breaks)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _sets_range(row: dict) -> str:
    """The lowest and highest of the plausible sets' means (``--ensemble``)."""
    lo, hi = row.get("sets_lo"), row.get("sets_hi")
    if lo is None or not math.isfinite(lo):
        return "n/a"
    return f"{_num(lo)} to {_num(hi)}"


def _sets_note(rows: list[dict]) -> str:
    """The --ensemble sentence of ``rows`` ("" when they were made without it)."""
    counts = [r["sets"] for r in rows if r.get("sets")]
    return ensemble.note(counts) if counts else ""


def markdown_table(rows: list[dict], short: bool = False) -> str:
    """The rows as a Markdown table; ``short``: target, scenario, figure and band, model, verdict.

    Rows made with ``--ensemble`` get a column with the range of the plausible sets' means (full table).
    """
    sets = bool(_sets_note(rows)) and not short
    if short:
        head = ("target", "scenario", "target [band]", "model mean [95% interval]", "verdict")
    else:
        head = ("target", "output", "scenario", "target value", "band", "model mean [95% interval]", "n", "verdict",
                "year", "source")
    if sets:
        head = (*head[:6], "sets' means", *head[6:])
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    for r in rows:
        verdict = f"**{r['verdict']}**" if r["verdict"] == "out" else r["verdict"]
        if short:
            cells = (f"`{r['target']}`", r["scenario"],
                     f"{_num(r['value'])} [{_num(r['band_lo'])}, {_num(r['band_hi'])}]", _interval(r), verdict)
        else:
            cells = (f"`{r['target']}`", f"`{r['output']}`", r["scenario"], _num(r["value"]),
                     f"{_num(r['band_lo'])} to {_num(r['band_hi'])}", _interval(r), str(r["n"]), verdict,
                     str(r["year"]), r["source"])
            if sets:
                cells = (*cells[:6], _sets_range(r), *cells[6:])
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def in_band(rows: list[dict]) -> str:
    """``k of n targets in band`` (a target met in several scenarios counts once per scenario)."""
    k = sum(r["verdict"] == "in" for r in rows)
    na = sum(r["verdict"] == "n/a" for r in rows)
    return f"{k} of {len(rows)} targets in band" + (f" ({na} not measured)" if na else "")


def text(rows: list[dict]) -> str:
    """The report as a few lines for the console (with ``--ensemble``: the sets' range and the note)."""
    note = _sets_note(rows)
    w = max([len("target"), *(len(r["target"]) for r in rows)])
    ws = max([len("scenario"), *(len(r["scenario"]) for r in rows)])
    sets_head = "sets' means".ljust(20) if note else ""
    lines = [f"  {'target':<{w}}  {'scenario':<{ws}}  {'target [band]':<26}{'model mean [95% interval]':<30}"
             f"{sets_head}{'n':>4}  verdict"]
    for r in rows:
        band = f"{_num(r['value'])} [{_num(r['band_lo'])}, {_num(r['band_hi'])}]"
        sets = f"{_sets_range(r):<20}" if note else ""
        lines.append(f"  {r['target']:<{w}}  {r['scenario']:<{ws}}  {band:<26}{_interval(r):<30}{sets}{r['n']:>4}  "
                     f"{r['verdict']}")
    lines.append(in_band(rows) + (f"; {note} (n = sets)" if note else ""))
    return "\n".join(lines)


# ---- the files ---------------------------------------------------------------------------

def command_line(report: dict) -> str:
    """The command that makes ``report`` again (targets files named only when not the default)."""
    parts = ["run.py validate", *report["scenarios"], f"--replicates {report['replicates']}",
             f"--months {report['months']}", f"--seed {report['seed']}"]
    parts += [f"--set {k}={v}" for k, v in report["set"].items()]
    if report.get("ensemble"):
        parts.append("--ensemble")
    files = [f["file"] for f in report["targets"]]
    if [(ROOT / f).resolve() for f in files] != [p.resolve() for p in default_files()]:
        parts += [f"--targets {f}" for f in files]
    return " ".join(parts)


def _from_root(path: str) -> str:
    """``path`` relative to the repository when inside it (the same on every checkout), else absolute."""
    p = Path(path).resolve()
    return p.relative_to(ROOT).as_posix() if p.is_relative_to(ROOT) else str(p)


def plot(rows: list[dict], path: Path, *, title: str, prov: dict | None = None) -> None:
    """Every row against its band: the band shaded, the figure a black diamond, the model's
    mean a dot with its 95% interval (green in the band, red outside); one panel per row,
    each on the scale of its own output."""
    n = max(len(rows), 1)
    fig, axes = plt.subplots(n, 1, figsize=(10, 1.3 + 0.62 * n), squeeze=False, layout="constrained")
    for ax, r in zip(axes[:, 0], rows):
        lo, hi, value, mean = r["band_lo"], r["band_hi"], r["value"], r["mean"]
        ax.barh(0, max(hi - lo, 0.0), left=lo, height=0.9, color=BAND_COLOUR, alpha=0.6, lw=0)
        if hi == lo:
            ax.axvline(lo, color=BAND_COLOUR, lw=3)
        ax.plot([value], [0], marker="D", color="black", ms=6, ls="none")
        xs = [lo, hi, value]
        if math.isfinite(mean):
            colour = IN_COLOUR if r["verdict"] == "in" else OUT_COLOUR
            err = [[mean - r["ci_lo"]], [r["ci_hi"] - mean]] if math.isfinite(r["ci_lo"]) else None
            ax.errorbar([mean], [0], xerr=err, fmt="o", color=colour, ms=6, capsize=4, lw=1.5)
            xs += [mean] + ([r["ci_lo"], r["ci_hi"]] if err is not None else [])
        a, b = min(xs), max(xs)
        pad = (b - a) * 0.12 or (abs(a) * 0.1 or 0.05)
        ax.set_xlim(a - pad, b + pad)
        ax.set_ylim(-0.7, 0.7)
        ax.set_yticks([0], [f"{r['target']}\n{r['scenario']}"], fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.text(1.01, 0.5, f"{r['verdict']} (n={r['n']}): model {_interval(r)}\ntarget {_num(value)}, band "
                           f"{_num(lo)} to {_num(hi)}", transform=ax.transAxes,
                fontsize=7, va="center", ha="left", color=OUT_COLOUR if r["verdict"] == "out" else "black")
    if not rows:
        axes[0, 0].set_axis_off()
    handles = [Patch(color=BAND_COLOUR, alpha=0.6, label="band (what counts as a match)"),
               Line2D([], [], marker="D", color="black", ls="none", label="target figure"),
               Line2D([], [], marker="o", color=IN_COLOUR, label="model mean, 95% interval: in band"),
               Line2D([], [], marker="o", color=OUT_COLOUR, label="model mean, 95% interval: out of band")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    meta = {"Title": "Veerkracht validation", "Software": "veerkracht",
            "Description": json.dumps(prov or {}, default=str)}
    fig.savefig(path, dpi=100, format="png", metadata=meta)
    plt.close(fig)




def write_report(folder: Path, v: Validation, rows: list[dict], engine: dict) -> dict:
    """Write the four report files into ``folder``; returns the report (``validation.json``).

    All four are made under temporary names first and renamed into place only when every one
    is made (``validation.json`` last), so an error leaves the folder as it was.
    """
    folder = Path(folder)
    prov = provenance(v.meta)
    report = {
        "provenance": prov,
        "model": model_identity(),
        "targets": [{"file": _from_root(f.path), "sha256": f.sha256, "targets": len(f.targets)} for f in v.files],
        "scenarios": list(v.scenarios), "replicates": v.replicates, "months": v.months, "seed": v.seed,
        "set": v.sets, "scenario_files": scenario_digests([r["task"] for r in v.runs]),
        "engine": {k: engine.get(k) for k in ("runs", "ok", "failed", "missing", "computed", "done_before",
                                              "seconds", "workers", "scheduler")},
        "in_band": sum(r["verdict"] == "in" for r in rows), "rows_total": len(rows),
        "rows": rows,
    }
    if v.members:
        report["ensemble"] = {"sets": dict(v.members), "note": v.note}
    report["command"] = command_line(report)
    report = json_ready(report)
    runs = f"{_sets_count(v.members)} plausible sets x {v.replicates} replicates" if v.members else \
        f"{v.replicates} replicates"
    title = (f"Veerkracht {prov['version']} against the targets: mean over {runs} of "
             f"{v.months} months (seed {v.seed}), bars: 95% interval\n{in_band(rows)}"
             + (f"; {v.note}" if v.members else ""))
    staged: list[tuple[Path, Path]] = []

    def stage(name: str) -> Path:
        tmp = folder / f".{name}.tmp-{uuid.uuid4().hex[:8]}"
        staged.append((tmp, folder / name))
        return tmp

    columns = [*COLUMNS, *ENSEMBLE_COLUMNS] if v.members else list(COLUMNS)
    try:
        pd.DataFrame(rows, columns=columns).to_csv(stage(CSV), index=False, float_format="%.6g")
        stage(MD).write_text(f"# Validation\n\n{docs_block(report)}", encoding="utf-8")
        plot(rows, stage(PNG), title=title, prov=prov)
        stage(JSON).write_text(json.dumps(report, indent=2, allow_nan=False, default=str), encoding="utf-8")
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return report


def _sets_count(members: dict) -> str:
    """The plausible sets per scenario as a reader wants them: ``5``, or ``4 to 6`` when they differ."""
    counts = sorted(set(members.values()))
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"


# ---- the command ---------------------------------------------------------------------------

def add_parser(sub, common) -> None:
    """The ``validate`` subcommand; ``common`` adds the engine options (--scheduler, --workers, --quiet)."""
    c = sub.add_parser(
        "validate", help="run presets against the calibration targets and report which are met; resumable",
        description="Run each scenario R times through the sweep engine and compare the outcomes with the "
                    "public figures of the targets files: a table (validation.csv, validation.md), a plot "
                    "(validation.png) and validation.json with provenance, next to the runs in DIR. A target "
                    "is in when the model's mean over the replicates lies in its band. Run the same command "
                    "again to resume or to remake the report from the finished runs.",
        epilog="example (what `make validation` runs): run.py validate krachtwijk mixed average_nl --replicates 8 "
               "--months 120 --out results/validation --docs")
    c.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="presets to run (default: every scenario a target names)")
    c.add_argument("--replicates", type=whole_arg("replicates", 1, MAX_REPLICATES), default=DEFAULT_REPLICATES,
                   metavar="R",
                   help=f"runs of each scenario, 1 to {MAX_REPLICATES} (default {DEFAULT_REPLICATES})")
    c.add_argument("--out", required=True, metavar="DIR",
                   help="results folder: the runs and the report (an interrupted validation resumes in it)")
    c.add_argument("--months", type=whole_arg("months", *RunSettings.BOUNDS["steps"]), default=DEFAULT_MONTHS,
                   metavar="M",
                   help=f"months per run after the burn-in (default {DEFAULT_MONTHS})")
    c.add_argument("--seed", type=RunSettings.arg("seed"), default=DEFAULT_SEED, metavar="S",
                   help=f"root seed of the replicate seeds, 0 to 2**63 - 1 (default {DEFAULT_SEED})")
    c.add_argument("--targets", action="append", metavar="FILE",
                   help="a targets file (repeatable; default: every experiments/targets/*.toml)")
    c.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="change a parameter in every scenario (repeatable), e.g. a smaller grid for a quick look")
    c.add_argument("--docs", action="store_true",
                   help="then put the table into docs/ODD.md and README.md (between their validation markers)")
    c.add_argument("--ensemble", action="store_true", help=ensemble.HELP)
    common(c)


def run_command(args, parse_sets) -> int:
    """``run.py validate``: check, run, report, print; 1 if runs failed."""
    files = load_all(args.targets)
    v = plan(files, args.scenarios, args.replicates, args.months, args.seed, parse_sets(args.set),
             use_ensemble=args.ensemble)
    engine = run_tasks(v.runs, args.out, scheduler=args.scheduler, workers=args.workers, progress=not args.quiet,
                       meta=v.meta, desc="validate", security=args.security)
    rows = report_rows(v, read_runs(args.out))
    write_report(Path(args.out), v, rows, engine)
    sets = f" x {_sets_count(v.members)} plausible sets" if v.members else ""
    print(f"validation: {len(v.scenarios)} scenarios{sets} x {v.replicates} replicates of {v.months} months "
          f"({engine['computed']} runs computed now, {engine['done_before']} were done)")
    print(text(rows))
    failed = engine.get("failed", 0)
    print(f"  results: {args.out}/ ({CSV}, {MD}, {PNG}, {JSON}; runs/ dataset)"
          + (f"; {failed} runs failed: see summary.json" if failed else ""))
    code = 1 if failed or not engine.get("complete", True) else 0
    if args.docs:
        code = max(code, write_docs(Path(args.out), do_write=True))
    return code


# ---- the docs ----------------------------------------------------------------------------------

def docs_block(report: dict, short: bool = False) -> str:
    """The table of a report with one line on how and when it was made (Markdown).

    ``short``: target, scenario, figure and band, model and verdict only (the README's);
    else every column but the notes (``docs/ODD.md`` and ``validation.md``).
    """
    prov, rows = report["provenance"], report["rows"]
    commit = f", commit {prov['commit'][:12]}" if prov.get("commit") else ""
    files = ", ".join(f"`{f['file']}`" for f in report["targets"])
    sets = report.get("ensemble")
    runs = (f"{_sets_count(sets['sets'])} plausible sets x {report['replicates']} replicates" if sets
            else f"{report['replicates']} replicates")
    made = (f"_Made by `{report['command']}` on {prov['date'][:10]} (Veerkracht {prov['version']}{commit}). "
            f"Model: mean over {runs} of {report['months']} months after the burn-in, "
            "with its 95% interval" + (f" ({sets['note']})" if sets else "")
            + "; a target is in when the mean lies in its band")
    if short:
        return (f"{made}. Sources and notes: {files} and docs/ODD.md, \"Calibration and validation\"._\n\n"
                f"{markdown_table(rows, short=True)}\n**{in_band(rows)}.**\n")
    return f"{made}. Targets: {files}._\n\n{markdown_table(rows)}\n**{in_band(rows)}.**\n"


def read_report(folder: Path) -> dict:
    """The ``validation.json`` of a report folder; raises FileNotFoundError if there is none."""
    path = Path(folder) / JSON
    if not path.is_file():
        raise FileNotFoundError(path)
    return json.loads(path.read_text(encoding="utf-8"))


def _spans(text: str, start: str, end: str) -> tuple[int, int] | None:
    """Offsets just after the ``start`` line and at the start of the ``end`` line; None if neither is there.

    A marker counts only on a line of its own. Raises ValueError for a marker missing its
    partner, repeated or out of order.
    """
    starts, ends = marker_lines(text, start, end)
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"expected the line {start!r} once and then the line {end!r} once; found "
                         f"{len(starts)} and {len(ends)}")
    return starts[0], ends[0]


def update(text: str, report: dict) -> str:
    """``text`` with the report's table between each pair of validation markers it holds.

    :data:`START`/:data:`END` take the full table, :data:`SHORT_START`/:data:`SHORT_END`
    the short one. Raises ValueError if ``text`` holds neither pair (or a broken one).
    """
    found = False
    for (start, end), short in (((START, END), False), ((SHORT_START, SHORT_END), True)):
        spans = _spans(text, start, end)
        if spans is None:
            continue
        found = True
        a, b = spans
        text = text[:a] + "\n" + docs_block(report, short).rstrip("\n") + "\n\n" + text[b:]
    if not found:
        raise ValueError(f"no validation markers; put the lines {START!r} and {END!r} (the full table) or "
                         f"{SHORT_START!r} and {SHORT_END!r} (the short one) where the table belongs")
    return text


def write_docs(report_dir: Path = DEFAULT_REPORT, paths: Sequence[Path] | None = None, do_write: bool = True) -> int:
    """Write (or check) the table of the report in ``report_dir`` between the markers of ``paths``.

    ``paths`` default to :data:`DOC_PATHS` (``docs/ODD.md``: the full table; ``README.md``:
    the short one). Returns 0 when written or up to date, 1 when a file is out of date
    (check), 2 when the report, a file or its markers are missing (one line on stderr each).
    """
    paths = DOC_PATHS if paths is None else paths
    source = Path(report_dir) / JSON
    try:
        report = read_report(report_dir)
        docs_block(report)  # a report this code cannot read fails here, before any file is touched
    except FileNotFoundError:
        print(f"error: no validation report in {report_dir} ({JSON} missing); run `make validation` first",
              file=sys.stderr)
        return 2
    except (ValueError, KeyError, TypeError) as e:
        print(f"error: {source} cannot be read ({type(e).__name__}: {e}); make it again", file=sys.stderr)
        return 2

    def with_report(text: str) -> str:
        return update(text, report)

    def write(path: Path) -> bool:
        return rewrite(path, with_report)

    def check(path: Path) -> bool:
        return up_to_date(path, with_report)

    codes = [write_or_check(Path(p), do_write, write, check, "validation table", COMMAND, source=str(source),
                            make="make validation") for p in paths]
    return max(codes, default=0)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m experiments.validate``: print, ``--write`` or ``--check`` the docs' validation table."""
    ap = argparse.ArgumentParser(prog=COMMAND, description="The validation table of docs/ODD.md and README.md, "
                                                           "made from a report of `run.py validate`.")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="put the table into the files in place")
    mode.add_argument("--check", action="store_true", help="exit 1 if a file is out of date with the report")
    ap.add_argument("--report", type=Path, default=DEFAULT_REPORT,
                    help=f"the report folder (default: {DEFAULT_REPORT.relative_to(ROOT)})")
    ap.add_argument("--path", type=Path, action="append",
                    help="a file with the validation markers (repeatable; default: docs/ODD.md and README.md)")
    args = ap.parse_args(argv)
    if not (args.write or args.check):
        try:
            sys.stdout.write(docs_block(read_report(args.report)))  # the full table
        except FileNotFoundError:
            print(f"error: no validation report in {args.report}; run `make validation` first", file=sys.stderr)
            return 2
        return 0
    return write_docs(args.report, args.path, do_write=args.write)


if __name__ == "__main__":
    raise SystemExit(main())
