"""The Dask runner: many tasks on a cluster, their results streamed into the result store.

:func:`run_tasks` sends every task (see :mod:`experiments.tasks`) to Dask as one Dask task,
on a ``LocalCluster`` embedded in this process (one single-threaded worker process per
core, everything on 127.0.0.1, nothing to start) or on an existing cluster
(``scheduler="tls://HOST:PORT"`` with a ``security``, or ``tcp://HOST:PORT``). Results come
back as they finish and are written in small batches into a resumable dataset folder (its
format, identity and resume rules: :mod:`experiments.store`).

Security: the embedded cluster speaks TLS with a key and certificate made for it in memory
(``Security.temporary()``), so only this process can submit work to its workers; another
local process (of another user, or one without the key) cannot connect. A ``tls://``
scheduler needs a :class:`~distributed.security.Security` (:func:`add_security_options`,
:func:`security_from_args`, or Dask's own ``distributed.comm.tls`` configuration); a
``tcp://`` scheduler works but is unauthenticated, and the runner says so.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from distributed import Client, LocalCluster, as_completed, get_worker
from distributed.security import Security
from tqdm import tqdm

from experiments.store import (
    RUNS,
    SUMMARY,
    Runs,
    Writer,
    check_folder,
    dataset_identity,
    error_rows,
    locked,
    ok_rows,
    one_line,
    part_files,
    provenance,
    read_runs,
    recorded,
    start_dataset,
    write_json_atomic,
)
from experiments.tasks import run_task

FAILURES_LISTED = 100  # summary.json lists at most this many failures (all are in the dataset)
SCHEDULER_RE = re.compile(r"(tcp|tls)://[^\s/]+:\d+")
CONNECT_TIMEOUT = "10s"


class EngineError(ValueError):
    """A cluster that cannot be used (bad address, unreachable scheduler)."""


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
    if scheduler is not None:
        if not SCHEDULER_RE.fullmatch(scheduler):
            raise EngineError(f"--scheduler {scheduler!r}: expected tcp://HOST:PORT or tls://HOST:PORT, "
                              "e.g. tls://10.0.0.5:8786")
        security = _remote_security(scheduler, security)
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False, security=security)
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler} ({one_line(e)}); "
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
        worker = get_worker().address
    except ValueError:
        worker = f"{socket.gethostname()}:{os.getpid()}"
    t0 = time.perf_counter()
    result = fn(task)
    return {"result": result, "wall": time.perf_counter() - t0, "worker": worker, "finished": time.time()}



@contextlib.contextmanager
def _sigterm_as_interrupt():
    """A plain ``kill`` stops the runner like Ctrl-C: finished runs are written first."""
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


# ---- running the tasks ----------------------------------------------------------------

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
    runs = Runs(tasks, fn)
    identity = dataset_identity(runs.tasks)
    fingerprint = runs.fingerprint(meta, identity)
    folder = Path(out_dir)
    resuming = check_folder(folder, fingerprint, meta, identity)  # nothing is written before this passes
    t_start = time.perf_counter()
    if resuming:
        with locked(folder):
            done, _ = recorded(folder / RUNS, runs.expected_of())
            if all(rid in done for rid in runs.ids):  # nothing to do: no cluster needed
                summary = _summary(folder, runs, meta, len(runs.ids), 0, 0, 0, time.perf_counter() - t_start,
                                   [], 0, scheduler, [])
                write_json_atomic(folder / SUMMARY, summary)
                return summary
    made = _missing(folder)  # the folder and its parents that this call creates
    try:
        with open_client(scheduler, workers, security) as client:
            folder.mkdir(parents=True, exist_ok=True)
            with locked(folder), _sigterm_as_interrupt():
                summary = _run(client, folder, runs, fingerprint, identity, meta, fn, progress, batch_runs,
                               flush_seconds, desc, scheduler, t_start)
    except BaseException:
        if made and not part_files(folder / RUNS):  # nothing finished: leave no trace of this call
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


def _run(client, folder: Path, runs: Runs, fingerprint: str, identity: dict, meta, fn, progress: bool,
         batch_runs: int, flush_seconds: float, desc: str, scheduler: str | None, t_start: float) -> dict:
    """The body of :func:`run_tasks`, holding the folder's lock, with a client."""
    runs_dir = start_dataset(folder, runs, fingerprint, identity, meta)
    done, attempts = recorded(runs_dir, runs.expected_of())
    todo = [i for i, rid in enumerate(runs.ids) if rid not in done]
    n_done_before = len(runs.ids) - len(todo)
    n_workers = len(client.scheduler_info(n_workers=-1)["workers"])
    if not n_workers and progress:
        print(f"note: the scheduler at {scheduler} has no workers yet; the runs start when workers join",
              file=sys.stderr)
    writer = Writer(runs_dir, runs, {**provenance(meta), "identity": identity}, batch_runs, flush_seconds)
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
                rows = error_rows(base, fut.exception(), fut.traceback(), attempt)
                failed_now += 1
            else:
                try:
                    rows = ok_rows(base, fut.result(), attempt, runs.expected[i])
                    run_seconds.append(rows[0]["seconds"])
                except Exception as e:  # a result we cannot read is a failed run, not a crash
                    rows = error_rows(base, e, e.__traceback__, attempt)
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
    write_json_atomic(folder / SUMMARY, summary)
    return summary


def _summary(folder: Path, runs: Runs, meta, done_before: int, computed: int, failed_now: int, cancelled: int,
             seconds: float, run_seconds: list[float], n_workers: int, scheduler: str | None,
             parts: list[str]) -> dict:
    """Counts over the whole dataset and figures of this call."""
    df = read_runs(folder)
    done, _ = recorded(folder / RUNS, runs.expected_of())
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

