"""Sensitivity analysis: Morris screening, Sobol indices and link ablation.

``python run.py analyse SPEC.toml --out DIR`` takes the inputs a sweep file varies (with
their ranges) and, on the sweep engine:

1. **Morris screening** (SALib): ``morris_trajectories`` one-at-a-time trajectories through
   the input space; per input and outcome ``mu_star`` (overall influence) and ``sigma``
   (interaction or non-linearity).
2. **Sobol indices** (SALib, Saltelli sampling): ``sobol_samples`` base samples (a power of
   two); per input and outcome the first-order index ``S1`` and the total index ``ST`` with
   their 95% intervals.
3. **Link ablation**: each causal link switched off in turn against the baseline, with
   ``ablation_replicates`` replicates and common random numbers; which links move the
   outcomes most.

All runs of one design share their seeds (replicate r has the same seed at every point), so
the indices measure the inputs and not the luck of the draw; with more than one replicate
the outcome of a point is the mean over its replicates. Whole-number parameters are
rounded. Tables (CSV) and plots (PNG) go into DIR.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from abm.params import LINK_NAMES, ParameterError, check_links, spec
from experiments.compare import replicate_seed
from experiments.reports import LOWER_IS_BETTER, paired_differences

Runner = Callable[[list[dict], str], pd.DataFrame]
"""Runs tasks (the second argument names the stage); returns rows (task, outcome, value)."""


def problem_of(vary: dict[str, tuple[float, float]]) -> dict:
    """The SALib problem of the varied inputs ``{name: (lo, hi)}``."""
    return {"num_vars": len(vary), "names": list(vary), "bounds": [[float(lo), float(hi)] for lo, hi in vary.values()]}


def apply_input(task: dict, name: str, value: float) -> dict:
    """``task`` with input ``name`` set to ``value``: a parameter, or ``interventions.NAME.setting``."""
    task = {k: (dict(v) if isinstance(v, dict) else v) for k, v in task.items()}
    if name.startswith("interventions.") or name.startswith("shocks."):
        table, lever, setting = name.split(".", 2)
        levers = {k: dict(v) for k, v in (task.get(table) or {}).items()}
        levers.setdefault(lever, {})[setting] = value
        task[table] = levers
    else:
        field = spec(name)
        if field.type in ("int", int):
            value = int(round(value))
        task.setdefault("set", {})[name] = value
    return task


def _integer_input(name: str) -> bool:
    if name.startswith(("interventions.", "shocks.")):
        from abm.interventions import SPECS

        _, lever, setting = name.split(".", 2)
        return setting in ("start", "months") or (setting == "units" and lever in SPECS and SPECS[lever].whole_units)
    return spec(name).type in ("int", int)


def tasks_for(base: dict, names: list[str], X: np.ndarray, replicates: int, seed: int) -> list[dict]:
    """One task per row of ``X`` and replicate, inputs applied, seeds shared across rows."""
    tasks = []
    for row in X:
        for r in range(replicates):
            task = dict(base, seed=replicate_seed(seed, r))
            for name, value in zip(names, row):
                value = int(round(value)) if _integer_input(name) else float(value)
                task = apply_input(task, name, value)
            tasks.append(task)
    return tasks


def _outcome_matrix(results: pd.DataFrame, n_points: int, replicates: int, outcomes) -> dict[str, np.ndarray]:
    """Per outcome, the mean over replicates of each design point (rows in task order)."""
    wide = results.pivot_table(index="task", columns="outcome", values="value", aggfunc="first")
    wide = wide.reindex(range(n_points * replicates))
    out = {}
    for o in outcomes:
        y = wide[o].to_numpy(dtype=float).reshape(n_points, replicates)
        out[o] = np.nanmean(y, axis=1) if replicates > 1 else y[:, 0]
    return out


def morris(problem: dict, base: dict, outcomes, run: Runner, trajectories: int, replicates: int, seed: int,
           levels: int = 4) -> pd.DataFrame:
    """Morris elementary effects of each input on each outcome."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    X = sample.sample(problem, N=trajectories, num_levels=levels, seed=seed % 2**32)
    results = run(tasks_for(base, problem["names"], X, replicates, seed), "morris")
    Y = _outcome_matrix(results, X.shape[0], replicates, outcomes)
    rows = []
    for o in outcomes:
        y = Y[o]
        if not np.isfinite(y).all():
            y = np.where(np.isfinite(y), y, np.nanmean(y))
        si = analyze.analyze(problem, X, y, num_levels=levels, seed=seed % 2**32, print_to_console=False)
        for k, name in enumerate(problem["names"]):
            rows.append(dict(method="morris", outcome=o, input=name, mu=float(si["mu"][k]),
                             mu_star=float(si["mu_star"][k]), mu_star_conf=float(si["mu_star_conf"][k]),
                             sigma=float(si["sigma"][k])))
    return pd.DataFrame(rows)


