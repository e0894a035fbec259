"""The parameter table of ``docs/ODD.md``, generated from the schema in :mod:`abm.params`.

The table sits between two marker lines in ``docs/ODD.md``::

    <!-- params:start -->
    ... generated, never edited by hand ...
    <!-- params:end -->

Ordinary parameters are grouped by their ``group`` (one sub-heading per group); the
causal links get one table per feedback loop of the TNO system model (seed
``004_c2b508ef143d09a6.txt``), with their loop and sign.

Usage::

    python -m abm.odd            # print the table
    python -m abm.odd --write    # rewrite docs/ODD.md in place (what `make docs` runs)
    python -m abm.odd --check    # exit 1 if docs/ODD.md is out of date

``--write`` and ``--check`` also regenerate or check the other text made from the schema,
the kernels' parameter index in ``abm/kernels.py`` (:mod:`abm.codegen`), so that `make docs`
keeps both in step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from abm.interventions import SHOCKS, intervention_rows
from abm import codegen
from abm.params import schema_rows

__all__ = [
    "START",
    "END",
    "ODD_PATH",
    "render_table",
    "update",
    "current_table",
    "strip_table",
    "write",
    "check",
    "main",
]

START = "<!-- params:start -->"
END = "<!-- params:end -->"
ODD_PATH = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"

#: Headings of the ordinary parameter groups, in the order they are shown. A group the
#: schema gains later is shown after these, under its own name.
GROUP_TITLES: dict[str, str] = {
    "space": "Space and run",
    "population": "Starting population: the scenario",
    "initial": "Starting stocks: medians and spreads of the first draw",
    "demography": "Demography: yearly rates unless stated",
    "events": "Life events: yearly probabilities and severities",
    "rates": "Relaxation rates and plasticity",
    "baselines": "Baselines: logit of each target for an average person",
    "styles": "Citizen styles: participation offsets",
    "help": "Help system, loop 4",
    "professionals": "Professionals and services",
    "network": "Network and ties",
    "levels": "Pressure, school, media and other levels",
    "outputs": "Outputs and measurement",
}

#: Headings of the causal-link tables, one per feedback loop of the TNO system model.
LOOP_TITLES: dict[str, str] = {
    "1": "Loop 1: wellbeing, existential security and stress",
    "2": "Loop 2: existential security and future perspective",
    "3": "Loop 3: intergenerational transmission of stress",
    "4": "Loop 4: finding your way in the system",
    "5": "Loop 5: the key role of the social network",
    "6": "Loop 6: individual and collective agency",
    "other": "Other links from the seeds",
}

PARAM_COLUMNS = ("name", "default", "range", "unit", "meaning", "source")
LINK_COLUMNS = ("name", "loop", "sign", "default", "range", "unit", "what it does", "source")


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def _num(x: Any) -> str:
    """A number as the shortest text that reads back to the same value."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x.is_integer() and abs(x) < 1e15:
            return f"{x:.1f}"
        return repr(x)
    return str(x)


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, no line breaks)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return lines


def _range(row: Mapping[str, Any]) -> str:
    return f"{_num(row['lo'])} to {_num(row['hi'])}"


def _ordered(keys: Iterable[str], preferred: Sequence[str]) -> list[str]:
    """``keys`` (deduplicated), those in ``preferred`` first in that order, then the rest as met."""
    seen = list(dict.fromkeys(keys))
    return [k for k in preferred if k in seen] + [k for k in seen if k not in preferred]


def render_table(rows: Sequence[Mapping[str, Any]] | None = None) -> str:
    """The parameter tables in Markdown, as they belong between the markers.

    Args:
        rows: schema rows as returned by :func:`abm.params.schema_rows` (default: those).

    Returns:
        Markdown text ending in a newline: a short header, one table per ordinary
        parameter group and one table per feedback loop for the causal links.
    """
    rows_given = rows is not None
    rows = schema_rows() if rows is None else list(rows)
    params = [r for r in rows if r["kind"] != "link"]
    links = [r for r in rows if r["kind"] == "link"]
    out = [
        "_Generated from `abm/params.py` by `python -m abm.odd --write` (`make docs`); "
        "edit the schema, not this table._",
        "",
        f"{len(rows)} parameters: {len(params)} ordinary parameters in "
        f"{len({r['group'] for r in params})} groups and {len(links)} causal links. "
        "Ranges are inclusive; a value outside its range is refused.",
        "",
        "### Parameters by group",
    ]
    for group in _ordered((r["group"] for r in params), list(GROUP_TITLES)):
        members = [r for r in params if r["group"] == group]
        out += ["", f"#### {GROUP_TITLES.get(group, group)} (`{group}`)", ""]
        out += _table(PARAM_COLUMNS, (
            (f"`{r['name']}`", _num(r["default"]), _range(r), r["unit"], r["label"], r["source"])
            for r in members
        ))
    out += [
        "",
        "### Causal links",
        "",
        "Each link is one term `strength * switch * f(source)` in an update rule; the default "
        "is its strength and `--off NAME` sets its switch to 0. Sign: `+` strengthens, `-` weakens.",
    ]
    for loop in _ordered((str(r["loop"]) for r in links), list(LOOP_TITLES)):
        members = [r for r in links if str(r["loop"]) == loop]
        out += ["", f"#### {LOOP_TITLES.get(loop, 'Loop ' + loop)}", ""]
        out += _table(LINK_COLUMNS, (
            (f"`{r['name']}`", r["loop"], r["sign"], _num(r["default"]), _range(r), r["unit"],
             r["label"], r["source"])
            for r in members
        ))
    if rows_given:
        return "\n".join(out) + "\n"
    return "\n".join(out + render_interventions()) + "\n"


