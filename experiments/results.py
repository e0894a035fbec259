"""Result files of a run: Parquet tables, ``summary.json`` and an overview plot.

Every file carries its provenance (model version, parameters, scenario, seed, date). A
run writes into a temporary folder next to the target and renames it into place at the
end, so an interrupted or failed run leaves no half-written output behind.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import abm

PROVENANCE_KEY = b"veerkracht"


class OutputError(ValueError):
    """An output folder that cannot be used."""


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def provenance(model, scenario_name: str, steps: int) -> dict:
    """What produced a result: version, code commit, scenario, seed, parameters, date."""
    import mesa
    import numba
    import numpy

    return {
        "model": "veerkracht",
        "version": abm.__version__,
        "commit": _git_commit(),
        "scenario": scenario_name,
        "seed": int(model.seed),
        "steps": int(steps),
        "links_off": list(model.off),
        "plan": model.plan.describe(),
        "params": model.p.as_dict(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "packages": {"mesa": mesa.__version__, "numpy": numpy.__version__, "numba": numba.__version__,
                     "pandas": pd.__version__},
    }


def write_parquet(df: pd.DataFrame, path: Path, prov: dict) -> None:
    """``df`` as Parquet with the provenance in the schema metadata."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[PROVENANCE_KEY] = json.dumps(prov).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def read_provenance(path: str | os.PathLike) -> dict:
    """The provenance stored in a Parquet file written by :func:`write_parquet`."""
    return json.loads(pq.read_schema(path).metadata[PROVENANCE_KEY])


def check_creatable(path: Path, shown: Path | None = None) -> None:
    """Raise OutputError unless ``path`` exists as a writable folder or can be made in one."""
    probe = Path(path)
    while not probe.exists():
        probe = probe.parent
    shown = shown if shown is not None else path
    if not probe.is_dir():
        raise OutputError(f"output folder '{shown}' cannot be created: '{probe}' is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"output folder '{shown}' cannot be created: '{probe}' is not writable")


@dataclass
class OutputDir:
    """A results folder that appears only when complete.

    Use as a context manager: files go into ``.tmp``; on success the folder is renamed to
    ``target`` (replacing an old one only if ``overwrite``); on error it is removed.
    """

    target: Path
    overwrite: bool = False

    def check(self) -> None:
        """Fail early (before any computing) if the target cannot be written."""
        t = self.target
        if t.exists() and not t.is_dir():
            raise OutputError(f"output path '{t}' exists and is not a folder")
        if t.exists() and any(t.iterdir()) and not self.overwrite:
            raise OutputError(f"output folder '{t}' exists and is not empty; choose a new one or pass --overwrite")
        check_creatable(t.resolve().parent, t)

    def __enter__(self) -> Path:
        self.check()
        parent = self.target.resolve().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.tmp-", dir=parent))
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o777 & ~umask)  # mkdtemp makes it private; results are to share
        except OSError as e:
            raise OutputError(f"output folder '{self.target}' cannot be created: {e.strerror}") from None
        self._made_parent = parent
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
            os.replace(self.target, old)
        os.replace(self.tmp, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def write_run(folder: Path, model, scenario_name: str, steps: int) -> dict:
    """Write every output of a finished run into ``folder``; returns the summary."""
    from experiments.plots import overview

    prov = provenance(model, scenario_name, steps)
    tables = model.results()
    for name, df in tables.items():
        write_parquet(df, folder / f"{name}.parquet", prov)
    summary = {"provenance": prov, **model.summary()}
    with open(folder / "summary.json", "w", encoding="utf-8") as fh:
        json.dump(summary, fh, indent=2, allow_nan=False, default=_plain)
    overview(tables, summary, folder / "overview.png")
    return summary


def _plain(x):
    """numpy scalars as Python numbers for JSON; anything else is a bug to surface, not hide."""
    if hasattr(x, "item"):
        return x.item()
    raise TypeError(f"summary.json cannot hold {type(x).__name__}: {x!r}")
