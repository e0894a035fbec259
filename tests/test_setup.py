"""The set-up promise of the README: `make test` makes sure the browser tests have a browser,
and where it cannot, it stops with one line saying what to install or which variable to set."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "ensure_browser.sh"


def ensure(env_extra: dict, cmd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "VEERKRACHT_CHROMIUM"}
    return subprocess.run(cmd or ["bash", str(SCRIPT)], cwd=ROOT, env={**env, **env_extra}, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("where", ["missing", "not_executable", "folder"])
def test_a_browser_variable_that_points_nowhere_is_one_line_and_exit_2(tmp_path, where):
    path = tmp_path / "chromium"
    if where == "not_executable":
        path.write_text("not a browser")
    elif where == "folder":
        path.mkdir()
    r = ensure({"VEERKRACHT_CHROMIUM": str(path)})
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert str(path) in lines[0] and "VEERKRACHT_CHROMIUM" in lines[0]
    assert not path.exists() or where != "missing"  # nothing was made in its place


def test_make_test_stops_before_pytest_when_the_browser_is_missing(tmp_path):
    """`make test` itself runs the check first: a missing browser stops it with the one line."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    missing = tmp_path / "no-chromium"
    r = ensure({"VEERKRACHT_CHROMIUM": str(missing)}, ["make", "--no-print-directory", "-s", "browser"])
    assert r.returncode != 0
    assert f"VEERKRACHT_CHROMIUM='{missing}' is not an executable file" in r.stderr
    dry = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    lines = dry.stdout.splitlines()
    check = next(i for i, line in enumerate(lines) if "ensure_browser.sh" in line)
    pytest_at = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert check < pytest_at


def test_a_browser_that_is_there_passes_silently():
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("no chromium on this machine (make test installs it)")
    r = ensure({"VEERKRACHT_CHROMIUM": chromium})
    assert r.returncode == 0 and r.stderr == ""
    r = ensure({})
    assert r.returncode == 0 and r.stderr == ""
