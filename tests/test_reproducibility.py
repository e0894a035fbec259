"""Same seed, same run: across separate processes, and serial against parallel kernels.

Each child process builds the small neighbourhood, runs 24 months and prints one SHA-256
per output table (time series, blocks, setbacks, lineage) and per state array (person
stocks and integers, events, tie slots, households, cells, blocks, lineage accumulators).
The two processes get different ``PYTHONHASHSEED`` values, so nothing may depend on the
order of a Python ``set`` or ``dict`` of strings. The second process also runs the same
seed with the multi-threaded kernels on two numba threads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SMALL

ROOT = Path(__file__).resolve().parents[1]
SEED, OTHER_SEED, STEPS = 101, 102, 24
# a short resilience window so that setbacks are closed (and hashed) within 24 months
CHANGES = {**SMALL, "resilience_window": 6}

CHILD = r"""
import hashlib, json, sys
import numpy as np
import pandas as pd
from abm.model import VeerkrachtModel
from abm.params import make_params

changes, steps, runs = json.loads(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table_hash(df: pd.DataFrame) -> str:
    head = json.dumps([list(map(str, df.columns)), list(map(str, df.dtypes)), len(df)]).encode()
    return sha(head + pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())


def fingerprint(seed: int, parallel: bool) -> dict:
    model = VeerkrachtModel(make_params(None, changes), seed=seed, parallel=parallel)
    model.run(steps)
    out = {f"table:{k}": table_hash(v) for k, v in model.results().items()}
    out.update({f"rows:{k}": len(v) for k, v in model.results().items()})
    s = model.state
    n, nh = s.n, s.n_hh
    arrays = {
        "f": s.f[:, :n], "i": s.i[:, :n], "events": s.events[:n], "tie_other": s.tie_other[:n],
        "tie_w": s.tie_w[:n], "tie_type": s.tie_type[:n], "hh_cell": s.hh_cell[:nh], "hh_kind": s.hh_kind[:nh],
        "cell_hh": s.cell_hh, "block_efficacy": s.block_efficacy, "block_attachment": s.block_attachment,
        "child_parent_stress": s.child_parent_stress[:n], "child_months": s.child_months[:n],
    }
    out.update({f"array:{k}": sha(np.ascontiguousarray(v).tobytes()) for k, v in arrays.items()})
    out["counters"] = dict(model.counters)
    return out


print(json.dumps({f"{seed}:{'parallel' if par else 'serial'}": fingerprint(seed, par) for seed, par in runs}))
"""


def _child(runs, **env_changes) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(ROOT / ".numba_cache"), "NUMBA_NUM_THREADS": "1", **env_changes}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(CHANGES), str(STEPS), json.dumps(runs)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"child process failed:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def fingerprints() -> dict:
    first = _child([[SEED, False], [OTHER_SEED, False]], PYTHONHASHSEED="1")
    second = _child([[SEED, False], [SEED, True]], PYTHONHASHSEED="2", NUMBA_NUM_THREADS="2")
    return {"first": first, "second": second}


def _differences(a: dict, b: dict) -> list[str]:
    return [k for k in a if a[k] != b.get(k)]


def test_same_seed_same_results_in_two_processes(fingerprints):
    a = fingerprints["first"][f"{SEED}:serial"]
    b = fingerprints["second"][f"{SEED}:serial"]
    assert a["rows:setbacks"] > 0, "no setbacks closed: the setbacks table would be checked empty"
    assert a["counters"]["births"] + a["counters"]["arrived"] > 0
    assert not _differences(a, b), f"same seed, different results in: {_differences(a, b)}"


def test_different_seeds_differ(fingerprints):
    a = fingerprints["first"][f"{SEED}:serial"]
    b = fingerprints["first"][f"{OTHER_SEED}:serial"]
    for key in ("table:timeseries", "table:setbacks", "array:f", "array:i", "array:tie_other", "array:cell_hh"):
        assert a[key] != b[key], f"seeds {SEED} and {OTHER_SEED} give the same {key}"


def test_parallel_kernels_equal_serial(fingerprints):
    """``parallel=True`` on two numba threads gives the serial run bit for bit."""
    a = fingerprints["second"][f"{SEED}:serial"]
    b = fingerprints["second"][f"{SEED}:parallel"]
    assert not _differences(a, b), f"parallel differs from serial in: {_differences(a, b)}"
