"""The golden run: a small neighbourhood, seed 12345, 36 months, selected time series.

``tests/test_golden.py`` compares a fresh run with the stored table
``tests/golden/small_run.csv``. Regenerate it only on purpose, after an intended change
to the model::

    make golden            # or: python -m tests.golden --write

Without ``--write`` this module compares a fresh run with the stored file and exits with
status 1 if they differ.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.scenario import SMALL

PATH = Path(__file__).resolve().parent / "golden" / "small_run.csv"
PARAMS = dict(SMALL)  # the small neighbourhood of the tests
SEED = 12345
STEPS = 36
INT_COLUMNS = ("step", "persons", "households", "births", "deaths")
FLOAT_COLUMNS = ("stress_mean", "wellbeing_mean", "security_mean", "participation_mean", "trust_mean",
                 "degree_mean", "share_single_parent")
COLUMNS = ("step", "persons", "households", "stress_mean", "wellbeing_mean", "security_mean",
           "participation_mean", "trust_mean", "degree_mean", "share_single_parent", "births", "deaths")
RTOL = 1e-9
SIGNIFICANT = 10


def run() -> pd.DataFrame:
    """A fresh golden run: the selected columns, floats unrounded."""
    from abm.model import VeerkrachtModel
    from abm.params import make_params

    model = VeerkrachtModel(make_params(None, PARAMS), seed=SEED)
    model.run(STEPS)
    ts = model.results()["timeseries"].loc[:, list(COLUMNS)].copy()
    for c in INT_COLUMNS:
        ts[c] = ts[c].astype("int64")
    return ts.reset_index(drop=True)


def load(path: Path = PATH) -> pd.DataFrame:
    """The stored golden table."""
    return pd.read_csv(path, dtype={c: "int64" for c in INT_COLUMNS})


def write(path: Path = PATH) -> Path:
    """Run and store the golden table atomically (temporary file in the same folder, then rename)."""
    table = run()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="") as fh:
            table.to_csv(fh, index=False, float_format=f"%.{SIGNIFICANT}g", lineterminator="\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def compare(fresh: pd.DataFrame, stored: pd.DataFrame) -> list[str]:
    """Differences between a fresh run and the stored table (empty if they agree)."""
    problems = []
    if list(fresh.columns) != list(stored.columns):
        return [f"columns differ: fresh {list(fresh.columns)}, stored {list(stored.columns)}"]
    if len(fresh) != len(stored):
        return [f"row counts differ: fresh {len(fresh)}, stored {len(stored)}"]
    for c in INT_COLUMNS:
        bad = np.flatnonzero(fresh[c].to_numpy() != stored[c].to_numpy())
        if bad.size:
            r = int(bad[0])
            problems.append(f"{c}: {bad.size} rows differ, first at step {int(stored['step'].iloc[r])}: "
                            f"fresh {fresh[c].iloc[r]}, stored {stored[c].iloc[r]}")
    for c in FLOAT_COLUMNS:
        a, b = fresh[c].to_numpy(dtype=float), stored[c].to_numpy(dtype=float)
        ok = np.isclose(a, b, rtol=RTOL, atol=0.0) | (np.isnan(a) & np.isnan(b))
        bad = np.flatnonzero(~ok)
        if bad.size:
            r = int(bad[0])
            problems.append(f"{c}: {bad.size} rows differ, first at step {int(stored['step'].iloc[r])}: "
                            f"fresh {float(a[r])!r}, stored {float(b[r])!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate tests/golden/small_run.csv")
    args = parser.parse_args(argv)
    if args.write:
        print(f"wrote {write()}")
        return 0
    problems = compare(run(), load())
    if problems:
        print("the golden run differs from tests/golden/small_run.csv:\n  " + "\n  ".join(problems))
        return 1
    print("the golden run agrees with tests/golden/small_run.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