def sobol(problem: dict, base: dict, outcomes, run: Runner, samples: int, replicates: int, seed: int) -> pd.DataFrame:
    """Sobol first-order and total indices of each input on each outcome (Saltelli sampling)."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    if samples < 2 or samples & (samples - 1):
        raise ParameterError(f"sobol_samples = {samples}; allowed: a power of two, at least 2 (e.g. 16, 64, 256)")
    X = sample.sample(problem, samples, calc_second_order=False, seed=seed % 2**32)
    results = run(tasks_for(base, problem["names"], X, replicates, seed), "sobol")
    Y = _outcome_matrix(results, X.shape[0], replicates, outcomes)
    rows = []
    for o in outcomes:
        y = Y[o]
        if not np.isfinite(y).all():
            y = np.where(np.isfinite(y), y, np.nanmean(y))
        if np.ptp(y) == 0:
            si = {"S1": np.zeros(len(problem["names"])), "S1_conf": np.zeros(len(problem["names"])),
                  "ST": np.zeros(len(problem["names"])), "ST_conf": np.zeros(len(problem["names"]))}
        else:
            si = analyze.analyze(problem, y, calc_second_order=False, seed=seed % 2**32, print_to_console=False)
        for k, name in enumerate(problem["names"]):
            rows.append(dict(method="sobol", outcome=o, input=name, S1=float(si["S1"][k]), S1_conf=float(si["S1_conf"][k]),
                             ST=float(si["ST"][k]), ST_conf=float(si["ST_conf"][k])))
    return pd.DataFrame(rows)


def ablation(base: dict, outcomes, run: Runner, links, replicates: int, seed: int) -> pd.DataFrame:
    """Each link off in turn against the baseline, paired by replicate; ranked by effect.

    ``effect_sd``: the mean difference in units of the baseline's spread between
    replicates (or of the outcome's mean when that spread is zero), so outcomes on different
    scales can be ranked together.
    """
    links = list(check_links(list(links))) if links else list(LINK_NAMES)
    if replicates < 2:
        raise ParameterError(f"ablation_replicates = {replicates}; allowed: 2 or more (intervals need two)")
    arms = [("baseline", base)] + [(link, {**base, "off": [*base.get("off", []), link]}) for link in links]
    tasks, labels = [], []
    for r in range(replicates):
        for label, task in arms:
            tasks.append({**task, "seed": replicate_seed(seed, r)})
            labels.append((label, r))
    results = run(tasks, "ablation")
    results = results.assign(label=[labels[t][0] for t in results["task"]],
                             replicate=[labels[t][1] for t in results["task"]])
    diffs = paired_differences(results[results["outcome"].isin(outcomes)], baseline="baseline")
    spread = results[results["label"] == "baseline"].groupby("outcome")["value"].agg(["std", "mean"])
    scale = spread["std"].where(spread["std"] > 0, spread["mean"].abs()).replace(0.0, 1.0)
    diffs = diffs.rename(columns={"label": "link"})
    diffs["effect_sd"] = diffs["diff"] / diffs["outcome"].map(scale)
    diffs["rank"] = diffs.groupby("outcome")["effect_sd"].transform(lambda s: s.abs().rank(ascending=False))
    return diffs.sort_values(["outcome", "rank"]).reset_index(drop=True)


# ---- plots -----------------------------------------------------------------------------

def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    tmp = Path(path).with_name(f".{Path(path).name}.tmp")
    fig.savefig(tmp, dpi=110, format="png")
    _plt().close(fig)
    tmp.replace(path)


def plot_indices(morris_df: pd.DataFrame, sobol_df: pd.DataFrame, outcomes, path: Path) -> None:
    """Per outcome: Morris mu* (with interval) and Sobol S1 and ST (with intervals) per input."""
    plt = _plt()
    n = len(outcomes)
    fig, axes = plt.subplots(n, 2, figsize=(11, 2.2 + 0.35 * n * max(len(morris_df["input"].unique()), 3)),
                             squeeze=False)
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
        ax.set_yticks(y, s.index, fontsize=8)
        ax.set_xlim(left=min(0.0, float(np.nanmin(s[["S1", "ST"]].to_numpy(), initial=0.0))))
        ax.set_title(f"{o}: Sobol indices (share of variance)", fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Which inputs matter", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    _save(fig, path)


def plot_ablation(diffs: pd.DataFrame, outcome: str, path: Path, top: int = 15) -> None:
    """The ``top`` links whose switching off moves ``outcome`` most, with 95% intervals."""
    plt = _plt()
    d = diffs[diffs["outcome"] == outcome].sort_values("rank").head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.32 * len(d)))
    err = np.vstack([d["diff"] - d["ci_lo"], d["ci_hi"] - d["diff"]])
    colours = ["#b5542d" if v > 0 else "#1f5f8b" for v in d["diff"]]
    ax.barh(d["link"], d["diff"], xerr=np.nan_to_num(err), color=colours, capsize=3)
    ax.axvline(0.0, color="0.4", lw=0.8)
    better = "lower" if outcome in LOWER_IS_BETTER else "higher"
    ax.set_xlabel(f"change in {outcome} when the link is switched off ({better} is better)")
    ax.tick_params(labelsize=8)
    ax.set_title(f"Causal links that matter most for {outcome}", fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def write_tables(folder: Path, **tables: pd.DataFrame) -> None:
    for name, df in tables.items():
        tmp = folder / f".{name}.csv.tmp"
        df.to_csv(tmp, index=False, float_format="%.6g")
        tmp.replace(folder / f"{name}.csv")


def n_runs(n_inputs: int, trajectories: int, samples: int, replicates: int, links: int, ablation_replicates: int) -> dict:
    """How many runs each stage needs (to show before starting)."""
    return {"morris": trajectories * (n_inputs + 1) * replicates, "sobol": samples * (n_inputs + 2) * replicates,
            "ablation": (links + 1) * ablation_replicates}


__all__ = ["ablation", "apply_input", "morris", "n_runs", "plot_ablation", "plot_indices", "problem_of", "sobol",
           "tasks_for", "write_tables"]
