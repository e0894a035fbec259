"""A dataset folder holds one experiment, counts a run done only when it is whole, and its
cluster lets in nobody else.

Everything here uses real files and real processes: a real sweep (20 x 20 neighbourhood, 3
months, on the embedded LocalCluster) makes the folder the other tests copy; scenario files
and part files are edited by hand; the model's code is edited in a copy of the project run
as a separate process; and a running sweep's cluster is attacked from this process with the
connections another local process could make.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import Client
from distributed.comm import connect
from distributed.security import Security

from experiments.cli import main
from experiments.results import OutputError
from experiments.runner import EngineError, run_tasks
from experiments.scenario import PRESET_DIR, SMALL
from experiments.store import dataset_identity, read_runs
from experiments.sweep import build_design, load_spec
from tests.conftest import small_toml

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "MPLBACKEND": "Agg", "NUMBA_NUM_THREADS": "1",
       "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))}
SCENARIO = """
[scenario]
name = "small"
[params]
""" + small_toml(burn_in_months=2, trust_mean=0.4) + """[run]
steps = 3
"""
SPEC = """
[sweep]
name = "identity"
scenario = "small.toml"
seed = 7
replicates = 2
outcomes = ["stress_mean", "wellbeing_mean", "persons"]
"""
OUTCOMES = {"stress_mean", "wellbeing_mean", "persons"}


def probe(address: str, security=None, timeout: float = 2.0) -> dict:
    """What a Dask endpoint (scheduler, worker or nanny) answers to ``{"op": "identity"}``.

    The first message any Dask client sends; an endpoint that answers it also takes
    ``run`` and ``submit``. Raises if the endpoint refuses the connection or gives no
    answer within ``timeout`` seconds (a TLS endpoint may wait for a handshake that a
    plain connection never sends).
    """
    async def ask():
        kwargs = security.get_connection_args("client") if security is not None else {}
        comm = await connect(address, timeout=timeout, **kwargs)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    async def bounded():
        return await asyncio.wait_for(ask(), timeout)

    return asyncio.run(bounded())


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): _digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def _one_line_error(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (code, err)
    return lines[0]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A finished sweep: (folder with spec.toml and small.toml, its dataset folder ``out``)."""
    base = tmp_path_factory.mktemp("identity")
    (base / "small.toml").write_text(SCENARIO)
    (base / "spec.toml").write_text(SPEC)
    out = base / "out"
    code = main(["sweep", str(base / "spec.toml"), "--out", str(out), "--quiet", "--workers", "1"])
    assert code == 0
    return base, out


@pytest.fixture
def folder(made, tmp_path):
    """A copy of the finished dataset, to change by hand."""
    base, out = made
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    return base / "spec.toml", copy


# ---- the identity of a folder ---------------------------------------------------------------

def test_identity_covers_the_scenario_file_contents_presets_included(made):
    base, out = made
    manifest = json.loads((out / "manifest.json").read_text())
    small = str(base / "small.toml")
    assert manifest["identity"]["scenarios"][small]["sha256"] == _digest(base / "small.toml")
    assert manifest["identity"]["model"]["version"] and len(manifest["identity"]["model"]["source_sha256"]) == 64
    preset = dataset_identity([{"scenario": "krachtwijk"}, {}])["scenarios"]  # {} is krachtwijk by default
    assert list(preset) == ["krachtwijk"]
    assert preset["krachtwijk"]["sha256"] == _digest(PRESET_DIR / "krachtwijk.toml")


def test_an_edited_scenario_file_is_refused_and_the_folder_left_alone(capsys, made, folder):
    base, _ = made
    spec, out = folder
    scenario = base / "small.toml"
    before = _listing(out)
    original = scenario.read_bytes()
    try:
        scenario.write_text(SCENARIO.replace("trust_mean = 0.4", "trust_mean = 0.5"))
        line = _one_line_error(capsys, ["sweep", str(spec), "--out", str(out), "--quiet"])
        assert "holds a different sweep" in line and "the scenario file" in line, line
        assert "small.toml changed since this folder was made" in line, line
        # a change that leaves every parameter as it was is still another file: refused too
        scenario.write_bytes(original + b"# a comment\n")
        line = _one_line_error(capsys, ["sweep", str(spec), "--out", str(out), "--quiet"])
        assert "small.toml changed since this folder was made" in line, line
    finally:
        scenario.write_bytes(original)
    assert _listing(out) == before
    # the file as it was: the folder resumes (nothing left to do, so no cluster is started)
    assert main(["sweep", str(spec), "--out", str(out), "--quiet"]) == 0
    assert "0 computed (2 were done)" in capsys.readouterr().out


