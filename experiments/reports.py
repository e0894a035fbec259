"""Plots and tables of batch results that a policy maker can read.

Every function takes a tidy table with one row per run and outcome: ``label`` (the arm,
scenario or design point a run belongs to), ``replicate``, ``outcome`` and ``value``. Runs
with the same replicate index share their seed across labels (common random numbers), so
differences between labels are taken replicate by replicate.

* :func:`summary_table`: mean and 95% interval of each outcome per label;
* :func:`paired_differences`: each label against a baseline, replicate by replicate;
* :func:`plot_differences`: each outcome's difference with the baseline, with intervals;
* :func:`plot_cost_effect`: extra cost against effect, with intervals;
* :func:`plot_transmission`: the transmission coefficient (all, single parents, couples) by label.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from abm.outcomes import COST, NOT_RESIDENT, OUTCOMES, TRANSMISSION, better, direction
from experiments.stats import half_width, interval_table, mean_interval

matplotlib.use("Agg")  # figures go to files, never to a window
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

# which way is better, and which outcomes are about residents, is declared with each outcome (abm.outcomes);
# direction() and this set are read from there (experiments.analyse uses both)
LOWER_IS_BETTER = frozenset(name for name, o in OUTCOMES.items() if o.better == "lower")
_TRANSMISSION_LABELS = dict(zip(TRANSMISSION, ("all", "single parents", "couples")))


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation, n and 95% interval of each outcome per label (:mod:`experiments.stats`)."""
    return interval_table(df, ["label", "outcome"], sort=False)


