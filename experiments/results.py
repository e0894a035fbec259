"""Result files of a run: Parquet tables, ``summary.json`` and an overview plot.

Every file carries its provenance (model version, parameters, scenario, seed, date). A
run writes into a temporary folder (next to a new target, inside an existing one) and
moves the finished files into place at the end, so an interrupted, stopped or failed run
leaves no half-written output behind (see :class:`OutputDir`).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import mesa
import numba
import numpy
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import abm
from abm.params import shown
from experiments.plots import overview

PROVENANCE_KEY = b"veerkracht"


class OutputError(ValueError):
    """An output folder that cannot be used."""


def git_commit() -> str | None:
    """The commit of the code checked out here (None outside a git checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def provenance(model, scenario_name: str, steps: int) -> dict:
    """What produced a result: version, code commit, scenario, seed, parameters, date."""
    return {
        "model": "veerkracht",
        "version": abm.__version__,
        "commit": git_commit(),
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
    shown = shown if shown is not None else path
    try:
        probe = Path(path)
        while not probe.exists():
            probe = probe.parent
        if not probe.is_dir():
            raise OutputError(f"output folder '{shown}' cannot be created: '{probe}' is a file, not a folder")
    except OSError as e:
        raise OutputError(f"output folder '{shown}' cannot be created: {e.strerror}") from None
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"output folder '{shown}' cannot be created: '{probe}' is not writable")


PATH_MAX = 4096  # bytes in a path (Linux)


def _name_max(path: Path) -> int:
    """The longest file name (bytes) the file system under ``path`` takes (255 where unknown)."""
    probe = Path(os.path.abspath(path))
    try:
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        return int(os.pathconf(probe, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def check_out_path(path: str | os.PathLike) -> None:
    """Raise OutputError (one line) for an output path no file system takes: empty, a NUL
    byte, a folder name over the file system's limit (255 bytes), or a path over 4096 bytes."""
    text = os.fspath(path)
    if not text.strip():
        raise OutputError("output folder '' is empty; allowed: a folder path, e.g. --out results/mine")
    if "\0" in text:
        raise OutputError("output folder name holds a NUL character; allowed: a folder path without it")
    limit = _name_max(Path(text))
    for part in Path(text).parts:
        size = len(os.fsencode(part))
        if size > limit:
            raise OutputError(f"output folder name {shown(part, 60)} is {size} bytes long; allowed: at most "
                              f"{limit} bytes for each folder name in the path")
    size = len(os.fsencode(os.path.abspath(text)))
    if size >= PATH_MAX:
        raise OutputError(f"output path {shown(text, 60)} is {size} bytes long; allowed: under {PATH_MAX} bytes")


# Temporary and replaced folders: short names (a 255-byte results name still fits next to
# them) that carry the host and process that made them, so a later run can tell the
# leftovers of a killed process (SIGKILL, power loss) from a run still going, and remove them.
_WORK_RE = re.compile(r"\.vk-(?:tmp|old)-([0-9a-f]{8})-(\d+)-[0-9a-f]{8}")


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _work_name(kind: str) -> str:
    return f".vk-{kind}-{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or not a PID we can ask about: leave it
    return True


def is_work_folder(entry: Path) -> bool:
    """True if ``entry`` is a temporary or replaced folder of an :class:`OutputDir` (live or not)."""
    return _WORK_RE.fullmatch(entry.name) is not None


def is_stale(entry: Path) -> bool:
    """True if ``entry`` is a temporary or replaced folder left by a process of this host that is gone."""
    m = _WORK_RE.fullmatch(entry.name)
    return m is not None and m.group(1) == _host_tag() and not _pid_alive(int(m.group(2)))


def remove_stale(folder: Path) -> list[str]:
    """Remove the leftovers of killed runs in ``folder``; returns their names."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if is_stale(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed


@dataclass
class OutputDir:
    """A results folder that appears only when complete.

    Use as a context manager: files go into a temporary folder; on success they become
    ``target``; on error (or Ctrl-C, SIGTERM) the temporary folder and any parent folders
    made for it are removed. ``target`` may be a symlink: the results land where it
    points, and the link stays. A new target is the temporary folder renamed into place
    (atomic). An existing folder (empty, or any with ``overwrite``) is kept as it is (its
    permissions, a shell inside it): the temporary folder is made inside it, the old
    contents are moved aside, and the finished files moved in. Leftovers of killed runs
    next to the target (or inside it) are removed first.
    """

    target: Path
    overwrite: bool = False
    tmp: Path | None = None

    @property
    def real(self) -> Path:
        """The folder the results go to: ``target`` with symlinks followed."""
        return Path(os.path.realpath(self.target))

    def check(self) -> None:
        """Fail early (before any computing) if the target cannot be written."""
        t = self.target
        check_out_path(t)
        real = self.real
        try:
            exists, is_dir = real.exists(), real.is_dir()
            if exists and is_dir:
                entries = [e for e in real.iterdir() if not is_stale(e)]
        except OSError as e:
            raise OutputError(f"output folder '{t}' cannot be used: {e.strerror}") from None
        if exists and not is_dir:
            raise OutputError(f"output path '{t}' exists and is not a folder")
        if exists:
            if entries and not self.overwrite:
                raise OutputError(f"output folder '{t}' exists and is not empty; choose a new one or pass --overwrite")
            if not os.access(real, os.W_OK | os.X_OK):
                raise OutputError(f"output folder '{t}' is not writable")
        else:
            check_creatable(real.parent, t)

    def __enter__(self) -> Path:
        self.check()
        real = self.real
        self.tmp = None
        self._made: list[Path] = []
        self._inside = real.is_dir()
        home = real if self._inside else real.parent
        try:
            if not self._inside:
                missing = []
                probe = home
                while not probe.exists():
                    missing.append(probe)
                    probe = probe.parent
                for folder in reversed(missing):
                    folder.mkdir()
                    self._made.append(folder)
            remove_stale(home)
            self.tmp = home / _work_name("tmp")
            self.tmp.mkdir(mode=0o700)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o777 & ~umask)  # private while written; results are to share
        except BaseException as e:  # also Ctrl-C or SIGTERM here: __exit__ would not run
            if getattr(self, "tmp", None) is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
            self._remove_made()
            if isinstance(e, OSError):
                raise OutputError(f"output folder '{self.target}' cannot be created: {e.strerror}") from None
            raise
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self._remove_made()
            return
        real = self.real
        if not self._inside:
            try:
                os.replace(self.tmp, real)
            except OSError as e:  # something else took the name while this run was computing
                shutil.rmtree(self.tmp, ignore_errors=True)
                self._remove_made()
                raise OutputError(f"output folder '{self.target}' cannot be written: {e.strerror}; "
                                  "it appeared while this run was computing") from None
            return
        old_entries = [e for e in real.iterdir() if e != self.tmp and not is_work_folder(e)]
        old = None
        if old_entries:  # --overwrite: the old results go aside first, then away
            old = real / _work_name("old")
            old.mkdir()
            for entry in old_entries:
                os.replace(entry, old / entry.name)
        for entry in sorted(self.tmp.iterdir(), key=lambda e: e.name == "summary.json"):
            os.replace(entry, real / entry.name)  # summary.json last: its presence means complete
        self.tmp.rmdir()
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def _remove_made(self) -> None:
        """Remove the parent folders this run made (those still empty), deepest first."""
        for folder in reversed(self._made):
            try:
                folder.rmdir()
            except OSError:
                break
        self._made = []


def write_run(folder: Path, model, scenario_name: str, steps: int) -> dict:
    """Write every output of a finished run into ``folder``; returns the summary."""
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
