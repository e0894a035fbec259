"""The batch engine: many tasks on a Dask cluster, results streamed into a resumable Parquet dataset.

:func:`run_tasks` sends every task (see :mod:`experiments.tasks`) to Dask as one Dask task,
on a ``LocalCluster`` embedded in this process (one single-threaded worker process per
core, everything on 127.0.0.1, nothing to start) or on an existing cluster
(``scheduler="tcp://HOST:PORT"``). Results come back as they finish and are written in
small batches into the dataset folder::

    DIR/manifest.json      what the dataset holds: a fingerprint of the spec and its runs
    DIR/runs/part-*.parquet one row per run and outcome (a failed run: one row, outcome empty)
    DIR/summary.json       counts, failures with their inputs and errors, timing, throughput
    DIR/.lock              held while a process writes into DIR

Each part file is written under a temporary name starting with a dot and renamed into
place when complete, so a killed process never leaves a half-written part that could be
read as data (readers, pyarrow included, skip dot files; the next run removes them).

Resume: the same call on the same folder reads the run ids already recorded and computes
only the missing ones. A run is done once a part holds it with status ``ok``. A run that
raised is recorded (status ``error``, with its error and traceback) and the sweep goes
on; it counts as not done, so the next invocation tries it again (``attempt`` counts the
tries). We chose this because most errors seen in practice are transient (a lost
worker, a full disk, a bug fixed in between); a run that fails for good fails again
quickly, and its rows say so. :func:`read_runs` keeps the latest attempt of each run, so
nothing is counted twice.

A run's outcomes depend only on its task (the seed is in the task), never on the worker
that ran it or the order of runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import os
import platform
import re
import signal
import socket
import sys
import time
import traceback as tb
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.results import PROVENANCE_KEY, OutputError, _git_commit, check_creatable
from experiments.tasks import TASK_KEYS, run_task, task_id

MANIFEST = "manifest.json"
RUNS = "runs"
SUMMARY = "summary.json"
LOCK = ".lock"
FORMAT = 1
FAILURES_LISTED = 100  # summary.json lists at most this many failures (all are in the dataset)
SCHEDULER_RE = re.compile(r"(tcp|tls)://[^\s/]+:\d+")
CONNECT_TIMEOUT = "10s"

# columns the engine writes after the inputs; their types are fixed
RESULT_COLUMNS = {
    "outcome": pa.string(),
    "value": pa.float64(),
    "status": pa.string(),  # ok | error
    "error": pa.string(),  # "ExceptionType: message" (one line) of a failed run
    "attempt": pa.int64(),  # 1 for the first try of a run, 2 for the next, ...
    "seconds": pa.float64(),  # time the run itself reports (model construction and steps)
    "wall_seconds": pa.float64(),  # time of the call on the worker
    "persons_start": pa.int64(),
    "worker": pa.string(),
    "finished": pa.timestamp("ms", tz="UTC"),
    "traceback": pa.string(),
}


class EngineError(ValueError):
    """A cluster that cannot be used (bad address, unreachable scheduler)."""


# ---- runs and their columns -----------------------------------------------------------

def _normalise(item: dict) -> tuple[dict, dict]:
    """(task, labels) of one entry: a plain task, or ``{"task": task, **labels}``."""
    if "task" in item:
        labels = {k: v for k, v in item.items() if k != "task"}
        return item["task"], labels
    return item, {}


def run_id(task: dict, labels: dict) -> str:
    """A stable id of a run: its task and its labels (point, replicate, ...)."""
    if not labels:
        return task_id(task)
    blob = json.dumps({"task": task_id(task), "labels": labels}, sort_keys=True, default=_plain)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def flatten_task(task: dict) -> dict:
    """A task's inputs as flat columns: ``scenario``, ``seed``, ``steps``, ``off``,
    ``set.NAME``, ``interventions.NAME.SETTING``, ``shocks.NAME.SETTING``."""
    out: dict = {"scenario": task.get("scenario", "krachtwijk"), "seed": task.get("seed"), "steps": task.get("steps")}
    off = task.get("off") or []
    out["off"] = ",".join(off) if off else None
    for name, value in sorted((task.get("set") or {}).items()):
        out[f"set.{name}"] = value
    for table in ("interventions", "shocks"):
        for name, settings in sorted((task.get(table) or {}).items()):
            if not settings:
                out[f"{table}.{name}"] = "on"
            for key, value in sorted((settings or {}).items()):
                out[f"{table}.{name}.{key}"] = value
    return out


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _column_type(values) -> pa.DataType:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (bool, np.bool_)) for v in present):
        return pa.bool_()
    if present and all(_is_int(v) for v in present):
        return pa.int64()
    if present and all(_is_number(v) for v in present):
        return pa.float64()
    return pa.string()


def _cast(value, kind: pa.DataType):
    if value is None:
        return None
    if kind == pa.string():
        return value if isinstance(value, str) else json.dumps(value, default=_plain)
    if kind == pa.float64():
        return float(value)
    if kind == pa.int64():
        return int(value)
    return bool(value)


def _plain(x):
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, (tuple, set)):
        return list(x)
    raise TypeError(f"cannot store {type(x).__name__}: {x!r}")


class _Runs:
    """The runs of one call: tasks, labels, ids and their input columns with fixed types."""

    def __init__(self, items: Sequence[dict]):
        self.tasks, self.labels, self.ids = [], [], []
        for item in items:
            task, labels = _normalise(item)
            unknown = [k for k in task if k not in TASK_KEYS]
            if unknown:
                raise ValueError(f"task {task!r}: unknown key '{unknown[0]}'; allowed: {', '.join(TASK_KEYS)}")
            self.tasks.append(task)
            self.labels.append(labels)
            self.ids.append(run_id(task, labels))
        seen: dict[str, int] = {}
        for i, rid in enumerate(self.ids):
            if rid in seen:
                raise ValueError(f"runs {seen[rid]} and {i} are the same run (same task and labels); "
                                 "give them different labels, e.g. a replicate index")
            seen[rid] = i
        self.index = seen
        self.inputs = [flatten_task(t) for t in self.tasks]
        label_cols = list(dict.fromkeys(k for lab in self.labels for k in lab))
        input_cols = list(dict.fromkeys(k for row in self.inputs for k in row))
        input_cols = ([c for c in ("seed", "scenario", "steps", "off") if c in input_cols]
                      + sorted(c for c in input_cols if c not in ("seed", "scenario", "steps", "off")))
        fields = [("run_id", pa.string()), ("task_id", pa.string())]
        fields += [(c, _column_type([lab.get(c) for lab in self.labels])) for c in label_cols]
        fields += [(c, _column_type([row.get(c) for row in self.inputs])) for c in input_cols
                   if c not in label_cols]
        self.label_cols, self.input_cols = label_cols, [c for c in input_cols if c not in label_cols]
        self.schema = pa.schema(fields + list(RESULT_COLUMNS.items()))

    def fingerprint(self, meta) -> str:
        blob = json.dumps({"meta": meta, "runs": sorted(self.ids)}, sort_keys=True, default=_plain)
        return hashlib.sha256(blob.encode()).hexdigest()

    def base_row(self, i: int) -> dict:
        row = {"run_id": self.ids[i], "task_id": task_id(self.tasks[i])}
        for c in self.label_cols:
            row[c] = _cast(self.labels[i].get(c), self.schema.field(c).type)
        for c in self.input_cols:
            row[c] = _cast(self.inputs[i].get(c), self.schema.field(c).type)
        return row


# ---- the dataset folder ---------------------------------------------------------------

def _write_json(path: Path, obj) -> None:
    """``obj`` as JSON at ``path``, atomically (temporary name, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(obj, indent=2, default=_plain, allow_nan=False), encoding="utf-8")
    os.replace(tmp, path)


