"""Fair comparisons: common random numbers, paired intervals, reports, the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm.params import ParameterError
from experiments.compare import arm, design, replicate_seed
from experiments.reports import paired_differences, summary_table
from experiments.tasks import run_task
from tests.conftest import small_toml

ROOT = Path(__file__).resolve().parent.parent
SMALL_TOML = """
[scenario]
name = "{name}"
[params]
""" + small_toml() + """[run]
steps = 24
{extra}
"""


def scenario_file(folder: Path, name: str, extra: str = "") -> str:
    path = folder / f"{name}.toml"
    path.write_text(SMALL_TOML.format(name=name, extra=extra))
    return str(path)


def test_replicate_seeds_are_shared_across_arms_and_differ_between_replicates(tmp_path):
    a = arm(scenario_file(tmp_path, "base"))
    b = arm(scenario_file(tmp_path, "base"), interventions={"learning": {"units": 20}})
    tasks = design(a, b, 4, seed=5, steps=None, outcomes=["stress_mean"])
    assert len(tasks) == 8
    seeds = [t["seed"] for t in tasks]
    assert seeds[0::2] == seeds[1::2]  # A and B of one replicate share the seed
    assert len(set(seeds[0::2])) == 4
    assert seeds[0::2] == [replicate_seed(5, r) for r in range(4)]
    assert "cost_total" in tasks[0]["outcomes"] and "transmission" in tasks[0]["outcomes"]


def test_bad_comparisons_are_refused_before_running(tmp_path):
    a = arm(scenario_file(tmp_path, "base"))
    with pytest.raises(ParameterError, match="replicates = 0 is out of range; allowed: 1 to 10000"):
        design(a, a, 0, 1, None, None)
    with pytest.raises(ParameterError, match="unknown outcome 'stres_mean'; did you mean stress_mean"):
        design(a, a, 2, 1, None, ["stres_mean"])
    with pytest.raises(ParameterError, match="unknown intervention 'learnin'"):
        design(a, arm(a["scenario"], interventions={"learnin": {}}), 2, 1, None, None)


def test_same_scenario_twice_differs_by_exactly_nothing(tmp_path):
    """Common random numbers: identical arms give identical runs, so every difference is 0."""
    a = arm(scenario_file(tmp_path, "base"))
    tasks = design(a, dict(a), 3, 9, None, ["stress_mean", "trust_mean", "persons"])
    rows = []
    for k, task in enumerate(tasks):
        for outcome, value in run_task(task)["outcomes"].items():
            rows.append(dict(label="AB"[k % 2], replicate=k // 2, outcome=outcome, value=value))
    diffs = paired_differences(pd.DataFrame(rows), baseline="A")
    stress = diffs[diffs["outcome"] == "stress_mean"].iloc[0]
    assert stress["diff"] == 0.0 and stress["ci_lo"] == 0.0 and stress["ci_hi"] == 0.0
    assert stress["better"] == "unclear"


def test_paired_interval_is_narrower_than_unpaired_when_luck_is_shared():
    rng = np.random.default_rng(0)
    luck = rng.normal(0, 1.0, 12)
    rows = [dict(label="A", replicate=r, outcome="x", value=luck[r]) for r in range(12)]
    rows += [dict(label="B", replicate=r, outcome="x", value=luck[r] + 0.3 + rng.normal(0, 0.05)) for r in range(12)]
    df = pd.DataFrame(rows)
    d = paired_differences(df, "A").iloc[0]
    assert d["ci_lo"] > 0.2 and d["ci_hi"] < 0.4 and d["better"] == "better"
    t = summary_table(df).set_index("label")
    unpaired_half = (t.loc["B", "ci_hi"] - t.loc["B", "ci_lo"]) / 2
    assert (d["ci_hi"] - d["ci_lo"]) / 2 < unpaired_half / 5


def _env():
    return {**os.environ, "NUMBA_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def test_compare_command_reports_a_policy_with_its_cost(tmp_path):
    base = scenario_file(tmp_path, "base")
    out = tmp_path / "cmp"
    cmd = [sys.executable, "run.py", "compare", base, base, "--b-intervention", "existential_security:units=60",
           "--replicates", "3", "--workers", "2", "--out", str(out), "--quiet",
           "--outcomes", "security_mean,stress_mean"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "security_mean" in proc.stdout and "extra cost over the run" in proc.stdout
    for name in ("differences.csv", "comparison.json", "differences.png", "cost_effect.png", "transmission.png",
                 "summary.json", "manifest.json"):
        assert (out / name).is_file(), name
    diffs = pd.read_csv(out / "differences.csv").set_index("outcome")
    assert diffs.loc["security_mean", "diff"] > 0  # the income floor raises existential security
    assert diffs.loc["cost_total", "diff"] == pytest.approx(24 * 60 * 300.0)  # 24 months x 60 households x EUR 300
    comparison = json.loads((out / "comparison.json").read_text())
    assert comparison["replicates"] == 3 and comparison["differences"]["security_mean"]["verdict"] == "better"
    # how much luck the arms share: most persons are the same person in both (stable identities)
    shared = comparison["shared_draws"]
    assert 0.5 < shared["share"] <= 1.0 and 0 < shared["persons_both"] <= shared["persons_either"]
    assert "share" in proc.stdout and "draws" in proc.stdout
    # the same command again resumes: nothing left to compute, the same table
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=600)
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out / "differences.csv").set_index("outcome"), diffs)
    assert json.loads((out / "summary.json").read_text())["computed"] == 0


@pytest.mark.parametrize("args, fragment", [
    (["--replicates", "0"], "replicates = 0"),
    (["--b-intervention", "learning:units=-5"], "units = -5 is out of range"),
    (["--outcomes", "wellbeing"], "unknown outcome 'wellbeing'"),
])
def test_compare_command_refuses_bad_input_and_writes_nothing(tmp_path, args, fragment):
    base = scenario_file(tmp_path, "base")
    out = tmp_path / "cmp"
    proc = subprocess.run([sys.executable, "run.py", "compare", base, base, "--out", str(out), *args],
                          cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.returncode == 2
    assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()
