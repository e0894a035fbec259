"""Batch results: open a folder written by the command line and show its plots and tables.

Four kinds of folder are recognised (:func:`detect_kind`):

* **sweep** (``run.py sweep``): ``manifest.json``, ``summary.json``, ``runs/part-*.parquet``
  (read with :func:`experiments.store.read_runs`), ``plots/*.png``;
* **compare** (``run.py compare``): ``differences.csv``, ``comparison.json``, ``*.png`` and
  the engine's dataset;
* **analyse** (``run.py analyse``): ``morris.csv``, ``sobol.csv``, ``ablation.csv``,
  ``*.png``, ``analysis.json`` (and one dataset per stage in sub-folders);
* **run** (``run.py run``): ``timeseries.parquet`` and the other tables, ``summary.json``,
  ``overview.png``.

Pure functions (tested in ``tests/test_batch_view.py``): :func:`list_folders`,
:func:`open_folder` (a :class:`BatchFolder` with its plots, tables and summary),
:func:`table_filters` and :func:`filter_table`, :func:`filter_plots`, :func:`headline`.
Problems (a folder that is missing, not a folder, not written by the command line, or
with a file that cannot be read) raise :class:`BatchError`, whose message exists in
Dutch and English (:func:`error_text`); the page shows it instead of a traceback.

The page speaks its language (tested in ``tests/test_batch_dutch.py``): no code name of a
column, outcome, input, link, scenario or intervention reaches a Dutch page. Columns are
named by :func:`column_label` (the outcomes' labels of :mod:`abm.outcomes`, the schema's
``label_nl`` of :mod:`abm.params`, the interventions' ``label_nl``, :data:`LINK_NL` for the
causal links, and the texts below), cells are written by :func:`cell_text` through
:mod:`viz.fmt` (5.701; 0,469; € 84.000 on the Dutch page), and a table is drawn as HTML by
the page itself (:func:`table_rows`, :func:`table_html`, 20 rows a page) rather than by
``solara.DataFrame``, whose paging texts are English. The plots are drawn again from the
folder's tables in the page's language (:func:`chart_figure`, inline SVG, one for each PNG
the command line wrote); a PNG the page cannot draw again is shown as it is.

The page reads only inside its results root (``root``; ``run.py app --results-root``):
a typed path outside it, or a symlink leading out of it (the folder, or any file in it),
is refused with the same message as a path that does not exist, and files are read only
up to a size: :data:`MAX_JSON_BYTES` for a summary or manifest, :data:`MAX_FILE_BYTES` for
a table or a plot, :data:`MAX_DATASET_BYTES` for the part files of a dataset together.

The Solara component :func:`BatchView` puts them on a page. Stable test ids (CSS
classes) for browser tests:

==========================  ============================================================
``vk-batch``                the whole view
``vk-batch-folder``         the list of folders found under the root (select)
``vk-batch-path``           a typed path (text input)
``vk-batch-open``           open the typed path (button)
``vk-batch-none``           shown when the root holds no results folder
``vk-batch-error``          a readable message instead of a traceback
``vk-batch-kind``           what kind of folder is open
``vk-batch-headline``       the headline summary (a table)
``vk-batch-warning``        warnings (failed runs, an unfinished comparison)
``vk-batch-plots``          the plots (``vk-batch-plot`` each)
``vk-batch-table-select``   which table (toggle buttons)
``vk-batch-filter-outcome`` outcome filter (multi-select)
``vk-batch-filter-status``  status filter (select: all, ok, error)
``vk-batch-filter-range``   one range filter per input column (wraps a range slider)
``vk-batch-chart``          a plot drawn by the page (inline SVG, inside ``vk-batch-plot``)
``vk-batch-rows``           "n of m rows"
``vk-batch-table``          the table (HTML, inside it ``vk-batch-grid``)
``vk-batch-page``           "rows a to b of n"
``vk-batch-prev``           the previous page of the table (button)
``vk-batch-next``           the next page of the table (button)
==========================  ============================================================
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import re
import textwrap
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Callable, Sequence

import matplotlib
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from abm.interventions.specs import SHOCKS, SPECS
from abm.kernels import Ev
from abm.outcomes import COST, HEADLINE, NOT_RESIDENT, OUTCOMES, TRANSMISSION, better
from abm.params import LINK_NAMES, UNIT_NL, ParameterError
from abm.params import spec as param_spec
from experiments.ensemble import pooled_pairs
from experiments.reports import paired_differences
from experiments.stats import INTERVAL_COLUMNS, interval_table
from experiments.store import PART_RE, read_runs
from viz import fmt
from viz.i18n import LANGS, TEXT, t
from viz.render import Markdown
from viz.sim import ViewError, confine, results_root, root_label, size_label

__all__ = [
    "HIDDEN_COLUMNS", "KINDS", "LINK_NL", "PAGE_SIZE", "TEXT_BATCH", "BatchError", "BatchFolder", "BatchView",
    "Filters", "Plot", "cell_text", "chart_figure", "chart_svg", "column_label", "detect_kind", "error_text",
    "figure_svg", "filter_plots", "filter_table", "headline", "input_label", "link_label", "list_folders",
    "open_folder", "outcome_label", "points_table", "scenario_label", "table_filters", "table_html", "table_rows",
]

KINDS = ("sweep", "compare", "analyse", "run")
INPUT_PREFIXES = ("set.", "interventions.", "shocks.")
# columns that order the rows of a run's tables: offered as range filters
_KEY_COLUMNS = ("step", "year", "point", "replicate")
_RUN_TABLES = ("timeseries", "lineage", "setbacks", "costs", "blocks")
_ANALYSE_TABLES = ("morris", "sobol", "ablation")
# what the page reads at most: the command line writes files far smaller than these
MAX_JSON_BYTES = 10_000_000  # a summary.json, manifest.json, comparison.json or analysis.json
MAX_FILE_BYTES = 50_000_000  # one table (parquet, csv) or plot (png)
MAX_DATASET_BYTES = 100_000_000  # the part files of a sweep's or comparison's dataset, together
# a comparison's headline: the headline outcomes (abm.outcomes.HEADLINE), then what the policy cost
_HEADLINE_OUTCOMES = (*HEADLINE, COST)


class BatchError(ValueError):
    """A results folder (or a file in it) that cannot be shown; ``key`` names the message."""

    def __init__(self, key: str, **values) -> None:
        self.key = key
        self.values = values
        super().__init__(t(key, "en").format(**values))


def error_text(exc: Exception, lang: str) -> str:
    """A readable message in ``lang`` for any error of this module (others are named, not traced).

    The names in a message (a column, a table) are shown as the page names them; on the
    Dutch page an unexpected error is described without the English words of its cause.
    """
    if isinstance(exc, BatchError):
        return t(exc.key, lang).format(**_shown_values(exc.key, exc.values, lang))
    return t("batch.err.other", lang).format(msg=f"{type(exc).__name__}: {exc}")


def _shown_values(key: str, values: dict, lang: str) -> dict:
    """The values of a message as the page shows them: labels for column and table names, numbers via fmt."""
    out = dict(values)

    def columns(text) -> str:
        return ", ".join(column_label(c, lang) for c in str(text).split(", ")) if text else str(text)

    def tables(text) -> str:
        return ", ".join(_table_label(c, lang) for c in str(text).split(", ")) if text else str(text)

    if key in ("batch.err.column", "batch.err.range"):
        out["name"] = columns(values.get("name", ""))
        if "allowed" in values:
            out["allowed"] = columns(values["allowed"])
        for k in ("lo", "hi"):
            if k in values:
                out[k] = _number(values[k], lang)
    elif key == "batch.err.table":
        out["name"], out["allowed"] = tables(values.get("name", "")), tables(values.get("allowed", ""))
    elif key == "batch.err.unreadable":
        out["name"] = _table_label(values.get("name", ""), lang)
    return out


def _table_label(name, lang: str) -> str:
    key = f"batch.table.{name}"
    return t(key, lang) if key in TEXT else str(name)


def _number(x, lang: str) -> str:
    """A number of unknown scale in ``lang`` (fmt.auto); anything else as it is."""
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)):
        return fmt.auto(float(x), lang)
    return str(x)


def _level(x, lang: str) -> str:
    """A value an input takes (0,3; 20; 0,125): the decimals it has, at most four."""
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)):
        x = float(x)
        if not math.isfinite(x):
            return fmt.DASH
        digits = next((d for d in range(5) if abs(round(x, d) - x) <= 1e-9 * max(1.0, abs(x))), 4)
        return fmt.num(x, lang, digits)
    return str(x)


# ---- finding and opening ---------------------------------------------------------------------

def _checked(path: Path, root: Path | None, limit: int) -> Path:
    """``path`` resolved, if it is a regular file inside ``root`` (when given) of at most ``limit`` bytes.

    BatchError otherwise; a file that leads outside the root is named as missing.
    """
    try:
        real = path.resolve()
        ok = (root is None or real.is_relative_to(root)) and real.is_file()
        size = real.stat().st_size if ok else 0
    except (OSError, RuntimeError, ValueError):
        ok, size = False, 0
    if not ok:
        raise BatchError("batch.err.no_file", name=path.name)
    if size > limit:
        raise BatchError("path.too_large", path=path.name, limit=size_label(limit))
    return real


def _read_json(path: Path, root: Path | None = None) -> dict:
    real = _checked(path, root, MAX_JSON_BYTES)
    try:
        data = json.loads(real.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as e:  # unreadable, not JSON, nested too deep, a huge number
        raise BatchError("batch.err.unreadable", name=path.name, reason=_reason(e)) from None
    if not isinstance(data, dict):
        raise BatchError("batch.err.unreadable", name=path.name, reason="not a JSON object")
    return data


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e).splitlines()[0][:200] or type(e).__name__


def detect_kind(path: str | os.PathLike, root: str | os.PathLike | None = None) -> str | None:
    """'sweep', 'compare', 'analyse' or 'run' for a folder the command line wrote; None otherwise.

    Looks only at file names (and, to tell a sweep from a comparison whose report is not
    written yet, at the ``meta`` of ``manifest.json``, read only inside ``root`` if given).
    """
    p = Path(path)
    if not p.is_dir():
        return None
    if (p / "analysis.json").is_file() or any((p / f"{n}.csv").is_file() for n in _ANALYSE_TABLES):
        return "analyse"
    if (p / "comparison.json").is_file() or (p / "differences.csv").is_file():
        return "compare"
    if (p / "manifest.json").is_file():
        try:
            meta = _read_json(p / "manifest.json", Path(root).resolve() if root is not None else None).get("meta") or {}
        except (BatchError, AttributeError):
            meta = {}
        return "compare" if isinstance(meta, dict) and meta.get("command") == "compare" else "sweep"
    if (p / "timeseries.parquet").is_file():
        return "run"
    if (p / "summary.json").is_file() and (p / "overview.png").is_file():
        return "run"
    return None


def list_folders(root: str | os.PathLike, depth: int = 3) -> list[tuple[str, str]]:
    """(path relative to ``root``, kind) of every results folder under ``root``, sorted by path.

    Hidden folders (a name starting with a dot: temporary output) are skipped, and the
    inside of a recognised folder is not searched (an analysis keeps one dataset per stage
    in sub-folders). A folder that is a symlink leading out of ``root`` is not listed. A
    missing root gives an empty list.
    """
    root = Path(root)
    found: list[tuple[str, str]] = []
    if not root.is_dir():
        return found
    real_root = root.resolve()

    def inside(entry: Path) -> bool:
        try:
            return entry.is_dir() and entry.resolve().is_relative_to(real_root)
        except (OSError, RuntimeError):
            return False

    def walk(folder: Path, level: int) -> None:
        try:
            entries = sorted(e for e in folder.iterdir() if not e.name.startswith(".") and inside(e))
        except OSError:
            return
        for entry in entries:
            kind = detect_kind(entry, real_root)
            if kind is not None:
                found.append((entry.relative_to(root).as_posix(), kind))
            elif level < depth:
                walk(entry, level + 1)

    kind = detect_kind(root, real_root)
    if kind is not None:
        return [(".", kind)]
    walk(root, 1)
    return found


@dataclass
class Plot:
    """A PNG of a results folder; ``outcome`` is the outcome it shows, if it shows one."""

    name: str
    path: Path
    outcome: str | None = None


@dataclass
class BatchFolder:
    """An opened results folder: its kind, summary, plots and (lazily read) tables."""

    path: Path
    kind: str
    summary: dict
    manifest: dict
    plots: list[Plot]
    table_names: list[str]
    warnings: list[tuple[str, dict]] = field(default_factory=list)
    root: Path | None = None  # set: every file read must lie inside it (the shared page)
    _tables: dict = field(default_factory=dict, repr=False)
    _charts: dict = field(default_factory=dict, repr=False)  # (plot name, lang) -> SVG or None, drawn once

    def file(self, name: str, limit: int = MAX_FILE_BYTES) -> Path:
        """The file ``name`` of the folder, checked: inside the root, a regular file, at most ``limit`` bytes."""
        return _checked(self.path / name, self.root, limit)

    def inputs(self) -> list[str]:
        """The inputs a sweep varies (empty for other kinds)."""
        if self.kind != "sweep":
            return []
        listed = self.summary.get("inputs")
        if isinstance(listed, list) and listed:
            return [str(x) for x in listed]
        meta = self.manifest.get("meta")
        vary = (meta.get("vary") if isinstance(meta, dict) else None) or {}
        return [str(k) for k in vary]

    def outcomes(self) -> list[str]:
        """Every outcome the folder's tables hold, in the order first met."""
        seen: dict[str, None] = {}
        for name in self.table_names:
            df = self.table(name)
            if "outcome" in df.columns:
                seen.update(dict.fromkeys(str(o) for o in df["outcome"].dropna().unique()))
        return list(seen)

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` (one of ``table_names``), read once; BatchError if it cannot be read."""
        if name not in self.table_names:
            raise BatchError("batch.err.table", name=name, allowed=", ".join(self.table_names))
        if name not in self._tables:
            self._tables[name] = _load_table(self, name)
        return self._tables[name]


def _load_table(folder: BatchFolder, name: str) -> pd.DataFrame:
    p = folder.path
    try:
        if folder.kind in ("sweep", "compare") and name in ("runs", "points", "failures"):
            runs = _read_runs(p, folder.root)
            if name == "runs":
                return runs.drop(columns=[c for c in ("traceback", "part") if c in runs.columns])
            if name == "failures":
                bad = runs[runs["status"] != "ok"] if "status" in runs.columns else runs.iloc[0:0]
                keep = [c for c in ("run_id", "point", "arm", "replicate", "seed", *folder.inputs(), "status", "error",
                                    "attempt") if c in bad.columns]
                return bad[keep].drop_duplicates().reset_index(drop=True)
            return points_table(runs, folder.inputs())
        if folder.kind == "compare" and name == "differences":
            return pd.read_csv(folder.file("differences.csv"))
        if folder.kind == "analyse":
            return pd.read_csv(folder.file(f"{name}.csv"))
        if folder.kind == "run":
            return pd.read_parquet(folder.file(f"{name}.parquet"))
    except BatchError:
        raise
    except Exception as e:  # noqa: BLE001 - any reader's failure becomes one readable line
        raise BatchError("batch.err.unreadable", name=name, reason=_reason(e)) from None
    raise BatchError("batch.err.table", name=name, allowed=", ".join(folder.table_names))


def _read_runs(path: Path, root: Path | None = None) -> pd.DataFrame:
    runs = path / "runs"
    if runs.is_dir():
        total = sum(_checked(part, root, MAX_DATASET_BYTES).stat().st_size
                    for part in runs.iterdir() if PART_RE.fullmatch(part.name))
        if total > MAX_DATASET_BYTES:
            raise BatchError("path.too_large", path="runs", limit=size_label(MAX_DATASET_BYTES))
    return read_runs(path)


def points_table(runs: pd.DataFrame, inputs: Sequence[str]) -> pd.DataFrame:
    """Each point's mean of each outcome over its replicates, with its 95% interval.

    Only runs with status ``ok`` count. Columns: ``point``, the inputs, ``outcome``, then
    :data:`experiments.stats.INTERVAL_COLUMNS` (``mean``, ``sd``, ``n``, ``ci_lo``,
    ``ci_hi``; the interval is NaN for n < 2, as everywhere).
    """
    cols = ["point", *inputs, "outcome", *INTERVAL_COLUMNS]
    if runs.empty or "outcome" not in runs.columns or "point" not in runs.columns:
        return pd.DataFrame(columns=cols)
    good = runs["status"] == "ok" if "status" in runs.columns else pd.Series(True, index=runs.index)
    ok = runs[good & runs["outcome"].notna()]
    return interval_table(ok, ["point", *[c for c in inputs if c in ok.columns], "outcome"])


def _plots(path: Path, kind: str, root: Path | None = None) -> list[Plot]:
    folder = path / "plots" if kind == "sweep" else path
    out = []
    for png in sorted(folder.glob("*.png")) if folder.is_dir() else []:
        try:
            png = _checked(png, root, MAX_FILE_BYTES)  # a plot that leads outside the root, or a huge one, is left out
        except BatchError:
            continue
        stem = png.stem
        outcome = None
        for prefix in ("outcome_", "ablation_"):
            if stem.startswith(prefix):
                outcome = stem[len(prefix):]
        out.append(Plot(png.name, png, outcome))
    return out


def open_folder(path: str | os.PathLike, root: str | os.PathLike | None = None) -> BatchFolder:
    """Open a results folder; BatchError (readable, Dutch and English) if it cannot be shown.

    With ``root`` (as the page does), ``path`` is absolute or relative to ``root`` and must
    lie inside it, as must every file read from it (:func:`viz.sim.confine`): a path
    outside gets the same message as one that does not exist. Without, any folder opens
    (a trusted caller). File sizes are bounded either way.
    """
    text = str(path).strip() if path is not None else ""
    if not text:
        raise BatchError("batch.err.no_path")
    real_root = Path(root).resolve() if root is not None else None
    if real_root is not None:
        try:
            p = confine(text, real_root, kind="dir")
        except ViewError as e:
            raise BatchError(e.key, **e.values) from None
    else:
        p = Path(text).expanduser()
        if not p.exists():
            raise BatchError("batch.err.missing", path=text)
        if not p.is_dir():
            raise BatchError("batch.err.not_folder", path=text)
    kind = detect_kind(p, real_root)
    if kind is None:
        raise BatchError("batch.err.foreign", path=text)
    manifest = _read_json(p / "manifest.json", real_root) if (p / "manifest.json").is_file() else {}
    warnings: list[tuple[str, dict]] = []
    if kind == "sweep":
        summary = _read_json(p / "summary.json", real_root) if (p / "summary.json").is_file() else {}
        tables = ["points", "runs"]
        if summary.get("failed"):
            tables.append("failures")
            warnings.append(("batch.warn.failed", {"n": summary["failed"]}))
        if summary and not summary.get("complete", True):
            warnings.append(("batch.warn.incomplete", {"n": summary.get("missing", "?")}))
        if not (p / "runs").is_dir():
            warnings.append(("batch.warn.no_runs", {}))
            tables = []
    elif kind == "compare":
        summary = _read_json(p / "comparison.json", real_root) if (p / "comparison.json").is_file() else {}
        engine = _read_json(p / "summary.json", real_root) if (p / "summary.json").is_file() else {}
        if engine:
            summary = {**summary, "engine": summary.get("engine") or engine}
        tables = (["differences"] if (p / "differences.csv").is_file() else []) + (
            ["runs"] if (p / "runs").is_dir() else [])
        if not (p / "differences.csv").is_file():
            warnings.append(("batch.warn.unfinished", {}))
        failed = (summary.get("engine") or {}).get("failed")
        if failed:
            tables.append("failures")
            warnings.append(("batch.warn.failed", {"n": failed}))
    elif kind == "analyse":
        summary = _read_json(p / "analysis.json", real_root) if (p / "analysis.json").is_file() else {}
        tables = [n for n in _ANALYSE_TABLES if (p / f"{n}.csv").is_file()]
        failed = sum(int((s or {}).get("failed") or 0) for s in (summary.get("stages") or {}).values()
                     if isinstance(s, dict))
        if failed:
            warnings.append(("batch.warn.failed", {"n": failed}))
    else:
        summary = _read_json(p / "summary.json", real_root) if (p / "summary.json").is_file() else {}
        tables = [n for n in _RUN_TABLES if (p / f"{n}.parquet").is_file()]
    return BatchFolder(path=p, kind=kind, summary=summary, manifest=manifest, plots=_plots(p, kind, real_root),
                       table_names=tables, warnings=warnings, root=real_root)


# ---- filters ---------------------------------------------------------------------------------

@dataclass
class Filters:
    """What a table can be filtered by: outcomes, statuses, and numeric ranges per column."""

    outcomes: list[str]
    statuses: list[str]
    ranges: dict[str, tuple[float, float]]
    wide: bool  # outcomes are columns (a run's time series), not rows


def table_filters(folder: BatchFolder, name: str) -> Filters:
    """The filters that make sense for table ``name`` of ``folder``.

    Outcomes: the values of an ``outcome`` column, or, for a run's wide tables, their
    numeric value columns. Statuses: the values of a ``status`` column. Ranges: each
    input a sweep varies, and ordering columns (``step``, ``year``, ``point``,
    ``replicate``), with their smallest and largest value.
    """
    df = folder.table(name)
    wide = "outcome" not in df.columns and folder.kind == "run"
    if "outcome" in df.columns:
        outcomes = [str(o) for o in dict.fromkeys(df["outcome"].dropna())]
    elif wide:
        outcomes = [c for c in df.columns if c not in _KEY_COLUMNS and pd.api.types.is_numeric_dtype(df[c])]
    else:
        outcomes = []
    statuses = sorted(str(s) for s in df["status"].dropna().unique()) if "status" in df.columns else []
    ranges = {}
    for col in [*folder.inputs(), *_KEY_COLUMNS]:
        if col in df.columns and col not in ranges and pd.api.types.is_numeric_dtype(df[col]):
            values = pd.to_numeric(df[col], errors="coerce").dropna()
            if len(values) and values.min() < values.max():
                ranges[col] = (float(values.min()), float(values.max()))
    return Filters(outcomes=outcomes, statuses=statuses, ranges=ranges, wide=wide)


def filter_table(df: pd.DataFrame, outcomes: Sequence[str] | None = None,
                 ranges: dict[str, tuple[float, float]] | None = None, status: str | None = None) -> pd.DataFrame:
    """The rows (and, for wide tables, columns) of ``df`` that pass the filters.

    ``outcomes``: keep these outcomes (rows of an ``outcome`` column, or else value
    columns; key columns stay); empty or None keeps all. ``ranges``: {column: (lo, hi)},
    inclusive; a column the table lacks raises BatchError. ``status``: 'ok', 'error' or
    None/'all' (ignored for a table without a ``status`` column).
    """
    out = df
    if outcomes:
        wanted = [str(o) for o in outcomes]
        if "outcome" in out.columns:
            out = out[out["outcome"].astype(str).isin(wanted)]
        else:
            missing = [o for o in wanted if o not in out.columns]
            if missing:
                raise BatchError("batch.err.column", name=", ".join(missing), allowed=", ".join(map(str, out.columns)))
            keys = [c for c in out.columns if c in _KEY_COLUMNS]
            out = out[keys + [o for o in wanted if o not in keys]]
    for col, bounds in (ranges or {}).items():
        if col not in out.columns:
            raise BatchError("batch.err.column", name=col, allowed=", ".join(map(str, out.columns)))
        lo, hi = float(bounds[0]), float(bounds[1])
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
            raise BatchError("batch.err.range", name=col, lo=bounds[0], hi=bounds[1])
        values = pd.to_numeric(out[col], errors="coerce")
        # a little slack, so a slider's rounded end keeps the row at the edge
        slack = 1e-9 * max(1.0, abs(lo), abs(hi))
        out = out[(values >= lo - slack) & (values <= hi + slack)]
    if status and status != "all" and "status" in out.columns:
        out = out[out["status"] == status]
    return out.reset_index(drop=True)


def filter_plots(plots: Sequence[Plot], outcomes: Sequence[str] | None) -> list[Plot]:
    """The plots to show: those about one of ``outcomes``, and those about no single outcome."""
    if not outcomes:
        return list(plots)
    wanted = set(outcomes)
    return [p for p in plots if p.outcome is None or p.outcome in wanted]


# ---- the headline ----------------------------------------------------------------------------

def _count(x, lang: str) -> str:
    """A count (runs, points) in ``lang``; a dash when missing or not a number."""
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)):
        return fmt.num(float(x), lang, 0)
    return fmt.DASH if x is None else str(x)


def _digits(x: float) -> int:
    """The decimals :func:`viz.fmt.auto` gives ``x``."""
    size = abs(x)
    if float(x).is_integer():
        return 0
    return 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3 if size >= 0.01 else 4


def _value(x, lang: str, money: bool = False, sign: bool = False) -> str:
    """A figure of the headline: euros for a cost, a sign for a difference, fmt.auto otherwise."""
    if not isinstance(x, (int, float, np.integer, np.floating)) or isinstance(x, (bool, np.bool_)):
        return fmt.DASH if x is None else str(x)
    x = float(x)
    if not math.isfinite(x):
        return fmt.DASH
    if money:
        text = fmt.money(abs(x) if sign else x, lang)
        return (("+" if x > 0 else "\u2212" if x < 0 else "") + text) if sign else text
    return fmt.signed(x, lang, _digits(x)) if sign else fmt.auto(x, lang)


def headline(folder: BatchFolder, lang: str) -> list[tuple[str, str]]:
    """The folder's headline figures as (label, value) pairs in ``lang`` (names as labels, numbers via fmt)."""
    s = folder.summary or {}
    rows: list[tuple[str, str]] = [(t("batch.h.kind", lang), t(f"batch.kind.{folder.kind}", lang))]

    def add(key, value):
        rows.append((t(key, lang), value))

    def runs_text(x: dict) -> str:
        return t("batch.v.runs", lang).format(runs=_count(x.get("runs"), lang), ok=_count(x.get("ok"), lang),
                                              failed=_count(x.get("failed"), lang),
                                              missing=_count(x.get("missing", 0), lang))

    def outcomes_text(names) -> str:
        return "; ".join(outcome_label(o, lang) for o in names) or fmt.DASH

    if folder.kind == "sweep":
        spec = s.get("spec") or (folder.manifest.get("meta") or {})
        add("batch.h.name", str(spec.get("name", folder.path.name)))
        add("batch.h.scenario", scenario_label(spec.get("scenario", fmt.DASH), lang))
        add("batch.h.runs", runs_text(s))
        if "points" in s:
            sampler = str(s.get("sampler", fmt.DASH))
            add("batch.h.design", t("batch.v.design", lang).format(
                points=_count(s.get("points"), lang), replicates=_count(s.get("replicates"), lang),
                sampler=_text_or(f"batch.sampler.{sampler}", lang, sampler)))
        add("batch.h.inputs", "; ".join(input_label(c, lang) for c in folder.inputs()) or fmt.DASH)
        add("batch.h.outcomes", outcomes_text(s.get("outcomes") or spec.get("outcomes") or []))
        add("batch.h.seconds", _value(s.get("seconds"), lang))
    elif folder.kind == "compare":
        add("batch.h.baseline", arm_text(s.get("baseline", fmt.DASH), lang))
        add("batch.h.policy", arm_text(s.get("policy", fmt.DASH), lang))
        add("batch.h.replicates", _count(s.get("replicates"), lang))
        diffs = s.get("differences") or {}
        for outcome in [o for o in _HEADLINE_OUTCOMES if o in diffs]:
            d = diffs[outcome] or {}
            ci = d.get("ci95") or [None, None]
            money = outcome == COST
            verdict = str(d.get("verdict", "unclear"))
            rows.append((outcome_label(outcome, lang, cap=True), t("batch.v.diff", lang).format(
                baseline=_value(d.get("baseline"), lang, money), policy=_value(d.get("policy"), lang, money),
                diff=_value(d.get("diff"), lang, money, sign=True), lo=_value(ci[0], lang, money),
                hi=_value(ci[1], lang, money), verdict=_text_or(f"batch.verdict.{verdict}", lang, verdict))))
        engine = s.get("engine") or {}
        if engine:
            add("batch.h.runs", runs_text(engine))
    elif folder.kind == "analyse":
        add("batch.h.inputs", "; ".join(input_label(str(c), lang) for c in s.get("inputs") or []) or fmt.DASH)
        add("batch.h.outcomes", outcomes_text(s.get("outcomes") or []))
        for stage, info in (s.get("stages") or {}).items():
            if isinstance(info, dict):
                value = t("batch.v.stage", lang).format(runs=_count(info.get("runs"), lang),
                                                        failed=_count(info.get("failed"), lang),
                                                        seconds=_value(info.get("seconds"), lang))
                rows.append((t("batch.h.stage", lang).format(stage=_text_or(f"batch.stage.{stage}", lang, stage)),
                             value))
        for outcome, links in (s.get("top_links") or {}).items():
            if links and isinstance(links, list) and isinstance(links[0], dict):
                top = links[0]
                rows.append((t("batch.h.top_link", lang).format(outcome=outcome_label(outcome, lang)),
                             f"{_cap(link_label(top.get('link', fmt.DASH), lang))} "
                             f"({_value(top.get('diff'), lang, outcome == COST, sign=True)})"))
    else:
        prov = s.get("provenance") or {}
        add("batch.h.scenario", scenario_label(prov.get("scenario", fmt.DASH), lang))
        add("batch.h.seed", str(prov.get("seed", fmt.DASH)))
        add("batch.h.steps", _count(s.get("steps", prov.get("steps")), lang))
        final = s.get("final") or {}
        for key in ("persons", *HEADLINE):  # residents at the end, then the headline outcomes the run has
            if key in final:
                rows.append((outcome_label(key, lang, cap=True), _value(final[key], lang)))
        for group, tr in (s.get("transmission") or {}).items():
            if isinstance(tr, dict):
                rows.append((t("batch.h.transmission", lang).format(
                    group=_text_or(f"batch.group.{group}", lang, str(group))),
                    f"{_value(tr.get('slope'), lang)} (n = {_count(tr.get('n'), lang)})"))
        cost = (s.get("interventions") or {}).get("cost_total")
        if cost:
            add("batch.h.cost", _value(cost, lang, money=True))
    return rows


# ---- names in the page's language ------------------------------------------------------------

# the presets (experiments/scenarios) by name; a scenario file is named by its file name
_PRESETS = ("krachtwijk", "mixed", "average_nl")
# bookkeeping of the engine that says nothing about the neighbourhood: not shown in a table
HIDDEN_COLUMNS = ("task_id", "worker", "n_outcomes", "wall_seconds", "traceback", "part")
# columns that number something (a seed, a person, a point): written as they are, without separators
_ID_COLUMNS = frozenset(("run_id", "task_id", "seed", "root_seed", "point", "replicate", "member", "child", "mother",
                         "father", "person", "block", "rank"))
# the measures of the time series with a mean and quantiles each (abm.metrics.SERIES)
_SERIES = ("stress", "wellbeing", "security", "psychological", "social", "cultural", "material")
# columns in euros; a run's value, a point's mean ... are in euros in the rows of the cost outcome
_MONEY_COLUMNS = frozenset(("cost",))
_PER_OUTCOME = frozenset(("value", "mean", "sd", "ci_lo", "ci_hi", "mean_baseline", "diff"))
# shares shown as a percentage
_PERCENT_COLUMNS = frozenset(("rel_diff",))
# 0/1 columns shown as yes/no, per table
_FLAG_COLUMNS = {"lineage": frozenset(("community", "employed", "left"))}
# the setbacks a setback row's ``events`` holds (abm.kernels.Ev bits), in the order they are named
_SETBACK_EVENTS = ("JOB_LOSS", "ILLNESS", "BEREAVEMENT", "DEBT", "EVICTION", "SEPARATION", "CRISIS")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def _text_or(key: str, lang: str, fallback: str) -> str:
    return t(key, lang) if key in TEXT else fallback


def scenario_label(name, lang: str) -> str:
    """A scenario as the page names it: a preset by its label, a scenario file by its file name.

    A preset's label is the one the rest of the page gives it (``sc.NAME``), else this page's own.
    """
    name = str(name)
    if name in _PRESETS:
        return t(f"sc.{name}", lang) if f"sc.{name}" in TEXT else t(f"batch.sc.{name}", lang)
    if name.endswith(".toml") or "/" in name or os.sep in name:
        return Path(name).name
    return name


def outcome_label(name, lang: str, cap: bool = False) -> str:
    """An outcome's label in ``lang`` (:mod:`abm.outcomes`); a name not declared there as it is."""
    o = OUTCOMES.get(str(name))
    text = o.label(lang) if o is not None else str(name)
    return _cap(text) if cap else text


def _direction(name, lang: str) -> str:
    return t(f"batch.c.better.{better(str(name))}", lang)


def link_label(name, lang: str) -> str:
    """A causal link's label: :data:`LINK_NL` in Dutch, the schema's label in English; ``baseline`` (all links on)."""
    name = str(name)
    if name == "baseline":
        return t("batch.v.baseline", lang)
    if name in LINK_NAMES:
        return LINK_NL.get(name, name) if lang == "nl" else param_spec(name).metadata["label"]
    return name


def _param_label(name: str, lang: str) -> str:
    """A parameter's label, cut after its first clause (the schema's labels explain at length)."""
    if name in LINK_NAMES:
        return link_label(name, lang)
    try:
        md = param_spec(name).metadata
    except ParameterError:
        return name
    text = md["label_nl" if lang == "nl" else "label"]
    depth, cut = 0, len(text)
    for k, ch in enumerate(text):  # up to the first colon outside brackets
        depth += (ch == "(") - (ch == ")")
        if ch == ":" and depth == 0:
            cut = k
            break
    head = text[:cut].strip()
    if len(head) > 60 and " (" in head:
        head = head.split(" (")[0]
    return head or text


def _unit(unit: str, lang: str) -> str:
    return UNIT_NL.get(unit, unit) if lang == "nl" else unit


def _setting(name: str, lang: str) -> str:
    return _text_or(f"batch.setting.{name}", lang, name)


def _intervention_label(name, lang: str) -> str:
    sp = SPECS.get(str(name))
    if sp is not None:
        return sp.label_nl if lang == "nl" else sp.label
    shock = SHOCKS.get(str(name))
    if shock is not None:
        return shock["label_nl" if lang == "nl" else "label"]
    return str(name)


def input_label(column: str, lang: str, short: bool = False) -> str:
    """An input column of a sweep (``set.NAME``, ``interventions.NAME.SETTING``, ``shocks.NAME.SETTING``).

    ``short``: without the unit (legends, the names of a sweep's points).
    """
    parts = str(column).split(".")
    if parts[0] == "set" and len(parts) == 2:
        label = _param_label(parts[1], lang)
        if short or parts[1] in LINK_NAMES or label == parts[1]:
            return label
        return f"{label} ({_unit(param_spec(parts[1]).metadata['unit'], lang)})"
    if parts[0] in ("interventions", "shocks") and len(parts) == 3 and (parts[1] in SPECS or parts[1] in SHOCKS):
        label = _intervention_label(parts[1], lang)
        if parts[2] == "units":
            if short:
                return label
            sp = SPECS.get(parts[1])
            unit = (getattr(sp, "unit_nl", "") if lang == "nl" else sp.unit) if sp is not None else ""
            return f"{label}: {unit or _setting('units', lang)}"
        return f"{label}: {_setting(parts[2], lang)}"
    return str(column)


def _stat_label(stat: str, lang: str) -> str | None:
    if stat == "mean":
        return t("batch.stat.mean", lang)
    if re.fullmatch(r"q\d\d", stat):
        q = int(stat[1:])
        return t("batch.stat.median", lang) if q == 50 else t("batch.stat.q", lang).format(q=q)
    return None


def column_label(column, lang: str, table: str | None = None) -> str:
    """A table column as the page names it in ``lang``; a column it does not know keeps its name.

    In order: a label of this table's column (``batch.col.TABLE.NAME``), of the column in any
    table (``batch.col.NAME``), an outcome's label, an input's label, a measure of the time
    series with its statistic (``stress_q10``: chronic stress, 10th percentile).
    """
    column = str(column)
    for key in ((f"batch.col.{table}.{column}",) if table else ()) + (f"batch.col.{column}",):
        if key in TEXT:
            return t(key, lang)
    if column in OUTCOMES:
        return outcome_label(column, lang, cap=True)
    if column.startswith(INPUT_PREFIXES) and input_label(column, lang) != column:
        return _cap(input_label(column, lang))
    series, _, stat = column.rpartition("_")
    if series in _SERIES and _stat_label(stat, lang) is not None:
        return f"{_cap(t(f'batch.series.{series}', lang))} ({_stat_label(stat, lang)})"
    return column


def arm_text(text, lang: str) -> str:
    """A comparison's arm ("B: base + single_parent_support, trust_mean=0.5") with its names as labels."""
    text = str(text)
    prefix = ""
    if re.match(r"^[AB]: ", text):
        prefix, text = text[:3], text[3:]
    name, plus, extra = text.partition(" + ")
    shown = scenario_label(name, lang)
    if plus:
        items = []
        for item in extra.split(", "):
            key, eq, value = item.partition("=")
            if eq:
                try:
                    value = _level(float(value), lang)
                except ValueError:
                    pass
                items.append(f"{_param_label(key, lang)} = {value}")
            else:
                items.append(_intervention_label(item, lang))
        shown += " + " + "; ".join(items)
    return prefix + shown


def _events_text(value, lang: str) -> str:
    bits = int(value)
    names = [t(f"batch.val.event.{n.lower()}", lang) for n in _SETBACK_EVENTS if bits & int(Ev[n])]
    return ", ".join(names) or fmt.DASH


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_text(column, value, lang: str, table: str | None = None, outcome: str | None = None) -> str:
    """One cell of a table as the page writes it in ``lang``.

    Names (outcomes, scenarios, links, interventions, statuses, verdicts) become labels;
    numbers go through :mod:`viz.fmt`: euros for a cost (and for the value of the cost
    outcome, ``outcome`` being the row's), a percentage for a relative difference, whole
    numbers with thousands separators, others with as many decimals as make them readable.
    Identifiers (a seed, a person) are written as they are. A missing value is a dash.
    """
    column = str(column)
    if _missing(value):
        return fmt.DASH
    if column == "outcome":
        if table == "setbacks":
            return _text_or(f"batch.val.setback.{value}", lang, str(value))
        return outcome_label(value, lang)
    if column == "status":
        return _text_or(f"batch.val.status.{value}", lang, str(value))
    if column == "better":
        return _text_or(f"batch.verdict.{value}", lang, str(value))
    if column == "scenario":
        return scenario_label(value, lang)
    if column in ("link", "arm"):
        return link_label(value, lang)
    if column in ("label", "baseline"):
        return link_label(value, lang) if value == "baseline" else arm_text(value, lang)
    if column == "off":  # the links a run switched off
        items = list(value) if isinstance(value, (list, tuple, np.ndarray)) else str(value).split(",")
        return "; ".join(link_label(str(x).strip(), lang) for x in items if str(x).strip()) or fmt.DASH
    if column == "intervention":
        return _intervention_label(value, lang)
    if column == "input":
        return _cap(input_label(value, lang, short=True))
    if column == "household_kind":
        return _text_or(f"batch.val.household.{value}", lang, str(value))
    if column == "left_reason":
        return _text_or(f"batch.val.left.{value}", lang, str(value))
    if column == "events" and table == "setbacks":
        return _events_text(value, lang)
    if column in _FLAG_COLUMNS.get(table or "", ()) or isinstance(value, (bool, np.bool_)):
        return t("batch.val.yes" if bool(value) else "batch.val.no", lang)
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%d-%m-%Y %H:%M:%S" if lang == "nl" else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if column in _ID_COLUMNS and x.is_integer():
            return str(int(value))
        if column in _MONEY_COLUMNS or (column in _PER_OUTCOME and outcome == COST):
            return fmt.money(x, lang)
        if column in _PERCENT_COLUMNS:
            return fmt.pct(x, lang, 2)
        if column.startswith(INPUT_PREFIXES):
            return _level(x, lang)
        return fmt.num(x, lang, 0) if isinstance(value, (int, np.integer)) else fmt.auto(x, lang)
    return str(value)


# ---- tables ------------------------------------------------------------------------------------

PAGE_SIZE = 20  # rows of a table on one page


def _shown_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c not in HIDDEN_COLUMNS]


def table_rows(df: pd.DataFrame, name: str, lang: str, start: int = 0,
               stop: int | None = None) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of ``df`` (table ``name``) from row ``start`` to ``stop``, as the page writes them.

    Bookkeeping columns (:data:`HIDDEN_COLUMNS`) are left out; headers by :func:`column_label`,
    cells by :func:`cell_text`.
    """
    cols = _shown_columns(df)
    headers = [column_label(c, lang, name) for c in cols]
    part = df.iloc[start:stop]
    k_outcome = cols.index("outcome") if "outcome" in cols and name != "setbacks" else None
    rows = []
    for values in part[cols].itertuples(index=False, name=None):
        outcome = values[k_outcome] if k_outcome is not None else None
        rows.append([cell_text(c, v, lang, name, outcome) for c, v in zip(cols, values)])
    return headers, rows


def table_html(df: pd.DataFrame, name: str, lang: str, start: int = 0, stop: int | None = None) -> str:
    """Rows ``start`` to ``stop`` of ``df`` as an HTML table (numbers right-aligned), every text escaped."""
    headers, rows = table_rows(df, name, lang, start, stop)
    cols = _shown_columns(df)
    right = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in cols]
    cell = "padding:2px 8px;border-bottom:1px solid #e5e5e5;white-space:nowrap"
    head = "".join(f'<th style="{cell};text-align:{"right" if r else "left"};vertical-align:bottom;'
                   f'white-space:normal;min-width:6em;max-width:16em">{escape(h)}</th>' for h, r in zip(headers, right))
    body = "".join("<tr>" + "".join(f'<td style="{cell};text-align:{"right" if r else "left"}">{escape(v)}</td>'
                                    for v, r in zip(row, right)) + "</tr>" for row in rows)
    return (f'<div style="overflow-x:auto;max-width:100%"><table class="vk-batch-grid" '
            f'style="border-collapse:collapse;font-size:0.85em"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


# ---- plots, drawn again in the page's language -----------------------------------------------

MAX_POINTS_PER_PLOT = 24  # as experiments.sweep: a sweep's cost-effect and transmission plots up to this many points
_VERDICT_COLOURS = {"better": "#2e7d32", "worse": "#c62828", "unclear": "0.55", "neutral": "#5c6bc0"}


class _Numbers(Formatter):
    """Tick labels in ``lang`` (viz.fmt), with as few decimals as tell the ticks apart.

    Ticks that would need more than four decimals are written as multiples of a power of
    ten, which the axis shows at its end (× 10⁻⁵), as matplotlib's own offset.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.digits, self.power = 2, 0

    @staticmethod
    def _needed(values: list[float]) -> int:
        return next((d for d in range(9) if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in values)), 8)

    def set_locs(self, locs) -> None:
        values = [float(v) for v in locs if np.isfinite(v)]
        self.power = 0
        digits = self._needed(values) if values else 2
        if digits > 4 and any(values):
            self.power = math.floor(math.log10(max(abs(v) for v in values if v)))
            digits = self._needed([v / 10.0 ** self.power for v in values])
        self.digits = min(digits, 4)

    def __call__(self, x, pos=None) -> str:
        return fmt.num(float(x) / 10.0 ** self.power, self.lang, self.digits)

    def get_offset(self) -> str:
        if not self.power:
            return ""
        sup = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
        return "× 10" + str(self.power).translate(sup)


def _numbers(ax, lang: str, x: bool = True, y: bool = True) -> None:
    if x:
        ax.xaxis.set_major_formatter(_Numbers(lang))
    if y:
        ax.yaxis.set_major_formatter(_Numbers(lang))


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _note(fig: Figure, text: str) -> None:
    fig.supxlabel(_wrap(text, int(fig.get_figwidth() * 17)), fontsize=7, color="0.35")


def _title(fig: Figure, text: str, size: float = 11) -> None:
    fig.suptitle("\n".join(_wrap(line, int(fig.get_figwidth() * 12)) for line in text.split("\n")), fontsize=size)


def _yerr(rows: pd.DataFrame) -> np.ndarray:
    """Error bars of interval rows: none where the interval is missing (n < 2)."""
    return np.nan_to_num(np.vstack([rows["mean"] - rows["ci_lo"], rows["ci_hi"] - rows["mean"]]).astype(float))


def _sweep_name(folder: BatchFolder) -> str:
    spec = folder.summary.get("spec") or folder.manifest.get("meta") or {}
    return str(spec.get("name", folder.path.name)) if isinstance(spec, dict) else folder.path.name


def _chart_sweep_outcome(folder: BatchFolder, outcome: str, lang: str) -> Figure | None:
    """A sweep's outcome: its mean and 95% interval over the replicates against each varied input."""
    points = folder.table("points")
    sub = points[(points["outcome"] == outcome) & (points["n"] > 0)]
    if sub.empty:
        return None
    inputs = [c for c in folder.inputs() if c in sub.columns]
    panels = inputs or [None]
    ncols = min(len(panels), 3)
    nrows = math.ceil(len(panels) / ncols)
    fig = _figure(5.2 * ncols, 3.9 * nrows + 0.8)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, col in zip(axes.flat, panels):
        _sweep_panel(ax, sub, col, [c for c in inputs if c != col], lang)
        ax.set_ylabel(_wrap(outcome_label(outcome, lang, cap=True), 40), fontsize=8)
        _numbers(ax, lang, x=col is not None)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    o = OUTCOMES.get(outcome)
    title = _cap(o.description(lang)) if o is not None else outcome
    _title(fig, f"{title}\n" + t("batch.c.sweep_note", lang).format(name=_sweep_name(folder),
                                                                    n=fmt.num(int(sub["n"].max()), lang)), 10)
    return fig


def _sweep_panel(ax, sub: pd.DataFrame, col: str | None, others: list[str], lang: str) -> None:
    if col is None:  # nothing varied: one mark for the whole sweep
        row = sub.iloc[:1]
        ax.errorbar([0], row["mean"].to_numpy(), yerr=_yerr(row), fmt="o", capsize=4)
        ax.set_xticks([0], [t("batch.c.all_runs", lang)])
        return
    sub = sub.sort_values(col)
    repeated = sub[col].duplicated().any()
    if not others or not repeated:
        ax.errorbar(sub[col], sub["mean"], yerr=_yerr(sub), fmt="o-" if not others else "o", ms=4, capsize=3, lw=1,
                    alpha=1.0 if not others else 0.7)
    elif len(others) == 1 and sub[others[0]].nunique() <= 6:
        for level, grp in sub.groupby(others[0]):
            ax.errorbar(grp[col], grp["mean"], yerr=_yerr(grp), fmt="o-", ms=4, capsize=3, lw=1,
                        label=_level(level, lang))
        ax.legend(title=_wrap(_cap(input_label(others[0], lang, short=True)), 30), fontsize=7, title_fontsize=7)
    else:
        ax.errorbar(sub[col], sub["mean"], yerr=_yerr(sub), fmt="o", ms=3, capsize=2, lw=0.8, alpha=0.5,
                    label=t("batch.c.points", lang))
        trend = sub.groupby(col)["mean"].mean()
        ax.plot(trend.index, trend.values, "k-", lw=1.5, label=t("batch.c.trend", lang))
        ax.legend(fontsize=7)
    ax.set_xlabel(_wrap(_cap(input_label(col, lang)), 45), fontsize=8)


def _sweep_tidy(folder: BatchFolder, lang: str) -> tuple[pd.DataFrame, str] | None:
    """A sweep's runs as (label, replicate, outcome, value), each point named by its inputs; and the first point.

    None when the sweep has fewer than 2 or more than :data:`MAX_POINTS_PER_PLOT` points (as
    the command line, which then draws no cost-effect or transmission plot).
    """
    runs = folder.table("runs")
    ok = pooled_pairs(runs[runs["status"] == "ok"]) if "status" in runs.columns else pooled_pairs(runs)
    points = sorted(ok["point"].unique())
    if len(points) < 2 or len(points) > MAX_POINTS_PER_PLOT:
        return None
    inputs = [c for c in folder.inputs() if c in ok.columns]
    first = ok.drop_duplicates("point").set_index("point")
    names = {p: "; ".join(f"{input_label(c, lang, short=True)} = {_level(first.loc[p, c], lang)}" for c in inputs)
             for p in points}
    if len(set(names.values())) < len(names):  # values that round alike: number the points too
        names = {p: t("batch.c.point", lang).format(point=p) + (f": {n}" if n else "") for p, n in names.items()}
    tidy = pd.DataFrame({"label": ok["point"].map(names), "replicate": ok["replicate"], "outcome": ok["outcome"],
                         "value": ok["value"]})
    return tidy, names[points[0]]


def _effect_outcome(outcomes: Sequence[str]) -> str | None:
    """The outcome a cost-effect plot shows: the first headline outcome, else the first about residents."""
    return next((o for o in HEADLINE if o in outcomes), None) or next(
        (o for o in outcomes if o not in NOT_RESIDENT), None)


def _chart_cost_effect(diffs: pd.DataFrame, outcome: str, lang: str, title: str,
                       label: Callable[[str], str] = str) -> Figure:
    """Extra cost (x) against the effect on ``outcome`` (y, with its 95% interval), per arm or point."""
    eff = diffs[diffs["outcome"] == outcome].set_index("label")
    cost = diffs[diffs["outcome"] == COST].set_index("label")["diff"]
    fig = _figure(8.0, 5.0)
    ax = fig.subplots()
    for name, row in eff.iterrows():
        x = float(cost.get(name, np.nan)) / 1e6
        lo, hi = row["diff"] - row["ci_lo"], row["ci_hi"] - row["diff"]
        ax.errorbar([x], [row["diff"]], yerr=[[np.nan_to_num(lo)], [np.nan_to_num(hi)]], fmt="o", capsize=4,
                    color="#b5542d")
        ax.annotate(_wrap(label(name), 30), (x, row["diff"]), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.margins(x=0.45)
    ax.set_xlabel(t("batch.c.extra_cost", lang))
    ax.set_ylabel(_wrap(t("batch.c.effect_on", lang).format(outcome=outcome_label(outcome, lang)), 45)
                  + f"\n({_direction(outcome, lang)})", fontsize=9)
    ax.grid(color="0.92")
    _numbers(ax, lang)
    _title(fig, title)
    _note(fig, t("batch.c.effect_note", lang))
    return fig


def _chart_transmission(df: pd.DataFrame, lang: str, title: str, label: Callable[[str], str] = str) -> Figure:
    """The transmission coefficient (all, single parents, couples) per arm, with 95% intervals."""
    table = interval_table(df[df["outcome"].isin(TRANSMISSION)], ["label", "outcome"], sort=False)
    labels = list(dict.fromkeys(df["label"]))
    fig = _figure(max(5.5, 1.4 * len(labels) + 3.0), 4.6)
    ax = fig.subplots()
    width = 0.8 / len(TRANSMISSION)
    for k, outcome in enumerate(TRANSMISSION):
        rows = table[table["outcome"] == outcome].set_index("label").reindex(labels)
        x = np.arange(len(labels)) + (k - 1) * width
        ax.bar(x, rows["mean"], width, label=t(f"batch.c.tr.{outcome}", lang), yerr=_yerr(rows), capsize=3)
    ax.set_xticks(np.arange(len(labels)), [_wrap(label(x), 22) for x in labels], fontsize=8)
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set_ylabel(t("batch.c.tr_axis", lang), fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(axis="y", color="0.92")
    _numbers(ax, lang, x=False)
    _title(fig, title)
    _note(fig, t("batch.c.tr_note", lang))
    return fig


def _chart_differences(diffs: pd.DataFrame, lang: str, title: str) -> Figure:
    """Each outcome's paired difference against the baseline, as a share of the baseline's mean (a forest plot)."""
    d = diffs[~diffs["outcome"].isin(NOT_RESIDENT)]
    base = d["mean_baseline"].abs().replace(0.0, np.nan)
    rel = 100 * d["diff"] / base
    lo, hi = 100 * d["ci_lo"] / base, 100 * d["ci_hi"] / base
    fig = _figure(8.0, 1.8 + 0.42 * len(d))
    ax = fig.subplots()
    y = np.arange(len(d))[::-1]
    for k, row in enumerate(d.itertuples()):
        c = _VERDICT_COLOURS.get(str(row.better), "0.55")
        ax.errorbar([rel.iloc[k]], [y[k]], xerr=[[np.nan_to_num(rel.iloc[k] - lo.iloc[k])],
                                                 [np.nan_to_num(hi.iloc[k] - rel.iloc[k])]],
                    fmt="o", color=c, ecolor=c, capsize=3)
    ax.set_yticks(y, [_wrap(f"{outcome_label(o, lang, cap=True)} ({_direction(o, lang)})", 50) for o in d["outcome"]],
                  fontsize=8)
    ax.axvline(0.0, color="0.4", lw=0.8)
    reach = np.nanmax(np.abs(rel.to_numpy(dtype=float)), initial=0.0)
    reach = max(5.0, 1.6 * reach) if np.isfinite(reach) else 5.0
    ax.set_xlim(-reach, reach)
    ax.set_xlabel(t("batch.c.diff_axis", lang), fontsize=9)
    ax.grid(axis="x", color="0.92")
    _numbers(ax, lang, y=False)
    _title(fig, title)
    n = int(d["n"].min()) if len(d) else 0
    _note(fig, t("batch.c.diff_note", lang).format(n=fmt.num(n, lang)))
    return fig


def _chart_indices(folder: BatchFolder, lang: str) -> Figure | None:
    """Per outcome: Morris mu* and the Sobol indices S1 and ST of each input, with their intervals."""
    if "morris" not in folder.table_names or "sobol" not in folder.table_names:
        return None
    morris, sobol = folder.table("morris"), folder.table("sobol")
    outcomes = [o for o in (folder.summary.get("outcomes") or list(dict.fromkeys(morris["outcome"])))]
    n_in = max(morris["input"].nunique(), 1)
    fig = _figure(12, 1.0 + len(outcomes) * (1.0 + 0.4 * n_in))
    axes = fig.subplots(len(outcomes), 2, squeeze=False)
    for row, o in enumerate(outcomes):
        m = morris[morris["outcome"] == o].sort_values("mu_star")
        names = [_wrap(_cap(input_label(c, lang, short=True)), 35) for c in m["input"]]
        ax = axes[row][0]
        ax.barh(np.arange(len(m)), m["mu_star"], xerr=m["mu_star_conf"], color="#1f5f8b", capsize=3)
        ax.set_yticks(np.arange(len(m)), names, fontsize=8)
        ax.set_title(t("batch.c.morris", lang).format(outcome=_cap(outcome_label(o, lang))), fontsize=9)
        _numbers(ax, lang, y=False)
        s = sobol[sobol["outcome"] == o].set_index("input").reindex(m["input"])
        ax = axes[row][1]
        y = np.arange(len(s))
        ax.barh(y - 0.2, s["S1"], 0.4, xerr=s["S1_conf"], label=t("batch.c.s1", lang), color="#7aa6c2", capsize=2)
        ax.barh(y + 0.2, s["ST"], 0.4, xerr=s["ST_conf"], label=t("batch.c.st", lang), color="#b5542d", capsize=2)
        ax.set_yticks(y, names, fontsize=8)
        ax.set_title(t("batch.c.sobol", lang).format(outcome=_cap(outcome_label(o, lang))), fontsize=9)
        ax.legend(fontsize=7)
        _numbers(ax, lang, y=False)
    _title(fig, t("batch.c.indices", lang))
    return fig


def _chart_ablation(folder: BatchFolder, outcome: str, lang: str, top: int = 15) -> Figure | None:
    """The ``top`` links whose switching off moves ``outcome`` most, with 95% intervals."""
    table = folder.table("ablation")
    d = table[table["outcome"] == outcome].sort_values("rank").head(top).iloc[::-1]
    if d.empty:
        return None
    fig = _figure(9.0, 1.8 + 0.45 * len(d))
    ax = fig.subplots()
    err = np.nan_to_num(np.vstack([d["diff"] - d["ci_lo"], d["ci_hi"] - d["diff"]]).astype(float))
    worse = [(v > 0) == (better(outcome) == "lower") for v in d["diff"]]
    y = np.arange(len(d))
    ax.barh(y, d["diff"], xerr=err, color=["#b5542d" if w else "#1f5f8b" for w in worse], capsize=3)
    ax.set_yticks(y, [_wrap(_cap(link_label(x, lang)), 50) for x in d["link"]], fontsize=8)
    ax.axvline(0.0, color="0.4", lw=0.8)
    ax.set_xlabel(_wrap(t("batch.c.ablation_axis", lang).format(outcome=outcome_label(outcome, lang),
                                                                 direction=_direction(outcome, lang)), 80), fontsize=9)
    _numbers(ax, lang, y=False)
    ax.set_title(t("batch.c.ablation", lang).format(outcome=outcome_label(outcome, lang)), fontsize=10)
    return fig


def _band(ax, ts: pd.DataFrame, name: str, label: str, colour: str) -> None:
    if f"{name}_q25" in ts and f"{name}_q75" in ts:
        ax.fill_between(ts["year"], ts[f"{name}_q25"], ts[f"{name}_q75"], color=colour, alpha=0.2, lw=0)
    ax.plot(ts["year"], ts[f"{name}_mean"], color=colour, label=label)


def _chart_overview(folder: BatchFolder, lang: str) -> Figure:
    """A run on one page: six panels (stress and wellbeing, resources, categories, help, network, population)."""
    ts = folder.table("timeseries")
    s = folder.summary or {}
    prov = s.get("provenance") or {}

    def c(key: str) -> str:
        return t(f"batch.c.ov.{key}", lang)

    fig = _figure(15, 9)
    axes = fig.subplots(2, 3)
    ax = axes[0, 0]
    for name, colour in (("stress", "tab:red"), ("wellbeing", "tab:green"), ("security", "tab:blue")):
        _band(ax, ts, name, t(f"batch.series.{name}", lang), colour)
    ax.set(title=c("stress"), ylim=(0, 1))
    ax.legend(loc="lower left", fontsize=8)
    ax = axes[0, 1]
    for name, colour in (("psychological", "tab:purple"), ("social", "tab:orange"), ("cultural", "tab:brown"),
                         ("material", "tab:gray")):
        ax.plot(ts["year"], ts[f"{name}_mean"], color=colour, label=t(f"batch.series.{name}", lang))
    ax.set(title=c("resources"), ylim=(0, 1))
    ax.legend(loc="lower left", fontsize=8)
    ax = axes[0, 2]
    ax.stackplot(ts["year"], ts["share_strong"], ts["share_vulnerable"], ts["share_decliner"],
                 labels=[outcome_label(n, lang) for n in ("share_strong", "share_vulnerable", "share_decliner")],
                 colors=["#4c9f70", "#f2c14e", "#d1495b"])
    ax.set(title=c("categories"), ylim=(0, 1))
    ax.legend(loc="lower left", fontsize=8)
    ax = axes[1, 0]
    for column in ("help_reach", "need_waiting", "non_take_up", "trust_mean"):
        if column in ts:
            ax.plot(ts["year"], ts[column], label=_wrap(c(column), 45))
    ax.set(title=c("help"), ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=7)
    ax2 = ax.twinx()
    for column, style in (("wait_weeks_ggz", ":"), ("wait_weeks_youth", "--")):
        if column in ts:
            ax2.plot(ts["year"], ts[column].rolling(12, min_periods=1).mean(), color="black", lw=0.8, ls=style,
                     label=c(column))
    ax2.set_ylabel(c("weeks"), fontsize=8)
    ax2.legend(loc="upper right", fontsize=7)
    _numbers(ax2, lang, x=False)
    ax = axes[1, 1]
    for column in ("share_bridging", "share_isolated", "participation_mean", "efficacy_mean"):
        if column in ts:
            ax.plot(ts["year"], ts[column], label=c(column))
    ax.set(title=c("network"), ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1, 2]
    ax.plot(ts["year"], ts["persons"], label=c("persons"))
    ax.plot(ts["year"], ts["households"], label=c("households"))
    ax.set(title=c("population"))
    ax.legend(loc="lower left", fontsize=8)
    for ax in axes.flat:
        ax.set_xlabel(c("year"))
        ax.title.set_fontsize(10)
        _numbers(ax, lang)
    tr = ((s.get("transmission") or {}).get("all") or {})
    slope = (f"{fmt.num(tr['slope'], lang, 2)} (n = {fmt.num(tr.get('n') or 0, lang)})"
             if tr.get("slope") is not None else t("batch.c.ov.no_slope", lang))
    _title(fig, c("title").format(scenario=scenario_label(prov.get("scenario", "-"), lang),
                                  seed=prov.get("seed", "-"), steps=fmt.num(prov.get("steps") or len(ts) - 1, lang),
                                  slope=slope), 12)
    return fig


def chart_figure(folder: BatchFolder, plot: Plot, lang: str) -> Figure | None:
    """The plot ``plot`` of ``folder`` drawn again from the folder's tables, its texts in ``lang``.

    Each PNG the command line writes has its counterpart here (a sweep's ``outcome_*``,
    ``cost_effect``, ``transmission``; a comparison's ``differences``, ``cost_effect``,
    ``transmission``; an analysis's ``indices``, ``ablation_*``, ``transmission``; a run's
    ``overview``). None for a PNG it does not know (the page then shows the PNG).
    """
    stem, kind = Path(plot.name).stem, folder.kind
    if kind == "sweep":
        if stem.startswith("outcome_") and "points" in folder.table_names:
            return _chart_sweep_outcome(folder, stem[len("outcome_"):], lang)
        if stem in ("cost_effect", "transmission") and "runs" in folder.table_names:
            made = _sweep_tidy(folder, lang)
            if made is None:
                return None
            tidy, first = made
            if stem == "transmission":
                return _chart_transmission(tidy, lang, t("batch.c.tr_sweep", lang).format(name=_sweep_name(folder)))
            diffs = paired_differences(tidy, baseline=first)
            effect = _effect_outcome(list(dict.fromkeys(tidy["outcome"])))
            if effect is None:
                return None
            return _chart_cost_effect(diffs, effect, lang, t("batch.c.cost_effect", lang).format(base=first))
    elif kind == "compare":
        s = folder.summary
        if stem in ("differences", "cost_effect") and "differences" in folder.table_names:
            diffs = folder.table("differences")
            if stem == "differences":
                title = t("batch.c.against", lang).format(policy=arm_text(s.get("policy", "B"), lang),
                                                          baseline=arm_text(s.get("baseline", "A"), lang))
                return _chart_differences(diffs, lang, title)
            effect = _effect_outcome(list(dict.fromkeys(diffs["outcome"])))
            if effect is None or COST not in set(diffs["outcome"]):
                return None
            base = arm_text(diffs["baseline"].iloc[0], lang) if len(diffs) else "-"
            return _chart_cost_effect(diffs, effect, lang, t("batch.c.cost_effect", lang).format(base=base),
                                      label=lambda x: arm_text(x, lang))
        if stem == "transmission" and "runs" in folder.table_names:
            runs = folder.table("runs")
            ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
            labels = {"A": s.get("baseline", "A"), "B": s.get("policy", "B")}
            tidy = ok.assign(label=ok["arm"].map(labels))[["label", "replicate", "outcome", "value"]]
            return _chart_transmission(tidy, lang, t("batch.c.tr_title", lang), label=lambda x: arm_text(x, lang))
    elif kind == "analyse":
        if stem == "indices":
            return _chart_indices(folder, lang)
        if stem.startswith("ablation_") and "ablation" in folder.table_names:
            return _chart_ablation(folder, stem[len("ablation_"):], lang)
        if stem == "transmission" and "ablation" in folder.table_names:
            runs = _read_runs(folder.path / "ablation", folder.root)
            ok = runs[runs["status"] == "ok"]
            table = folder.table("ablation")
            arms = ok[ok["arm"].isin(["baseline", *table.sort_values("rank")["link"].head(5)])]
            return _chart_transmission(arms.rename(columns={"arm": "label"}), lang, t("batch.c.tr_links", lang),
                                       label=lambda x: link_label(x, lang))
    elif kind == "run" and stem == "overview" and "timeseries" in folder.table_names:
        return _chart_overview(folder, lang)
    return None


def figure_svg(fig: Figure) -> str:
    """``fig`` as inline SVG that scales with the page; its texts stay text (so the page can be read and searched)."""
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "veerkracht"}):
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = out.getvalue()
    svg = svg[svg.find("<svg"):]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)  # matplotlib repeats every text in a comment
    svg = re.sub(r'^<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%" style="height:auto"', svg,
                 count=1)
    return svg


def chart_svg(folder: BatchFolder, plot: Plot, lang: str) -> str | None:
    """:func:`chart_figure` as SVG, drawn once per folder, plot and language; None if it cannot be drawn again.

    A plot whose data cannot be read or drawn (a damaged table) gives None too: the page
    then shows the command line's PNG rather than a traceback.
    """
    key = (plot.name, lang)
    if key not in folder._charts:
        try:
            fig = chart_figure(folder, plot, lang)
            folder._charts[key] = figure_svg(fig) if fig is not None else None
        except Exception:  # noqa: BLE001 - any failure: the PNG is shown instead
            folder._charts[key] = None
    return folder._charts[key]


# ---- texts ------------------------------------------------------------------------------------

def _pairs(prefix: str, pairs: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """Texts ``prefix + name`` from {name: (Dutch, English)}."""
    return {f"{prefix}{name}": {"nl": nl, "en": en} for name, (nl, en) in pairs.items()}


TEXT_BATCH: dict[str, dict[str, str]] = {
    "batch.title": {"nl": "Resultaten van reeksen", "en": "Batch results"},
    "batch.intro": {"nl": "Open een map met resultaten van de opdrachtregel (een reeks, een vergelijking, een "
                          "gevoeligheidsanalyse of een enkele run) en bekijk de grafieken en tabellen.",
                    "en": "Open a folder written by the command line (sweep, compare, analyse or run) and look at its "
                          "plots and tables."},
    "batch.folder": {"nl": "Map in {root}", "en": "Folder in {root}"},
    "batch.path": {"nl": "Of typ een pad", "en": "Or type a path"},
    "batch.open": {"nl": "Openen", "en": "Open"},
    "batch.none": {"nl": "In '{root}' staan nog geen resultaten. Maak ze met bijvoorbeeld: python run.py sweep "
                         "experiments/sweeps/smoke.toml --out {root}/smoke",
                   "en": "'{root}' holds no results yet. Make some with, for example: python run.py sweep "
                         "experiments/sweeps/smoke.toml --out {root}/smoke"},
    "batch.pick": {"nl": "Kies een map of typ een pad.", "en": "Choose a folder or type a path."},
    "batch.kind.sweep": {"nl": "reeks", "en": "sweep"},
    "batch.kind.compare": {"nl": "vergelijking van twee varianten", "en": "comparison of two scenarios"},
    "batch.kind.analyse": {"nl": "gevoeligheidsanalyse", "en": "sensitivity analysis"},
    "batch.kind.run": {"nl": "een enkele run", "en": "a single run"},
    "batch.opened": {"nl": "Geopend: {path} ({kind})", "en": "Opened: {path} ({kind})"},
    "batch.headline": {"nl": "Samenvatting", "en": "Summary"},
    "batch.plots": {"nl": "Grafieken", "en": "Plots"},
    "batch.no_plots": {"nl": "Geen grafieken bij deze keuze.", "en": "No plots for this choice."},
    "batch.plot.file": {"nl": "Afbeelding {name} van de opdrachtregel (niet vertaald)",
                        "en": "Image {name} from the command line"},
    "batch.tables": {"nl": "Tabellen", "en": "Tables"},
    "batch.table.points": {"nl": "punten (gemiddelde per punt)", "en": "points (mean per point)"},
    "batch.table.runs": {"nl": "runs", "en": "runs"},
    "batch.table.failures": {"nl": "mislukte runs", "en": "failed runs"},
    "batch.table.differences": {"nl": "verschillen", "en": "differences"},
    "batch.table.morris": {"nl": "Morris", "en": "Morris"},
    "batch.table.sobol": {"nl": "Sobol", "en": "Sobol"},
    "batch.table.ablation": {"nl": "schakels uit (ablatie)", "en": "links off (ablation)"},
    "batch.table.timeseries": {"nl": "tijdreeks", "en": "time series"},
    "batch.table.lineage": {"nl": "generaties (ouder-kind)", "en": "lineage (parent-child)"},
    "batch.table.setbacks": {"nl": "tegenslagen", "en": "setbacks"},
    "batch.table.costs": {"nl": "kosten", "en": "costs"},
    "batch.table.blocks": {"nl": "buurten", "en": "blocks"},
    "batch.filter.outcome": {"nl": "Uitkomsten", "en": "Outcomes"},
    "batch.filter.status": {"nl": "Status", "en": "Status"},
    "batch.filter.all": {"nl": "alle", "en": "all"},
    "batch.filter.range": {"nl": "{name} van {lo} tot {hi}", "en": "{name} from {lo} to {hi}"},
    "batch.rows": {"nl": "{n} van {total} rijen", "en": "{n} of {total} rows"},
    "batch.page": {"nl": "Rijen {first} tot en met {last} van {n}", "en": "Rows {first} to {last} of {n}"},
    "batch.prev": {"nl": "Vorige", "en": "Previous"},
    "batch.next": {"nl": "Volgende", "en": "Next"},
    "batch.no_tables": {"nl": "Deze map heeft (nog) geen tabellen.", "en": "This folder has no tables (yet)."},
    "batch.h.kind": {"nl": "Soort", "en": "Kind"},
    "batch.h.name": {"nl": "Naam", "en": "Name"},
    "batch.h.scenario": {"nl": "Wijk", "en": "Scenario"},
    "batch.h.runs": {"nl": "Runs", "en": "Runs"},
    "batch.h.design": {"nl": "Opzet", "en": "Design"},
    "batch.h.inputs": {"nl": "Gevarieerde invoer", "en": "Inputs varied"},
    "batch.h.outcomes": {"nl": "Uitkomsten", "en": "Outcomes"},
    "batch.h.seconds": {"nl": "Rekentijd (seconden)", "en": "Computing time (s)"},
    "batch.h.baseline": {"nl": "Basis (A)", "en": "Baseline (A)"},
    "batch.h.policy": {"nl": "Beleid (B)", "en": "Policy (B)"},
    "batch.h.replicates": {"nl": "Herhalingen", "en": "Replicates"},
    "batch.h.stage": {"nl": "Onderdeel: {stage}", "en": "Stage {stage}"},
    "batch.h.top_link": {"nl": "Belangrijkste schakel voor {outcome}", "en": "Link that matters most for {outcome}"},
    "batch.h.seed": {"nl": "Toevalsgetal (seed)", "en": "Seed"},
    "batch.h.steps": {"nl": "Maanden", "en": "Months"},
    "batch.h.transmission": {"nl": "Overdracht van stress ouder-kind ({group})",
                             "en": "Stress transmission parent-child ({group})"},
    "batch.h.cost": {"nl": "Kosten in totaal", "en": "Total cost"},
    "batch.v.runs": {"nl": "{runs} totaal: {ok} goed, {failed} mislukt, {missing} ontbrekend",
                     "en": "{runs} in all: {ok} ok, {failed} failed, {missing} missing"},
    "batch.v.design": {"nl": "{points} punten x {replicates} herhalingen ({sampler})",
                       "en": "{points} points x {replicates} replicates ({sampler})"},
    "batch.v.stage": {"nl": "{runs} runs, {failed} mislukt, {seconds} seconden",
                      "en": "{runs} runs, {failed} failed, {seconds} s"},
    "batch.v.diff": {"nl": "{baseline} \u2192 {policy} (verschil {diff}; 95%-interval {lo} tot {hi}): {verdict}",
                     "en": "{baseline} \u2192 {policy} (difference {diff}; 95% interval {lo} to {hi}): {verdict}"},
    "batch.v.baseline": {"nl": "basis (alle schakels aan)", "en": "baseline (all links on)"},
    "batch.verdict.better": {"nl": "beter", "en": "better"},
    "batch.verdict.worse": {"nl": "slechter", "en": "worse"},
    "batch.verdict.unclear": {"nl": "onduidelijk", "en": "unclear"},
    "batch.verdict.neutral": {"nl": "neutraal", "en": "neutral"},
    "batch.warn.failed": {"nl": "{n} runs zijn mislukt: zie de tabel met mislukte runs.",
                          "en": "{n} runs failed: see the table of failed runs."},
    "batch.warn.incomplete": {"nl": "Deze reeks is niet af: {n} runs ontbreken. Draai dezelfde opdracht opnieuw om "
                                    "verder te gaan.",
                              "en": "This sweep is not complete: {n} runs are missing. Run the same command again to "
                                    "resume."},
    "batch.warn.no_runs": {"nl": "Er zijn nog geen runs opgeslagen.", "en": "No runs have been written yet."},
    "batch.warn.unfinished": {"nl": "Deze vergelijking is niet af: de tabel met verschillen (differences.csv) "
                                    "ontbreekt nog.",
                              "en": "This comparison is not finished: there is no differences.csv yet."},
    "batch.err.no_path": {"nl": "Geef een map op.", "en": "Give a folder."},
    "batch.err.missing": {"nl": "De map '{path}' bestaat niet.", "en": "The folder '{path}' does not exist."},
    "batch.err.not_folder": {"nl": "'{path}' is een bestand, geen map.", "en": "'{path}' is a file, not a folder."},
    "batch.err.foreign": {"nl": "'{path}' is geen resultatenmap van run.py: verwacht summary.json, manifest.json, "
                                "comparison.json, analysis.json of timeseries.parquet.",
                          "en": "'{path}' is not a results folder of run.py: expected summary.json, manifest.json, "
                                "comparison.json, analysis.json or timeseries.parquet."},
    # the Dutch page does not repeat the reader's English reason: the English page shows it
    "batch.err.unreadable": {"nl": "'{name}' kan niet worden gelezen: het bestand is beschadigd, onvolledig of van "
                                   "een andere soort.",
                             "en": "{name} cannot be read: {reason}"},
    "batch.err.table": {"nl": "Onbekende tabel '{name}'; er zijn: {allowed}.",
                        "en": "Unknown table '{name}'; there are: {allowed}."},
    "batch.err.column": {"nl": "Onbekende kolom '{name}'; er zijn: {allowed}.",
                         "en": "Unknown column '{name}'; there are: {allowed}."},
    "batch.err.range": {"nl": "Het bereik van {name} ({lo} tot {hi}) kan niet.",
                        "en": "The range of {name} ({lo} to {hi}) is not allowed."},
    "batch.err.no_file": {"nl": "{name} is geen bestand in de resultatenmap.",
                          "en": "{name} is not a file in the results folder."},
    "batch.err.other": {"nl": "Er ging iets onverwachts mis bij het openen van deze map. De technische melding "
                              "(in het Engels) staat op de Engelstalige pagina.",
                        "en": "Something went wrong while opening: {msg}"},
    # names of things the results hold
    **_pairs("batch.sc.", {
        "krachtwijk": ("krachtwijk", "krachtwijk (deprived neighbourhood)"),
        "mixed": ("gemengde wijk", "mixed neighbourhood"),
        "average_nl": ("gemiddelde Nederlandse wijk", "average Dutch neighbourhood"),
    }),
    **_pairs("batch.sampler.", {
        "grid": ("rooster", "grid"), "lhs": ("Latijnse hyperkubus", "Latin hypercube"),
        "sobol": ("Sobol-reeks", "Sobol sequence"), "morris": ("Morris-trajecten", "Morris trajectories"),
        "fast": ("FAST", "FAST"),
    }),
    **_pairs("batch.stage.", {
        "morris": ("Morris-screening", "Morris screening"), "sobol": ("Sobol-indices", "Sobol indices"),
        "ablation": ("schakels uit (ablatie)", "links off (ablation)"),
    }),
    **_pairs("batch.group.", {
        "all": ("allen", "all"), "couple": ("gezinnen met twee ouders", "couples"),
        "single_parent": ("eenoudergezinnen", "single parents"),
    }),
    **_pairs("batch.setting.", {
        "units": ("omvang", "units"), "start": ("startmaand", "start month"), "months": ("duur in maanden", "months"),
        "cost": ("kosten per eenheid per maand", "cost per unit and month"),
        "effect": ("sterkte van het effect", "strength of the effect"), "severity": ("zwaarte", "severity"),
    }),
    **_pairs("batch.stat.", {
        "mean": ("gemiddeld", "mean"), "median": ("mediaan", "median"), "q": ("{q}e percentiel", "{q}th percentile"),
    }),
    **_pairs("batch.series.", {
        "stress": ("chronische stress", "chronic stress"), "wellbeing": ("welbevinden", "wellbeing"),
        "security": ("bestaanszekerheid", "existential security"),
        "psychological": ("psychologische hulpbron", "psychological resource"),
        "social": ("sociale hulpbron", "social resource"), "cultural": ("culturele hulpbron", "cultural resource"),
        "material": ("materiële hulpbron", "material resource"),
    }),
    **_pairs("batch.val.", {
        "status.ok": ("goed", "ok"), "status.error": ("mislukt", "error"), "yes": ("ja", "yes"), "no": ("nee", "no"),
        "household.couple": ("twee ouders", "couple"), "household.single_parent": ("eenoudergezin", "single parent"),
        "household.single_adult": ("alleenstaande", "single adult"),
        "household.couple_children": ("stel met kinderen", "couple with children"),
        "left.moved_out": ("alleen vertrokken", "moved out alone"),
        "left.moved_with_household": ("met het huishouden verhuisd", "moved with the household"),
        "left.to_care": ("naar zorg elders", "to care elsewhere"),
        "setback.forward": ("sterker teruggekomen", "bounced forward"),
        "setback.back": ("hersteld", "bounced back"), "setback.not": ("niet hersteld", "not recovered"),
        "event.job_loss": ("baanverlies", "job loss"), "event.illness": ("ziekte", "illness"),
        "event.bereavement": ("verlies van een naaste", "bereavement"), "event.debt": ("schulden", "debt"),
        "event.eviction": ("huisuitzetting", "eviction"), "event.separation": ("scheiding", "separation"),
        "event.crisis": ("crisis", "crisis"),
    }),
    # the columns of the tables (any table, then one table's own: batch.col.TABLE.NAME)
    **_pairs("batch.col.", {
        "run_id": ("Run (kenmerk)", "Run id"), "point": ("Punt", "Point"), "replicate": ("Herhaling", "Replicate"),
        "root_seed": ("Basistoevalsgetal", "Root seed"), "seed": ("Toevalsgetal", "Seed"),
        "scenario": ("Wijk", "Scenario"), "steps": ("Maanden", "Months"), "off": ("Schakels uit", "Links off"),
        "outcome": ("Uitkomst", "Outcome"), "value": ("Waarde", "Value"), "status": ("Status", "Status"),
        "error": ("Foutmelding", "Error"), "attempt": ("Poging", "Attempt"),
        "seconds": ("Rekentijd (seconden)", "Computing time (s)"),
        "persons_start": ("Bewoners bij de start", "Residents at the start"), "finished": ("Klaar op", "Finished"),
        "arm": ("Variant", "Arm"), "member": ("Plausibele set", "Plausible set"), "label": ("Variant", "Arm"),
        "baseline": ("Basis", "Baseline"), "mean": ("Gemiddelde", "Mean"), "sd": ("Standaardafwijking", "SD"),
        "n": ("Aantal (n)", "n"), "ci_lo": ("95%-interval: onder", "95% interval: low"),
        "ci_hi": ("95%-interval: boven", "95% interval: high"),
        "mean_baseline": ("Gemiddelde van de basis", "Mean of the baseline"), "diff": ("Verschil", "Difference"),
        "rel_diff": ("Verschil (deel van de basis)", "Difference (share of the baseline)"),
        "better": ("Oordeel", "Verdict"), "sets_better": ("Sets waarin beter", "Sets better"),
        "sets_worse": ("Sets waarin slechter", "Sets worse"), "sets_unclear": ("Sets onduidelijk", "Sets unclear"),
        "link": ("Schakel", "Link"), "effect_sd": ("Effect (in standaardafwijkingen)", "Effect (in SDs)"),
        "rank": ("Rang", "Rank"), "input": ("Invoer", "Input"), "mu": ("Morris \u03bc", "Morris mu"),
        "mu_star": ("Morris \u03bc* (invloed)", "Morris mu* (influence)"),
        "mu_star_conf": ("\u03bc*: 95%-marge", "mu*: 95% margin"),
        "sigma": ("Morris \u03c3 (wisselwerking)", "Morris sigma (interaction)"),
        "S1": ("Sobol S1 (eerste orde)", "Sobol S1 (first order)"), "S1_conf": ("S1: 95%-marge", "S1: 95% margin"),
        "ST": ("Sobol ST (totaal)", "Sobol ST (total)"), "ST_conf": ("ST: 95%-marge", "ST: 95% margin"),
        "step": ("Maand", "Month"), "year": ("Jaar", "Year"),
        "participation_mean": ("Meedoen (gemiddeld)", "Participation (mean)"),
        "success_rate": ("Aandeel geslaagde pogingen", "Share of attempts that succeed"),
        "navigation_mean": ("De weg kunnen vinden (gemiddeld)", "Navigation (mean)"),
        "mental_mean": ("Psychische problemen (gemiddeld)", "Mental-health problems (mean)"),
        "need_share": ("Aandeel volwassenen met hulpvraag", "Share of adults in need of help"),
        "need_waiting": ("Van wie hulp nodig heeft: aandeel wachtend", "Of those in need: share waiting"),
        "declined": ("Hulpvraag maar geen hulp gezocht", "In need but did not seek help"),
        "in_care": ("In zorg", "In care"), "waiting": ("Op een wachtlijst", "On a waiting list"),
        "youth_in_care": ("In jeugdhulp of opvoedondersteuning", "In youth care or parenting support"),
        "youth_waiting": ("Wachtend op jeugdhulp", "Waiting for youth care"),
        "degree_mean": ("Contacten per volwassene (gemiddeld)", "Ties per adult (mean)"),
        "adults": ("Volwassenen", "Adults"), "children": ("Minderjarigen", "Minors"),
        "households": ("Huishoudens", "Households"),
        "share_single_parent": ("Aandeel eenoudergezinnen onder gezinnen met kinderen",
                                "Share of single parents among families with children"),
        "debt_help": ("Aandeel huishoudens in de schuldhulp", "Share of households in debt counselling"),
        "debt_waiting": ("Aandeel huishoudens wachtend op schuldhulp",
                         "Share of households waiting for debt counselling"),
        "births": ("Geboorten (opgeteld)", "Births (so far)"), "deaths": ("Overleden (opgeteld)", "Deaths (so far)"),
        "arrived": ("Ingetrokken (opgeteld)", "Moved in (so far)"), "left": ("Vertrokken (opgeteld)", "Moved out (so far)"),
        "intervention": ("Interventie", "Intervention"), "units": ("Eenheden in gebruik", "Units in use"),
        "cost": ("Kosten", "Cost"),
    }),
    **_pairs("batch.col.timeseries.", {"persons": ("Bewoners", "Residents")}),
    **_pairs("batch.col.lineage.", {
        "child": ("Kind (nummer)", "Child (number)"), "mother": ("Moeder (nummer)", "Mother (number)"),
        "father": ("Vader (nummer)", "Father (number)"), "born_step": ("Geboren in maand", "Born in month"),
        "months_observed": ("Maanden gevolgd", "Months observed"), "household_kind": ("Soort gezin", "Household kind"),
        "parents_stress": ("Stress van de ouders", "Parents' stress"),
        "household_material": ("Materiële hulpbron van het huishouden", "Household's material resource"),
        "network": ("Netwerk van het kind", "Child's network"),
        "community": ("Lid van een gemeenschap", "Member of a community"),
        "block_nuisance": ("Overlast in de buurt", "Nuisance in the block"),
        "block_housing": ("Woonkwaliteit in de buurt", "Housing quality in the block"),
        "stress": ("Stress", "Stress"), "wellbeing": ("Welbevinden", "Wellbeing"),
        "security": ("Bestaanszekerheid", "Existential security"), "life_skills": ("Levensvaardigheden", "Life skills"),
        "attachment": ("Hechting", "Attachment"), "employed": ("Werkt", "Employed"),
        "earning": ("Verdienvermogen", "Earning capacity"), "age_years": ("Leeftijd (jaren)", "Age (years)"),
        "left": ("Vertrokken", "Left"), "left_reason": ("Reden van vertrek", "Why they left"),
    }),
    **_pairs("batch.col.setbacks.", {
        "person": ("Persoon (nummer)", "Person (number)"), "events": ("Tegenslag", "Setback"),
        "wellbeing_before": ("Welbevinden ervoor", "Wellbeing before"),
        "wellbeing_low": ("Laagste welbevinden", "Lowest wellbeing"),
        "wellbeing_after": ("Welbevinden erna", "Wellbeing after"),
        "recovery_months": ("Maanden tot herstel", "Months to recover"), "outcome": ("Afloop", "Outcome"),
        "control_change": ("Verandering bij vergelijkbare volwassenen", "Change among matched adults"),
        "controls": ("Vergelijkbare volwassenen", "Matched adults"),
    }),
    **_pairs("batch.col.blocks.", {
        "block": ("Buurt (nummer)", "Block (number)"), "efficacy": ("Collectieve redzaamheid", "Collective efficacy"),
        "attachment": ("Verbondenheid met de buurt", "Neighbourhood attachment"), "turnover": ("Verloop", "Turnover"),
    }),
    # the plots
    **_pairs("batch.c.", {
        "better.lower": ("lager is beter", "lower is better"), "better.higher": ("hoger is beter", "higher is better"),
        "better.none": ("niet beter of slechter", "neither better nor worse"),
        "sweep_note": ("reeks '{name}': gemiddelde over hoogstens {n} herhalingen; strepen: 95%-interval van het "
                       "gemiddelde",
                       "sweep '{name}': mean over up to {n} replicates; bars: 95% interval of the mean"),
        "all_runs": ("alle runs", "all runs"), "points": ("punten", "points"),
        "trend": ("gemiddelde over de andere invoer", "average over the other inputs"),
        "point": ("punt {point}", "point {point}"),
        "extra_cost": ("extra kosten over de run (miljoen euro)", "extra cost over the run (million EUR)"),
        "effect_on": ("effect op {outcome}", "effect on {outcome}"),
        "effect_note": ("effect: gemiddeld verschil met de basis, gepaard per herhaling, met 95%-interval",
                        "effect: mean difference with the baseline, paired by replicate, with 95% interval"),
        "cost_effect": ("Kosten tegen effect, vergeleken met {base}", "Cost against effect, compared with {base}"),
        "tr.transmission": ("allen", "all"), "tr.transmission_single_parent": ("eenoudergezinnen", "single parents"),
        "tr.transmission_couple": ("gezinnen met twee ouders", "couples"),
        "tr_axis": ("stress van het kind op 21 jaar per eenheid\nstress van de ouders in de jeugd (gecorrigeerd)",
                    "child's stress at 21 per unit of\nparents' stress in childhood (adjusted)"),
        "tr_note": ("regressiehelling, gecorrigeerd voor inkomen, netwerk en gemeenschap van het huishouden; "
                    "gemiddelde en 95%-interval over de herhalingen",
                    "regression slope adjusted for household income, network and community; mean and 95% interval "
                    "over replicates"),
        "tr_title": ("Stress die ouders doorgeven aan hun kinderen", "Stress passed from parents to children"),
        "tr_sweep": ("Stress die ouders doorgeven aan hun kinderen, per punt van '{name}'",
                     "Stress passed from parents to children, by point of '{name}'"),
        "tr_links": ("Overdracht van stress met de invloedrijkste schakels uit",
                     "Transmission with the most influential links switched off"),
        "against": ("{policy}\ntegen {baseline}", "{policy}\nagainst {baseline}"),
        "diff_axis": ("verschil met de basis, in % van het gemiddelde van de basis\n(95%-interval, gepaard per "
                      "herhaling)",
                      "difference with the baseline, % of the baseline's mean\n(95% interval, paired by replicate)"),
        "diff_note": ("groen: beter, rood: slechter, grijs: onduidelijk (het interval bevat 0), blauw: niet beter of "
                      "slechter; {n} herhalingen",
                      "green: better, red: worse, grey: unclear (the interval contains 0), blue: neither; "
                      "{n} replicates"),
        "morris": ("{outcome}: Morris \u03bc* (invloed)", "{outcome}: Morris mu* (influence)"),
        "sobol": ("{outcome}: Sobol-indices (aandeel van de variantie)", "{outcome}: Sobol indices (share of variance)"),
        "s1": ("eerste orde S1", "first order S1"), "st": ("totaal ST", "total ST"),
        "indices": ("Welke invoer telt (Morris-screening en Sobol-indices)",
                    "Which inputs matter (Morris screening and Sobol indices)"),
        "ablation_axis": ("verandering in {outcome} met de schakel uit ({direction})",
                          "change in {outcome} with the link switched off ({direction})"),
        "ablation": ("Schakels die het meest tellen voor {outcome}\n(rood: de wijk doet het slechter zonder de "
                     "schakel)",
                     "Causal links that matter most for {outcome}\n(red: the neighbourhood does worse without the "
                     "link)"),
        "ov.stress": ("Stress, welbevinden, bestaanszekerheid\n(volwassenen, gemiddelde en middelste helft)",
                      "Stress, wellbeing, security\n(adults, mean and middle half)"),
        "ov.resources": ("De vier hulpbronnen (gemiddeld)", "The four resources (mean)"),
        "ov.categories": ("Rotterdamse categorieën (aandeel volwassenen)", "Rotterdam categories (share of adults)"),
        "ov.help": ("De weg naar hulp", "Finding your way to help"),
        "ov.help_reach": ("hulpbereik (van wie hulp nodig heeft: in zorg)", "help reach (of those in need: in care)"),
        "ov.need_waiting": ("van wie hulp nodig heeft: wachtend", "of those in need: waiting"),
        "ov.non_take_up": ("niet-gebruik (niet in zorg en niet wachtend)", "non-take-up (neither in care nor waiting)"),
        "ov.trust_mean": ("vertrouwen in instanties", "trust in institutions"),
        "ov.wait_weeks_ggz": ("wachttijd ggz (weken)", "wait, mental-health care (weeks)"),
        "ov.wait_weeks_youth": ("wachttijd jeugdhulp (weken)", "wait, youth care (weeks)"),
        "ov.weeks": ("weken gewacht (gemiddelde over 12 maanden)", "weeks waited (12-month mean)"),
        "ov.network": ("Netwerk en eigen kracht", "Network and agency"),
        "ov.share_bridging": ("aandeel overbruggende banden", "share bridging ties"),
        "ov.share_isolated": ("aandeel geïsoleerd", "share isolated"),
        "ov.participation_mean": ("meedoen", "participation"),
        "ov.efficacy_mean": ("collectieve redzaamheid", "collective efficacy"),
        "ov.population": ("Bevolking", "Population"), "ov.persons": ("personen", "persons"),
        "ov.households": ("huishoudens", "households"), "ov.year": ("jaar", "year"),
        "ov.title": ("Veerkracht: {scenario}, toevalsgetal {seed}, {steps} maanden; overdracht van stress ouder "
                     "\u2192 kind: {slope}",
                     "Veerkracht: {scenario}, seed {seed}, {steps} months; stress transmission parent \u2192 child: "
                     "{slope}"),
        "ov.no_slope": ("niet te schatten", "n/a"),
    }),
}
TEXT.update(TEXT_BATCH)

# the causal links in Dutch (the schema, abm.params, names them in English only)
LINK_NL: dict[str, str] = {
    "stress_wellbeing": "stress verlaagt het welbevinden",
    "wellbeing_security": "welbevinden verhoogt de bestaanszekerheid",
    "security_stress": "bestaanszekerheid verlaagt stress",
    "stress_functioning": "stress verlaagt het functioneren op school en op het werk",
    "functioning_security": "functioneren verhoogt de bestaanszekerheid",
    "security_future": "bestaanszekerheid verhoogt het toekomstperspectief",
    "future_stress": "toekomstperspectief verlaagt stress",
    "stress_parenting": "stress van ouders verlaagt de kwaliteit van de opvoeding",
    "parent_stress_support": "stress van een ouder (chronisch en acuut) verlaagt de steun aan de eigen kinderen, van "
                             "elke leeftijd",
    "single_parenting": "een alleenstaande ouder onder stress heeft geen tijd om zorg te delen; dat verlaagt de "
                        "opvoeding",
    "parenting_attachment": "goede opvoeding verhoogt de hechtingszekerheid",
    "attachment_skills": "hechting verhoogt de levensvaardigheden van het kind (naar plasticiteit)",
    "skills_stress": "levensvaardigheden verlagen stress, nu en als volwassene",
    "skills_functioning": "levensvaardigheden verhogen het functioneren (de kansen van het kind)",
    "skills_chances": "levensvaardigheden van een jongvolwassene verhogen het verdienvermogen",
    "mental_need": "psychische problemen geven een hulpvraag",
    "parenting_need": "opvoedproblemen geven een hulpvraag",
    "pro_signal": "een professional signaleert de hulpvraag",
    "school_signal": "de school signaleert de hulpvraag",
    "network_signal": "het netwerk signaleert de hulpvraag",
    "navigation_seek": "de weg kunnen vinden maakt hulp zoeken waarschijnlijker",
    "trust_seek": "vertrouwen maakt hulp zoeken waarschijnlijker (angst houdt zorgmijders weg)",
    "complexity_navigation": "een ingewikkeld stelsel maakt de weg vinden moeilijker",
    "limits_navigation": "beperkingen (laaggeletterdheid, LVB, nieuwkomer) maken de weg vinden moeilijker",
    "familiarity_navigation": "bekendheid met het stelsel helpt de weg te vinden",
    "network_navigation": "het netwerk helpt de weg te vinden",
    "pro_navigation": "een bekende professional helpt de weg te vinden",
    "help_mental": "hulp verlaagt psychische problemen",
    "help_skills": "hulp verhoogt de levensvaardigheden",
    "youth_care_child": "jeugdhulp verlaagt de psychische problemen van kinderen",
    "youth_care_parenting": "opvoedondersteuning verbetert de opvoeding die een kind krijgt",
    "wait_trust": "lang wachten verlaagt het vertrouwen (per jaar wachten)",
    "network_selfesteem": "het netwerk verhoogt het zelfvertrouwen",
    "network_agency": "het netwerk verhoogt de eigen regie",
    "network_skills": "het netwerk verhoogt de levensvaardigheden",
    "network_participation": "het netwerk verhoogt het meedoen",
    "network_stress": "het netwerk verlaagt stress",
    "participation_ties": "meedoen maakt nieuwe contacten waarschijnlijker",
    "community_ties": "gedeelde idealen of geloof openen een weg naar contacten",
    "participation_skills": "meedoen verhoogt de levensvaardigheden",
    "success_agency": "succeservaringen verhogen de eigen regie",
    "success_selfesteem": "succeservaringen verhogen het zelfvertrouwen",
    "agency_participation": "eigen regie verhoogt het meedoen (en de kans op succes)",
    "participation_success": "meedoen wordt pogingen die kunnen slagen",
    "efficacy_success": "collectieve redzaamheid vergroot de kans dat een poging slaagt",
    "participation_efficacy": "meedoen in de buurt verhoogt de collectieve redzaamheid",
    "support_efficacy": "steun in de gemeenschap verhoogt de collectieve redzaamheid",
    "events_stress": "ingrijpende gebeurtenissen verhogen de acute stress",
    "acute_chronic": "acute last die de draagkracht te lang overstijgt wordt chronische stress",
    "insecurity_events": "materiële onzekerheid maakt ingrijpende gebeurtenissen vaker",
    "stress_events": "stress maakt ingrijpende gebeurtenissen vaker",
    "support_stress": "ontvangen steun verlaagt de stress van een volwassene (bij minderjarigen: via de opvoeding)",
    "support_wellbeing": "ontvangen steun verhoogt het welbevinden",
    "care_stress": "zorgtaken verhogen de draaglast",
    "pressure_stress": "prestatiedruk verhoogt de draaglast",
    "shame_participation": "armoede, schaamte en uitsluiting verlagen het meedoen",
    "debt_shame": "problematische schulden geven schaamte, en wie schulden heeft trekt zich terug",
    "stress_mental": "stress verhoogt psychische problemen",
    "mental_wellbeing": "psychische problemen verlagen het welbevinden",
    "stress_health": "stress schaadt de lichamelijke gezondheid",
    "health_wellbeing": "lichamelijke gezondheid verhoogt het welbevinden",
    "knownface_trust": "goed contact met een bekend gezicht verhoogt het vertrouwen",
    "bad_contact_trust": "regels boven mensen in het contact met instanties verlagen het vertrouwen",
    "fraud_trust": "een verdenking van uitkeringsfraude schaadt het vertrouwen",
    "bureaucracy_effectiveness": "bureaucratie verlaagt de effectiviteit van professionals",
    "competition_effectiveness": "concurrentie tussen organisaties verlaagt de effectiviteit",
    "giveback_support": "veerkrachtige bewoners geven meer steun (de olievlek)",
    "giveback_participation": "veerkrachtige bewoners worden vrijwilliger en sleutelfiguur",
    "turnover_attachment": "verloop van bewoners verlaagt de verbondenheid met de buurt",
    "lowincome_attachment": "een concentratie van lage inkomens verlaagt de verbondenheid",
    "media_attachment": "een negatief beeld in de media verlaagt de verbondenheid",
    "polarisation_attachment": "polarisatie verlaagt de verbondenheid",
    "mix_attachment": "een gemengde woningvoorraad (sociale huur naast koop) verhoogt de verbondenheid",
    "disadvantage_efficacy": "geconcentreerde achterstand (laag inkomen) verlaagt de collectieve redzaamheid",
    "instability_efficacy": "verloop van bewoners verlaagt de collectieve redzaamheid",
    "efficacy_nuisance": "collectieve redzaamheid verlaagt overlast en onveiligheid",
    "disadvantage_nuisance": "een concentratie van lage inkomens verhoogt overlast en onveiligheid",
    "nuisance_stress": "overlast en onveiligheid in de buurt verhogen stress",
    "housing_quality_stress": "goede woningen en openbare ruimte verlagen stress (slechte kwaliteit verhoogt die)",
    "attachment_efficacy": "verbondenheid met de buurt verhoogt de collectieve redzaamheid",
    "teacher_expectations": "lage verwachtingen van leraren verlagen het zelfvertrouwen van een kind",
    "identity_stress": "identiteit en zingeving verlagen stress",
    "identity_future": "geloof en cultuur geven hoop voor de toekomst",
    "community_identity": "lid zijn van een gemeenschap geeft identiteit en zingeving",
    "income_security": "een toereikend inkomen verhoogt de bestaanszekerheid",
    "debt_security": "schulden verlagen de bestaanszekerheid",
    "housing_security": "woonzekerheid verhoogt de bestaanszekerheid",
    "functioning_employment": "functioneren helpt werk te houden en te vinden",
    "bridging_employment": "overbruggende contacten helpen werk te vinden",
    "newcomer_obstacles": "belemmeringen naar werk voor nieuwkomers en vluchtelingen",
    "builder_participation": "een opbouwwerker trekt bewoners erbij",
    "meeting_participation": "een open ontmoetingsplek dichtbij verhoogt het meedoen",
    "stress_withdrawal": "stress doet mensen zich terugtrekken uit contact",
    "distrust_withdrawal": "wantrouwen doet mensen zich terugtrekken uit contact",
    "navigation_claim": "de weg kunnen vinden verhoogt het aanvragen van bijstand",
    "trust_claim": "vertrouwen in instanties verhoogt het aanvragen van bijstand",
    "health_employment": "lichamelijke gezondheid helpt werk te houden en te vinden",
    "health_disability": "slechte gezondheid maakt arbeidsongeschiktheid waarschijnlijker",
    "debt_eviction": "schulden verhogen de kans op huisuitzetting",
    "age_illness": "ziekte wordt waarschijnlijker met de leeftijd",
    "age_health": "de lichamelijke gezondheid neemt af met de leeftijd (ouderdom beperkt de gezondheid)",
    "psy_capacity": "psychologische hulpbronnen helpen herstellen van acute stress (draagkracht)",
    "support_capacity": "steun helpt herstellen van acute stress",
    "identity_capacity": "identiteit en zingeving helpen herstellen van acute stress",
    "material_capacity": "materiële hulpbronnen helpen herstellen van acute stress",
    "jobless_scar": "een jaar of langer zonder werk laat een litteken na",
    "debt_scar": "problematische schulden laten een litteken na",
    "stress_scar": "chronische stress laat een litteken na (allostatische last)",
    "scar_recovery": "littekens vertragen het herstel na tegenslag",
    "scar_skills": "littekens verlagen de levensvaardigheden",
    "service_point_navigation": "een laagdrempelig loket dichtbij helpt de weg te vinden",
    "service_point_trust": "een laagdrempelig loket dichtbij verhoogt het vertrouwen",
    "service_point_signal": "een laagdrempelig loket dichtbij verlaagt de drempel naar hulp (de hulpvraag wordt "
                            "opgemerkt)",
    "closure_care": "gesloten scholen en kinderopvang verhogen de zorglast (kinderen thuis)",
    "single_care": "een alleenstaande ouder draagt de zorgtaken alleen (een stel deelt ze)",
    "income_housing": "een toereikend inkomen verhoogt de woonzekerheid",
    "debt_housing": "betalingsachterstanden verlagen de woonzekerheid",
    "social_housing": "sociale huur geeft woonzekerheid",
    "stress_separation": "stress maakt een scheiding waarschijnlijker",
    "selective_outmigration": "bewoners die het goed doen vertrekken eerder",
    "attachment_stay": "verbondenheid met de buurt houdt bewoners vast",
    "meeting_ties": "elkaar treffen in een ontmoetingsplek legt contacten (vermenigvuldigt de kans op contact daar)",
    "school_gate_ties": "ouders ontmoeten elkaar bij het schoolhek (vermenigvuldigt de kans op contact op school)",
    "support_parenting": "opvoedondersteuning verbetert de opvoeding die kinderen van deelnemende alleenstaande "
                         "ouders krijgen",
    "relief_care": "ontlasting van zorgtaken verlaagt de zorglast van een deelnemende alleenstaande ouder",
    "cash_savings": "materiële hulp vult het spaargeld van een deelnemend eenoudergezin aan",
    "floor_income": "een inkomensvloer vult het gestandaardiseerde inkomen van een deelnemend huishouden aan tot een "
                    "veelvoud van de lage-inkomensgrens",
    "relief_arrears": "schuldhulp lost de achterstanden van een deelnemend huishouden af",
    "exceptions_bureaucracy": "ruimte voor maatwerk verlaagt de bureaucratie (naar het aandeel bereikte huishoudens)",
    "peer_group_support": "een lotgenotengroep geeft steun aan wie op zorg wacht",
    "peer_group_mental": "een lotgenotengroep verlicht de psychische problemen van wie op zorg wacht",
    "training_skills": "leren en ontwikkelen verhogen de levensvaardigheden van een deelnemende volwassene",
    "training_earning": "leren en ontwikkelen verhogen het verdienvermogen van een deelnemende volwassene",
    "pairing_ties": "een steungezin houdt een overbruggende band met het gezin waaraan het gekoppeld is",
}


# ---- the component ---------------------------------------------------------------------------

def _open_safely(path: str | None, root: Path | None = None):
    """(folder, error): never raises, so the page shows a message instead of a traceback."""
    if not path:
        return None, None
    try:
        return open_folder(path, root), None
    except Exception as e:  # noqa: BLE001 - every failure becomes a readable message
        return None, e


@solara.component
def BatchView(lang: str = "nl", root: str | None = None):
    """The batch results page: pick or type a results folder, see its summary, plots and tables.

    ``lang`` is 'nl' or 'en' (anything else shows Dutch); ``root`` is the folder searched
    for results and the only one the page reads (default :func:`viz.sim.results_root`:
    ``run.py app --results-root``, else ``results`` where the app runs).
    """
    lang = lang if lang in LANGS else "nl"
    real_root = Path(root).resolve() if root is not None else results_root()
    root = root_label(real_root)
    chosen, set_chosen = solara.use_state("")
    typed, set_typed = solara.use_state("")
    opened, set_opened = solara.use_state("")
    refresh, set_refresh = solara.use_state(0)
    folders = solara.use_memo(lambda: list_folders(real_root), dependencies=[root, refresh])
    labels = {f"{rel} ({t(f'batch.kind.{kind}', lang)})": rel for rel, kind in folders}

    def choose(label):
        rel = labels.get(label, "")
        set_chosen(rel)
        set_opened(str(real_root / rel) if rel else "")

    folder, error = solara.use_memo(lambda: _open_safely(opened, real_root), dependencies=[opened, refresh])

    with solara.Column(classes=["vk-batch"], style={"max-width": "1200px"}):
        Markdown(f"### {t('batch.title', lang)}")
        solara.Text(t("batch.intro", lang))
        with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "center"}):
            if folders:  # an empty list would show the widget's own (English) "no data" text
                current = next((label for label, rel in labels.items() if rel == chosen), None)
                solara.Select(t("batch.folder", lang).format(root=root), values=list(labels), value=current,
                              on_value=choose, classes=["vk-batch-folder"], style={"min-width": "320px"})
            solara.InputText(t("batch.path", lang), value=typed, on_value=set_typed, continuous_update=True,
                             classes=["vk-batch-path"], style={"min-width": "320px"})
            solara.Button(t("batch.open", lang), on_click=lambda: (set_chosen(""), set_opened(typed.strip() or " "),
                                                                   set_refresh(refresh + 1)),
                          classes=["vk-batch-open"])
        if not folders:
            solara.Info(t("batch.none", lang).format(root=root), classes=["vk-batch-none"])
        if error is not None:
            solara.Error(error_text(error, lang), classes=["vk-batch-error"])
        elif folder is None:
            solara.Text(t("batch.pick", lang))
        else:
            _FolderView(folder, lang)


@solara.component
def _FolderView(folder: BatchFolder, lang: str):
    kind = t(f"batch.kind.{folder.kind}", lang)
    shown = str(folder.path)
    if folder.root is not None and folder.path.is_relative_to(folder.root):  # not where the root is on the server
        shown = (Path(root_label(folder.root)) / folder.path.relative_to(folder.root)).as_posix()
    solara.Text(t("batch.opened", lang).format(path=shown, kind=kind), classes=["vk-batch-kind"],
                style={"font-weight": "bold"})
    for key, values in folder.warnings:
        solara.Warning(t(key, lang).format(**{k: _number(v, lang) for k, v in values.items()}),
                       classes=["vk-batch-warning"])
    try:
        rows = headline(folder, lang)
    except Exception as e:  # noqa: BLE001 - a summary with unexpected content still gets a message
        rows = []
        solara.Error(error_text(e, lang), classes=["vk-batch-error"])
    table = "\n".join([f"| {t('batch.headline', lang)} | |", "|---|---|",
                       *(f"| {_md(a)} | {_md(b)} |" for a, b in rows)])
    with solara.Column(classes=["vk-batch-headline"]):
        Markdown(table)
    _Tables(folder, lang)


def _png(path: Path) -> bytes:
    """The bytes of a plot (an unreadable file shows as an empty image, not a traceback)."""
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _unique(names: Sequence[str], label: Callable[[str], str]) -> dict[str, str]:
    """{label: name}, a label that two names share numbered (the outcome filter shows labels, not names)."""
    out: dict[str, str] = {}
    for name in names:
        text = label(name)
        shown, k = text, 2
        while shown in out:
            shown, k = f"{text} ({k})", k + 1
        out[shown] = name
    return out


@solara.component
def _Plots(folder: BatchFolder, plots: list[Plot], lang: str):
    with solara.Row(classes=["vk-batch-plots"], style={"flex-wrap": "wrap"}):
        if not plots:
            solara.Text(t("batch.no_plots", lang))
        for plot in plots:
            svg = chart_svg(folder, plot, lang)
            big = svg is not None and Path(plot.name).stem in ("overview", "indices")
            with solara.Column(classes=["vk-batch-plot"], style={"max-width": "1150px" if big else "560px",
                                                                  "width": "100%"}):
                if svg is not None:
                    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["vk-batch-chart"])
                else:
                    solara.Image(_png(plot.path), width="100%")
                    solara.Text(t("batch.plot.file", lang).format(name=plot.name),
                                style={"font-size": "0.85em", "color": "#555"})


@solara.component
def _Tables(folder: BatchFolder, lang: str):
    names = folder.table_names
    name, set_name = solara.use_state(names[0] if names else "")
    name = name if name in names else (names[0] if names else "")
    outcomes, set_outcomes = solara.use_state([])
    status, set_status = solara.use_state("all")
    ranges, set_ranges = solara.use_state({})
    page, set_page = solara.use_state(0)

    df, filters, error = None, None, None
    if name:
        try:
            df = folder.table(name)
            filters = table_filters(folder, name)
        except Exception as e:  # noqa: BLE001 - shown as a message
            error = e
    # the outcome filter also picks the plots
    all_outcomes = filters.outcomes if filters is not None else []
    picked = [o for o in outcomes if o in all_outcomes]
    Markdown(f"#### {t('batch.plots', lang)}")
    _Plots(folder, filter_plots(folder.plots, picked), lang)
    Markdown(f"#### {t('batch.tables', lang)}")
    if not names:
        solara.Text(t("batch.no_tables", lang))
        return
    table_labels = {_table_label(n, lang): n for n in names}
    solara.ToggleButtonsSingle(value=_table_label(name, lang), values=list(table_labels),
                               on_value=lambda v: (set_name(table_labels.get(v, names[0])), set_ranges({}),
                                                   set_page(0)),
                               classes=["vk-batch-table-select"])
    if error is not None:
        solara.Error(error_text(error, lang), classes=["vk-batch-error"])
        return
    wide = filters.wide
    outcome_labels = _unique(filters.outcomes, (lambda c: column_label(c, lang, name)) if wide else
                             (lambda o: _cap(cell_text("outcome", o, lang, name))))
    label_of = {v: k for k, v in outcome_labels.items()}
    with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "center"}):
        if filters.outcomes:
            solara.SelectMultiple(t("batch.filter.outcome", lang), values=[label_of[o] for o in picked],
                                  all_values=list(outcome_labels),
                                  on_value=lambda v: (set_outcomes([outcome_labels[x] for x in v if x in outcome_labels]),
                                                      set_page(0)),
                                  classes=["vk-batch-filter-outcome"], style={"min-width": "320px"})
        if filters.statuses:
            options = ["all", *filters.statuses]
            shown = {(t("batch.filter.all", lang) if s == "all" else cell_text("status", s, lang)): s for s in options}
            solara.Select(t("batch.filter.status", lang), values=list(shown),
                          value=next((k for k, v in shown.items() if v == status), list(shown)[0]),
                          on_value=lambda v: (set_status(shown.get(v, "all")), set_page(0)),
                          classes=["vk-batch-filter-status"])
    chosen_ranges = {}
    for col, (lo, hi) in filters.ranges.items():
        value = ranges.get(col, (lo, hi))
        value = (max(lo, min(value[0], hi)), min(hi, max(value[1], lo)))
        chosen_ranges[col] = value
        with solara.Column(classes=["vk-batch-filter-range"], style={"max-width": "520px"}):
            label = t("batch.filter.range", lang).format(name=column_label(col, lang, name),
                                                         lo=_level(value[0], lang), hi=_level(value[1], lang))
            solara.SliderRangeFloat(label, value=value, min=lo, max=hi, step=(hi - lo) / 100.0, thumb_label=False,
                                    on_value=lambda v, col=col: (set_ranges({**ranges, col: tuple(v)}), set_page(0)))
    try:
        shown_df = filter_table(df, picked, chosen_ranges, status)
    except Exception as e:  # noqa: BLE001 - shown as a message
        solara.Error(error_text(e, lang), classes=["vk-batch-error"])
        return
    n = len(shown_df)
    solara.Text(t("batch.rows", lang).format(n=fmt.num(n, lang), total=fmt.num(len(df), lang)),
                classes=["vk-batch-rows"])
    pages = max(1, math.ceil(n / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    start, stop = page * PAGE_SIZE, min(n, (page + 1) * PAGE_SIZE)
    if n > PAGE_SIZE:
        with solara.Row(gap="12px", style={"align-items": "center"}):
            solara.Button(t("batch.prev", lang), on_click=lambda: set_page(page - 1), disabled=page == 0,
                          classes=["vk-batch-prev"])
            solara.Text(t("batch.page", lang).format(first=fmt.num(start + 1, lang), last=fmt.num(stop, lang),
                                                     n=fmt.num(n, lang)), classes=["vk-batch-page"])
            solara.Button(t("batch.next", lang), on_click=lambda: set_page(page + 1), disabled=page >= pages - 1,
                          classes=["vk-batch-next"])
    with solara.Column(classes=["vk-batch-table"]):
        solara.HTML(tag="div", unsafe_innerHTML=table_html(shown_df, name, lang, start, stop))