def _is_fresh(folder: Path) -> bool:
    """True if ``folder`` holds nothing of value (missing, empty, or only an empty start)."""
    if not folder.exists():
        return True
    for entry in folder.iterdir():
        if entry.name == LOCK or entry.name.startswith(f".{MANIFEST}.tmp"):
            continue
        if entry.name == RUNS and entry.is_dir() and all(p.name.startswith(".") for p in entry.iterdir()):
            continue
        return False
    return True


def _first_difference(a, b, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b or a[key] != b[key]:
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
        return ""
    return f"{path or 'spec'}: {json.dumps(a, default=_plain)} here, {json.dumps(b, default=_plain)} in the folder"


def check_folder(out_dir: str | os.PathLike, fingerprint: str, meta) -> bool:
    """Check that ``out_dir`` can take this dataset, writing nothing. True if it resumes one.

    Raises :class:`~experiments.results.OutputError` (one line) for a path that is a file, a
    folder holding something else, a dataset of a different spec, or a place that cannot
    be written.
    """
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"output path '{folder}' exists and is not a folder")
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise OutputError(f"output folder '{folder}': {MANIFEST} cannot be read ({e}); choose a new folder") from None
        if old.get("fingerprint") != fingerprint:
            diff = _first_difference(json.loads(json.dumps(meta, default=_plain)), old.get("meta"))
            why = diff or "the same spec gives other runs with this version of the code"
            raise OutputError(f"output folder '{folder}' holds a different sweep ({why}); "
                              "choose a new folder, or run the spec it was made with to resume it")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"output folder '{folder}' is not writable")
        return True
    if not _is_fresh(folder):
        raise OutputError(f"output folder '{folder}' exists and holds something other than a sweep; choose a new one")
    check_creatable(folder.resolve(), folder)
    return False


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold ``folder/.lock`` so two processes never write into one dataset at once."""
    fh = open(folder / LOCK, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"output folder '{folder}' is being written by another process; "
                              "wait for it or stop it first") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{socket.gethostname()} {os.getpid()}\n")
        fh.flush()
        yield
    finally:
        fh.close()


PART_RE = re.compile(r"part-(\d{6,})-[0-9a-f]{8}\.parquet")


def _part_files(runs_dir: Path) -> list[Path]:
    """The complete part files, oldest first (dot files are temporary, never data)."""
    if not runs_dir.is_dir():
        return []
    return sorted((p for p in runs_dir.iterdir() if PART_RE.fullmatch(p.name)),
                  key=lambda p: int(PART_RE.fullmatch(p.name).group(1)))


def _read_parts(runs_dir: Path, columns: list[str] | None = None) -> pa.Table | None:
    tables = []
    for part in _part_files(runs_dir):
        try:
            t = pq.read_table(part, columns=columns)
        except (OSError, pa.ArrowException) as e:
            raise OutputError(f"part file '{part}' cannot be read ({e}); move it away and run again") from None
        tables.append(t.append_column("part", pa.array([part.name] * t.num_rows, pa.string())))
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="permissive")


def read_runs(out_dir: str | os.PathLike, latest: bool = True):
    """The dataset in ``out_dir`` as a pandas DataFrame, one row per run and outcome.

    With ``latest`` (the default) each run appears once: its latest attempt (a run that
    failed and then succeeded shows only its success). ``latest=False`` gives every
    attempt ever written. The column ``part`` names the part file a row came from.
    """
    import pandas as pd

    table = _read_parts(Path(out_dir) / RUNS)
    if table is None:
        return pd.DataFrame(columns=["run_id", "outcome", "value", "status", "attempt", "part"])
    df = table.to_pandas()
    if latest and len(df):
        # a part holds a run at most once; the latest part with a run holds its latest attempt
        last = df.groupby("run_id")["part"].transform("max")
        df = df[df["part"] == last]
        df = df.drop_duplicates(["run_id", "outcome"], keep="first")
    return df.reset_index(drop=True)


def _recorded(runs_dir: Path) -> tuple[set[str], dict[str, int]]:
    """(ids of the runs done, {run id: attempts so far}) from the parts in ``runs_dir``."""
    table = _read_parts(runs_dir, columns=["run_id", "status", "attempt"])
    if table is None:
        return set(), {}
    ids = table.column("run_id").to_pylist()
    status = table.column("status").to_pylist()
    attempt = table.column("attempt").to_pylist()
    done = {r for r, s in zip(ids, status) if s == "ok"}
    attempts: dict[str, int] = {}
    for r, a in zip(ids, attempt):
        attempts[r] = max(attempts.get(r, 0), int(a or 0))
    return done, attempts


def provenance(meta) -> dict:
    """What produced a dataset: model version, code commit, date, packages and the spec."""
    import importlib.metadata as md

    packages = {}
    for name in ("mesa", "numpy", "numba", "pandas", "pyarrow", "dask", "distributed", "SALib"):
        try:
            packages[name] = md.version(name)
        except md.PackageNotFoundError:
            packages[name] = None
    try:
        from abm import __version__ as version
    except ImportError:  # an editable install that sees abm as a namespace package
        version = md.version("veerkracht")
    return {"model": "veerkracht", "version": version, "commit": _git_commit(),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(), "host": socket.gethostname(), "packages": packages,
            "spec": meta}


class _Writer:
    """Buffers finished runs and writes them as part files (temporary name, then rename)."""

    def __init__(self, runs_dir: Path, runs: _Runs, prov: dict, batch_runs: int, flush_seconds: float):
        self.dir, self.runs, self.batch_runs, self.flush_seconds = runs_dir, runs, batch_runs, flush_seconds
        meta = dict(runs.schema.metadata or {})
        meta[PROVENANCE_KEY] = json.dumps(prov, default=_plain).encode()
        self.schema = runs.schema.with_metadata(meta)
        existing = [int(PART_RE.fullmatch(p.name).group(1)) for p in _part_files(runs_dir)]
        self.seq = max(existing, default=0)
        self.rows: list[dict] = []
        self.pending: set[str] = set()
        self.written: set[str] = set()
        self.first = None
        self.parts: list[str] = []

    def add(self, rows: list[dict]) -> None:
        rid = rows[0]["run_id"]
        if rid in self.pending or rid in self.written:
            return  # a run Dask computed twice (e.g. after a lost worker) is kept once
        self.pending.add(rid)
        self.rows.extend(rows)
        self.first = self.first or time.monotonic()

    def due(self) -> bool:
        return bool(self.pending) and (len(self.pending) >= self.batch_runs
                                       or time.monotonic() - self.first >= self.flush_seconds)

    def flush(self) -> None:
        if not self.rows:
            return
        self.seq += 1
        name = f"part-{self.seq:06d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = self.dir / f".{name}.tmp"
        table = pa.Table.from_pylist(self.rows, schema=self.schema)
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.dir / name)
        self.parts.append(name)
        self.written |= self.pending
        self.rows, self.pending, self.first = [], set(), None


# ---- the cluster ----------------------------------------------------------------------

def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def worker_env() -> dict[str, str]:
    """Environment of the local workers: single-threaded kernels, the shared numba cache."""
    env = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    if os.environ.get("NUMBA_CACHE_DIR"):
        env["NUMBA_CACHE_DIR"] = os.environ["NUMBA_CACHE_DIR"]
    return env


@contextlib.contextmanager
def _ignoring_sigint():
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def open_client(scheduler: str | None = None, workers: int | None = None):
    """A Dask client: on ``scheduler`` if given, else on an embedded LocalCluster.

    The local cluster has ``workers`` processes (default: all cores) of one thread each,
    listens on 127.0.0.1 only (scheduler, workers and the diagnostics port) and is closed
    on exit. Raises :class:`EngineError` for a bad or unreachable scheduler address.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if not SCHEDULER_RE.fullmatch(scheduler):
            raise EngineError(f"--scheduler {scheduler!r}: expected tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786")
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler} ({str(e).splitlines()[0]}); "
                              "start one with `dask scheduler`, see README 'Sweeps'") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or default_workers()
    # Ctrl-C in a terminal reaches every process of the group; the workers are spawned
    # ignoring it (inherited), so only this process reacts: it writes what has finished,
    # cancels the rest and closes the cluster.
    with _ignoring_sigint():
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL, env=worker_env())
    try:
        with Client(cluster, set_as_default=False) as client:
            yield client
    finally:
        cluster.close()


