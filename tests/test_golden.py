"""A fresh golden run (small neighbourhood, seed 12345, 36 months) equals the stored one.

Integers must agree exactly, floats to a relative 1e-9 (the file keeps 10 significant
digits). See :mod:`tests.golden`.
"""

from __future__ import annotations

from tests import golden

HINT = ("The golden run changed. If you changed the model on purpose, regenerate the stored run with "
        "`make golden` (python -m tests.golden --write) and commit tests/golden/small_run.csv with the change; "
        "otherwise this is an unintended change in the model's results.")


def test_golden_run_matches_stored():
    assert golden.PATH.exists(), f"{golden.PATH} is missing; create it with `make golden`"
    stored = golden.load()
    assert len(stored) == golden.STEPS + 1 and stored["step"].tolist() == list(range(golden.STEPS + 1))
    problems = golden.compare(golden.run(), stored)
    assert not problems, HINT + "\n  " + "\n  ".join(problems)


def test_compare_notices_a_change():
    """The comparison itself is not blind: a tiny change in one float and one integer is reported."""
    stored = golden.load()
    fresh = stored.copy()
    fresh.loc[5, "stress_mean"] *= 1 + 1e-8
    fresh.loc[7, "births"] += 1
    problems = golden.compare(fresh, stored)
    assert any(p.startswith("stress_mean") for p in problems)
    assert any(p.startswith("births") for p in problems)
    assert not golden.compare(stored.copy(), stored)
