"""Sweeps on a real Dask cluster started from the command line: losing a worker, and TLS.

The tests start ``dask scheduler`` and two ``dask worker`` processes (no nanny, so a killed
worker stays dead) on 127.0.0.1 with explicit ports. The first runs ``run.py sweep
--scheduler tcp://...`` against them, kills one worker by its process id while the sweep
runs, and checks that every run is recorded exactly once; it also shows why a plain
``tcp://`` cluster gets a warning: any local process can run code on its workers. The second
starts the cluster with TLS certificates (written from ``Security.temporary()``) and sweeps
on it with the client's certificate, while connections without it are refused. Every
process is killed at the end, pass or fail.
"""

from __future__ import annotations

import argparse
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
from distributed import Client
from distributed.security import Security

from experiments.runner import EngineError, add_security_options, security_from_args
from experiments.store import read_runs
from experiments.sweep import load_spec, run_sweep
from tests.conftest import small_toml
from tests.test_sweep_identity import probe

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
""" + small_toml()


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


def _write_certificates(folder: Path) -> dict[str, Path]:
    """A key and self-signed certificate (also the CA) as PEM files only this user can read."""
    sec = Security.temporary()
    files = {"--tls-ca-file": folder / "ca.pem", "--tls-cert": folder / "cert.pem", "--tls-key": folder / "key.pem"}
    for path, text in zip(files.values(), (sec.tls_ca_file, sec.tls_client_cert, sec.tls_client_key)):
        path.touch(mode=0o600)
        path.write_text(text)
    return files


def _start_cluster(tmp_path: Path, tls: dict[str, Path] | None):
    if not DASK.exists():
        pytest.fail(f"{DASK} not found: the venv must have dask[distributed] installed")
    port, dash, *rest = _free_ports(6)
    procs: list[subprocess.Popen] = []
    security = [str(a) for option, path in (tls or {}).items() for a in (option, path)]
    protocol = "tls" if tls else "tcp"

    def start(args, name):
        log = open(tmp_path / f"{name}.log", "w")
        p = subprocess.Popen([str(DASK), *args], cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        procs.append(p)
        return p

    try:
        scheduler = start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--protocol", protocol,
                           "--dashboard-address", f"127.0.0.1:{dash}", *security], "scheduler")
        _wait_listening(port, scheduler)
        address = f"{protocol}://127.0.0.1:{port}"
        workers = {}
        for k in range(2):
            wport, wdash = rest[2 * k], rest[2 * k + 1]
            p = start(["worker", address, "--host", "127.0.0.1", "--worker-port", str(wport), "--nthreads", "1",
                       "--no-nanny", "--dashboard-address", f"127.0.0.1:{wdash}", "--name", f"w{k}",
                       "--local-directory", str(tmp_path / f"dask-w{k}"), *security], f"w{k}")
            workers[f"w{k}"] = (p, f"{protocol}://127.0.0.1:{wport}")
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


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two single-threaded workers on loopback, plain tcp://; yields
    (address, {name: (proc, address)}, scheduler proc)."""
    yield from _start_cluster(tmp_path, None)


@pytest.fixture
def tls_cluster(tmp_path):
    """The same with TLS; yields (address, workers, scheduler proc, {option: certificate file})."""
    files = _write_certificates(tmp_path)
    for started in _start_cluster(tmp_path, files):
        yield (*started, files)


@pytest.mark.slow  # some 20 s; the TLS cluster test below runs a real cluster in the default run
def test_sweep_on_a_cluster_survives_a_lost_worker(cluster, tmp_path):
    address, workers, scheduler = cluster
    with Client(address, timeout="30s", set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
        # why a tcp:// cluster gets a warning: any local process can run code on its workers
        pids = client.run(os.getpid)
        assert sorted(pids.values()) == sorted(p.pid for p, _ in workers.values())
    assert probe(address, timeout=10)["type"] == "Scheduler"
    assert probe(workers["w0"][1], timeout=10)["type"] == "Worker"
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
    # besides Dask's own log lines about the lost worker (whether a gather was in flight when it
    # died is a matter of timing), the one warning about the open door
    ours = [line for line in stderr.strip().splitlines() if " - distributed." not in line]
    assert ours == [
        f"warning: the Dask scheduler at {address} is unauthenticated: any process that reaches it can run code on "
        "its workers; use tls:// with --tls-ca-file, --tls-cert, --tls-key"], stderr

    every = read_runs(out, latest=False)
    assert every["run_id"].nunique() == 120
    assert every.groupby(["run_id", "outcome"]).size().eq(1).all(), "a run was recorded twice"
    assert (every["status"] == "ok").all()
    by_worker = every.drop_duplicates("run_id")
    assert set(by_worker["worker"]) == {victim_address, workers["w0"][1]}, "both workers should have run tasks"
    after = by_worker[by_worker["finished"].map(lambda t: t.timestamp()) > killed_at + 1]
    assert len(after) > 0 and set(after["worker"]) == {workers["w0"][1]}, "runs went on after the loss, on w0"


def test_sweep_on_a_tls_cluster_with_certificates_others_are_refused(tls_cluster, tmp_path, capsys):
    address, workers, scheduler, files = tls_cluster
    parser = argparse.ArgumentParser()
    parser.add_argument("--scheduler")
    add_security_options(parser)
    argv = ["--scheduler", address, *(str(a) for option, path in files.items() for a in (option, path))]
    security = security_from_args(parser.parse_args(argv))
    with Client(address, timeout="30s", set_as_default=False, security=security) as client:
        client.wait_for_workers(2, timeout=60)
    assert probe(address, security, timeout=10)["type"] == "Scheduler"  # the certificate opens the door
    stranger = Security.temporary()
    for endpoint in [address, *(a for _, a in workers.values())]:
        for where, sec in ((endpoint.replace("tls://", "tcp://"), None), (endpoint, stranger)):
            with pytest.raises((OSError, TimeoutError)):
                probe(where, sec, timeout=1.0)
    # a tls:// scheduler without certificates, or certificates for a tcp:// one: one line each
    with pytest.raises(EngineError, match="a tls:// scheduler needs --tls-ca-file, --tls-cert and --tls-key"):
        run_sweep(load_spec(_small_spec(tmp_path)), tmp_path / "refused", scheduler=address, progress=False)
    with pytest.raises(EngineError, match="--tls-key missing|--tls-cert missing"):
        security_from_args(parser.parse_args(["--scheduler", address, "--tls-ca-file", str(files["--tls-ca-file"])]))
    with pytest.raises(EngineError, match="for a cluster reached with --scheduler tls://"):
        security_from_args(parser.parse_args(["--scheduler", address.replace("tls://", "tcp://"), *argv[2:]]))
    assert not (tmp_path / "refused").exists()

    out = tmp_path / "out"
    summary = run_sweep(load_spec(_small_spec(tmp_path)), out, scheduler=address, security=security, progress=False,
                        plots=False)
    assert summary["complete"] and summary["ok"] == 12 and summary["tls"]
    assert "warning" not in capsys.readouterr().err
    runs = read_runs(out)
    assert runs["run_id"].nunique() == 12 and (runs["status"] == "ok").all()
    assert set(runs["worker"]) <= {a for _, a in workers.values()} and runs["worker"].str.startswith("tls://").all()


def _small_spec(folder: Path) -> Path:
    path = folder / "small_spec.toml"
    path.write_text(SPEC.replace("replicates = 20", "replicates = 6").replace("steps = 24", "steps = 6")
                    .replace("n = 6", "n = 2").replace("burn_in_months = 6", "burn_in_months = 2"))
    return path