def _execute(fn: Callable[[dict], dict], task: dict) -> dict:
    """What a worker runs: the task, timed, with the worker's name."""
    try:
        from distributed import get_worker

        worker = get_worker().address
    except ValueError:
        worker = f"{socket.gethostname()}:{os.getpid()}"
    t0 = time.perf_counter()
    result = fn(task)
    return {"result": result, "wall": time.perf_counter() - t0, "worker": worker, "finished": time.time()}


def _ok_rows(base: dict, got: dict, attempt: int) -> list[dict]:
    result = got["result"]
    if not isinstance(result, dict) or not isinstance(result.get("outcomes"), dict):
        raise TypeError(f"the task function returned {type(result).__name__}, expected a dict with 'outcomes'")
    common = {"status": "ok", "error": None, "attempt": attempt,
              "seconds": float(result.get("seconds", got["wall"])), "wall_seconds": float(got["wall"]),
              "persons_start": result.get("persons_start"), "worker": got["worker"],
              "finished": datetime.fromtimestamp(got["finished"], timezone.utc), "traceback": None}
    rows = []
    for name, value in result["outcomes"].items():
        value = float("nan") if value is None else float(value)
        rows.append({**base, "outcome": str(name), "value": value, **common})
    if not rows:  # a run that returns no outcomes still counts as done
        rows.append({**base, "outcome": None, "value": float("nan"), **common})
    return rows