def _project_copy(dest: Path, edit: bool) -> Path:
    for name in ("abm", "agents", "experiments"):  # bytecode too (copy2 keeps the times that validate it)
        shutil.copytree(ROOT / name, dest / name)
    if edit:
        with open(dest / "abm" / "model.py", "a") as fh:
            fh.write("\n# an edit of the model's code, committed or not\n")
    return dest


RESUME = """
import json, sys
from experiments.runner import run_tasks
from experiments.results import OutputError
job = json.load(open(sys.argv[1]))
try:
    summary = run_tasks(job["runs"], sys.argv[2], meta=job["meta"], progress=False)
except OutputError as e:
    sys.exit(f"error: {e}")
print(summary["done_before"], summary["computed"])
"""


def test_edited_model_code_is_refused_a_moved_checkout_resumes(tmp_path, folder):
    spec, out = folder
    before = _listing(out)
    sweep = load_spec(spec)
    job = tmp_path / "job.json"  # the sweep's runs, as the command line gives them to the engine
    job.write_text(json.dumps({"runs": build_design(sweep, check=False).runs, "meta": sweep.meta}))

    def resume(project: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", RESUME, str(job), str(out)], cwd=project, env=ENV,
                              capture_output=True, text=True, timeout=120)

    edited = resume(_project_copy(tmp_path / "edited", edit=True))
    assert edited.returncode == 1, edited.stderr
    lines = edited.stderr.strip().splitlines()
    assert len(lines) == 1 and "the model code (abm/, agents/" in lines[0], edited.stderr
    assert "changed since this folder was made" in lines[0] and "made at commit" in lines[0], lines[0]
    assert _listing(out) == before
    same = resume(_project_copy(tmp_path / "moved", edit=False))  # the same code elsewhere
    assert same.returncode == 0, same.stderr
    assert same.stdout.split() == ["2", "0"]  # both runs were done, none computed


# ---- a run is done only when a part holds all of its rows --------------------------------------

