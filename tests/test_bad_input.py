"""Bad input, whatever its kind, gets one line on stderr, exit status 2, and nothing written.

Parse-level errors are tried in-process through :func:`experiments.cli.main` (fast); exit
statuses, signals and output folders through real ``run.py`` processes. Every documented
endpoint of every parameter either builds and steps a small neighbourhood with finite
state, or is refused by a cross-check with one line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm.params import STYLE_SHARES, ParameterError, make_params, schema_rows
from experiments.cli import main
from experiments.scenario import SMALL
from tests.conftest import small_args, small_params, small_toml

ROOT = Path(__file__).resolve().parents[1]
TINY = [*small_args(burn_in_months=2), "--steps", "3", "--seed", "1", "--quiet"]
BIG = "1" + "0" * 5000  # longer than Python reads from text (4300 digits)
LONG = "1" + "0" * 400  # reads as a whole number, too large for a float
SMALL_SCENARIO = '[scenario]\nname = "tiny"\n[params]\n' + small_toml(burn_in_months=2) + "[run]\nsteps = 3\n"


def _env() -> dict:
    return {**os.environ, "NUMBA_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _everything(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def _refused(capsys, args: list[str], watch: Path) -> str:
    """Run the command in-process; assert exit 2, one line on stderr, nothing new under ``watch``."""
    before = _everything(watch)
    code = main(args)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert len(lines[0]) < 400, "the message should be short enough to read"
    assert _everything(watch) == before, "bad input left output behind"
    return lines[0]


# ---- the command line: run ------------------------------------------------------------------

RUN_CASES = [
    (["--intervention", "learning:units=inf"], ["units = inf is not a finite number", "0 to 5000"]),
    (["--intervention", "learning:units=nan"], ["units = nan is not a finite number"]),
    (["--intervention", "learning:start=inf"], ["start = inf is not a finite number", "0 to 100000"]),
    (["--intervention", "learning:units=1e400"], ["units = inf is not a finite number"]),
    (["--intervention", "learning:effect=-inf"], ["effect = -inf is not a finite number"]),
    (["--shock", "inflation:start=inf"], ["shock inflation: start = inf is not a finite number"]),
    (["--shock", "inflation:severity=nan"], ["severity = nan is not a finite number", "0.0 to 1.0"]),
    (["--shock", "lockdown:months=" + BIG], ["months = inf is not a finite number", "1 to 100000"]),
    (["--set", "trust_mean=inf"], ["trust_mean = inf is not a finite number", "0.0 to 1.0"]),
    (["--set", "trust_mean=nan"], ["trust_mean = nan is not a finite number"]),
    (["--set", "n_police=inf"], ["n_police = inf is not a finite number", "0 to 100"]),
    (["--set", "n_police=-1e400"], ["n_police = -inf is not a finite number"]),
    (["--set", "n_police=" + BIG], ["n_police", "0 to 100"]),
    (["--set", "trust_mean=0x1"], ["trust_mean", "is not a number"]),
    (["--set", "=3"], ["unknown parameter ''"]),
    (["--set", ""], ["expected name=value"]),
    (["--off", ""], ["unknown link ''"]),
    (["--intervention", ""], ["unknown intervention ''"]),
    (["--intervention", "learning:=3"], ["unknown setting ''", "units, start"]),
    (["--shock", ""], ["unknown shock ''", "lockdown, inflation"]),
    (["--steps", BIG], ["steps", "is out of range", "1 to 100000"]),
    (["--seed", BIG], ["seed", "is out of range", "2**63 - 1"]),
    (["--seed", str(2**63)], ["seed = 9223372036854775808 is out of range"]),
    (["--scenario", ""], ["unknown scenario ''"]),
    (["--scenario", "x" * 300 + ".toml"], ["not found"]),
]


@pytest.mark.parametrize("extra, expect", RUN_CASES, ids=[" ".join(c[0])[:40] for c in RUN_CASES])
def test_run_refuses_bad_values(capsys, tmp_path, extra, expect):
    line = _refused(capsys, ["run", "--out", str(tmp_path / "out"), *TINY, *extra], tmp_path)
    for text in expect:
        assert text in line, line
    assert BIG not in line


def test_run_refuses_an_empty_out(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # '' would otherwise mean the current folder
    line = _refused(capsys, ["run", "--out", "", *TINY], tmp_path)
    assert "output folder '' is empty" in line


# ---- scenario files ------------------------------------------------------------------------

TOML_CASES = [
    ("[interventions.learning]\nunits = inf\n", ["units = inf is not a finite number"]),
    ("[interventions.learning]\nunits = nan\n", ["units = nan is not a finite number"]),
    ("[interventions.learning]\nstart = -inf\n", ["start = -inf is not a finite number"]),
    ("[shocks.inflation]\nstart = inf\n", ["shock inflation: start = inf is not a finite number"]),
    ("[params]\ntrust_mean = nan\n", ["[params]: trust_mean = nan is not a finite number"]),
    ("[params]\nn_police = inf\n", ["n_police = inf is not a finite number"]),
    (f"[params]\nn_police = {BIG}\n", ["more than 4300 digits"]),
    (f"[params]\nn_police = {LONG}\n", ["n_police = a whole number of about 401 digits is out of range"]),
    (f"[params]\ntrust_mean = {LONG}\n", ["trust_mean = a whole number of about 401 digits is out of range"]),
    (f"[run]\nsteps = {BIG}\n", ["more than 4300 digits"]),
    (f"[run]\nsteps = {LONG}\n", ["[run]: steps = a whole number of about 401 digits", "1 to 100000"]),
    (f"[run]\nseed = {LONG}\n", ["[run]: seed = a whole number of about 401 digits", "2**63 - 1"]),
    ("[run]\nseed = 9223372036854775808\n", ["seed = 9223372036854775808", "2**63 - 1"]),
    (f"[interventions.learning]\nunits = {BIG}\n", ["more than 4300 digits"]),
    (f"[interventions.learning]\nunits = {LONG}\n", ["units = a whole number of about 401 digits is out of range"]),
    (f"[shocks.inflation]\nseverity = {LONG}\n", ["severity = a whole number of about 401 digits"]),
    (f"[shocks.lockdown]\nmonths = {LONG}\n", ["months = a whole number of about 401 digits"]),
    (f"[interventions.meeting_places]\ncells = [[{LONG}, 2]]\n", ["is off any grid"]),
    ("[params]\nx = " + "[" * 5000 + "]" * 5000 + "\n", ["nested too deeply"]),
    ("[params]\nx = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n", ["nested too deeply"]),
    ("[links]\noff = [1]\n", ["[links]: link 1 is not a name"]),
    ("[links]\noff = [['stress_parenting']]\n", ["[links]: link ['stress_parenting'] is not a name"]),
    ("[links]\noff = 'stress_parenting'\n", ["[links]", "expected a list of link names"]),
    ("[scenario]\nname = 5\n", ["[scenario]: name = 5; allowed: a text"]),
    ("[interventions.learning]\nunits = [1, 2]\n", ["units = [1, 2] is not a number"]),
    ("[interventions]\nlearning = [1]\n", ["expected a table of settings"]),
]


@pytest.mark.parametrize("content, expect", TOML_CASES, ids=[c[0][:40] for c in TOML_CASES])
def test_scenario_file_refuses_bad_values(capsys, tmp_path, content, expect):
    bad = tmp_path / "bad.toml"
    bad.write_text(content)
    line = _refused(capsys, ["run", "--scenario", str(bad), "--out", str(tmp_path / "out"), "--quiet"], tmp_path)
    assert str(bad) in line
    for text in expect:
        assert text in line, line


@pytest.mark.parametrize("content, expect", [
    (b"[params]\ntrust_mean = 0.5\n" + b"#" * (4 * 2**20), ["larger than 4 MB"]),
    (b"[scenario]\nname = '\xff\xfe'\n", ["not UTF-8 text"]),
    (b"[params]\ntrust_mean = 0.5\n[params]\n", ["not valid TOML"]),
], ids=["too large", "not UTF-8", "a table twice"])
def test_scenario_file_that_cannot_be_read(capsys, tmp_path, content, expect):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(content)
    line = _refused(capsys, ["run", "--scenario", str(bad), "--out", str(tmp_path / "out"), "--quiet"], tmp_path)
    for text in expect:
        assert text in line, line


def test_scenario_path_that_is_a_folder(capsys, tmp_path):
    (tmp_path / "dir.toml").mkdir()
    line = _refused(capsys, ["run", "--scenario", str(tmp_path / "dir.toml"), "--out", str(tmp_path / "out")],
                    tmp_path)
    assert "not found" in line


# ---- what shows only when the neighbourhood is built ------------------------------------------

def _school_cell(width: int = 20, height: int = 20) -> tuple[int, int]:
    from abm.population import PURPOSE_SPACE, build_space, keyed_rng
    from abm.state import CellKind, State

    p = make_params(None, {"grid_width": width, "grid_height": height, "block_size": 10})
    state = State(grid_w=width, grid_h=height, block_size=10, tie_slots=p.tie_slots)
    build_space(state, p, keyed_rng(1, PURPOSE_SPACE, 0))
    cell = int(state.fac_cell[state.fac_kind == CellKind.SCHOOL][0])
    return cell % width, cell // width


def test_run_refuses_a_facility_on_the_school_before_writing(capsys, tmp_path):
    x, y = _school_cell()
    scen = tmp_path / "s.toml"
    scen.write_text(SMALL_SCENARIO + f"[interventions.meeting_places]\ncells = [[{x}, {y}]]\n")
    line = _refused(capsys, ["run", "--scenario", str(scen), "--out", str(tmp_path / "a" / "b" / "out"), "--quiet"],
                    tmp_path)
    assert f"cell ({x}, {y}) already holds a school" in line


def _sweep_file(folder: Path, extra: str) -> Path:
    scen = folder / "tiny.toml"
    scen.write_text(SMALL_SCENARIO)
    spec = folder / "sweep.toml"
    spec.write_text(f'[sweep]\nscenario = "{scen}"\nreplicates = 2\nseed = 1\nsampler = "grid"\n'
                    f'outcomes = ["stress_mean"]\n{extra}')
    return spec


def test_sweep_refuses_a_point_that_cannot_be_built(capsys, tmp_path):
    """Point 0 (grid 20 wide) builds; at point 1 (30 wide) the asked-for cell is the school's."""
    x, y = _school_cell(30, 20)
    assert _school_cell(20, 20) != (x, y)
    spec = _sweep_file(tmp_path, f"[vary]\ngrid_width = [20, 30]\n[interventions.meeting_places]\ncells = [[{x}, {y}]]\n")
    line = _refused(capsys, ["sweep", str(spec), "--out", str(tmp_path / "out"), "--quiet"], tmp_path)
    assert "point 1" in line and "grid_width = 30" in line and "already holds a school" in line