def _error_rows(base: dict, exc: BaseException, trace, attempt: int) -> list[dict]:
    message = f"{type(exc).__name__}: {exc}".strip().replace("\n", " ")
    text = "".join(tb.format_exception(type(exc), exc, trace)) if trace is not None else None
    return [{**base, "outcome": None, "value": float("nan"), "status": "error", "error": message,
             "attempt": attempt, "seconds": None, "wall_seconds": None, "persons_start": None, "worker": None,
             "finished": datetime.now(timezone.utc), "traceback": text}]


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """A plain ``kill`` stops the engine like Ctrl-C: finished runs are written first."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


# ---- the engine -----------------------------------------------------------------------

def run_tasks(tasks: Sequence[dict], out_dir: str | os.PathLike, *, scheduler: str | None = None,
              workers: int | None = None, progress: bool = True, fn: Callable[[dict], dict] = run_task,
              meta=None, batch_runs: int = 50, flush_seconds: float = 5.0, desc: str = "runs") -> dict:
    """Run every task as one Dask task and stream the results into the dataset ``out_dir``.

    Args:
        tasks: plain tasks (see :mod:`experiments.tasks`), or ``{"task": task, **labels}``
            where labels (e.g. ``point``, ``replicate``) become columns and part of the run id.
        out_dir: the dataset folder; a folder made by the same ``meta`` and tasks resumes:
            only runs not yet done are computed.
        scheduler: ``tcp://HOST:PORT`` of a running Dask scheduler; default an embedded
            LocalCluster with ``workers`` processes (default: all cores).
        progress: a progress bar on stderr (done/total, rate, time left).
        fn: the function a worker applies to a task; it must be importable on the workers
            (and the scheduler) and return ``{"outcomes": {name: float}, "seconds": float}``.
        meta: what made the tasks (a JSON-able spec); stored with the results, and a folder
            made by another ``meta`` is refused.
        batch_runs, flush_seconds: a part file is written every ``batch_runs`` finished runs
            or ``flush_seconds`` after the first unwritten one, whichever comes first.

    Returns:
        The summary (also written to ``out_dir/summary.json``): counts over the whole
        dataset (``runs``, ``ok``, ``failed``, ``missing``), what this call did
        (``computed``, ``seconds``, ``runs_per_second``), and up to 100 failures with
        their inputs and errors.

    Raises:
        OutputError: the folder cannot take this dataset (checked before anything runs).
        EngineError: the scheduler cannot be used.
        KeyboardInterrupt: after writing the runs finished so far and cancelling the rest.
    """
    runs = _Runs(tasks)
    fingerprint = runs.fingerprint(meta)
    folder = Path(out_dir)
    resuming = check_folder(folder, fingerprint, meta)  # nothing is written before this passes
    t_start = time.perf_counter()
    if resuming:
        with _locked(folder):
            done, _ = _recorded(folder / RUNS)
            if all(rid in done for rid in runs.ids):  # nothing to do: no cluster needed
                summary = _summary(folder, runs, meta, len(runs.ids), 0, 0, 0, time.perf_counter() - t_start,
                                   [], 0, scheduler, [])
                _write_json(folder / SUMMARY, summary)
                return summary
    with open_client(scheduler, workers) as client:
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder), _sigterm_as_interrupt():
            summary = _run(client, folder, runs, fingerprint, meta, fn, progress, batch_runs, flush_seconds, desc,
                           scheduler, t_start)
    return summary


def _run(client, folder: Path, runs: _Runs, fingerprint: str, meta, fn, progress: bool, batch_runs: int,
         flush_seconds: float, desc: str, scheduler: str | None, t_start: float) -> dict:
    """The body of :func:`run_tasks`, holding the folder's lock, with a client."""
    from distributed import as_completed
    from tqdm import tqdm

    runs_dir = folder / RUNS
    runs_dir.mkdir(exist_ok=True)
    for stale in runs_dir.glob(".part-*"):
        stale.unlink(missing_ok=True)  # left by a killed process; never data
    if not (folder / MANIFEST).is_file():
        _write_json(folder / MANIFEST, {"format": FORMAT, "fingerprint": fingerprint, "runs": len(runs.ids),
                                        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                        "meta": meta})
    done, attempts = _recorded(runs_dir)
    todo = [i for i, rid in enumerate(runs.ids) if rid not in done]
    n_done_before = len(runs.ids) - len(todo)
    n_workers = len(client.scheduler_info(n_workers=-1)["workers"])
    if not n_workers and progress:
        print(f"note: the scheduler at {scheduler} has no workers yet; the runs start when workers join",
              file=sys.stderr)
    writer = _Writer(runs_dir, runs, provenance(meta), batch_runs, flush_seconds)
    computed, failed_now, cancelled = 0, 0, 0
    run_seconds: list[float] = []
    futures: dict = {}
    bar = tqdm(total=len(runs.ids), initial=n_done_before, unit="run", desc=desc, disable=not progress,
               file=sys.stderr, dynamic_ncols=True, smoothing=0.05)
    try:
        if todo:
            call = functools.partial(_execute, fn)
            # a Dask key names the function too: on a shared cluster another function's
            # result for the same task must never stand in for this one's
            name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__name__)}"
            tag = hashlib.sha256(name.encode()).hexdigest()[:8]
            keys = [f"veerkracht-{tag}-{runs.ids[i]}" for i in todo]
            submitted = client.map(call, [runs.tasks[i] for i in todo], key=keys, pure=False)
            futures = {f.key: (f, i) for f, i in zip(submitted, todo)}
            del submitted
        for fut in as_completed([f for f, _ in futures.values()], loop=client.loop, raise_errors=False):
            _, i = futures.pop(fut.key)
            if fut.status == "cancelled":  # not run (e.g. the scheduler went away): missing, not failed
                cancelled += 1
                continue
            base = runs.base_row(i)
            attempt = attempts.get(runs.ids[i], 0) + 1
            if fut.status == "error":
                rows = _error_rows(base, fut.exception(), fut.traceback(), attempt)
                failed_now += 1
            else:
                try:
                    rows = _ok_rows(base, fut.result(), attempt)
                    run_seconds.append(rows[0]["seconds"])
                except Exception as e:  # a result we cannot read is a failed run, not a crash
                    rows = _error_rows(base, e, e.__traceback__, attempt)
                    failed_now += 1
            fut.release()
            writer.add(rows)
            computed += 1
            bar.update(1)
            if failed_now:
                bar.set_postfix(failed=failed_now, refresh=False)
            if writer.due():
                writer.flush()
        writer.flush()
    except KeyboardInterrupt:
        pending = [f for f, _ in futures.values()]
        if pending:
            client.cancel(pending)  # all in one call
        writer.flush()  # the runs finished so far are kept
        bar.close()
        raise
    bar.close()
    summary = _summary(folder, runs, meta, n_done_before, computed, failed_now, cancelled,
                       time.perf_counter() - t_start, run_seconds, n_workers, scheduler, writer.parts)
    _write_json(folder / SUMMARY, summary)
    return summary