def render_interventions() -> list[str]:
    """The interventions and shocks of :mod:`abm.interventions`, as Markdown lines."""
    out = [
        "",
        "### Interventions",
        "",
        "_Generated from `abm/interventions/specs.py`._ Every intervention takes the settings `units`, "
        "`start` (month after burn-in), `months` (default: to the end), `cost` (EUR per unit and "
        "month) and `effect` (1 = the documented strength, 0 to 3); facilities also `cells` "
        "(grid positions). Costs are orders of magnitude to set per municipality.",
        "",
    ]
    out += _table(("no.", "name", "acts as", "unit", "default", "max", "EUR per unit and month",
                   "through links", "mechanism", "source"), (
        (str(r["number"]), f"`{r['name']}`", r["kind"], r["unit"], _num(r["units_default"]), _num(r["units_max"]),
         f"{r['cost_per_unit']:,.0f}", ", ".join(f"`{x}`" for x in r["links"].split(", ")), r["mechanism"],
         f"{r['source']}; cost: {r['cost_source']}")
        for r in intervention_rows()
    ))
    out += ["", "### Shocks", "", "Settings: `start`, `months`, `severity` (0 to 1).", ""]
    out += _table(("name", "severity", "months", "through links", "mechanism", "source"), (
        (f"`{name}`", _num(d["severity_default"]), str(d["months_default"]),
         ", ".join(f"`{x}`" for x in d["links"]), d["mechanism"], d["source"])
        for name, d in SHOCKS.items()
    ))
    return out


# --------------------------------------------------------------------------------------
# The markers in docs/ODD.md
# --------------------------------------------------------------------------------------


def _marker_spans(text: str) -> tuple[int, int]:
    """Offsets just after the start-marker line and at the start of the end-marker line.

    A marker counts only on a line of its own, so the prose may quote the markers.

    Raises:
        ValueError: a marker is missing, repeated or out of order.
    """
    starts, ends = codegen.marker_lines(text, START, END)
    missing = [m for m, found in ((START, starts), (END, ends)) if not found]
    if missing:
        raise ValueError(
            "the ODD text has no parameter-table marker line "
            + " and no ".join(repr(m) for m in missing)
            + f"; put the lines {START!r} and {END!r} where the table belongs"
        )
    if len(starts) > 1 or len(ends) > 1:
        raise ValueError(
            f"each parameter-table marker must appear once; found {len(starts)} x {START!r} "
            f"and {len(ends)} x {END!r}"
        )
    if ends[0] < starts[0]:
        raise ValueError(f"the marker {END!r} comes before {START!r}; swap them")
    return starts[0], ends[0]


def update(text: str, table: str | None = None) -> str:
    """``text`` with everything between the marker lines replaced by the table.

    Args:
        text: the contents of ``docs/ODD.md``.
        table: the table to put in (default: :func:`render_table`).

    Returns:
        The new text; the marker lines themselves and everything outside them are kept.

    Raises:
        ValueError: if the markers are missing, repeated or out of order.
    """
    a, b = _marker_spans(text)
    table = render_table() if table is None else table
    return text[:a] + "\n" + table.rstrip("\n") + "\n\n" + text[b:]


def current_table(text: str) -> str:
    """The table currently between the markers, in the form :func:`render_table` returns.

    Raises:
        ValueError: if the markers are missing, repeated or out of order.
    """
    a, b = _marker_spans(text)
    inner = text[a:b].strip("\n")
    return inner + "\n" if inner else ""


def strip_table(text: str) -> str:
    """``text`` without the generated table (the marker lines are kept).

    Raises:
        ValueError: if the markers are missing, repeated or out of order.
    """
    a, b = _marker_spans(text)
    return text[:a] + text[b:]


# --------------------------------------------------------------------------------------
# Files and the command line
# --------------------------------------------------------------------------------------


def write(path: Path = ODD_PATH) -> bool:
    """Regenerate the table in ``path`` in place; returns whether the file changed.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if its markers are missing, repeated or out of order.
    """
    return codegen.rewrite(path, update)


def check(path: Path = ODD_PATH) -> bool:
    """Whether the table in ``path`` equals the one generated from the schema now.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if its markers are missing, repeated or out of order.
    """
    return codegen.up_to_date(path, update)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print, ``--write`` or ``--check`` the parameter table of docs/ODD.md.

    Returns:
        0 on success; 1 if ``--check`` finds the file out of date; 2 if the file or its
        markers are missing.
    """
    ap = argparse.ArgumentParser(
        prog="python -m abm.odd",
        description="The parameter table of docs/ODD.md, generated from abm/params.py.",
    )
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the table in docs/ODD.md in place")
    mode.add_argument("--check", action="store_true", help="exit 1 if docs/ODD.md is out of date")
    ap.add_argument("--path", type=Path, default=ODD_PATH, help=f"the ODD file (default: {ODD_PATH})")
    args = ap.parse_args(argv)
    if not (args.write or args.check):
        sys.stdout.write(render_table())
        return 0
    code = codegen.main(["--write" if args.write else "--check"])
    if code:
        return code
    return codegen.write_or_check(args.path, args.write, write, check, "parameter table", "python -m abm.odd",
                                  "; the ODD description belongs there")


if __name__ == "__main__":
    raise SystemExit(main())
