"""A sweep on a real Dask cluster started from the command line, losing a worker mid-sweep.

The test starts ``dask scheduler`` and two ``dask worker`` processes (no nanny, so a killed
worker stays dead) on 127.0.0.1 with explicit ports, runs ``run.py sweep --scheduler``
against them, kills one worker by its process id while the sweep runs, and checks that
every run is recorded exactly once. Every process is killed at the end, pass or fail.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import psutil
import pytest

from experiments.engine import read_runs

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")
ENV = {**os.environ, "MPLBACKEND": "Agg", "NUMBA_NUM_THREADS": "1",
       "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))}

SPEC = """
[sweep]
name = "on a cluster"
seed = 5
steps = 24
replicates = 20
outcomes = ["stress_mean", "wellbeing_mean"]

[vary]
trust_mean = {lo = 0.3, hi = 0.6, n = 6}

[set]
grid_width = 20
grid_height = 20
burn_in_months = 6
"""


def _free_ports(n: int) -> list[int]:
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _wait_listening(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with closing(socket.socket()) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert proc.poll() is None, f"process ended: {proc.args}"
        assert time.monotonic() < deadline, f"nothing listens on port {port}"
        time.sleep(0.1)


def _listening(pid: int) -> set[str]:
    return {c.laddr.ip for c in psutil.Process(pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two single-threaded workers on loopback; yields (address, {name: (proc, address)})."""
    if not DASK.exists():
        pytest.fail(f"{DASK} not found: the venv must have dask[distributed] installed")
    port, dash, *rest = _free_ports(6)
    procs: list[subprocess.Popen] = []

    def start(args, name):
        log = open(tmp_path / f"{name}.log", "w")
        p = subprocess.Popen([str(DASK), *args], cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        procs.append(p)
        return p

    try:
        scheduler = start(["scheduler", "--host", "127.0.0.1", "--port", str(port),
                           "--dashboard-address", f"127.0.0.1:{dash}"], "scheduler")
        _wait_listening(port, scheduler)
        address = f"tcp://127.0.0.1:{port}"
        workers = {}
        for k in range(2):
            wport, wdash = rest[2 * k], rest[2 * k + 1]
            p = start(["worker", address, "--host", "127.0.0.1", "--worker-port", str(wport), "--nthreads", "1",
                       "--no-nanny", "--dashboard-address", f"127.0.0.1:{wdash}", "--name", f"w{k}",
                       "--local-directory", str(tmp_path / f"dask-w{k}")], f"w{k}")
            workers[f"w{k}"] = (p, f"tcp://127.0.0.1:{wport}")
        for p, a in workers.values():
            _wait_listening(int(a.rsplit(":", 1)[1]), p)
        yield address, workers, scheduler
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=30)


def test_sweep_on_a_cluster_survives_a_lost_worker(cluster, tmp_path):
    address, workers, scheduler = cluster
    from distributed import Client

    with Client(address, timeout="30s", set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
    # everything listens on loopback only
    for pid in [scheduler.pid] + [p.pid for p, _ in workers.values()]:
        assert _listening(pid) == {"127.0.0.1"}, (pid, _listening(pid))

    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    sweep = subprocess.Popen([sys.executable, "run.py", "sweep", str(spec), "--out", str(out), "--quiet",
                              "--scheduler", address], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "runs").is_dir() or not list((out / "runs").glob("part-*.parquet")):
            assert sweep.poll() is None, sweep.communicate()
            assert time.monotonic() < deadline, "no part file appeared"
            time.sleep(0.05)
        assert sweep.poll() is None, "the sweep ended before a worker could be lost"
        victim, victim_address = workers["w1"]
        os.kill(victim.pid, signal.SIGKILL)
        killed_at = time.time()
        victim.wait(timeout=30)
        stdout, stderr = sweep.communicate(timeout=300)
    finally:
        try:
            os.killpg(sweep.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert sweep.returncode == 0, stderr
    assert "120 ok, 0 failed, 0 missing" in stdout, stdout

    every = read_runs(out, latest=False)
    assert every["run_id"].nunique() == 120
    assert every.groupby(["run_id", "outcome"]).size().eq(1).all(), "a run was recorded twice"
    assert (every["status"] == "ok").all()
    by_worker = every.drop_duplicates("run_id")
    assert set(by_worker["worker"]) == {victim_address, workers["w0"][1]}, "both workers should have run tasks"
    after = by_worker[by_worker["finished"].map(lambda t: t.timestamp()) > killed_at + 1]
    assert len(after) > 0 and set(after["worker"]) == {workers["w0"][1]}, "runs went on after the loss, on w0"
