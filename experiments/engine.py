"""The batch engine: many tasks on a Dask cluster, results streamed into a resumable Parquet dataset.

:func:`run_tasks` sends every task (see :mod:`experiments.tasks`) to Dask as one Dask task,
on a ``LocalCluster`` embedded in this process (one single-threaded worker process per
core, everything on 127.0.0.1, nothing to start) or on an existing cluster
(``scheduler="tls://HOST:PORT"`` with a ``security``, or ``tcp://HOST:PORT``). Results come
back as they finish and are written in small batches into the dataset folder::

    DIR/manifest.json      what the dataset holds: its identity (below) and a fingerprint of it
    DIR/runs/part-*.parquet one row per run and outcome (a failed run: one row, outcome empty)
    DIR/summary.json       counts, failures with their inputs and errors, timing, throughput
    DIR/.lock              held while a process writes into DIR

Each part file is written under a temporary name starting with a dot and renamed into
place when complete, so a killed process never leaves a half-written part that could be
read as data (readers, pyarrow included, skip dot files; the next run removes them).

Identity: a folder holds one experiment. Its fingerprint covers the spec (``meta``), the
run ids (every task and its labels), the contents of every scenario file the tasks name
(presets included), and the model: its version, a SHA-256 of its source code (``abm/``,
``agents/``, ``experiments/tasks.py``, ``experiments/scenario.py``) and the versions of the
packages its numbers depend on. A call whose identity differs from the folder's is refused
with one line naming what changed, so a dataset never mixes runs of two experiments (for
example after a scenario file was edited between a kill and a resume).

Resume: the same call on the same folder reads the run ids already recorded and computes
only the missing ones. A run is done once one part holds it with status ``ok`` and all of
its outcome rows (``n_outcomes`` of them, every outcome its task asks for). A run that
raised is recorded (status ``error``, with its error and traceback) and the sweep goes
on; it counts as not done, so the next invocation tries it again (``attempt`` counts the
tries). We chose this because most errors seen in practice are transient (a lost
worker, a full disk, a bug fixed in between); a run that fails for good fails again
quickly, and its rows say so. :func:`read_runs` keeps the latest attempt of each run, so
nothing is counted twice.

A run's outcomes depend only on its task (the seed is in the task), never on the worker
that ran it or the order of runs.

Security: the embedded cluster speaks TLS with a key and certificate made for it in memory
(``Security.temporary()``), so only this process can submit work to its workers; another
local process (of another user, or one without the key) cannot connect. A ``tls://``
scheduler needs a :class:`~distributed.security.Security` (:func:`add_security_options`,
:func:`security_from_args`, or Dask's own ``distributed.comm.tls`` configuration); a
``tcp://`` scheduler works but is unauthenticated, and the engine says so.
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
import shutil
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

from abm.params import ParameterError
from experiments.results import PROVENANCE_KEY, OutputError, _git_commit, check_creatable
from experiments.scenario import ScenarioError, resolve as resolve_scenario
from experiments.tasks import TASK_KEYS, check_outcomes, run_task, task_id

MANIFEST = "manifest.json"
RUNS = "runs"
SUMMARY = "summary.json"
LOCK = ".lock"
FORMAT = 2  # 2: the identity covers scenario contents and model code; rows carry n_outcomes
FAILURES_LISTED = 100  # summary.json lists at most this many failures (all are in the dataset)
SCHEDULER_RE = re.compile(r"(tcp|tls)://[^\s/]+:\d+")
CONNECT_TIMEOUT = "10s"
# what a run's numbers depend on besides its task: the model's source code ...
MODEL_PACKAGES = ("abm", "agents")
MODEL_MODULES = ("experiments/tasks.py", "experiments/scenario.py")
# ... and these packages (the versions are part of a dataset's identity)
NUMERIC_PACKAGES = ("numpy", "numba", "scipy", "pandas", "mesa")

# columns the engine writes after the inputs; their types are fixed
RESULT_COLUMNS = {
    "outcome": pa.string(),
    "value": pa.float64(),
    "status": pa.string(),  # ok | error
    "error": pa.string(),  # "ExceptionType: message" (one line) of a failed run
    "attempt": pa.int64(),  # 1 for the first try of a run, 2 for the next, ...
    "n_outcomes": pa.int64(),  # outcome rows of this run in its part (a part holding fewer is incomplete)
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


def expected_outcomes(task: dict, fn: Callable | None = run_task) -> frozenset[str] | None:
    """The outcomes a run of ``task`` must return: those it names, or all of them for
    :func:`~experiments.tasks.run_task` (its default). None: not known (another function and
    no names, or names that are not outcomes: such a run fails anyway)."""
    if task.get("outcomes") is None and fn is not run_task:
        return None
    try:
        return frozenset(check_outcomes(task.get("outcomes")))
    except ParameterError:
        return None


class _Runs:
    """The runs of one call: tasks, labels, ids and their input columns with fixed types."""

    def __init__(self, items: Sequence[dict], fn: Callable | None = run_task):
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
        self.expected = [expected_outcomes(t, fn) for t in self.tasks]
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

    def fingerprint(self, meta, identity: dict) -> str:
        """A SHA-256 of everything the dataset's runs depend on (file locations left out, so a
        moved checkout resumes its folders)."""
        blob = json.dumps({"format": FORMAT, "meta": meta, "runs": sorted(self.ids), "identity": _comparable(identity)},
                          sort_keys=True, default=_plain)
        return hashlib.sha256(blob.encode()).hexdigest()

    def expected_of(self) -> dict[str, frozenset[str] | None]:
        return dict(zip(self.ids, self.expected))

    def base_row(self, i: int) -> dict:
        row = {"run_id": self.ids[i], "task_id": task_id(self.tasks[i])}
        for c in self.label_cols:
            row[c] = _cast(self.labels[i].get(c), self.schema.field(c).type)
        for c in self.input_cols:
            row[c] = _cast(self.inputs[i].get(c), self.schema.field(c).type)
        return row


# ---- what a dataset's runs depend on --------------------------------------------------

def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when inside it (shorter messages), else absolute."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def scenario_digests(tasks: Sequence[dict]) -> dict[str, dict]:
    """``{scenario as the tasks name it: {"file": path, "sha256": digest of the file's bytes}}``.

    Presets are read from their TOML file like any other scenario. Raises
    :class:`~experiments.scenario.ScenarioError` (one line) for a scenario that is not found.
    """
    out: dict[str, dict] = {}
    for task in tasks:
        name = task.get("scenario", "krachtwijk")
        if not isinstance(name, str):
            raise ScenarioError(f"task: scenario = {name!r}; allowed: a preset name or a path to a .toml file")
        if name in out:
            continue
        path = resolve_scenario(name)
        try:
            out[name] = {"file": _shown(path), "sha256": _sha256_file(path)}
        except OSError as e:
            raise ScenarioError(f"scenario file '{path}' cannot be read: {e.strerror}") from None
    return out


def _source_files() -> list[tuple[str, Path]]:
    """(name relative to the project, path) of the model's source files, sorted."""
    import importlib

    files = []
    for package in MODEL_PACKAGES:
        folder = Path(importlib.import_module(package).__file__).resolve().parent
        files += [(f"{package}/{p.relative_to(folder).as_posix()}", p) for p in folder.rglob("*.py")]
    here = Path(__file__).resolve().parent
    files += [(name, here / Path(name).name) for name in MODEL_MODULES]
    return sorted(files)


def model_identity() -> dict:
    """The model that computes the runs: version, SHA-256 of its source code, package versions.

    The source digest (not the git commit) is what tells two models apart: it changes with
    every edit of the model's code, committed or not, and with nothing else (documents,
    tests, the views); the commit is recorded too, to find the code again.
    """
    import importlib.metadata as md

    import abm

    digest = hashlib.sha256()
    for name, path in _source_files():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    packages = {}
    for name in NUMERIC_PACKAGES:
        try:
            packages[name] = md.version(name)
        except md.PackageNotFoundError:
            packages[name] = None
    return {"version": abm.__version__, "source_sha256": digest.hexdigest(), "commit": _git_commit(),
            "packages": packages}


def dataset_identity(tasks: Sequence[dict]) -> dict:
    """What the runs of ``tasks`` depend on besides the tasks: scenario files and the model."""
    return {"scenarios": scenario_digests(tasks), "model": model_identity()}


def _comparable(identity: dict) -> dict:
    """The part of an identity that must match to resume: digests and versions, not places."""
    model = identity.get("model") or {}
    return {"scenarios": {k: v.get("sha256") for k, v in (identity.get("scenarios") or {}).items()},
            "model": {k: model.get(k) for k in ("version", "source_sha256", "packages")}}


def _what_differs(old: dict, meta, identity: dict) -> tuple[str, str]:
    """(what differs between this call and the folder's manifest ``old``, how to resume)."""
    again = ", or run the spec it was made with to resume it"
    if old.get("format") != FORMAT:
        return (f"it was made by another version of the engine (dataset format {old.get('format')}, "
                f"this one writes {FORMAT})", "; its runs stay readable")
    there = old.get("identity") if isinstance(old.get("identity"), dict) else {}
    here_sc, there_sc = identity.get("scenarios") or {}, there.get("scenarios") or {}
    for name, now in here_sc.items():
        then = there_sc.get(name)
        if isinstance(then, dict) and then.get("sha256") != now["sha256"]:
            return (f"the scenario file {now['file']} changed since this folder was made",
                    ", or put the file back as it was to resume it")
    model, old_model = identity.get("model") or {}, there.get("model") or {}
    made_with = f" (made at commit {old_model['commit'][:12]})" if isinstance(old_model.get("commit"), str) else ""
    if model and model["version"] != old_model.get("version"):
        return (f"the model version is {model['version']} here, {old_model.get('version')} in the folder",
                f", or run the code it was made with{made_with} to resume it")
    if model and model["source_sha256"] != old_model.get("source_sha256"):
        code = ", ".join(f"{p}/" for p in MODEL_PACKAGES) + ", " + ", ".join(MODEL_MODULES)
        return (f"the model code ({code}) changed since this folder was made",
                f", or run the code it was made with{made_with} to resume it")
    old_packages = old_model.get("packages") or {}
    for name, version in (model.get("packages") or {}).items():
        if old_packages.get(name) != version:
            return (f"{name} {version} here, {old_packages.get(name)} in the folder",
                    f", or install {name} {old_packages.get(name)} to resume it")
    diff = _first_difference(json.loads(json.dumps(meta, default=_plain)), old.get("meta"))
    if diff:
        return diff, again
    if set(here_sc) != set(there_sc):
        return (f"scenarios {', '.join(sorted(here_sc))} here, {', '.join(sorted(there_sc))} in the folder", again)
    return "the same spec gives other runs with this version of the code", again


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


def _one_line(text: str, limit: int = 300) -> str:
    """``text`` (an error message, maybe of several lines) as one printable line."""
    lines = [" ".join(line.split()) for line in str(text).splitlines()]
    flat = "; ".join(line for line in lines if line)
    flat = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in flat)
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."


def check_folder(out_dir: str | os.PathLike, fingerprint: str, meta, identity: dict | None = None) -> bool:
    """Check that ``out_dir`` can take this dataset, writing nothing. True if it resumes one.

    Raises :class:`~experiments.results.OutputError` (one line) for a path that is a file, a
    folder holding something else or a broken manifest, a dataset of a different identity
    (another spec, other runs, an edited scenario file, other model code; the message says
    which), or a place that cannot be written.
    """
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"output path '{folder}' exists and is not a folder")
    if (folder / RUNS).exists() and not (folder / RUNS).is_dir():
        raise OutputError(f"output folder '{folder}': '{RUNS}' is not a folder; choose a new folder")
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as e:
            raise OutputError(f"output folder '{folder}': {MANIFEST} cannot be read ({_one_line(e)}); "
                              "choose a new folder") from None
        if not isinstance(old, dict) or not isinstance(old.get("fingerprint"), str) or "format" not in old:
            raise OutputError(f"output folder '{folder}': {MANIFEST} is not the manifest of a dataset (expected an "
                              "object with format and fingerprint); choose a new folder")
        if old["fingerprint"] != fingerprint:
            why, hint = _what_differs(old, meta, identity or {})
            raise OutputError(f"output folder '{folder}' holds a different sweep ({why}); choose a new folder{hint}")
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
            raise OutputError(f"part file '{part}' cannot be read ({_one_line(e)}); "
                              "move it away and run again") from None
        tables.append(t.append_column("part", pa.array([part.name] * t.num_rows, pa.string())))
    if not tables:
        return None
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowException, TypeError) as e:
        raise OutputError(f"the part files in '{runs_dir}' do not fit together ({_one_line(e)}); "
                          "move the odd one away and run again") from None


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