def test_a_part_missing_some_outcome_rows_does_not_count_the_run_done(capsys, folder):
    spec, out = folder
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) == 1
    whole = read_runs(out)
    assert len(whole) == 2 * 3
    table = pq.read_table(parts[0])
    victim = table.column("run_id")[0].as_py()
    keep = [not (r == victim and o == "persons") for r, o in zip(table.column("run_id").to_pylist(),
                                                               table.column("outcome").to_pylist())]
    pq.write_table(table.filter(pa.array(keep)), parts[0])  # schema and provenance kept, one row fewer
    assert len(read_runs(out)) == 5

    assert main(["sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    assert "1 computed (1 were done)" in capsys.readouterr().out
    latest = read_runs(out)
    assert len(latest) == 6 and latest.groupby("run_id")["outcome"].apply(set).eq(OUTCOMES).all()
    again = latest[latest["run_id"] == victim]
    assert set(again["part"]) != {parts[0].name} and (again["attempt"] == 2).all()
    # computed again, the same numbers bit for bit
    old = whole.set_index(["run_id", "outcome"])["value"]
    assert latest.set_index(["run_id", "outcome"])["value"].sort_index().equals(old.sort_index())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] and summary["ok"] == 2 and summary["missing"] == 0


# ---- bad files in the folder: one line, nothing changed --------------------------------------

@pytest.mark.parametrize("manifest, expect", [
    ("[1, 2]", "is not the manifest of a dataset"),
    ('{"runs": 2}', "is not the manifest of a dataset"),
    ('{"format": 2, "fingerprint": 5}', "is not the manifest of a dataset"),
    ("[" * 100_000 + "]" * 100_000, "cannot be read"),
    ('{"format": 1, "fingerprint": "abc", "meta": {}}', "another version of the engine (dataset format 1"),
])
def test_a_bad_manifest_gives_one_line(capsys, folder, manifest, expect):
    spec, out = folder
    (out / "manifest.json").write_text(manifest)
    before = _listing(out)
    line = _one_line_error(capsys, ["sweep", str(spec), "--out", str(out), "--quiet"])
    assert expect in line, line
    assert _listing(out) == before


def test_a_corrupt_part_file_gives_one_line(capsys, folder):
    spec, out = folder
    part = next((out / "runs").glob("part-*.parquet"))
    data = bytearray(part.read_bytes())
    data[4] ^= 0xFF  # the first page header, right after the magic bytes
    part.write_bytes(bytes(data))
    with pytest.raises(OSError) as raw:
        pq.read_table(part)
    assert "\n" in str(raw.value).strip(), "pyarrow's message should span lines here, or the test shows nothing"
    before = _listing(out)
    line = _one_line_error(capsys, ["sweep", str(spec), "--out", str(out), "--quiet"])
    assert f"part file '{part}' cannot be read (" in line and "move it away" in line, line
    assert _listing(out) == before
    with pytest.raises(OutputError) as e:
        read_runs(out)
    assert "\n" not in str(e.value)


# ---- the embedded cluster lets in nobody else ------------------------------------------------

def _tree(pid: int) -> list[psutil.Process]:
    proc = psutil.Process(pid)
    return [proc, *proc.children(recursive=True)]


def _ports(proc: psutil.Process, status: str, end: str = "laddr") -> set[int]:
    try:
        return {getattr(c, end).port for c in proc.net_connections(kind="inet") if c.status == status}
    except psutil.NoSuchProcess:
        return set()


def _listening_ports(proc: psutil.Process) -> set[int]:
    return _ports(proc, psutil.CONN_LISTEN)


def test_the_embedded_cluster_refuses_connections_without_its_certificate(tmp_path):
    (tmp_path / "small.toml").write_text(SCENARIO)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace("replicates = 2", "replicates = 5000"))  # killed long before the end
    out = tmp_path / "out"
    sweep = subprocess.Popen([sys.executable, "run.py", "sweep", str(spec), "--out", str(out), "--quiet",
                              "--workers", "1"], cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:  # until the worker runs and is connected to the sweep's scheduler
            assert sweep.poll() is None, sweep.communicate()
            assert time.monotonic() < deadline, "the cluster did not come up"
            procs = _tree(sweep.pid)
            main_ports = _listening_ports(procs[0])  # the scheduler and the nannies
            worker_ports = set().union(*(_listening_ports(p) for p in procs[1:]))
            # the scheduler: the port of the sweep's process that the workers are connected to
            scheduler = main_ports & set().union(*(_ports(p, psutil.CONN_ESTABLISHED, "raddr") for p in procs[1:]))
            if len(main_ports) >= 2 and worker_ports and scheduler:
                break
            time.sleep(0.1)
        stranger = Security.temporary()  # a valid certificate, but not the cluster's
        for port in sorted(main_ports | worker_ports):
            for address, security in ((f"tcp://127.0.0.1:{port}", None), (f"tls://127.0.0.1:{port}", stranger)):
                with pytest.raises((OSError, TimeoutError)):
                    probe(address, security, timeout=1.0)
        for port in sorted(scheduler):
            for address, security in ((f"tcp://127.0.0.1:{port}", None), (f"tls://127.0.0.1:{port}", stranger)):
                with pytest.raises((OSError, TimeoutError)):
                    Client(address, timeout="1s", set_as_default=False, security=security)
        # the key is made in memory: no command line or environment of the cluster holds it
        for proc in procs:
            try:
                text = " ".join(proc.cmdline()) + " ".join(proc.environ().values())
            except (psutil.ZombieProcess, psutil.NoSuchProcess):
                continue  # a helper process that has ended
            assert "PRIVATE KEY" not in text and "BEGIN CERTIFICATE" not in text
        assert sweep.poll() is None, "the sweep ended during the attack: the refusals prove nothing"
    finally:
        try:
            os.killpg(sweep.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        sweep.wait(timeout=30)



@pytest.mark.slow
def test_a_sweep_stopped_before_any_run_finished_leaves_no_new_folders(tmp_path):
    """SIGTERM while the first runs are still going: the dataset folder and the parent folders
    the sweep made are removed (nothing to resume); the folder that existed stays as it was."""
    spec = tmp_path / "slow.toml"
    spec.write_text('[sweep]\nscenario = "krachtwijk"\nsteps = 480\nreplicates = 2\nseed = 3\nsampler = "grid"\n'
                    'outcomes = ["stress_mean"]\n[vary]\ntrust_mean = [0.3, 0.5]\n')
    out = tmp_path / "new" / "deeper" / "sweep"
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "run.py", "sweep", str(spec), "--out", str(out), "--quiet",
                             "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "manifest.json").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the sweep never started"
            time.sleep(0.05)
        assert not list((out / "runs").glob("part-*")), "a run finished too early for this test"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slow.toml"], err


def test_a_sweep_that_finishes_nothing_leaves_no_new_folders(tmp_path):
    """A batch that stops before any run finished (here: a scheduler nobody listens on) removes
    the dataset folder and the parent folders it made; an existing parent stays."""
    with socket.socket() as s:  # a port on loopback with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "new" / "deeper" / "sweep"
    task = {"scenario": "krachtwijk", "seed": 1, "steps": 1, "outcomes": ["stress_mean"],
            "set": {**SMALL, "burn_in_months": 2}}
    with pytest.raises(EngineError):
        run_tasks([task], out, scheduler=f"tcp://127.0.0.1:{port}", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
