"""Fair comparisons of two futures: the same neighbourhood with and without a policy.

``python run.py compare A B --replicates R --out DIR`` runs scenario A and scenario B R
times each. Replicate i of A and replicate i of B share one seed: every draw in the model is
keyed by (seed, month, person or household, draw number), so the two runs meet the same
luck wherever their neighbourhoods are still alike, and their difference comes from the
policy rather than from chance (common random numbers). The differences are reported per
outcome with a paired 95% interval, as a table (``differences.csv``), plots (outcomes
with intervals, cost against effect, transmission by scenario) and ``comparison.json``;
the engine's ``summary.json`` next to them counts the runs and lists any failures. The
runs go through the sweep engine (:mod:`experiments.runner`): on all local cores by
default, on a Dask cluster with ``--scheduler``, and an interrupted comparison resumes.

With ``--ensemble`` both arms run once per plausible set of their (shared) calibration file as
well as per replicate (:mod:`experiments.ensemble`). For each set the two arms are compared
replicate by replicate as above, and each outcome says in how many sets the policy is better,
worse or unclear (the interval contains 0; the same verdicts as without the flag), in
``differences.csv`` (``sets_better``, ``sets_worse``, ``sets_unclear``) and ``members.csv`` (each
set's differences); the difference itself is taken over the sets (each set's mean difference
over its replicates; n = sets), so its interval includes parameter uncertainty at its full weight.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from abm.outcomes import COST, HEADLINE, TRANSMISSION
from abm.params import ParameterError, RunSettings, check_number, whole_arg
from experiments import ensemble
from experiments.build import Recipe
from experiments.reports import paired_differences, plot_cost_effect, plot_differences, plot_transmission
from experiments.runner import run_tasks
from experiments.scenario import ScenarioError, load
from experiments.store import read_runs
from experiments.sweep import replicate_seeds
from experiments.tasks import check_build, check_outcomes, prepare

MAX_REPLICATES = 10_000
VERDICTS = ("better", "worse", "unclear")  # what each plausible set says of an outcome with a direction


def replicate_seed(seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate``: the same for every arm (common random numbers).

    The same derivation as a sweep's (:func:`experiments.sweep.replicate_seeds`).
    """
    return replicate_seeds(int(seed), int(replicate) + 1)[int(replicate)]


def arm(scenario: str, sets: dict | None = None, interventions: dict | None = None, shocks: dict | None = None) -> dict:
    """A task template for one arm (no seed yet)."""
    task: dict = {"scenario": scenario}
    if sets:
        task["set"] = dict(sets)
    if interventions:
        task["interventions"] = dict(interventions)
    if shocks:
        task["shocks"] = dict(shocks)
    return task


def arm_label(task: dict) -> str:
    """A short readable label of an arm: the scenario and what is added to it."""
    name = load(task["scenario"]).name
    extra = [*(task.get("interventions") or {}), *(f"{k}={v}" for k, v in (task.get("set") or {}).items()),
             *(task.get("shocks") or {})]
    return name + (" + " + ", ".join(extra) if extra else "")


def design(a: dict, b: dict, replicates: int, seed: int, steps: int | None, outcomes) -> list[dict]:
    """The tasks of a comparison: for each replicate, A and B with the same seed; checked."""
    replicates = check_number("", "replicates", replicates, 1, MAX_REPLICATES, whole=True)
    outcomes = list(check_outcomes(outcomes))
    for need in (COST, *TRANSMISSION):
        if need not in outcomes:
            outcomes.append(need)  # the cost-effect and transmission plots need them
    seed = RunSettings.check(seed=seed, need_seed=True).seed
    seeds = replicate_seeds(int(seed), replicates)
    tasks = []
    for r in range(replicates):
        for template in (a, b):
            task = {**template, "seed": seeds[r], "outcomes": outcomes}
            if steps is not None:
                task["steps"] = steps
            tasks.append(task)
    # the whole spec is checked before anything runs: each arm built once, and where an arm
    # places facilities on given cells, those cells against every replicate's layout
    for k, task in enumerate(tasks[:2]):
        _, params, off, _, _, _, plan = _checked(task, "AB"[k])
        for other in tasks[2 + k::2]:
            try:
                check_build(params, off, plan, other["seed"])
            except ParameterError as e:
                raise ParameterError(f"scenario {'AB'[k]}: {e}") from None
    return tasks


