"""Sensitivity analysis: Morris screening, Sobol indices and link ablation.

``python run.py analyse SPEC.toml --out DIR`` takes the inputs a sweep file varies, with
their ranges (a grid's values span its range), and runs on the sweep engine:

1. **Morris screening** (SALib): ``--morris-trajectories`` one-at-a-time trajectories
   through the input space; per input and outcome ``mu_star`` (overall influence) and
   ``sigma`` (interaction or non-linearity).
2. **Sobol indices** (SALib, Saltelli sampling): ``--sobol-samples`` base samples (a power
   of two); per input and outcome the first-order index ``S1`` and the total index ``ST``
   with their 95% intervals.
3. **Link ablation**: each causal link switched off in turn against the baseline (the
   scenario with the sweep's fixed settings and no varied input applied), with
   ``--ablation-replicates`` replicates and common random numbers; which links move the
   outcomes most.

Each stage is a sweep of its own (:mod:`experiments.sweep`): the same checks, the same
seeds (replicate r has the same seed at every point, so the indices measure the inputs and
not the luck of the draw; with several replicates a point's outcome is their mean), and
the same resumable dataset, in ``DIR/morris``, ``DIR/sobol`` and ``DIR/ablation``. Tables
(CSV) and plots (PNG) go into ``DIR``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis, sobol as sobol_analysis

from abm.params import LINK_NAMES, ParameterError, check_links, check_number, shown, whole_arg
from experiments.reports import LOWER_IS_BETTER, direction, paired_differences, plot_transmission
from experiments.runner import run_tasks
from experiments.scenario import ScenarioError
from experiments.store import read_runs
from experiments.sweep import Sweep, build_design, load_spec, point_task, replicate_seeds
from experiments.tasks import prepare

matplotlib.use("Agg")  # figures go to files, never to a window
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

STAGES = ("morris", "sobol", "ablation")


def stage_spec(spec: Sweep, sampler: str, samples: int, replicates: int, levels: int = 4) -> Sweep:
    """The sweep of one stage: the spec's inputs and ranges, sampled by ``sampler``."""
    factors = tuple(dataclasses.replace(f, values=None) for f in spec.factors)
    meta = {**spec.meta, "sampler": sampler, "samples": samples, "replicates": replicates, "levels": levels,
            "stage": sampler}
    return dataclasses.replace(spec, sampler=sampler, samples=samples, replicates=replicates, levels=levels,
                               second_order=False, factors=factors, meta=meta)


def point_outcomes(runs: pd.DataFrame, n_points: int, outcomes) -> dict[str, np.ndarray]:
    """Per outcome, the mean over replicates at each point (nan where no run succeeded)."""
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby(["outcome", "point"])["value"].mean()
    out = {}
    for o in outcomes:
        y = means.get(o, pd.Series(dtype=float)).reindex(range(n_points)).to_numpy(dtype=float)
        out[o] = y
    return out


def _filled(y: np.ndarray) -> np.ndarray:
    """SALib needs a value at every point: a failed or undefined one takes the mean of the rest."""
    return np.where(np.isfinite(y), y, np.nanmean(y)) if np.isfinite(y).any() else np.zeros_like(y)


def morris_indices(problem: dict, X: np.ndarray, Y: dict[str, np.ndarray], levels: int, seed: int) -> pd.DataFrame:
    """Morris mu, mu* (with its 95% interval) and sigma of each input on each outcome."""
    rows = []
    for o, y in Y.items():
        si = morris_analysis.analyze(problem, X, _filled(y), num_levels=levels, seed=seed, print_to_console=False)
        for k, name in enumerate(problem["names"]):
            rows.append(dict(outcome=o, input=name, mu=float(si["mu"][k]), mu_star=float(si["mu_star"][k]),
                             mu_star_conf=float(si["mu_star_conf"][k]), sigma=float(si["sigma"][k])))
    return pd.DataFrame(rows)


