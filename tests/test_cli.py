"""The command line: a real run writes complete, traceable results; bad input exits 2 and writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main
from experiments.results import read_provenance
from tests.conftest import small_args

ROOT = Path(__file__).resolve().parents[1]
SMALL = small_args(burn_in_months=3)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir()] if folder.exists() else []


def test_run_writes_results_with_provenance(tmp_path):
    out = tmp_path / "run1"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "run.py", "run", "--scenario", "mixed", "--steps", "30", "--seed", "99", "--out", str(out),
         *SMALL, "--off", "single_parenting", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "scenario mixed, seed 99, 30 months" in proc.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["blocks.parquet", "costs.parquet", "lineage.parquet", "overview.png", "setbacks.parquet",
                     "summary.json", "timeseries.parquet"]
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["step"]) == list(range(31))
    prov = read_provenance(out / "timeseries.parquet")
    assert prov["seed"] == 99 and prov["scenario"] == "mixed" and prov["steps"] == 30
    assert prov["params"]["grid_width"] == 20 and prov["params"]["share_single_parent"] == 0.27
    assert prov["links_off"] == ["single_parenting"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["provenance"]["seed"] == 99 and "transmission" in summary
    from PIL import Image

    png_prov = json.loads(Image.open(out / "overview.png").text["Description"])
    assert png_prov["seed"] == 99 and png_prov["params"] == prov["params"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary folder left behind"


def _error(capsys, args, tmp_path) -> str:
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert _leftovers(tmp_path) == [], "bad input left output behind"
    return lines[0]


@pytest.mark.parametrize(
    "extra, expect",
    [
        (["--set", "trust_mea=0.5"], ["trust_mea", "did you mean trust_mean"]),
        (["--set", "trust_mean=1.5"], ["trust_mean = 1.5", "0.0 to 1.0"]),
        (["--set", "trust_mean=high"], ["trust_mean", "not a number"]),
        (["--set", "trust_mean"], ["name=value"]),
        (["--set", "grid_width=25"], ["grid_width = 25", "multiple of block_size"]),
        (["--set", "style_outsider=0.5"], ["citizen style shares must add up to 1"]),
        (["--set", "n_police=1.5"], ["n_police", "whole number"]),
        (["--off", "stress_wellbeng"], ["unknown link 'stress_wellbeng'", "stress_wellbeing"]),
        (["--scenario", "krachtwjk"], ["unknown scenario 'krachtwjk'", "krachtwijk", "average_nl"]),
        (["--steps", "0"], ["steps = 0", "1 to 100000"]),
        (["--steps", "x"], ["steps = 'x'"]),
        (["--seed", "-1"], ["seed = -1", "2**63"]),
        (["--intervention", "learnig:units=5"], ["unknown intervention 'learnig'", "did you mean learning"]),
        (["--intervention", "learning:units=5.5"], ["units = 5.5 is not a whole number"]),
        (["--intervention", "learning:units"], ["expected name:key=value"]),
        (["--intervention", "meeting_places:cells=3"], ["cells = 3; allowed: a list of [x, y] grid positions"]),
        (["--shock", "inflation:severity=1.5"], ["severity = 1.5 is out of range; allowed: 0.0 to 1.0"]),
        (["--shock", "flood"], ["unknown shock 'flood'", "lockdown, inflation"]),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(capsys, tmp_path, extra, expect):
    line = _error(capsys, ["run", "--out", str(tmp_path / "out"), *extra], tmp_path)
    for text in expect:
        assert text in line


@pytest.mark.parametrize(
    "content, expect",
    [
        ("[params]\ntrust_mean = \n", ["not valid TOML"]),
        ("[params]\ntrust_man = 0.5\n", ["unknown parameter 'trust_man'", "trust_mean"]),
        ("[params]\nvacancy = 0.9\n", ["vacancy = 0.9", "0.0 to 0.5"]),
        ("[parms]\nvacancy = 0.1\n", ["unknown key 'parms'", "params"]),
        ("[run]\nsteps = -5\n", ["steps = -5", "1 to 100000"]),
        ("[run]\nstep = 5\n", ["unknown key 'step'", "steps"]),
        ("[links]\noff = ['loop9']\n", ["unknown link 'loop9'"]),
        ("[interventions.learning]\nunits = 99999\n", ["units = 99999 is out of range; allowed: 0 to 5000"]),
        ("[interventions.meeting_places]\ncells = [[1, 2], [1, 2]]\n", ["names a position twice"]),
        ("[interventions.meeting_places]\ncells = [[400, 2]]\n", ["cell (400, 2) is off the grid"]),
        ("[shocks.lockdown]\nmonth = 3\n", ["unknown setting 'month'", "months"]),
        ("[interventions]\nlearning = 5\n", ["expected a table of settings"]),
    ],
)
def test_bad_scenario_file(capsys, tmp_path, content, expect):
    bad = tmp_path / "scen" / "bad.toml"
    bad.parent.mkdir()
    bad.write_text(content)
    out_root = tmp_path / "outs"
    out_root.mkdir()
    line = _error(capsys, ["run", "--scenario", str(bad), "--out", str(out_root / "o")], out_root)
    assert str(bad) in line
    for text in expect:
        assert text in line


def test_missing_scenario_file(capsys, tmp_path):
    line = _error(capsys, ["run", "--scenario", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")], tmp_path)
    assert "not found" in line


def test_unwritable_output_folder(capsys, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    line = _error(capsys, ["run", "--out", str(afile / "out"), *SMALL], tmp_path / "nothing")
    assert "cannot be created" in line and "is a file" in line
    assert afile.read_text() == "x"


def test_existing_output_folder_needs_overwrite(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    code = main(["run", "--out", str(out), *SMALL, "--steps", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "--overwrite" in err
    assert (out / "keep.txt").read_text() == "old"


def test_failed_run_leaves_nothing(tmp_path, monkeypatch):
    """An error during the run (here: a crash while writing) removes the temporary folder."""

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("experiments.cli.write_run", boom)  # where the run command calls it
    with pytest.raises(RuntimeError):
        main(["run", "--out", str(tmp_path / "out"), *SMALL, "--steps", "2", "--quiet"])
    assert _leftovers(tmp_path) == []


def test_params_and_links_listing(capsys):
    assert main(["links"]) == 0
    out = capsys.readouterr().out
    assert "stress_parenting" in out and "loop 3" in out
    assert main(["params"]) == 0
    assert "share_single_parent" in capsys.readouterr().out


def test_results_folder_readable_like_any_new_folder(tmp_path):
    """The temporary folder is private while written; the finished one follows the umask."""
    from experiments.results import OutputDir

    out = tmp_path / "shared"
    with OutputDir(out) as folder:
        (folder / "x.txt").write_text("x")
    umask = os.umask(0)
    os.umask(umask)
    assert (out.stat().st_mode & 0o777) == (0o777 & ~umask)