def paired_differences(df: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each label minus ``baseline``, per outcome, paired by replicate (common random numbers).

    Returns one row per (label, outcome): mean of each, the mean difference, its 95%
    interval (paired t), the relative difference and n (replicates where both are finite).
    """
    wide = df.pivot_table(index=["outcome", "replicate"], columns="label", values="value", aggfunc="first")
    if baseline not in wide.columns:
        raise ValueError(f"baseline '{baseline}' has no runs; labels: {', '.join(map(str, wide.columns))}")
    rows = []
    for label in [c for c in wide.columns if c != baseline]:
        for outcome, g in wide[[baseline, label]].groupby(level="outcome", sort=False):
            a, b = g[baseline].to_numpy(dtype=float), g[label].to_numpy(dtype=float)
            ok = np.isfinite(a) & np.isfinite(b)
            a, b = a[ok], b[ok]
            d = mean_interval(b - a)
            n, mean_d = d.n, d.mean
            mean_a = float(a.mean()) if n else float("nan")
            rows.append(dict(label=label, baseline=baseline, outcome=outcome, n=n, mean_baseline=mean_a,
                             mean=float(b.mean()) if n else float("nan"), diff=mean_d, ci_lo=d.ci_lo,
                             ci_hi=d.ci_hi,
                             rel_diff=mean_d / mean_a if n and mean_a not in (0.0,) else float("nan"),
                             better=_better(outcome, mean_d, half_width(n, d.sd))))
    return pd.DataFrame(rows)


def _better(outcome: str, diff: float, half: float) -> str:
    """'better', 'worse', 'unclear' (the interval contains 0) or 'neutral', from the policy maker's view.

    Which way is better is the outcome's :attr:`abm.outcomes.Outcome.better`.
    """
    way = better(outcome)
    if way == "none":
        return "neutral"
    if not np.isfinite(diff) or not np.isfinite(half) or abs(diff) <= half:
        return "unclear"
    good = diff < 0 if way == "lower" else diff > 0
    return "better" if good else "worse"


def _figure(n_panels: int, width: float = 3.6, height: float = 2.6):
    cols = min(n_panels, 3)
    rows = math.ceil(n_panels / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows + 0.6), squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n_panels])


def _save(fig, path: Path, title: str, note: str) -> None:
    fig.suptitle(title, fontsize=11)
    fig.text(0.01, 0.005, note, fontsize=7, color="0.35")
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    tmp = Path(path).with_name(f".{Path(path).name}.tmp")
    fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    tmp.replace(path)


def plot_differences(diffs: pd.DataFrame, path: Path, title: str, outcomes=None) -> None:
    """Each outcome's paired difference against the baseline, as a share of the baseline's mean.

    One row per outcome (a forest plot): the point is the mean difference, the bar its 95%
    interval; green where the policy does better, red where it does worse, grey where the
    interval contains zero. Relative differences put outcomes on one scale.
    """
    d = diffs[~diffs["outcome"].isin(NOT_RESIDENT)]
    if outcomes is not None:
        d = d[d["outcome"].isin(outcomes)]
    base = d["mean_baseline"].abs().replace(0.0, np.nan)
    rel = 100 * d["diff"] / base
    lo, hi = 100 * d["ci_lo"] / base, 100 * d["ci_hi"] / base
    colours = {"better": "#2e7d32", "worse": "#c62828", "unclear": "0.55", "neutral": "#5c6bc0"}
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.34 * len(d)))
    y = np.arange(len(d))[::-1]
    for k, row in enumerate(d.itertuples()):
        c = colours[row.better]
        ax.errorbar([rel.iloc[k]], [y[k]], xerr=[[np.nan_to_num(rel.iloc[k] - lo.iloc[k])], [np.nan_to_num(hi.iloc[k] - rel.iloc[k])]],
                    fmt="o", color=c, ecolor=c, capsize=3)
    ax.set_yticks(y, [f"{o} ({direction(o)})" for o in d["outcome"]], fontsize=8)
    ax.axvline(0.0, color="0.4", lw=0.8)
    # the axis follows the points: an outcome with a mean near zero (e.g. waiting time) may
    # have a huge relative interval, which runs off the side instead of squashing the rest
    reach = np.nanmax(np.abs(rel.to_numpy(dtype=float)), initial=0.0)
    reach = max(5.0, 1.6 * reach) if np.isfinite(reach) else 5.0
    ax.set_xlim(-reach, reach)
    ax.set_xlabel("difference with the baseline, % of the baseline's mean\n(95% interval, paired by replicate)")
    ax.grid(axis="x", color="0.92")
    n = int(d["n"].min()) if len(d) else 0
    _save(fig, path, title, f"green: better, red: worse, grey: unclear (the interval contains 0), blue: neither; {n} replicates")


def plot_cost_effect(diffs: pd.DataFrame, outcome: str, path: Path, title: str | None = None) -> None:
    """Extra cost (x) against the effect on ``outcome`` (y, with its 95% interval), per label.

    ``diffs`` is :func:`paired_differences` output and must hold ``cost_total`` rows.
    """
    eff = diffs[diffs["outcome"] == outcome].set_index("label")
    cost = diffs[diffs["outcome"] == COST].set_index("label")["diff"]
    fig, ax = plt.subplots(figsize=(8.0, 4.8))
    for label, row in eff.iterrows():
        x = float(cost.get(label, np.nan)) / 1e6
        lo, hi = row["diff"] - row["ci_lo"], row["ci_hi"] - row["diff"]
        ax.errorbar([x], [row["diff"]], yerr=[[np.nan_to_num(lo)], [np.nan_to_num(hi)]], fmt="o", capsize=4,
                    color="#b5542d")
        ax.annotate(str(label), (x, row["diff"]), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.margins(x=0.45)  # room for the labels on the right
    ax.set_xlabel("extra cost over the run (million EUR)")
    ax.set_ylabel(f"effect on {outcome}\n({direction(outcome)})")
    ax.grid(color="0.92")
    base = str(eff["baseline"].iloc[0]) if len(eff) else ""
    _save(fig, path, title or f"Cost against effect, compared with {base}",
          "effect: mean difference with the baseline, paired by replicate, with 95% interval")


def plot_transmission(df: pd.DataFrame, path: Path, title: str = "Stress passed from parents to children") -> None:
    """The transmission coefficient (all, single parents, couples) per label, with 95% intervals."""
    table = summary_table(df[df["outcome"].isin(TRANSMISSION)])
    labels = list(dict.fromkeys(df["label"]))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(labels) + 2.5), 4.0))
    width = 0.8 / len(TRANSMISSION)
    for k, outcome in enumerate(TRANSMISSION):
        t = table[table["outcome"] == outcome].set_index("label").reindex(labels)
        x = np.arange(len(labels)) + (k - 1) * width
        err = np.vstack([t["mean"] - t["ci_lo"], t["ci_hi"] - t["mean"]])
        ax.bar(x, t["mean"], width, label=_TRANSMISSION_LABELS[outcome], yerr=np.nan_to_num(err), capsize=3)
    ax.set_xticks(np.arange(len(labels)), [str(x) for x in labels], fontsize=8)
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set_ylabel("child's stress at 21 per unit of\nparents' stress in childhood (adjusted)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", color="0.92")
    _save(fig, path, title, "regression slope adjusted for household income, network and community; "
                            "mean and 95% interval over replicates")