def sobol_indices(problem: dict, Y: dict[str, np.ndarray], seed: int) -> pd.DataFrame:
    """Sobol S1 and ST (with their 95% intervals) of each input on each outcome."""
    rows = []
    d = problem["num_vars"]
    for o, y in Y.items():
        y = _filled(y)
        if np.ptp(y) == 0:  # the outcome does not move: no input explains anything
            si = {key: np.zeros(d) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            si = sobol_analysis.analyze(problem, y, calc_second_order=False, seed=seed, print_to_console=False)
        for k, name in enumerate(problem["names"]):
            rows.append(dict(outcome=o, input=name, S1=float(si["S1"][k]), S1_conf=float(si["S1_conf"][k]),
                             ST=float(si["ST"][k]), ST_conf=float(si["ST_conf"][k])))
    return pd.DataFrame(rows)


def ablation_runs(spec: Sweep, links, replicates: int) -> list[dict]:
    """Engine runs of the ablation: the baseline and each link off, replicate r on one seed."""
    seeds = replicate_seeds(spec.seed, replicates)
    base = point_task(spec, [], seeds[0])
    runs = []
    for r, seed in enumerate(seeds):
        for label in ("baseline", *links):
            task = {**base, "seed": seed}
            if label != "baseline":
                task["off"] = [*base.get("off", []), label]
            runs.append({"task": task, "arm": label, "replicate": r})
    return runs


def ablation_table(runs: pd.DataFrame, outcomes) -> pd.DataFrame:
    """Paired differences of each link off against the baseline, ranked per outcome.

    ``effect_sd``: the mean difference in units of the baseline's spread between
    replicates (or of its mean where the spread is zero), so outcomes on different scales
    rank together.
    """
    ok = runs[(runs["status"] == "ok") & runs["outcome"].isin(outcomes)]
    tidy = ok.rename(columns={"arm": "label"})[["label", "replicate", "outcome", "value"]]
    diffs = paired_differences(tidy, baseline="baseline").rename(columns={"label": "link"})
    spread = tidy[tidy["label"] == "baseline"].groupby("outcome")["value"].agg(["std", "mean"])
    scale = spread["std"].where(spread["std"] > 0, spread["mean"].abs()).replace(0.0, 1.0)
    diffs["effect_sd"] = diffs["diff"] / diffs["outcome"].map(scale)
    diffs["rank"] = diffs.groupby("outcome")["effect_sd"].transform(lambda s: s.abs().rank(ascending=False))
    return diffs.sort_values(["outcome", "rank"]).reset_index(drop=True)


# ---- plots -----------------------------------------------------------------------------

def _save(fig, path: Path) -> None:
    tmp = Path(path).with_name(f".{Path(path).name}.tmp")
    fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    tmp.replace(path)


def plot_indices(morris_df: pd.DataFrame, sobol_df: pd.DataFrame, outcomes, path: Path) -> None:
    """Per outcome: Morris mu* (with interval) and Sobol S1 and ST (with intervals) per input."""
    n_in = max(morris_df["input"].nunique(), 1)
    fig, axes = plt.subplots(len(outcomes), 2, figsize=(11, 0.8 + len(outcomes) * (0.9 + 0.35 * n_in)), squeeze=False)
    for row, o in enumerate(outcomes):
        m = morris_df[morris_df["outcome"] == o].sort_values("mu_star")
        ax = axes[row][0]
        ax.barh(m["input"], m["mu_star"], xerr=m["mu_star_conf"], color="#1f5f8b", capsize=3)
        ax.set_title(f"{o}: Morris mu* (influence)", fontsize=9)
        ax.tick_params(labelsize=8)
        s = sobol_df[sobol_df["outcome"] == o].set_index("input").reindex(m["input"])
        ax = axes[row][1]
        y = np.arange(len(s))
        ax.barh(y - 0.2, s["S1"], 0.4, xerr=s["S1_conf"], label="first order S1", color="#7aa6c2", capsize=2)
        ax.barh(y + 0.2, s["ST"], 0.4, xerr=s["ST_conf"], label="total ST", color="#b5542d", capsize=2)
        ax.set_yticks(y, list(s.index), fontsize=8)
        ax.set_title(f"{o}: Sobol indices (share of variance)", fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Which inputs matter (Morris screening and Sobol indices)", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    _save(fig, path)


def plot_ablation(diffs: pd.DataFrame, outcome: str, path: Path, top: int = 15) -> None:
    """The ``top`` links whose switching off moves ``outcome`` most, with 95% intervals."""
    d = diffs[diffs["outcome"] == outcome].sort_values("rank").head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 1.4 + 0.32 * len(d)))
    err = np.vstack([d["diff"] - d["ci_lo"], d["ci_hi"] - d["diff"]])
    worse = [(v > 0) == (outcome in LOWER_IS_BETTER) for v in d["diff"]]
    ax.barh(d["link"], d["diff"], xerr=np.nan_to_num(err), color=["#b5542d" if w else "#1f5f8b" for w in worse],
            capsize=3)
    ax.axvline(0.0, color="0.4", lw=0.8)
    ax.set_xlabel(f"change in {outcome} with the link switched off ({direction(outcome)})")
    ax.tick_params(labelsize=8)
    ax.set_title(f"Causal links that matter most for {outcome}\n(red: the neighbourhood does worse without the link)",
                 fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def _write_csv(folder: Path, name: str, df: pd.DataFrame) -> None:
    tmp = folder / f".{name}.tmp"
    df.to_csv(tmp, index=False, float_format="%.6g")
    tmp.replace(folder / name)


# ---- the command ------------------------------------------------------------------------

def add_parser(sub, common) -> None:
    a = sub.add_parser("analyse", help="sensitivity analysis (Morris, Sobol) and link ablation over a sweep file's inputs")
    a.add_argument("spec", metavar="SPEC.toml", help="a sweep file: its [vary] inputs and ranges are analysed")
    a.add_argument("--out", required=True, help="results folder (an interrupted analysis resumes in it)")
    a.add_argument("--morris-trajectories", type=whole_arg("trajectories"), default=10,
                   help="Morris trajectories (default 10)")
    a.add_argument("--sobol-samples", type=whole_arg("samples"), default=64,
                   help="Sobol base samples, a power of two (default 64)")
    a.add_argument("--replicates", type=whole_arg("replicates"), default=1,
                   help="replicates per point for Morris and Sobol (default 1; all points share the seeds)")
    a.add_argument("--ablation-replicates", type=whole_arg("replicates"), default=4,
                   help="replicates of the link ablation (default 4)")
    a.add_argument("--links", default="all", help="links to ablate: all, or a comma-separated list (default all)")
    a.add_argument("--skip", default="", help="stages to leave out, comma-separated: morris, sobol, ablation")
    common(a)


class AnalysisFailed(RuntimeError):
    """A stage ran, but none of its runs succeeded: there is nothing to analyse (exit status 1)."""


def check_ran(name: str, summary: dict, folder: Path) -> None:
    """Raise AnalysisFailed if no run of stage ``name`` succeeded, naming the first error."""
    if summary.get("ok", 0) > 0:
        return
    failures = summary.get("failures") or [{}]
    first = " ".join(str(failures[0].get("error", "none recorded")).split())[:200]
    raise AnalysisFailed(f"every run of the {name} stage failed ({summary.get('runs', 0)} runs; first error: "
                         f"{first}); the runs are kept in {folder} (summary.json lists the errors)")


def check_link_list(text: str) -> list[str]:
    """``--links``: ``all`` or a comma-separated list of at least one link name."""
    if text.strip() == "all":
        return list(LINK_NAMES)
    names = [x.strip() for x in text.split(",") if x.strip()]
    if not names:
        raise ParameterError(f"--links {shown(text)} names no link; allowed: all, or link names separated by "
                             "commas (`run.py links` lists them)")
    return list(dict.fromkeys(check_links(names)))


def run_command(args) -> int:
    """``run.py analyse``: the three stages, each resumable, then the tables and plots."""
    spec = load_spec(args.spec)
    if not spec.factors:
        raise ParameterError(f"{args.spec}: [vary] names no inputs; allowed: at least one parameter or setting to analyse")
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    for s in skip:
        if s not in STAGES:
            raise ParameterError(f"--skip {shown(s)}; allowed: {', '.join(STAGES)}")
    if skip == set(STAGES):
        raise ParameterError(f"--skip {shown(args.skip)} leaves nothing to do; allowed: at most two of "
                             f"{', '.join(STAGES)}")
    trajectories = check_number("", "--morris-trajectories", args.morris_trajectories, 2, 10_000, whole=True)
    samples = check_number("", "--sobol-samples", args.sobol_samples, 2, 2**20, whole=True)
    if samples & (samples - 1):
        raise ParameterError(f"--sobol-samples = {samples}; allowed: a power of two (e.g. 16, 64, 256)")
    replicates = check_number("", "--replicates", args.replicates, 1, 1000, whole=True)
    ab_reps = check_number("", "--ablation-replicates", args.ablation_replicates, 2, 1000, whole=True)
    links = check_link_list(args.links)
    stages = {}
    if "morris" not in skip:
        stages["morris"] = stage_spec(spec, "morris", trajectories, replicates)
    if "sobol" not in skip:
        stages["sobol"] = stage_spec(spec, "sobol", samples, replicates)
    designs = {name: build_design(s) for name, s in stages.items()}  # every point checked before running
    if "ablation" not in skip:
        try:  # the baseline of the ablation: the scenario with the spec's fixed settings
            prepare(ablation_runs(spec, links[:1], 1)[0]["task"])
        except (ParameterError, ScenarioError) as e:
            raise ParameterError(f"{args.spec}: the ablation's baseline: {e}") from None
    out = Path(args.out)
    engine_opts = dict(scheduler=args.scheduler, workers=args.workers, progress=not args.quiet,
                       security=args.security)
    report: dict = {"spec": spec.meta, "inputs": spec.inputs, "outcomes": list(spec.outcomes), "stages": {}}
    sampler_seed = int(np.random.SeedSequence([spec.seed, 1]).generate_state(1)[0])
    outcomes = list(spec.outcomes)
    tables = {}
    for name, design in designs.items():
        folder = out / name
        summary = run_tasks(design.runs, folder, meta=stages[name].meta, desc=name, **engine_opts)
        check_ran(name, summary, folder)
        Y = point_outcomes(read_runs(folder), len(design.X), outcomes)
        if name == "morris":
            tables[name] = morris_indices(design.problem, design.X, Y, stages[name].levels, sampler_seed)
        else:
            tables[name] = sobol_indices(design.problem, Y, sampler_seed)
        report["stages"][name] = {"runs": summary["runs"], "failed": summary["failed"], "seconds": summary["seconds"]}
        _write_csv(out, f"{name}.csv", tables[name])
    if "morris" in tables and "sobol" in tables:
        plot_indices(tables["morris"], tables["sobol"], outcomes, out / "indices.png")
    if "ablation" not in skip:
        folder = out / "ablation"
        meta = {**spec.meta, "stage": "ablation", "links": links, "replicates": ab_reps}
        summary = run_tasks(ablation_runs(spec, links, ab_reps), folder, meta=meta, desc="ablation", **engine_opts)
        check_ran("ablation", summary, folder)
        runs = read_runs(folder)
        if not ((runs["arm"] == "baseline") & (runs["status"] == "ok")).any():
            raise AnalysisFailed(f"every run of the ablation's baseline failed; the runs are kept in {folder} "
                                 "(summary.json lists the errors)")
        table = ablation_table(runs, outcomes)
        _write_csv(out, "ablation.csv", table)
        for o in outcomes:
            plot_ablation(table, o, out / f"ablation_{o}.png")
        ok = runs[runs["status"] == "ok"]
        arms = ok[ok["arm"].isin(["baseline", *table.sort_values("rank")["link"].head(5)])]
        if arms["outcome"].isin(["transmission"]).any():
            plot_transmission(arms.rename(columns={"arm": "label"}), out / "transmission.png",
                              title="Transmission with the most influential links switched off")
        report["stages"]["ablation"] = {"runs": summary["runs"], "failed": summary["failed"],
                                        "seconds": summary["seconds"]}
        report["top_links"] = {o: table[table["outcome"] == o].head(5)[["link", "diff", "ci_lo", "ci_hi"]]
                               .to_dict("records") for o in outcomes}
    tmp = out / ".analysis.json.tmp"
    tmp.write_text(json.dumps(report, indent=2, default=float))
    tmp.replace(out / "analysis.json")
    print(text(tables, report, outcomes, str(out)))
    failed = sum(s["failed"] for s in report["stages"].values())
    return 1 if failed else 0


def text(tables: dict, report: dict, outcomes, out: str) -> str:
    lines = [f"sensitivity analysis of {', '.join(report['inputs'])}"]
    for o in outcomes:
        parts = []
        if "morris" in tables:
            m = tables["morris"][tables["morris"]["outcome"] == o].sort_values("mu_star", ascending=False)
            parts.append("Morris: " + ", ".join(f"{r.input} {r.mu_star:.3g}" for r in m.head(3).itertuples()))
        if "sobol" in tables:
            s = tables["sobol"][tables["sobol"]["outcome"] == o].sort_values("ST", ascending=False)
            parts.append("Sobol ST: " + ", ".join(f"{r.input} {r.ST:.2f}" for r in s.head(3).itertuples()))
        if report.get("top_links"):
            parts.append("links: " + ", ".join(f"{r['link']} {r['diff']:+.3g}" for r in report["top_links"][o][:3]))
        lines.append(f"  {o}: " + "; ".join(parts))
    lines.append(f"  results: {out}/ (morris.csv, sobol.csv, ablation.csv, indices.png, ablation_*.png, analysis.json)")
    return "\n".join(lines)