def _checked(task: dict, side: str):
    try:
        return prepare(task)
    except (ParameterError, ScenarioError) as e:
        raise type(e)(f"scenario {side}: {e}") from None


def set_differences(results: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each plausible set's paired differences (:func:`~experiments.reports.paired_differences` per ``member``).

    ``results`` holds a ``member`` column (``--ensemble``); within a set, runs pair by replicate.
    """
    parts = [paired_differences(g.drop(columns=ensemble.LABEL), baseline=baseline).assign(**{ensemble.LABEL: k})
             for k, g in results.groupby(ensemble.LABEL, sort=True)]
    table = pd.concat(parts, ignore_index=True)
    return table[[ensemble.LABEL, *[c for c in table.columns if c != ensemble.LABEL]]]


def verdict_counts(per_set: pd.DataFrame) -> pd.DataFrame:
    """Per outcome, in how many plausible sets the policy is better, worse or unclear: ``sets_better`` ...

    An outcome without a better direction (``neutral``) counts in none of the three.
    """
    counts = pd.crosstab(per_set["outcome"], per_set["better"])
    return pd.DataFrame({f"sets_{v}": counts[v] if v in counts.columns else 0 for v in VERDICTS},
                        index=counts.index).astype("int64").reset_index()


def report(results: pd.DataFrame, labels: tuple[str, str], folder: Path,
           counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Differences B - A with intervals, written with the plots into ``folder``; returns the table.

    ``counts`` (:func:`verdict_counts`, ``--ensemble``) are joined to the table by outcome.
    """
    diffs = paired_differences(results, baseline=labels[0])
    if counts is not None:
        diffs = diffs.merge(counts, on="outcome", how="left")
    # headline outcomes first, then the others in the order they were asked for
    kept = list(dict.fromkeys(results["outcome"]))
    order = {o: k for k, o in reversed(list(enumerate([*HEADLINE, *kept])))}
    diffs = diffs.sort_values("outcome", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    tmp = folder / ".differences.csv.tmp"
    diffs.to_csv(tmp, index=False, float_format="%.6g")
    tmp.replace(folder / "differences.csv")
    plot_differences(diffs, folder / "differences.png", title=f"{labels[1]}\nagainst {labels[0]}")
    shown = [o for o in HEADLINE if o in kept] or [o for o in kept if o != COST]
    effect = shown[0]
    plot_cost_effect(diffs, effect, folder / "cost_effect.png")
    plot_transmission(results, folder / "transmission.png")
    return diffs


def write_summary(folder: Path, diffs: pd.DataFrame, labels, replicates: int, seed: int, extra: dict) -> dict:
    summary = {
        "baseline": labels[0], "policy": labels[1], "replicates": replicates, "seed": seed,
        "differences": {r.outcome: {"baseline": _f(r.mean_baseline), "policy": _f(r.mean), "diff": _f(r.diff),
                                    "ci95": [_f(r.ci_lo), _f(r.ci_hi)], "verdict": r.better, "n": int(r.n)}
                        for r in diffs.itertuples()},
        **extra,
    }
    if "sets_better" in diffs.columns:  # --ensemble: what the plausible sets say, one by one
        for r in diffs.itertuples():
            summary["differences"][r.outcome]["sets"] = {v: int(getattr(r, f"sets_{v}")) for v in VERDICTS}
    cost = diffs[diffs["outcome"] == COST]
    stress = diffs[diffs["outcome"] == "stress_mean"]
    if len(cost) and len(stress) and stress["diff"].iloc[0] < 0:
        summary["cost_per_0_01_less_stress"] = _f(cost["diff"].iloc[0] / (-stress["diff"].iloc[0] / 0.01))
    tmp = folder / ".comparison.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, allow_nan=False))
    tmp.replace(folder / "comparison.json")
    return summary


def shared_draws(task_a: dict, task_b: dict) -> dict:
    """How much luck two arms share: replicate 1 of each, run again here, compared by person.

    Every random draw is keyed by a person's stable identity (``I.KEY``), so a person who lives
    in both arms draws the same numbers in both. Returns the share of the persons either arm
    ever had that both had (by identity), and the counts.
    """
    from abm.kernels import I

    keys = []
    for task in (task_a, task_b):
        scenario, params, off, seed, steps, _, plan = prepare(task, build=False)
        model = Recipe(scenario.name, params, off, plan, scenario).build(seed)
        model.run(steps)
        keys.append(set(model.state.i[I.KEY, : model.state.n].tolist()))
    both, either = len(keys[0] & keys[1]), len(keys[0] | keys[1])
    return {"share": both / max(either, 1), "persons_both": both, "persons_either": either}


def _f(x) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def text(diffs: pd.DataFrame, labels, replicates: int, sets: int = 0) -> str:
    """The comparison as a few lines for the console; ``sets``: the plausible sets of ``--ensemble``."""
    if sets:
        runs = f"{sets} plausible sets x {replicates} replicates, common random numbers within each set"
    else:
        runs = f"{replicates} replicates, common random numbers"
    lines = [f"{labels[1]}  against  {labels[0]}  ({runs})",
             f"  {'outcome':<28}{'baseline':>10}{'policy':>10}{'difference (95% interval)':>34}  verdict"
             + ("   sets better/worse/unclear" if sets else "")]
    for r in diffs.itertuples():
        if r.outcome == COST:
            lines.append(f"  {'extra cost over the run':<28}{'':>10}{'':>10}{r.diff / 1e6:>18.2f} M EUR")
            continue
        line = (f"  {r.outcome:<28}{r.mean_baseline:>10.3f}{r.mean:>10.3f}{r.diff:>+12.4f} "
                f"[{r.ci_lo:+.4f}, {r.ci_hi:+.4f}]  {r.better}")
        if sets and r.better != "neutral":
            line = f"{line:<93}   {r.sets_better}/{r.sets_worse}/{r.sets_unclear}"
        lines.append(line)
    if sets:
        lines.append(f"  differences over the {sets} plausible sets' means of {replicates} replicates each: "
                     f"{ensemble.note(sets)}; the last column counts the sets in which the policy is better, "
                     "worse or unclear")
    return "\n".join(lines)


class ComparisonFailed(RuntimeError):
    """The runs finished, but an arm has no successful run to compare (exit status 1)."""


def arm_without_results(runs: pd.DataFrame) -> str | None:
    """None if both arms have a successful run; else which arm has none, and its first error."""
    for side in "AB":
        mine = runs[runs["arm"] == side] if "arm" in runs.columns else runs.iloc[:0]
        if (mine["status"] == "ok").any():
            continue
        errors = mine["error"].dropna() if "error" in mine.columns else []
        first = " ".join(str(errors.iloc[0]).split())[:200] if len(errors) else "none recorded"
        return f"every run of scenario {side} failed ({mine['run_id'].nunique()} runs; first error: {first})"
    return None


# ---- the command ---------------------------------------------------------------------------

def add_parser(sub, common) -> None:
    """The ``compare`` subcommand; ``common`` adds the engine options (--scheduler, --workers, --quiet)."""
    c = sub.add_parser("compare", help="compare two scenarios with common random numbers")
    c.add_argument("a", metavar="SCENARIO_A", help="the baseline: preset name or .toml path")
    c.add_argument("b", metavar="SCENARIO_B", help="the policy: preset name or .toml path (may be the same as A)")
    c.add_argument("--replicates", type=whole_arg("replicates"), default=10,
                   help=f"runs of each scenario, 1 to {MAX_REPLICATES} (default 10)")
    c.add_argument("--out", required=True, help="results folder (an interrupted comparison resumes in it)")
    c.add_argument("--steps", type=RunSettings.arg("steps"), help="months per run (default: the scenarios')")
    c.add_argument("--seed", type=RunSettings.arg("seed"), default=2024,
                   help="seed of the replicate seeds, 0 to 2**63 - 1 (default 2024)")
    c.add_argument("--outcomes", help="comma-separated outcomes (default: all; `run.py outcomes` lists them)")
    for side in ("a", "b"):
        c.add_argument(f"--{side}-set", action="append", default=[], metavar="NAME=VALUE",
                       help=f"change a parameter of scenario {side.upper()} (repeatable)")
        c.add_argument(f"--{side}-intervention", action="append", default=[], metavar="NAME[:KEY=VALUE,...]",
                       help=f"add an intervention to scenario {side.upper()} (repeatable)")
        c.add_argument(f"--{side}-shock", action="append", default=[], metavar="NAME[:KEY=VALUE,...]",
                       help=f"add a shock to scenario {side.upper()} (repeatable)")
    c.add_argument("--ensemble", action="store_true",
                   help=f"{ensemble.HELP}; both scenarios must read the same calibration file. Each outcome then "
                        "says in how many sets the policy is better, worse or unclear")
    common(c)


def run_command(args, parse_sets, parse_levers) -> int:
    """``run.py compare``: run, report, print the table."""
    a = arm(args.a, parse_sets(args.a_set), parse_levers(args.a_intervention, "intervention"),
            parse_levers(args.a_shock, "shock"))
    b = arm(args.b, parse_sets(args.b_set), parse_levers(args.b_intervention, "intervention"),
            parse_levers(args.b_shock, "shock"))
    outcomes = [o.strip() for o in args.outcomes.split(",")] if args.outcomes else None
    tasks = design(a, b, args.replicates, args.seed, args.steps, outcomes)
    labels = (f"A: {arm_label(a)}", f"B: {arm_label(b)}")
    items = [{"task": t, "arm": "AB"[k % 2], "replicate": k // 2} for k, t in enumerate(tasks)]
    meta = {"command": "compare", "a": a, "b": b, "replicates": args.replicates, "seed": args.seed,
            "steps": args.steps, "outcomes": tasks[0]["outcomes"]}
    sets = 0
    if args.ensemble:  # only then in meta: a comparison without the flag resumes the folders made before it
        found = ensemble.shared_sets([a["scenario"], b["scenario"]])
        sets = found.sets
        items = ensemble.expand(items, sets)
        for side in "AB":
            ensemble.check_members([i for i in items if i["arm"] == side], f"scenario {side}: ")
        meta["ensemble"] = sets
    engine = run_tasks(items, args.out, scheduler=args.scheduler, workers=args.workers, progress=not args.quiet,
                       meta=meta, desc="compare", security=args.security)
    runs = read_runs(args.out)
    failed_arm = arm_without_results(runs)
    if failed_arm is not None:
        raise ComparisonFailed(f"{failed_arm}; the runs are kept in {args.out} (summary.json lists the errors); "
                               "no comparison was written")
    ok = runs[runs["status"] == "ok"]
    results = ok.assign(label=ok["arm"].map({"A": labels[0], "B": labels[1]}))[["label", "replicate", "outcome", "value"]]
    folder = Path(args.out)
    counts, extra = None, {}
    if sets:
        results = results.assign(**{ensemble.LABEL: ok[ensemble.LABEL].astype("int64")})
        per_set = set_differences(results, labels[0])
        counts = verdict_counts(per_set)
        results = ensemble.set_means(results)  # the difference over the sets (n = sets)
        extra = {"ensemble": {"sets": sets, "calibration": found.file, "note": ensemble.note(sets)}}
    diffs = report(results, labels, folder, counts)
    if sets:  # each set's differences, outcomes in the order of the table
        rank = per_set["outcome"].map({o: k for k, o in enumerate(diffs["outcome"])}).to_numpy()
        per_set = per_set.iloc[np.lexsort((rank, per_set[ensemble.LABEL].to_numpy()))]
        tmp = folder / f".{ensemble.SETS_CSV}.tmp"
        per_set.to_csv(tmp, index=False, float_format="%.6g")
        tmp.replace(folder / ensemble.SETS_CSV)
    shared = shared_draws(items[0]["task"], items[1]["task"])
    write_summary(folder, diffs, labels, args.replicates, args.seed,
                  {"engine": {k: engine.get(k) for k in ("runs", "ok", "failed", "computed", "seconds")},
                   "shared_draws": shared, **extra})
    print(text(diffs, labels, args.replicates, sets))
    print(f"  the arms share {100 * shared['share']:.0f}% of their residents' draws (replicate 1: "
          f"{shared['persons_both']:,} of the {shared['persons_either']:,} persons either arm had, by stable identity)")
    failed = engine.get("failed", 0)
    print(f"  results: {args.out}/ (differences.csv, {ensemble.SETS_CSV + ', ' if sets else ''}comparison.json, "
          f"differences.png, cost_effect.png, transmission.png; runs/ dataset)"
          + (f"; {failed} runs failed: see summary.json" if failed else ""))
    return 1 if failed else 0
