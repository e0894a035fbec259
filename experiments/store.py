"""The resumable result store of batch runs: one Parquet dataset per experiment, in a folder.

:func:`experiments.runner.run_tasks` streams the results of its runs into a folder::

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
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import importlib.metadata as md
import json
import math
import os
import platform
import re
import socket
import time
import traceback as tb
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import abm
from abm.params import ParameterError
from experiments.results import PROVENANCE_KEY, OutputError, check_creatable, git_commit
from experiments.scenario import ScenarioError, calibration_file, read_toml, resolve as resolve_scenario
from experiments.tasks import TASK_KEYS, check_outcomes, run_task, task_id

MANIFEST = "manifest.json"
RUNS = "runs"
SUMMARY = "summary.json"
LOCK = ".lock"
FORMAT = 2  # 2: the identity covers scenario contents and model code; rows carry n_outcomes
# what a run's numbers depend on besides its task: the model's source code ...
MODEL_PACKAGES = ("abm", "agents")
MODEL_MODULES = ("experiments/tasks.py", "experiments/scenario.py", "experiments/build.py")
# ... and these packages (the versions are part of a dataset's identity)
NUMERIC_PACKAGES = ("numpy", "numba", "scipy", "pandas", "mesa")

# columns the runner writes after the inputs; their types are fixed
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


class Runs:
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
        # the calibrated values it reads are part of it: a new calibration makes new runs
        cal = calibration_file(path, read_toml(path))
        if cal is not None:
            try:
                out[name]["calibration"] = {"file": _shown(cal), "sha256": _sha256_file(cal)}
            except OSError as e:
                raise ScenarioError(f"calibration file '{cal}' cannot be read: {e.strerror}") from None
    return out


def _source_files() -> list[tuple[str, Path]]:
    """(name relative to the project, path) of the model's source files, sorted."""
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
    digest = hashlib.sha256()
    for name, path in _source_files():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    packages = {}
    for name in NUMERIC_PACKAGES:
        try:
            packages[name] = md.version(name)
        except md.PackageNotFoundError:
            packages[name] = None
    return {"version": abm.__version__, "source_sha256": digest.hexdigest(), "commit": git_commit(),
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

def json_ready(x):
    """``x`` as JSON can hold it: NaN and infinities as None (the writer refuses them), numpy numbers as Python's."""
    if isinstance(x, dict):
        return {k: json_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_ready(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def write_json_atomic(path: Path, obj) -> None:
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


def one_line(text: str, limit: int = 300) -> str:
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
            raise OutputError(f"output folder '{folder}': {MANIFEST} cannot be read ({one_line(e)}); "
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
def locked(folder: Path):
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


def part_files(runs_dir: Path) -> list[Path]:
    """The complete part files, oldest first (dot files are temporary, never data)."""
    if not runs_dir.is_dir():
        return []
    return sorted((p for p in runs_dir.iterdir() if PART_RE.fullmatch(p.name)),
                  key=lambda p: int(PART_RE.fullmatch(p.name).group(1)))


def _read_parts(runs_dir: Path, columns: list[str] | None = None) -> pa.Table | None:
    tables = []
    for part in part_files(runs_dir):
        try:
            t = pq.read_table(part, columns=columns)
        except (OSError, pa.ArrowException) as e:
            raise OutputError(f"part file '{part}' cannot be read ({one_line(e)}); "
                              "move it away and run again") from None
        tables.append(t.append_column("part", pa.array([part.name] * t.num_rows, pa.string())))
    if not tables:
        return None
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowException, TypeError) as e:
        raise OutputError(f"the part files in '{runs_dir}' do not fit together ({one_line(e)}); "
                          "move the odd one away and run again") from None


def read_runs(out_dir: str | os.PathLike, latest: bool = True):
    """The dataset in ``out_dir`` as a pandas DataFrame, one row per run and outcome.

    With ``latest`` (the default) each run appears once: its latest attempt (a run that
    failed and then succeeded shows only its success). ``latest=False`` gives every
    attempt ever written. The column ``part`` names the part file a row came from.
    """
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


def recorded(runs_dir: Path, expected: dict[str, frozenset[str] | None] | None = None
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
    packages = {}
    for name in ("mesa", "numpy", "numba", "pandas", "pyarrow", "dask", "distributed", "SALib"):
        try:
            packages[name] = md.version(name)
        except md.PackageNotFoundError:
            packages[name] = None
    # an editable install may see abm as a namespace package, without a version
    version = getattr(abm, "__version__", None) or md.version("veerkracht")
    return {"model": "veerkracht", "version": version, "commit": git_commit(),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(), "host": socket.gethostname(), "packages": packages,
            "spec": meta}


class Writer:
    """Buffers finished runs and writes them as part files (temporary name, then rename)."""

    def __init__(self, runs_dir: Path, runs: Runs, prov: dict, batch_runs: int, flush_seconds: float):
        self.dir, self.runs, self.batch_runs, self.flush_seconds = runs_dir, runs, batch_runs, flush_seconds
        meta = dict(runs.schema.metadata or {})
        meta[PROVENANCE_KEY] = json.dumps(prov, default=_plain).encode()
        self.schema = runs.schema.with_metadata(meta)
        existing = [int(PART_RE.fullmatch(p.name).group(1)) for p in part_files(runs_dir)]
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


def start_dataset(folder: Path, runs: Runs, fingerprint: str, identity: dict, meta) -> Path:
    """Make ``folder/runs`` if missing, remove what a killed process left there, and write the
    manifest of a new dataset; returns the runs folder. Call while holding :func:`locked`."""
    runs_dir = folder / RUNS
    runs_dir.mkdir(exist_ok=True)
    for stale in runs_dir.glob(".part-*"):
        stale.unlink(missing_ok=True)  # left by a killed process; never data
    if not (folder / MANIFEST).is_file():
        write_json_atomic(folder / MANIFEST, {"format": FORMAT, "fingerprint": fingerprint, "runs": len(runs.ids),
                                              "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                              "identity": identity, "meta": meta})
    return runs_dir


# ---- the rows of a finished run ------------------------------------------------------

def ok_rows(base: dict, got: dict, attempt: int, expected: frozenset[str] | None = None) -> list[dict]:
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


def error_rows(base: dict, exc: BaseException, trace, attempt: int) -> list[dict]:
    message = f"{type(exc).__name__}: {exc}".strip().replace("\n", " ")
    text = "".join(tb.format_exception(type(exc), exc, trace)) if trace is not None else None
    return [{**base, "outcome": None, "value": float("nan"), "status": "error", "error": message,
             "attempt": attempt, "n_outcomes": None, "seconds": None, "wall_seconds": None, "persons_start": None,
             "worker": None, "finished": datetime.now(timezone.utc), "traceback": text}]