def _recorded(runs_dir: Path, expected: dict[str, frozenset[str] | None] | None = None
              ) -> tuple[set[str], dict[str, int]]:
    """(ids of the runs done, {run id: attempts so far}) from the parts in ``runs_dir``.

    A run is done when one part holds it with status ``ok`` and all of its outcome rows:
    as many as its rows say it has (``n_outcomes``), and every outcome in ``expected[run id]``
    (when known). A part that lost some of a run's rows does not count it as done.
    """
    table = _read_parts(runs_dir, columns=["run_id", "status", "attempt", "outcome", "n_outcomes"])
    if table is None:
        return set(), {}
    expected = expected or {}
    ids = table.column("run_id").to_pylist()
    status = table.column("status").to_pylist()
    attempt = table.column("attempt").to_pylist()
    outcome = table.column("outcome").to_pylist()
    n_outcomes = table.column("n_outcomes").to_pylist()
    part = table.column("part").to_pylist()
    held: dict[tuple[str, str], tuple[set, set]] = {}  # (part, run) -> (outcomes held, row counts claimed)
    for r, s, o, n, p in zip(ids, status, outcome, n_outcomes, part):
        if s == "ok":
            names, claims = held.setdefault((p, r), (set(), set()))
            names.add(o)
            claims.add(n)
    done = set()
    for (_, r), (names, claims) in held.items():
        want = expected.get(r)
        if len(claims) == 1 and len(names) == next(iter(claims)) and (want is None or want <= names):
            done.add(r)
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