def test_compare_refuses_an_arm_that_cannot_be_built(capsys, tmp_path):
    x, y = _school_cell()
    base = tmp_path / "base.toml"
    base.write_text(SMALL_SCENARIO)
    policy = tmp_path / "policy.toml"
    policy.write_text(SMALL_SCENARIO + f"[interventions.service_point]\ncells = [[{x}, {y}]]\n")
    line = _refused(capsys, ["compare", str(base), str(policy), "--replicates", "2", "--out", str(tmp_path / "out"),
                             "--quiet"], tmp_path)
    assert "scenario B" in line and "already holds a school" in line


def test_a_facility_placed_by_count_leaves_the_cells_another_asks_for():
    """Meeting places by count (month 0) and a service point on a given cell (month 2): the count
    must not take that cell, or the run would fail in month 2, long after every check passed."""
    from abm.interventions import make_plan
    from abm.model import VeerkrachtModel
    from abm.state import CellKind

    params = small_params(burn_in_months=0)
    by_count = VeerkrachtModel(params, seed=5, plan=make_plan({"meeting_places": {"units": 2}}))
    by_count.run(1)
    placed = [int(c) for c, k in zip(by_count.state.fac_cell, by_count.state.fac_kind) if k == CellKind.MEETING_PLACE]
    cell = placed[-1]
    plan = make_plan({"meeting_places": {"units": 2}, "service_point": {"cells": [[cell % 20, cell // 20]], "start": 2}})
    model = VeerkrachtModel(params, seed=5, plan=plan)
    model.run(3)
    s = model.state
    assert s.fac_kind[list(s.fac_cell).index(cell)] == CellKind.SERVICE_POINT
    assert (s.fac_kind == CellKind.MEETING_PLACE).sum() == (by_count.state.fac_kind == CellKind.MEETING_PLACE).sum()


def test_compare_checks_the_layout_of_every_replicate(tmp_path):
    """Meeting places are placed by the seed: a cell free under replicate 0 can be taken under replicate 1."""
    from abm.population import PURPOSE_SPACE, build_space, keyed_rng
    from abm.state import CellKind, State
    from experiments.compare import arm, design, replicate_seed

    p = small_params()

    def meeting_cells(seed):
        state = State(grid_w=20, grid_h=20, block_size=10, tie_slots=p.tie_slots)
        build_space(state, p, keyed_rng(seed, PURPOSE_SPACE, 0))
        return {int(c) for c in state.fac_cell[state.fac_kind == CellKind.MEETING_PLACE]}

    cell = min(meeting_cells(replicate_seed(7, 1)) - meeting_cells(replicate_seed(7, 0)))
    base = tmp_path / "base.toml"
    base.write_text(SMALL_SCENARIO)
    a = arm(str(base))
    b = arm(str(base), interventions={"service_point": {"cells": [[cell % 20, cell // 20]]}})
    design(a, b, 1, 7, None, ["stress_mean"])  # replicate 0 alone: the cell is a dwelling
    with pytest.raises(ParameterError, match=r"scenario B: .*already holds a meeting place.*\(seed "):
        design(a, b, 2, 7, None, ["stress_mean"])


def test_a_sweep_checks_each_distinct_point_once(tmp_path):
    """The pre-check builds one neighbourhood per distinct (parameters, links, plan), not one per call."""
    from experiments.sweep import build_design, load_spec
    from experiments.tasks import BUILDS

    spec = _sweep_file(tmp_path, "[vary]\ntrust_mean = [0.3, 0.4, 0.5]\n")
    BUILDS.clear()
    build_design(load_spec(spec))
    assert len(BUILDS) == 3 and all(error is None for error in BUILDS.values())
    build_design(load_spec(spec))  # the same points again: no new builds
    assert len(BUILDS) == 3


# ---- compare and analyse -------------------------------------------------------------------

COMPARE_CASES = [
    (["--seed", "-1"], ["seed = -1 is out of range", "2**63 - 1"]),
    (["--seed", str(2**70)], ["seed = 1180591620717411303424 is out of range"]),
    (["--seed", "x"], ["seed = 'x' is not a whole number"]),
    (["--steps", "0"], ["steps = 0 is out of range", "1 to 100000"]),
    (["--steps", BIG], ["steps", "is out of range"]),
    (["--replicates", BIG], ["replicates", "has too many digits"]),
    (["--a-set", "trust_mean=inf"], ["trust_mean = inf is not a finite number"]),
    (["--b-intervention", "learning:units=nan"], ["units = nan is not a finite number"]),
    (["--b-shock", "inflation:start=inf"], ["start = inf is not a finite number"]),
]


@pytest.mark.parametrize("extra, expect", COMPARE_CASES, ids=[" ".join(c[0])[:40] for c in COMPARE_CASES])
def test_compare_refuses_bad_values(capsys, tmp_path, extra, expect):
    base = tmp_path / "base.toml"
    base.write_text(SMALL_SCENARIO)
    line = _refused(capsys, ["compare", str(base), str(base), "--out", str(tmp_path / "out"), "--quiet", *extra],
                    tmp_path)
    for text in expect:
        assert text in line, line


ANALYSE_CASES = [
    (["--links", ","], ["--links ',' names no link"]),
    (["--links", " , ,"], ["names no link"]),
    (["--links", "all,"], ["unknown link 'all'"]),
    (["--skip", "morris,sobol,ablation"], ["leaves nothing to do"]),
    (["--sobol-samples", BIG], ["samples", "has too many digits"]),
    (["--morris-trajectories", "1.5"], ["trajectories = '1.5' is not a whole number"]),
]


@pytest.mark.parametrize("extra, expect", ANALYSE_CASES, ids=[" ".join(c[0])[:40] for c in ANALYSE_CASES])
def test_analyse_refuses_bad_options_before_writing(capsys, tmp_path, extra, expect):
    spec = _sweep_file(tmp_path, "[vary]\ntrust_mean = [0.3, 0.5]\n")
    line = _refused(capsys, ["analyse", str(spec), "--out", str(tmp_path / "out"), "--quiet", *extra], tmp_path)
    for text in expect:
        assert text in line, line


def test_compare_says_which_arm_failed_when_every_run_of_it_did(tmp_path):
    """Every run of arm B fails in the workers (here: tasks sent to the engine past compare's
    pre-check, with a value the model refuses); the comparison names the arm and the first
    error instead of failing with a KeyError."""
    from experiments.compare import arm_without_results
    from experiments.runner import run_tasks
    from experiments.store import read_runs

    base = tmp_path / "base.toml"
    base.write_text(SMALL_SCENARIO)
    items = []
    for r in range(2):
        for side, sets in (("A", {}), ("B", {"trust_mean": 2.0})):
            task = {"scenario": str(base), "seed": 11 + r, "outcomes": ["stress_mean"], "set": sets}
            items.append({"task": task, "arm": side, "replicate": r})
    out = tmp_path / "cmp"
    summary = run_tasks(items, out, workers=1, progress=False, meta={"test": "arm B fails"})
    assert summary["failed"] == 2
    runs = read_runs(out)
    message = arm_without_results(runs)
    assert message is not None
    assert "every run of scenario B failed (2 runs" in message and "trust_mean = 2.0 is out of range" in message
    a_only = runs[runs["arm"] == "A"]
    assert arm_without_results(pd.concat([a_only, a_only.assign(arm="B")])) is None
    # an analysis stage whose every run failed says so too (instead of indices computed from nothing)
    from experiments.analyse import AnalysisFailed, check_ran

    check_ran("morris", summary, out)
    only_b = run_tasks([item for item in items if item["arm"] == "B"], tmp_path / "stage", workers=1,
                       progress=False, meta={"test": "every run fails"})
    with pytest.raises(AnalysisFailed, match=r"every run of the sobol stage failed \(2 runs; first error: .*"
                                             r"trust_mean = 2.0 is out of range"):
        check_ran("sobol", only_b, tmp_path / "stage")


# ---- one bounded-number check, one "did you mean", run settings checked in one place --------

@pytest.mark.parametrize("value, why", [
    ("many", "is not a number"), (True, "is not a number"), (np.bool_(True), "is not a number"), (None, "is not a number"),
    (float("nan"), "is not a finite number"), (np.float64("-inf"), "is not a finite number"),
    (11, "is out of range"), (-1, "is out of range"), (10**400, "is out of range"), (np.int64(11), "is out of range"),
    (2.5, "is not a whole number"),
])
def test_check_number_says_what_is_wrong_in_one_line(value, why):
    from abm.params import check_number

    with pytest.raises(ParameterError) as e:
        check_number("here", "n", value, 0, 10, whole=True, unit="count")
    message = str(e.value)
    assert message.startswith("here: n = ") and f" {why}; allowed: 0 to 10 (count)" in message, message
    assert len(message.splitlines()) == 1 and len(message) < 200


def test_check_number_returns_the_value_and_raises_the_callers_error():
    from abm.params import check_number

    three = check_number("", "n", 3.0, 0, 10, whole=True)
    assert three == 3 and type(three) is int
    assert check_number("", "n", np.int64(7), 0, 10, whole=True) == 7
    assert check_number("", "x", 0.25, 0.0, 1.0) == 0.25
    assert check_number("", "seed", 2**63 - 1, 0, 2**63 - 1, whole=True) == 2**63 - 1  # exact for big whole numbers
    with pytest.raises(ParameterError, match=r"^seed = 9223372036854775808 is out of range; allowed: 0 to 2\*\*63 - 1$"):
        check_number("", "seed", 2**63, 0, 2**63 - 1, whole=True, hi_text="2**63 - 1")
    with pytest.raises(KeyError):
        check_number("", "n", -1, 0, 10, error=KeyError)


def test_close_matches_hint():
    from abm.params import close_matches_hint

    assert close_matches_hint("trust_mea", ["trust_mean", "n_police"]) == "did you mean trust_mean? "
    assert close_matches_hint("stres_mean", ("stress_mean", "stress_q10", "trust_mean")).startswith(
        "did you mean stress_mean")
    assert close_matches_hint("zzz", ["trust_mean"]) == ""
    assert close_matches_hint(3, ["trust_mean"]) == ""  # not text: no close matches
    assert close_matches_hint("krachtwjk", ["krachtwijk"], cutoff=0.5) == "did you mean krachtwijk? "


def test_run_settings():
    from abm.params import DEFAULT_STEPS, RunSettings
    from experiments.scenario import ScenarioError

    assert RunSettings() == RunSettings(DEFAULT_STEPS, None)
    settings = RunSettings(12.0, 5)
    assert settings == RunSettings(12, 5) and type(settings.steps) is int
    with pytest.raises(ParameterError, match=r"^steps = 0 is out of range; allowed: 1 to 100000$"):
        RunSettings(0)
    with pytest.raises(ParameterError, match=r"^seed = -1 is out of range; allowed: 0 to 2\*\*63 - 1$"):
        RunSettings(5, -1)
    with pytest.raises(ScenarioError, match=r"^task: seed = None is not a number; allowed: 0 to 2\*\*63 - 1$"):
        RunSettings.check(5, None, "task", need_seed=True, error=ScenarioError)


def test_one_did_you_mean_and_one_number_check():
    """Close matches come from :func:`abm.params.close_matches_hint` only, and bounded numbers
    are checked by :func:`abm.params.check_number` only, not by copies."""
    sources = [p for folder in ("abm", "agents", "experiments", "viz") for p in (ROOT / folder).rglob("*.py")
               if p != ROOT / "abm" / "params.py"]
    copies = [str(p.relative_to(ROOT)) for p in sources if "get_close_matches" in p.read_text(encoding="utf-8")]
    assert copies == []
    checks = [str(p.relative_to(ROOT)) for p in sources if "is not a finite number" in p.read_text(encoding="utf-8")]
    assert checks == []
    assert copies == []
    assert (ROOT / "abm" / "params.py").read_text(encoding="utf-8").count("get_close_matches(") == 1


STEPS_ZERO = "steps = 0 is out of range; allowed: 1 to 100000"
SEED_MINUS_ONE = "seed = -1 is out of range; allowed: 0 to 2**63 - 1"


@pytest.mark.parametrize("name, value, words", [("steps", 0, STEPS_ZERO), ("seed", -1, SEED_MINUS_ONE)])
def test_every_way_in_checks_steps_and_seed_alike(capsys, tmp_path, name, value, words):
    """A scenario's [run], a batch task, a sweep file, a comparison and the command line: the same words."""
    from experiments.compare import arm, design
    from experiments.scenario import ScenarioError, load
    from experiments.sweep import SweepError, check_spec
    from experiments.tasks import prepare

    good = tmp_path / "good.toml"
    good.write_text(SMALL_SCENARIO)
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL_SCENARIO.replace("[run]\n", f"[run]\n{name} = {value}\n").replace("steps = 3\n", "")
                   if name == "steps" else SMALL_SCENARIO + f"{name} = {value}\n")
    with pytest.raises(ScenarioError) as e:
        load(str(bad))
    assert str(e.value).endswith(f"[run]: {words}")
    with pytest.raises(ParameterError) as e:
        prepare({"scenario": str(good), "seed": 1, "steps": 3, name: value}, build=False)
    assert str(e.value) == f"task: {words}"
    with pytest.raises(SweepError) as e:
        check_spec({"sweep": {"seed": 1, "scenario": str(good), name: value}})
    assert str(e.value).endswith(f"[sweep]: {words}")
    if name == "seed":
        with pytest.raises(ParameterError) as e:
            design(arm(str(good)), arm(str(good)), 1, value, None, None)
        assert str(e.value) == words
    for command in (["run", "--out", str(tmp_path / "out")], ["compare", str(good), str(good), "--out",
                                                              str(tmp_path / "cmp")]):
        line = _refused(capsys, [*command, f"--{name}", str(value)], tmp_path)
        assert f"argument --{name}: {words}" in line


# ---- every documented endpoint of every parameter -----------------------------------------------

def _companions(name: str, value) -> dict:
    """The other parameters an endpoint needs to be a valid combination at all (where one exists)."""
    if name in STYLE_SHARES:  # the four shares add up to 1
        others = [n for n in STYLE_SHARES if n != name]
        rest = 1.0 - value
        return {others[0]: rest / 3, others[1]: rest / 3, others[2]: rest - 2 * (rest / 3)}
    if name == "share_single_adult":
        return {"share_couple_no_children": min(0.22, 1.0 - value)}
    if name == "share_couple_no_children":
        return {"share_single_adult": min(0.33, 1.0 - value)}
    if name == "block_size" and value > 20:
        return {"grid_width": value, "grid_height": value}
    return {}


# the timeseries columns that are undefined (nan) in a month when nobody is in need or admitted
# shares and means of groups that may be empty (no one in need, no single parents, no one eligible);
# the moving rates are undefined in the first month (no month before it)
UNDEFINED_WHEN_EMPTY = {"help_reach", "non_take_up", "need_waiting", "wait_months_mean", "debt_wait_months_mean",
                        "low_income_single_parent", "children_low_income", "mental_disorder", "mental_disorder_unemployed",
                        "mhi5_unhealthy", "assistance_non_take_up", "moved_in_rate", "moved_out_rate",
                        # nobody admitted in a month, or no minors
                        "wait_weeks_ggz", "wait_weeks_youth", "wait_weeks_debt", "youth_care"}
# endpoints that no value of the other parameters makes valid: refused by a cross-check
REFUSED = {("strong_threshold", "lo"), ("decliner_threshold", "hi")}


@pytest.mark.parametrize("part", [
    pytest.param(0, id="a third of the parameters", marks=pytest.mark.slow),
    pytest.param(1, id="the second third", marks=pytest.mark.slow),
    pytest.param(2, id="the last third", marks=pytest.mark.slow),
])
def test_every_parameter_endpoint_runs_or_is_refused_with_one_line(part):
    """Each endpoint of every parameter's range: the model runs with finite results, or the value is
    refused in one line. In three parts (every third parameter of the schema), two of them in the
    slow run: the whole schema takes some 40 s."""
    from abm.model import VeerkrachtModel

    base = {**SMALL, "burn_in_months": 2}
    refused, ran, failures = set(), 0, []
    rows = schema_rows()[part::3]
    for row in rows:
        for end in ("lo", "hi"):
            name, value = row["name"], row[end]
            try:
                params = make_params(None, {**base, **_companions(name, value), name: value})
            except ParameterError as e:
                assert len(str(e).splitlines()) == 1 and str(e), e
                refused.add((name, end))
                continue
            try:
                model = VeerkrachtModel(params, seed=7)
                model.run(3)
                s = model.state
                assert np.isfinite(s.f[:, s.active()]).all(), "non-finite person stocks"
                assert np.isfinite(s.block_efficacy).all() and np.isfinite(s.block_attachment).all()
                assert np.isfinite(s.block_nuisance).all() and np.isfinite(s.block_housing).all()
                ts = model.results()["timeseries"].select_dtypes("number")
                bad = [c for c in ts.columns if c not in UNDEFINED_WHEN_EMPTY and not np.isfinite(ts[c]).all()]
                assert not bad, f"non-finite outcomes {bad}"
                json.dumps(model.summary(), allow_nan=False, default=lambda x: x.item())
                ran += 1
            except Exception as e:  # noqa: BLE001 - collect them all, then report
                failures.append(f"{name} = {value} ({end}): {type(e).__name__}: {str(e)[:120]}")
    assert not failures, "\n".join(failures)
    names = {row["name"] for row in rows}
    expected = {(n, end) for n, end in REFUSED if n in names}
    assert refused == expected
    assert ran == 2 * len(rows) - len(expected)


@pytest.mark.parametrize("share", [0.0, 0.054, 0.126, 0.3])
def test_share_low_income_is_what_month_0_measures(share):
    """The scenario's low-income share is the share below the CBS-style line at month 0, up to the extremes."""
    from abm.metrics import survey
    from abm.model import VeerkrachtModel

    model = VeerkrachtModel(small_params(burn_in_months=2, share_low_income=share), seed=3)
    assert model.month == 0
    assert survey(model)["low_income"] == pytest.approx(share, abs=0.03)


# ---- output folders, through real processes -------------------------------------------------

def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, env=_env(),
                          timeout=300, **kw)


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_process_exit_2_for_bad_values(tmp_path):
    """The same refusals as in-process, from a real process: status 2, one line, no folder."""
    for args, fragment in (
        (["--intervention", "learning:units=inf"], "units = inf is not a finite number"),
        (["--set", "share_low_income=nan"], "share_low_income = nan is not a finite number"),
    ):
        proc = _run(["run", "--out", str(tmp_path / "out"), *TINY, *args])
        assert proc.returncode == 2 and fragment in _one_error_line(proc)
    base = tmp_path / "base.toml"
    base.write_text(SMALL_SCENARIO)
    proc = _run(["compare", str(base), str(base), "--seed", "-1", "--out", str(tmp_path / "cmp")])
    assert proc.returncode == 2 and "seed = -1 is out of range" in _one_error_line(proc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.toml"]


@pytest.mark.slow
def test_out_names_up_to_the_limit_work_and_longer_ones_are_refused(tmp_path):
    ok = tmp_path / ("r" * 250)
    proc = _run(["run", "--out", str(ok), *TINY])
    assert proc.returncode == 0, proc.stderr
    assert (ok / "summary.json").is_file()
    too_long = "x" * 300
    for command in (["run", "--out", str(tmp_path / too_long), *TINY],
                    ["compare", "krachtwijk", "krachtwijk", "--out", str(tmp_path / too_long)],
                    ["analyse", "experiments/sweeps/smoke.toml", "--out", str(tmp_path / "a" / too_long)],
                    ["sweep", "experiments/sweeps/smoke.toml", "--out", str(tmp_path / too_long / "b")]):
        proc = _run(command)
        assert proc.returncode == 2, proc.stderr
        assert "is 300 bytes long; allowed: at most 255 bytes" in _one_error_line(proc)
    assert sorted(p.name for p in tmp_path.iterdir()) == [ok.name]


def test_existing_empty_folder_is_written_into_and_a_symlink_is_followed(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir(mode=0o750)
    inode = empty.stat().st_ino
    assert main(["run", "--out", str(empty), *TINY]) == 0
    assert empty.stat().st_ino == inode, "the folder was replaced, not written into"
    assert (empty.stat().st_mode & 0o777) == 0o750
    assert (empty / "summary.json").is_file()

    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to("target")
    assert main(["run", "--out", str(link), *TINY]) == 0
    assert link.is_symlink() and os.readlink(link) == "target"
    assert (target / "summary.json").is_file()
    first = (target / "summary.json").read_text()
    assert main(["run", "--out", str(link), "--overwrite", *TINY[:-3], "--seed", "2", "--quiet"]) == 0
    assert link.is_symlink() and (target / "summary.json").read_text() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "link", "target"], "stray folders or links"
    assert not [p.name for p in target.iterdir() if p.name.startswith(".")]


def _wait_for(pattern: str, folder: Path, proc: subprocess.Popen, timeout: float = 120.0) -> Path:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        found = list(folder.glob(pattern)) if folder.exists() else []
        if found:
            return found[0]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError(f"no {pattern} in {folder} after {timeout} s")


def _long_run(out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "run.py", "run", "--out", str(out), "--steps", "5000", "--quiet",
                             "--set", "burn_in_months=0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())


@pytest.mark.parametrize("sig, status, message", [
    (signal.SIGTERM, 143, "error: stopped (SIGTERM); no results written"),
    (signal.SIGINT, 130, "error: interrupted; no results written"),
], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_run_says_so_in_one_line_and_leaves_nothing(tmp_path, sig, status, message):
    """Stopped while computing: one line, 128 + the signal, no temporary folder, and the parent
    folders the run made for its output (a/b/c did not exist) removed again."""
    out = tmp_path / "a" / "b" / "c" / "results"
    proc = _long_run(out)
    _wait_for(".vk-tmp-*", out.parent, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert err.strip() == message
    assert list(tmp_path.iterdir()) == [], "the temporary folder or the parents made for it were left behind"


def test_leftovers_of_a_killed_run_are_removed_by_the_next_run(tmp_path):
    out = tmp_path / "results"
    proc = _long_run(out)
    tmp = _wait_for(".vk-tmp-*", tmp_path, proc)
    proc.kill()
    proc.communicate(timeout=60)
    assert tmp.exists()  # SIGKILL cannot be caught: the leftover stays until the next run
    # a live run's temporary folder in the same place is kept
    live = _long_run(tmp_path / "other")
    try:
        live_tmp = _wait_for(f".vk-tmp-*-{live.pid}-*", tmp_path, live)
        assert main(["run", "--out", str(out), *TINY]) == 0
        assert not tmp.exists(), "the killed run's temporary folder was not removed"
        assert live_tmp.exists(), "a running process's temporary folder was removed"
    finally:
        live.kill()
        live.communicate(timeout=60)
    assert (out / "summary.json").is_file()
