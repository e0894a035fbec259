"""Plots of a run, readable by a policy maker: an overview of the 40 years on one page."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _band(ax, ts, name, label, colour):
    ax.fill_between(ts["year"], ts[f"{name}_q25"], ts[f"{name}_q75"], color=colour, alpha=0.2, lw=0)
    ax.plot(ts["year"], ts[f"{name}_mean"], color=colour, label=label)


def overview(tables: dict[str, pd.DataFrame], summary: dict, path: Path) -> None:
    """Six panels: stress and wellbeing, resources, Rotterdam categories, help, network, population."""
    ts = tables["timeseries"]
    prov = summary["provenance"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), constrained_layout=True)
    ax = axes[0, 0]
    _band(ax, ts, "stress", "chronic stress", "tab:red")
    _band(ax, ts, "wellbeing", "wellbeing", "tab:green")
    _band(ax, ts, "security", "existential security", "tab:blue")
    ax.set(title="Stress, wellbeing, security (adults, mean and middle half)", ylim=(0, 1), xlabel="year")
    ax.legend(loc="lower left", fontsize=8)
    ax = axes[0, 1]
    for name, c in (("psychological", "tab:purple"), ("social", "tab:orange"), ("cultural", "tab:brown"),
                    ("material", "tab:gray")):
        ax.plot(ts["year"], ts[f"{name}_mean"], color=c, label=name)
    ax.set(title="The four resources (mean)", ylim=(0, 1), xlabel="year")
    ax.legend(loc="lower left", fontsize=8)
    ax = axes[0, 2]
    ax.stackplot(ts["year"], ts["share_strong"], ts["share_vulnerable"], ts["share_decliner"],
                 labels=["socially strong", "socially vulnerable", "survivors/decliners"],
                 colors=["#4c9f70", "#f2c14e", "#d1495b"])
    ax.set(title="Rotterdam categories (share of adults)", ylim=(0, 1), xlabel="year")
    ax.legend(loc="lower left", fontsize=8)
    ax = axes[1, 0]
    ax.plot(ts["year"], ts["help_reach"], label="help reach (of those in need: in care)")
    if "need_waiting" in ts:
        ax.plot(ts["year"], ts["need_waiting"], label="of those in need: waiting")
    ax.plot(ts["year"], ts["non_take_up"], label="non-take-up (neither in care nor waiting)")
    ax.plot(ts["year"], ts["trust_mean"], label="trust in institutions")
    ax.set(title="Finding your way to help", ylim=(0, 1), xlabel="year")
    ax2 = ax.twinx()
    for column, label, style in (("wait_weeks_ggz", "wait, mental-health care (weeks)", ":"),
                                 ("wait_weeks_youth", "wait, youth care (weeks)", "--")):
        if column in ts:
            ax2.plot(ts["year"], ts[column].rolling(12, min_periods=1).mean(), color="black", lw=0.8, ls=style,
                     label=label)
    ax2.set_ylabel("weeks waited (12-month mean)")
    ax2.legend(loc="upper right", fontsize=7)
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1, 1]
    ax.plot(ts["year"], ts["share_bridging"], label="share bridging ties")
    ax.plot(ts["year"], ts["share_isolated"], label="share isolated")
    ax.plot(ts["year"], ts["participation_mean"], label="participation")
    ax.plot(ts["year"], ts["efficacy_mean"], label="collective efficacy")
    ax.set(title="Network and agency", ylim=(0, 1), xlabel="year")
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1, 2]
    ax.plot(ts["year"], ts["persons"], label="persons")
    ax.plot(ts["year"], ts["households"], label="households")
    ax.set(title="Population", xlabel="year")
    ax.legend(loc="lower left", fontsize=8)
    tr = summary["transmission"]["all"]
    slope = f"{tr['slope']:.2f} (n={tr['n']})" if tr["slope"] is not None else "n/a"
    fig.suptitle(f"Veerkracht — scenario {prov['scenario']}, seed {prov['seed']}, {prov['steps']} months; "
                 f"stress transmission parent→child: {slope}", fontsize=12)
    # the provenance travels with the picture, in the PNG's text chunks
    meta = {"Title": f"Veerkracht overview: {prov['scenario']}, seed {prov['seed']}",
            "Software": f"veerkracht {prov['version']}", "Description": json.dumps(prov)}
    fig.savefig(path, dpi=110, metadata=meta)
    plt.close(fig)
