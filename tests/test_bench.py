"""The benchmark's before-and-after comparison (``run.py bench --against REF``) on real git worktrees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "bench", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=1800)


def _worktrees() -> set[str]:
    out = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    return {line.split(" ", 1)[1] for line in out.stdout.splitlines() if line.startswith("worktree ")}


def test_an_unknown_commit_is_one_line_and_exit_2(tmp_path):
    out_file = tmp_path / "against.json"
    before = _worktrees()
    r = _bench("--against", "no-such-commit-7f3a", "--quick", "--out", str(out_file), tmp_path=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "'no-such-commit-7f3a'" in lines[0] and "allowed" in lines[0], r.stderr
    assert not out_file.exists()
    assert _worktrees() == before


@pytest.mark.slow
def test_against_head_measures_both_trees_and_removes_its_worktree(tmp_path):
    """HEAD against this checkout: both sides measured, ratios written, the temporary worktree gone."""
    out_file = tmp_path / "against.json"
    before = _worktrees()
    r = _bench("--against", "HEAD", "--quick", "--rounds", "1", "--out", str(out_file), tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    result = json.loads(out_file.read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert result["before"]["commit"] == head and result["after"]["commit"] == head
    fig = result["figures"]["default_run.ms_per_step"]
    assert fig["before"] > 0 and fig["after"] > 0
    assert fig["ratio"] == pytest.approx(fig["after"] / fig["before"])
    assert _worktrees() == before