# ---- security: who may submit work to the workers -------------------------------------

TLS_OPTIONS = ("--tls-ca-file", "--tls-cert", "--tls-key")
_warned_plain: set[str] = set()


def add_security_options(parser) -> None:
    """The options of a ``tls://`` scheduler, named as Dask's own command line names them."""
    g = parser.add_argument_group("a cluster with TLS (--scheduler tls://HOST:PORT)")
    g.add_argument("--tls-ca-file", metavar="FILE",
                   help="the CA certificate(s) the cluster's certificates are signed by (PEM)")
    g.add_argument("--tls-cert", metavar="FILE", help="this client's certificate (PEM)")
    g.add_argument("--tls-key", metavar="FILE",
                   help="this client's private key (PEM; may be left out when the --tls-cert file holds it)")


def security_from_args(args):
    """The :class:`~distributed.security.Security` of ``--tls-ca-file``/``--tls-cert``/``--tls-key``.

    None when none is given (the embedded cluster makes its own; a ``tls://`` scheduler then
    uses Dask's configuration ``distributed.comm.tls``). Raises :class:`EngineError` (one line)
    when only some are given, a file cannot be read, or ``--scheduler`` is not ``tls://``.
    """
    from distributed.security import Security

    files = {opt: getattr(args, opt[2:].replace("-", "_"), None) for opt in TLS_OPTIONS}
    if not any(files.values()):
        return None
    missing = [opt for opt in TLS_OPTIONS[:2] if not files[opt]]
    if missing:
        raise EngineError(f"{' and '.join(missing)} missing: a TLS cluster needs --tls-ca-file and --tls-cert "
                          "(and --tls-key unless the certificate file holds the key)")
    for opt, path in files.items():
        if path and not (os.path.isfile(path) and os.access(path, os.R_OK)):
            raise EngineError(f"{opt} {path}: no such file, or it cannot be read")
    scheduler = getattr(args, "scheduler", None)
    if not scheduler or not scheduler.startswith("tls://"):
        raise EngineError(f"{', '.join(o for o, f in files.items() if f)}: these are for a cluster reached with "
                          "--scheduler tls://HOST:PORT (the local cluster makes its own temporary certificate)")
    return Security(require_encryption=True, tls_ca_file=files["--tls-ca-file"], tls_client_cert=files["--tls-cert"],
                    tls_client_key=files["--tls-key"])


