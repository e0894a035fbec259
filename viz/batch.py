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
``vk-batch-rows``           "n of m rows"
``vk-batch-table``          the table (wraps a ``solara.DataFrame``)
==========================  ============================================================
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import solara

from abm.outcomes import COST, HEADLINE
from experiments.stats import INTERVAL_COLUMNS, interval_table
from experiments.store import PART_RE, read_runs
from viz.i18n import LANGS, TEXT, t
from viz.render import Markdown
from viz.sim import ViewError, confine, results_root, root_label, size_label

__all__ = [
    "KINDS", "TEXT_BATCH", "BatchError", "BatchFolder", "BatchView", "Filters", "Plot", "detect_kind", "error_text",
    "filter_plots", "filter_table", "headline", "list_folders", "open_folder", "points_table", "table_filters",
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
    """A readable message in ``lang`` for any error of this module (others are named, not traced)."""
    if isinstance(exc, BatchError):
        return t(exc.key, lang).format(**exc.values)
    return t("batch.err.other", lang).format(msg=f"{type(exc).__name__}: {exc}")


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

def _num(x, digits: int = 4) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}".replace(",", " ")
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "-"
    if abs(v) >= 1e5:
        return f"{v:,.0f}".replace(",", " ")
    return f"{v:.{digits}g}"


def headline(folder: BatchFolder, lang: str) -> list[tuple[str, str]]:
    """The folder's headline figures as (label, value) pairs in ``lang``."""
    s = folder.summary or {}
    rows: list[tuple[str, str]] = [(t("batch.h.kind", lang), t(f"batch.kind.{folder.kind}", lang))]

    def add(key, value):
        rows.append((t(key, lang), value))

    if folder.kind == "sweep":
        spec = s.get("spec") or (folder.manifest.get("meta") or {})
        add("batch.h.name", str(spec.get("name", folder.path.name)))
        add("batch.h.scenario", str(spec.get("scenario", "-")))
        add("batch.h.runs", t("batch.v.runs", lang).format(runs=_num(s.get("runs")), ok=_num(s.get("ok")),
                                                          failed=_num(s.get("failed")), missing=_num(s.get("missing"))))
        if "points" in s:
            add("batch.h.design", t("batch.v.design", lang).format(points=_num(s.get("points")),
                                                                  replicates=_num(s.get("replicates")),
                                                                  sampler=s.get("sampler", "-")))
        add("batch.h.inputs", ", ".join(folder.inputs()) or "-")
        add("batch.h.outcomes", ", ".join(map(str, s.get("outcomes") or spec.get("outcomes") or [])) or "-")
        add("batch.h.seconds", _num(s.get("seconds"), 3))
    elif folder.kind == "compare":
        add("batch.h.baseline", str(s.get("baseline", "-")))
        add("batch.h.policy", str(s.get("policy", "-")))
        add("batch.h.replicates", _num(s.get("replicates")))
        diffs = s.get("differences") or {}
        for outcome in [o for o in _HEADLINE_OUTCOMES if o in diffs]:
            d = diffs[outcome] or {}
            ci = d.get("ci95") or [None, None]
            verdict = str(d.get("verdict", "unclear"))
            word = t(f"batch.verdict.{verdict}", lang) if f"batch.verdict.{verdict}" in TEXT else verdict
            rows.append((outcome, f"{_num(d.get('baseline'))} \u2192 {_num(d.get('policy'))} "
                                  f"({_num(d.get('diff'))} [{_num(ci[0])}, {_num(ci[1])}]) {word}"))
        engine = s.get("engine") or {}
        if engine:
            add("batch.h.runs", t("batch.v.runs", lang).format(runs=_num(engine.get("runs")), ok=_num(engine.get("ok")),
                                                              failed=_num(engine.get("failed")),
                                                              missing=_num(engine.get("missing", 0))))
    elif folder.kind == "analyse":
        add("batch.h.inputs", ", ".join(map(str, s.get("inputs") or [])) or "-")
        add("batch.h.outcomes", ", ".join(map(str, s.get("outcomes") or [])) or "-")
        for stage, info in (s.get("stages") or {}).items():
            if isinstance(info, dict):
                value = t("batch.v.stage", lang).format(runs=_num(info.get("runs")), failed=_num(info.get("failed")),
                                                        seconds=_num(info.get("seconds"), 3))
                rows.append((t("batch.h.stage", lang).format(stage=stage), value))
        for outcome, links in (s.get("top_links") or {}).items():
            if links and isinstance(links, list) and isinstance(links[0], dict):
                top = links[0]
                rows.append((t("batch.h.top_link", lang).format(outcome=outcome),
                             f"{top.get('link', '-')} ({_num(top.get('diff'))})"))
    else:
        prov = s.get("provenance") or {}
        add("batch.h.scenario", str(prov.get("scenario", "-")))
        add("batch.h.seed", str(prov.get("seed", "-")))
        add("batch.h.steps", _num(s.get("steps", prov.get("steps"))))
        final = s.get("final") or {}
        for key in ("persons", *HEADLINE):  # residents at the end, then the headline outcomes the run has
            if key in final:
                rows.append((key, _num(final[key])))
        for group, tr in (s.get("transmission") or {}).items():
            if isinstance(tr, dict):
                rows.append((t("batch.h.transmission", lang).format(group=group),
                             f"{_num(tr.get('slope'))} (n = {_num(tr.get('n'))})"))
        cost = (s.get("interventions") or {}).get("cost_total")
        if cost:
            add("batch.h.cost", _num(cost))
    return rows