def _summary(folder: Path, runs: _Runs, meta, done_before: int, computed: int, failed_now: int, cancelled: int,
             seconds: float, run_seconds: list[float], n_workers: int, scheduler: str | None,
             parts: list[str]) -> dict:
    """Counts over the whole dataset and figures of this call."""
    df = read_runs(folder)
    status = df.drop_duplicates("run_id").set_index("run_id")["status"] if len(df) else {}
    n_ok = sum(1 for rid in runs.ids if rid in status and status[rid] == "ok")
    failures = []
    if len(df):
        bad = df[df["status"] == "error"].drop_duplicates("run_id")
        bad = bad.assign(order=bad["run_id"].map(runs.index)).sort_values("order")
        for rec in bad.head(FAILURES_LISTED).itertuples(index=False):
            i = runs.index.get(rec.run_id)
            if i is None:
                continue
            failures.append({"run_id": rec.run_id, **runs.labels[i], "task": runs.tasks[i], "error": rec.error,
                             "attempt": int(rec.attempt)})
        n_failed = int(bad["run_id"].isin(runs.index).sum())
    else:
        n_failed = 0
    mean_run = float(np.mean(run_seconds)) if run_seconds else None
    # share of worker time not spent inside the runs (cluster start, transfer, writing, idle tail)
    busy = sum(run_seconds)
    overhead = (seconds * n_workers - busy) / computed if computed and n_workers else None
    return {
        "runs": len(runs.ids), "ok": n_ok, "failed": n_failed, "missing": len(runs.ids) - n_ok - n_failed,
        "complete": n_ok == len(runs.ids), "done_before": done_before, "computed": computed,
        "failed_now": failed_now, "cancelled": cancelled, "seconds": round(seconds, 3),
        "runs_per_second": round(computed / seconds, 4) if computed and seconds > 0 else None,
        "run_seconds_mean": None if mean_run is None else round(mean_run, 4),
        "overhead_seconds_per_run": None if overhead is None else round(overhead, 4),
        "workers": n_workers, "scheduler": scheduler or "local", "parts_written": len(parts),
        "failures": failures, "failures_listed": len(failures),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": str(folder / RUNS), "spec": meta,
    }