def _remote_security(scheduler: str, security):
    """The security to reach ``scheduler`` with, checked; warns once about a plain ``tcp://`` one."""
    from distributed.security import Security

    if scheduler.startswith("tls://"):
        security = security if security is not None else Security()  # Dask's config: distributed.comm.tls
        if not (security.tls_ca_file and security.tls_client_cert):
            raise EngineError(f"--scheduler {scheduler}: a tls:// scheduler needs --tls-ca-file, --tls-cert and "
                              "--tls-key (or Dask's configuration distributed.comm.tls)")
        return security
    if security is not None:
        raise EngineError(f"--scheduler {scheduler}: TLS certificates were given for a plain tcp:// address; "
                          "use tls://HOST:PORT")
    if scheduler not in _warned_plain:
        _warned_plain.add(scheduler)
        print(f"warning: the Dask scheduler at {scheduler} is unauthenticated: any process that reaches it can run "
              "code on its workers; use tls:// with --tls-ca-file, --tls-cert, --tls-key", file=sys.stderr)
    return None


def local_security():
    """TLS for the embedded cluster: a key and self-signed certificate made now, held in memory only."""
    from distributed.security import Security

    try:
        return Security.temporary()
    except ImportError:
        raise EngineError("the local cluster needs the package 'cryptography' for its TLS certificate; "
                          "install the pinned packages: .venv/bin/pip install -r requirements/lock.txt") from None


