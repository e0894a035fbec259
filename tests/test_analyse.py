"""Sensitivity analysis through the command line: Morris, Sobol, link ablation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.analyse import sobol_indices

ROOT = Path(__file__).resolve().parent.parent
SMOKE = "experiments/sweeps/smoke.toml"


def _run(args, timeout=600):
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "run.py", "analyse", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=timeout)


@pytest.mark.slow
def test_analyse_writes_indices_and_ranks_links(tmp_path):
    out = tmp_path / "sa"
    proc = _run([SMOKE, "--out", str(out), "--morris-trajectories", "2", "--sobol-samples", "4",
                 "--ablation-replicates", "2", "--links", "security_stress,trust_seek,teacher_expectations",
                 "--workers", "2", "--quiet"])
    assert proc.returncode == 0, proc.stderr
    for name in ("morris.csv", "sobol.csv", "ablation.csv", "indices.png", "ablation_stress_mean.png", "analysis.json"):
        assert (out / name).is_file(), name
    morris = pd.read_csv(out / "morris.csv").set_index(["outcome", "input"])
    # the cost depends on the programme's size only: trust has no influence on it at all
    assert morris.loc[("cost_total", "set.trust_mean"), "mu_star"] == 0.0
    assert morris.loc[("cost_total", "interventions.single_parent_support.units"), "mu_star"] > 0.0
    ablation = pd.read_csv(out / "ablation.csv")
    stress = ablation[ablation["outcome"] == "stress_mean"].set_index("link")
    # existential security -> stress (loop 1) moves stress far more than teachers' expectations of children
    assert stress.loc["security_stress", "rank"] == 1
    assert stress.loc["security_stress", "diff"] > 0  # without it, stress rises
    report = json.loads((out / "analysis.json").read_text())
    assert set(report["stages"]) == {"morris", "sobol", "ablation"}
    assert report["stages"]["ablation"]["runs"] == 2 * 4  # (3 links + baseline) x 2 replicates


@pytest.mark.parametrize("args, fragment", [
    (["--sobol-samples", "6"], "--sobol-samples = 6; allowed: a power of two"),
    (["--links", "stress_welbeing"], "stress_welbeing"),
    (["--skip", "morriss"], "--skip 'morriss'; allowed: morris, sobol, ablation"),
    (["--ablation-replicates", "1"], "--ablation-replicates = 1 is out of range; allowed: 2 to 1000"),
])
def test_analyse_refuses_bad_options_and_writes_nothing(tmp_path, args, fragment):
    out = tmp_path / "sa"
    proc = _run([SMOKE, "--out", str(out), *args], timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_sobol_indices_find_the_input_that_carries_the_variance():
    """y = 4 x1 + 0.1 x2: x1 explains nearly all of the variance, x2 almost none."""
    from SALib.sample import sobol

    problem = {"num_vars": 2, "names": ["x1", "x2"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    X = sobol.sample(problem, 256, calc_second_order=False, seed=3)
    table = sobol_indices(problem, {"y": 4 * X[:, 0] + 0.1 * X[:, 1]}, seed=3).set_index("input")
    assert table.loc["x1", "ST"] > 0.95 and table.loc["x2", "ST"] < 0.05
    flat = sobol_indices(problem, {"y": np.ones(len(X))}, seed=3)
    assert (flat[["S1", "ST"]] == 0).all().all()