# ---- texts ------------------------------------------------------------------------------------

TEXT_BATCH: dict[str, dict[str, str]] = {
    "batch.title": {"nl": "Resultaten van reeksen", "en": "Batch results"},
    "batch.intro": {"nl": "Open een map die de opdrachtregel schreef (sweep, compare, analyse of run) en bekijk de "
                          "grafieken en tabellen.",
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
    "batch.kind.sweep": {"nl": "reeks (sweep)", "en": "sweep"},
    "batch.kind.compare": {"nl": "vergelijking van twee scenario's", "en": "comparison of two scenarios"},
    "batch.kind.analyse": {"nl": "gevoeligheidsanalyse", "en": "sensitivity analysis"},
    "batch.kind.run": {"nl": "een enkele run", "en": "a single run"},
    "batch.opened": {"nl": "Geopend: {path} ({kind})", "en": "Opened: {path} ({kind})"},
    "batch.headline": {"nl": "Samenvatting", "en": "Summary"},
    "batch.plots": {"nl": "Grafieken", "en": "Plots"},
    "batch.no_plots": {"nl": "Geen grafieken bij deze keuze.", "en": "No plots for this choice."},
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
    "batch.no_tables": {"nl": "Deze map heeft (nog) geen tabellen.", "en": "This folder has no tables (yet)."},
    "batch.h.kind": {"nl": "Soort", "en": "Kind"},
    "batch.h.name": {"nl": "Naam", "en": "Name"},
    "batch.h.scenario": {"nl": "Scenario", "en": "Scenario"},
    "batch.h.runs": {"nl": "Runs", "en": "Runs"},
    "batch.h.design": {"nl": "Opzet", "en": "Design"},
    "batch.h.inputs": {"nl": "Gevarieerde invoer", "en": "Inputs varied"},
    "batch.h.outcomes": {"nl": "Uitkomsten", "en": "Outcomes"},
    "batch.h.seconds": {"nl": "Rekentijd (s)", "en": "Computing time (s)"},
    "batch.h.baseline": {"nl": "Basis (A)", "en": "Baseline (A)"},
    "batch.h.policy": {"nl": "Beleid (B)", "en": "Policy (B)"},
    "batch.h.replicates": {"nl": "Herhalingen", "en": "Replicates"},
    "batch.h.stage": {"nl": "Stap {stage}", "en": "Stage {stage}"},
    "batch.h.top_link": {"nl": "Belangrijkste schakel voor {outcome}", "en": "Link that matters most for {outcome}"},
    "batch.h.seed": {"nl": "Toevalsgetal (seed)", "en": "Seed"},
    "batch.h.steps": {"nl": "Maanden", "en": "Months"},
    "batch.h.transmission": {"nl": "Overdracht van stress ouder-kind ({group})",
                             "en": "Stress transmission parent-child ({group})"},
    "batch.h.cost": {"nl": "Kosten in totaal (EUR)", "en": "Total cost (EUR)"},
    "batch.v.runs": {"nl": "{runs} totaal: {ok} goed, {failed} mislukt, {missing} ontbrekend",
                     "en": "{runs} in all: {ok} ok, {failed} failed, {missing} missing"},
    "batch.v.design": {"nl": "{points} punten x {replicates} herhalingen ({sampler})",
                       "en": "{points} points x {replicates} replicates ({sampler})"},
    "batch.v.stage": {"nl": "{runs} runs, {failed} mislukt, {seconds} s", "en": "{runs} runs, {failed} failed, {seconds} s"},
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
    "batch.warn.unfinished": {"nl": "Deze vergelijking is niet af: er is nog geen differences.csv.",
                              "en": "This comparison is not finished: there is no differences.csv yet."},
    "batch.err.no_path": {"nl": "Geef een map op.", "en": "Give a folder."},
    "batch.err.missing": {"nl": "De map '{path}' bestaat niet.", "en": "The folder '{path}' does not exist."},
    "batch.err.not_folder": {"nl": "'{path}' is een bestand, geen map.", "en": "'{path}' is a file, not a folder."},
    "batch.err.foreign": {"nl": "'{path}' is geen resultatenmap van run.py: verwacht summary.json, manifest.json, "
                                "comparison.json, analysis.json of timeseries.parquet.",
                          "en": "'{path}' is not a results folder of run.py: expected summary.json, manifest.json, "
                                "comparison.json, analysis.json or timeseries.parquet."},
    "batch.err.unreadable": {"nl": "{name} kan niet worden gelezen: {reason}",
                             "en": "{name} cannot be read: {reason}"},
    "batch.err.table": {"nl": "Onbekende tabel '{name}'; er zijn: {allowed}.",
                        "en": "Unknown table '{name}'; there are: {allowed}."},
    "batch.err.column": {"nl": "Onbekende kolom '{name}'; er zijn: {allowed}.",
                         "en": "Unknown column '{name}'; there are: {allowed}."},
    "batch.err.range": {"nl": "Het bereik van {name} ({lo} tot {hi}) kan niet.",
                        "en": "The range of {name} ({lo} to {hi}) is not allowed."},
    "batch.err.no_file": {"nl": "{name} is geen bestand in de resultatenmap.",
                          "en": "{name} is not a file in the results folder."},
    "batch.err.other": {"nl": "Er ging iets mis bij het openen: {msg}", "en": "Something went wrong while opening: {msg}"},
}
TEXT.update(TEXT_BATCH)


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
        solara.Warning(t(key, lang).format(**values), classes=["vk-batch-warning"])
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


@solara.component
def _Tables(folder: BatchFolder, lang: str):
    names = folder.table_names
    name, set_name = solara.use_state(names[0] if names else "")
    name = name if name in names else (names[0] if names else "")
    outcomes, set_outcomes = solara.use_state([])
    status, set_status = solara.use_state("all")
    ranges, set_ranges = solara.use_state({})

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
    plots = filter_plots(folder.plots, picked)
    Markdown(f"#### {t('batch.plots', lang)}")
    with solara.Row(classes=["vk-batch-plots"], style={"flex-wrap": "wrap"}):
        if not plots:
            solara.Text(t("batch.no_plots", lang))
        for plot in plots:
            with solara.Column(classes=["vk-batch-plot"], style={"max-width": "560px"}):
                solara.Image(_png(plot.path), width="100%")
                solara.Text(plot.name, style={"font-size": "0.85em", "color": "#555"})
    Markdown(f"#### {t('batch.tables', lang)}")
    if not names:
        solara.Text(t("batch.no_tables", lang))
        return
    table_labels = {t(f"batch.table.{n}", lang): n for n in names}
    solara.ToggleButtonsSingle(value=t(f"batch.table.{name}", lang), values=list(table_labels),
                               on_value=lambda v: (set_name(table_labels.get(v, names[0])), set_ranges({})),
                               classes=["vk-batch-table-select"])
    if error is not None:
        solara.Error(error_text(error, lang), classes=["vk-batch-error"])
        return
    with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "center"}):
        if filters.outcomes:
            solara.SelectMultiple(t("batch.filter.outcome", lang), values=picked, all_values=filters.outcomes,
                                  on_value=set_outcomes, classes=["vk-batch-filter-outcome"],
                                  style={"min-width": "320px"})
        if filters.statuses:
            options = ["all", *filters.statuses]
            shown = {(t("batch.filter.all", lang) if s == "all" else s): s for s in options}
            solara.Select(t("batch.filter.status", lang), values=list(shown),
                          value=next((k for k, v in shown.items() if v == status), list(shown)[0]),
                          on_value=lambda v: set_status(shown.get(v, "all")), classes=["vk-batch-filter-status"])
    chosen_ranges = {}
    for col, (lo, hi) in filters.ranges.items():
        value = ranges.get(col, (lo, hi))
        value = (max(lo, min(value[0], hi)), min(hi, max(value[1], lo)))
        chosen_ranges[col] = value
        with solara.Column(classes=["vk-batch-filter-range"], style={"max-width": "520px"}):
            label = t("batch.filter.range", lang).format(name=col, lo=_num(value[0]), hi=_num(value[1]))
            solara.SliderRangeFloat(label, value=value, min=lo, max=hi, step=(hi - lo) / 100.0,
                                    on_value=lambda v, col=col: set_ranges({**ranges, col: tuple(v)}))
    try:
        shown_df = filter_table(df, picked, chosen_ranges, status)
    except Exception as e:  # noqa: BLE001 - shown as a message
        solara.Error(error_text(e, lang), classes=["vk-batch-error"])
        return
    solara.Text(t("batch.rows", lang).format(n=len(shown_df), total=len(df)), classes=["vk-batch-rows"])
    with solara.Column(classes=["vk-batch-table"]):
        solara.DataFrame(shown_df, items_per_page=20, scrollable=True)