@contextlib.contextmanager
def open_client(scheduler: str | None = None, workers: int | None = None, security=None):
    """A Dask client: on ``scheduler`` if given, else on an embedded LocalCluster.

    The local cluster has ``workers`` processes (default: all cores) of one thread each,
    listens on 127.0.0.1 only (scheduler, workers and the diagnostics port), speaks TLS
    with a certificate made for it (:func:`local_security`; an unauthenticated connection is
    refused) and is closed on exit. ``scheduler`` is ``tls://HOST:PORT`` with ``security``
    (or Dask's TLS configuration), or ``tcp://HOST:PORT`` without (a warning on stderr).
    Raises :class:`EngineError` for a bad or unreachable scheduler address or a security
    that does not fit it.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if not SCHEDULER_RE.fullmatch(scheduler):
            raise EngineError(f"--scheduler {scheduler!r}: expected tcp://HOST:PORT or tls://HOST:PORT, "
                              "e.g. tls://10.0.0.5:8786")
        security = _remote_security(scheduler, security)
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False, security=security)
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler} ({_one_line(e)}); "
                              "start one with `dask scheduler`, see README 'Sweeps'") from None
        try:
            yield client
        finally:
            client.close()
        return
    if security is not None:
        raise EngineError("TLS certificates are for a cluster reached with --scheduler tls://HOST:PORT; "
                          "the local cluster makes its own")
    security = local_security()
    n = workers or default_workers()
    # Ctrl-C in a terminal reaches every process of the group; the workers are spawned
    # ignoring it (inherited), so only this process reacts: it writes what has finished,
    # cancels the rest and closes the cluster.
    with _ignoring_sigint():
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               protocol="tls://", security=security, dashboard_address="127.0.0.1:0",
                               silence_logs=logging.CRITICAL, env=worker_env())
    try:
        with Client(cluster, set_as_default=False, security=security) as client:
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


def _ok_rows(base: dict, got: dict, attempt: int, expected: frozenset[str] | None = None) -> list[dict]:
    result = got["result"]
    if not isinstance(result, dict) or not isinstance(result.get("outcomes"), dict):
        raise TypeError(f"the task function returned {type(result).__name__}, expected a dict with 'outcomes'")
    missing = sorted((expected or set()) - set(result["outcomes"]))
    if missing:
        raise ValueError(f"the task function returned no value for the outcome(s) {', '.join(missing)}")
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
    for row in rows:
        row["n_outcomes"] = len(rows)
    return rows


def _error_rows(base: dict, exc: BaseException, trace, attempt: int) -> list[dict]:
    message = f"{type(exc).__name__}: {exc}".strip().replace("\n", " ")
    text = "".join(tb.format_exception(type(exc), exc, trace)) if trace is not None else None
    return [{**base, "outcome": None, "value": float("nan"), "status": "error", "error": message,
             "attempt": attempt, "n_outcomes": None, "seconds": None, "wall_seconds": None, "persons_start": None,
             "worker": None, "finished": datetime.now(timezone.utc), "traceback": text}]


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
              meta=None, batch_runs: int = 50, flush_seconds: float = 5.0, desc: str = "runs",
              security=None) -> dict:
    """Run every task as one Dask task and stream the results into the dataset ``out_dir``.

    Args:
        tasks: plain tasks (see :mod:`experiments.tasks`), or ``{"task": task, **labels}``
            where labels (e.g. ``point``, ``replicate``) become columns and part of the run id.
        out_dir: the dataset folder; a folder made by the same ``meta``, tasks, scenario files
            and model code resumes: only runs not yet done are computed.
        scheduler: ``tls://HOST:PORT`` or ``tcp://HOST:PORT`` of a running Dask scheduler;
            default an embedded LocalCluster (TLS) with ``workers`` processes (default: all cores).
        progress: a progress bar on stderr (done/total, rate, time left).
        fn: the function a worker applies to a task; it must be importable on the workers
            (and the scheduler) and return ``{"outcomes": {name: float}, "seconds": float}``.
        meta: what made the tasks (a JSON-able spec); stored with the results, and a folder
            made by another ``meta`` is refused.
        batch_runs, flush_seconds: a part file is written every ``batch_runs`` finished runs
            or ``flush_seconds`` after the first unwritten one, whichever comes first.
        security: a :class:`distributed.security.Security` for a ``tls://`` scheduler (see
            :func:`security_from_args`); None: Dask's configuration.

    Returns:
        The summary (also written to ``out_dir/summary.json``): counts over the whole
        dataset (``runs``, ``ok``, ``failed``, ``missing``), what this call did
        (``computed``, ``seconds``, ``runs_per_second``), and up to 100 failures with
        their inputs and errors.

    Raises:
        OutputError: the folder cannot take this dataset (checked before anything runs).
        ScenarioError: a task names a scenario that cannot be read.
        EngineError: the scheduler cannot be used.
        KeyboardInterrupt: after writing the runs finished so far and cancelling the rest.
    """
    runs = _Runs(tasks, fn)
    identity = dataset_identity(runs.tasks)
    fingerprint = runs.fingerprint(meta, identity)
    folder = Path(out_dir)
    resuming = check_folder(folder, fingerprint, meta, identity)  # nothing is written before this passes
    t_start = time.perf_counter()
    if resuming:
        with _locked(folder):
            done, _ = _recorded(folder / RUNS, runs.expected_of())
            if all(rid in done for rid in runs.ids):  # nothing to do: no cluster needed
                summary = _summary(folder, runs, meta, len(runs.ids), 0, 0, 0, time.perf_counter() - t_start,
                                   [], 0, scheduler, [])
                _write_json(folder / SUMMARY, summary)
                return summary
    made = _missing(folder)  # the folder and its parents that this call creates
    try:
        with open_client(scheduler, workers, security) as client:
            folder.mkdir(parents=True, exist_ok=True)
            with _locked(folder), _sigterm_as_interrupt():
                summary = _run(client, folder, runs, fingerprint, identity, meta, fn, progress, batch_runs,
                               flush_seconds, desc, scheduler, t_start)
    except BaseException:
        if made and not _part_files(folder / RUNS):  # nothing finished: leave no trace of this call
            _remove(made)
        raise
    return summary


def _missing(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first."""
    missing, probe = [], folder.absolute()
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    return missing


