"""Code generated from the parameter schema: the kernels' parameter index.

The index of the parameter vector (``K``) and of the link switches (``L``) in
:mod:`abm.kernels` is not typed by hand: it sits between two marker lines there::

    # --- generated: parameter index (python -m abm.codegen --write) ---
    ... generated, never edited by hand ...
    # --- end of generated parameter index ---

and is made from :class:`abm.params.Params`. ``K`` lists, in schema order, the fields the
kernels read (every name used as ``K.name`` in ``abm/kernels.py`` outside the block); ``L``
lists every causal link of the schema, in schema order. So a new parameter is declared
once, in the schema; using ``pv[K.name]`` in a kernel and running ``--write`` adds it to
the index. ``tests/test_codegen.py`` fails when the block is out of date.

Usage::

    python -m abm.codegen            # print the block
    python -m abm.codegen --write    # rewrite abm/kernels.py in place (`make docs` does it too)
    python -m abm.codegen --check    # exit 1 if abm/kernels.py is out of date
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from abm.params import schema_rows

START = "# --- generated: parameter index (python -m abm.codegen --write) ---"
END = "# --- end of generated parameter index ---"
KERNELS_PATH = Path(__file__).resolve().parent / "kernels.py"

_USE = re.compile(r"(?<![A-Za-z0-9_])K\.([A-Za-z_][A-Za-z0-9_]*)")


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    The file keeps its permissions; a reader never sees half a file.
    """
    path = Path(path)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def marker_lines(text: str, start: str, end: str) -> tuple[list[int], list[int]]:
    """Where the marker lines of a generated block in ``text`` stand: one rule for every generated block.

    A marker counts only on a line of its own (so prose may quote it). Returns the offsets
    just after each ``start`` line and at the beginning of each ``end`` line; the caller
    says what is wrong when they are not one each, in order.
    """
    starts, ends, offset = [], [], 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped == start:
            starts.append(offset + len(line))
        elif stripped == end:
            ends.append(offset)
        offset += len(line)
    return starts, ends


def rewrite(path: Path, update) -> bool:
    """Put ``update(text)`` in file ``path`` (atomically) if it differs; returns whether the file changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    new = update(text)
    if new == text:
        return False
    write_text_atomic(path, new)
    return True


def up_to_date(path: Path, update) -> bool:
    """Whether file ``path`` already equals ``update`` of itself."""
    text = Path(path).read_text(encoding="utf-8")
    return update(text) == text


def _spans(text: str) -> tuple[int, int]:
    """(start, end) offsets of the generated block in ``text``, markers included; ValueError if not one."""
    starts, ends = text.count(START), text.count(END)
    if starts != 1 or ends != 1:
        raise ValueError(f"expected one start marker and one end marker, found {starts} and {ends}")
    a, b = text.index(START), text.index(END)
    if b < a:
        raise ValueError("the end marker comes before the start marker")
    return a, b + len(END)


def kernel_names(text: str) -> set[str]:
    """The names used as ``K.name`` in the kernels' source ``text``, outside the generated block."""
    a, b = _spans(text)
    return set(_USE.findall(text[:a] + text[b:]))


def render_index(used: set[str]) -> str:
    """The generated block (markers included) for the schema fields among ``used``."""
    rows = schema_rows()  # a used name the schema lacks (``K.name`` in a docstring) is not a parameter
    out = [START, "", "", "class K(IntEnum):",
           '    """Index of each kernel parameter in the parameter vector ``pv``.', "",
           "    Generated from :class:`abm.params.Params` (schema order): the fields the kernels read",
           "    as ``K.name``. Link strengths share their names with the links in :class:`L`.",
           '    """', ""]
    heading = None
    n = 0
    for r in rows:
        if r["name"] not in used:
            continue
        now = "link strengths (names equal L)" if r["kind"] == "link" else r["group"]
        if now != heading:
            out.append(f"    # {now}")
            heading = now
        out.append(f"    {r['name']} = {n}")
        n += 1
    out += ["", "", "N_K = len(K)", "", "", "class L(IntEnum):",
            '    """Causal links, each with an on/off switch ``sw[L.name]`` and strength ``pv[K.name]``.', "",
            "    Generated from :class:`abm.params.Params`: every link, in schema order. The links",
            "    computed outside the kernels (demography, blocks, professionals) are listed here too,",
            "    so that one switch vector serves the whole model.",
            '    """', ""]
    heading = None
    n = 0
    for r in rows:
        if r["kind"] != "link":
            continue
        now = f"loop {r['loop']}" if r["loop"] != "other" else "other links"
        if now != heading:
            out.append(f"    # {now}")
            heading = now
        out.append(f"    {r['name']} = {n}")
        n += 1
    out += ["", "", "N_L = len(L)", "", END]
    return "\n".join(out)


def update(text: str) -> str:
    """``text`` (the source of abm/kernels.py) with its generated block made again."""
    a, b = _spans(text)
    return text[:a] + render_index(kernel_names(text)) + text[b:]


def write(path: Path = KERNELS_PATH) -> bool:
    """Regenerate the block in ``path`` in place; returns whether the file changed."""
    return rewrite(path, update)


def check(path: Path = KERNELS_PATH) -> bool:
    """Whether the block in ``path`` equals the one generated from the schema now."""
    return up_to_date(path, update)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print, ``--write`` or ``--check`` the parameter index of abm/kernels.py.

    Returns:
        0 on success; 1 if ``--check`` finds the file out of date; 2 if the file or its
        markers are missing.
    """
    ap = argparse.ArgumentParser(prog="python -m abm.codegen",
                                 description="The kernels' parameter index (K, L), generated from abm/params.py.")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the index in abm/kernels.py in place")
    mode.add_argument("--check", action="store_true", help="exit 1 if abm/kernels.py is out of date")
    ap.add_argument("--path", type=Path, default=KERNELS_PATH, help=f"the kernels file (default: {KERNELS_PATH})")
    args = ap.parse_args(argv)
    if not (args.write or args.check):
        try:
            text = args.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            print(f"error: {args.path} not found", file=sys.stderr)
            return 2
        sys.stdout.write(render_index(kernel_names(text)) + "\n")
        return 0
    return write_or_check(args.path, args.write, write, check, "parameter index (K, L)", "python -m abm.codegen")


def write_or_check(path: Path, do_write: bool, write_fn, check_fn, what: str, command: str,
                   missing: str = "", *, source: str = "abm/params.py", make: str = "make docs") -> int:
    """Rewrite (``do_write``) or check a generated block of ``path``, saying so on one line.

    The one report of the generators (this index, the ODD table, the validation table of
    :mod:`experiments.validate`): 0 when written or up to date, 1 when ``--check`` finds it
    out of date with ``source`` (regenerated by ``make``), 2 when the file or its markers are missing.
    """
    try:
        if do_write:
            changed = write_fn(path)
            print(f"{path}: {what} {'updated' if changed else 'already up to date'}")
            return 0
        if check_fn(path):
            print(f"{path}: {what} up to date")
            return 0
        print(f"{path}: the {what} is out of date with {source}; run `{make}` "
              f"({command} --write) and commit the result", file=sys.stderr)
        return 1
    except FileNotFoundError:
        print(f"error: {path} not found{missing}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
