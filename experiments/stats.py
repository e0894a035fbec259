"""The mean of replicates and its 95% interval: one rule, one convention, one set of columns.

Every table of batch results that gives a mean over replicates with an interval uses this
module (a comparison's differences, a sweep's points, the batch page's points table, the
transmission plot), so the same runs give the same interval wherever they are shown.

Convention:

* values that are not finite (NaN: an outcome a run could not measure, such as the
  transmission of a run without children reaching 21) are left out; ``n`` counts the rest;
* ``n = 0``: mean, sd and interval are NaN;
* ``n = 1``: the mean is that value; sd and the interval are NaN, since one replicate says
  nothing about chance (``n`` = 1 says why the interval is missing);
* ``n >= 2``: ``mean -/+ t(0.975, n - 1) * sd / sqrt(n)``, Student's t with the sample
  standard deviation (``n - 1`` in the denominator).

Columns: :data:`INTERVAL_COLUMNS` (``mean``, ``sd``, ``n``, ``ci_lo``, ``ci_hi``).
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd
from scipy.stats import t as student

__all__ = ["INTERVAL_COLUMNS", "LEVEL", "Interval", "half_width", "interval_table", "mean_interval"]

LEVEL = 0.95
INTERVAL_COLUMNS = ("mean", "sd", "n", "ci_lo", "ci_hi")


class Interval(NamedTuple):
    """The mean of ``n`` finite values, their standard deviation and the 95% interval of the mean."""

    mean: float
    sd: float
    n: int
    ci_lo: float
    ci_hi: float


def half_width(n, sd):
    """Half the 95% interval of a mean of ``n`` values with standard deviation ``sd``; NaN for n < 2.

    ``n`` and ``sd`` are numbers or arrays of the same shape (a float, or a float64 array).
    """
    n_arr = np.asarray(n, dtype=float)
    sd_arr = np.asarray(sd, dtype=float)
    enough = n_arr >= 2
    q = student.ppf(0.5 + LEVEL / 2, np.where(enough, n_arr - 1, 1.0))
    half = np.where(enough, q * sd_arr / np.sqrt(np.where(enough, n_arr, 1.0)), np.nan)
    return float(half) if half.ndim == 0 else half


def mean_interval(values) -> Interval:
    """The :class:`Interval` of ``values`` (any sequence of numbers) by the module's convention."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    n = int(v.size)
    mean = float(v.mean()) if n else math.nan
    sd = float(v.std(ddof=1)) if n > 1 else math.nan
    half = half_width(n, sd)
    return Interval(mean, sd, n, mean - half, mean + half)


def interval_table(df: pd.DataFrame, keys: Sequence[str], value: str = "value", sort: bool = True) -> pd.DataFrame:
    """One row per group of ``keys``: the keys, then :data:`INTERVAL_COLUMNS` of its ``value`` column.

    A group whose values are all missing keeps its row, with ``n`` = 0. ``sort`` orders the
    groups by their keys (else they come in the order first met).
    """
    keys = list(keys)
    if df.empty:
        return pd.DataFrame(columns=[*keys, *INTERVAL_COLUMNS])
    v = pd.to_numeric(df[value], errors="coerce").astype(float)
    g = df.assign(**{value: v.where(np.isfinite(v))}).groupby(keys, sort=sort, dropna=False)[value]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    out["n"] = out["n"].astype("int64")
    out.loc[out["n"] < 2, "sd"] = np.nan
    half = half_width(out["n"].to_numpy(), out["sd"].to_numpy())
    out["ci_lo"] = out["mean"] - half
    out["ci_hi"] = out["mean"] + half
    return out[[*keys, *INTERVAL_COLUMNS]]