def _remove(made: list[Path]) -> None:
    """Remove the folders of :func:`_missing` again (the dataset folder with its start files)."""
    shutil.rmtree(made[0], ignore_errors=True)
    for parent in made[1:]:
        with contextlib.suppress(OSError):
            parent.rmdir()  # only if still empty


def _run(client, folder: Path, runs: _Runs, fingerprint: str, identity: dict, meta, fn, progress: bool,
         batch_runs: int, flush_seconds: float, desc: str, scheduler: str | None, t_start: float) -> dict:
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
                                        "identity": identity, "meta": meta})
    done, attempts = _recorded(runs_dir, runs.expected_of())
    todo = [i for i, rid in enumerate(runs.ids) if rid not in done]
    n_done_before = len(runs.ids) - len(todo)
    n_workers = len(client.scheduler_info(n_workers=-1)["workers"])
    if not n_workers and progress:
        print(f"note: the scheduler at {scheduler} has no workers yet; the runs start when workers join",
              file=sys.stderr)
    writer = _Writer(runs_dir, runs, {**provenance(meta), "identity": identity}, batch_runs, flush_seconds)
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
                    rows = _ok_rows(base, fut.result(), attempt, runs.expected[i])
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
    done, _ = _recorded(folder / RUNS, runs.expected_of())
    n_ok = sum(1 for rid in runs.ids if rid in done)
    failures = []
    if len(df):
        bad = df[(df["status"] == "error") & ~df["run_id"].isin(done)].drop_duplicates("run_id")
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
        "workers": n_workers, "scheduler": scheduler or "local",
        "tls": scheduler is None or scheduler.startswith("tls://"), "parts_written": len(parts),
        "failures": failures, "failures_listed": len(failures),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": str(folder / RUNS), "spec": meta,
    }

