"""The model description (docs/ODD.md) against the code.

* the generated parameter table in docs/ODD.md equals :func:`abm.odd.render_table`
  (fails when the schema changed and `make docs` was not run);
* :func:`abm.odd.update` refuses text without (proper) markers;
* every schema row is documented: unit, label, source, a default within its range, and
  for causal links a known loop and sign;
* every causal link is described in the prose of docs/ODD.md, outside the generated table;
* each seed text is cited by file name.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from abm import odd
from abm.kernels import L
from abm.params import LINK_NAMES, schema_rows

ROOT = Path(__file__).resolve().parent.parent
ODD_FILE = ROOT / "docs" / "ODD.md"
SEEDS = (
    "000_ec0162dc2bd15f34.txt",
    "001_b5e28110220da24e.txt",
    "002_f666f2acb3d94fe5.txt",
    "003_5833de641c769f91.txt",
    "004_c2b508ef143d09a6.txt",
)
LOOPS = {"1", "2", "3", "4", "5", "6", "other"}


@pytest.fixture(scope="module")
def odd_text() -> str:
    assert ODD_FILE.is_file(), f"{ODD_FILE} is missing"
    return ODD_FILE.read_text(encoding="utf-8")


def _word(name: str, text: str) -> bool:
    """Whether ``name`` occurs in ``text`` as a whole identifier (not inside a longer one)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


# ---- (a) the generated table is up to date ----------------------------------------------


def test_table_in_odd_equals_render_table(odd_text):
    assert odd.current_table(odd_text) == odd.render_table(), (
        "the parameter table in docs/ODD.md is out of date with abm/params.py; run `make docs`"
    )
    assert odd.update(odd_text) == odd_text, "docs/ODD.md would change on `make docs`; run it"


def test_check_cli_agrees(tmp_path, odd_text):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "abm.odd", "--check"], cwd=ROOT, env=env,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    stale = tmp_path / "ODD.md"
    stale.write_text(odd.update(odd_text, table="| stale |\n"), encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "abm.odd", "--check", "--path", str(stale)], cwd=ROOT,
                         env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "make docs" in bad.stderr


def test_write_is_atomic_and_idempotent(tmp_path):
    path = tmp_path / "ODD.md"
    path.write_text(f"# t\n\nbefore\n\n{odd.START}\nold table\n{odd.END}\n\nafter\n", encoding="utf-8")
    assert odd.write(path) is True
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# t\n\nbefore\n\n" + odd.START + "\n")
    assert text.endswith(odd.END + "\n\nafter\n")
    assert odd.current_table(text) == odd.render_table()
    assert odd.write(path) is False  # already up to date: untouched
    assert [p.name for p in tmp_path.iterdir()] == ["ODD.md"]  # no temporary file left


def test_render_table_is_deterministic_and_complete():
    table = odd.render_table()
    assert table == odd.render_table()
    assert table.endswith("\n")
    for row in schema_rows():
        assert f"| `{row['name']}` |" in table, f"{row['name']} missing from the generated table"
    for loop in ("1", "2", "3", "4", "5", "6"):
        assert f"#### Loop {loop}:" in table


# ---- (b) markers ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "",
    "# ODD\n\nno markers at all\n",
    f"# ODD\n{odd.START}\nonly the start\n",
    f"# ODD\nonly the end\n{odd.END}\n",
    f"{odd.END}\nswapped\n{odd.START}\n",
    f"{odd.START}\n{odd.START}\ntwice\n{odd.END}\n",
])
def test_update_raises_on_bad_markers(text):
    with pytest.raises(ValueError, match="marker"):
        odd.update(text)


def test_update_replaces_only_between_markers():
    text = f"head\n{odd.START}\nanything\n{odd.END}\ntail\n"
    new = odd.update(text, table="T\n")
    assert new == f"head\n{odd.START}\n\nT\n\n{odd.END}\ntail\n"
    assert odd.update(new, table="T\n") == new


# ---- (c) the schema is documented -------------------------------------------------------


@pytest.mark.parametrize("row", schema_rows(), ids=lambda r: r["name"])
def test_schema_row_is_documented(row):
    for key in ("unit", "label", "source"):
        assert str(row[key]).strip(), f"{row['name']}: empty {key}"
    assert row["lo"] <= row["default"] <= row["hi"], (
        f"{row['name']}: default {row['default']} outside [{row['lo']}, {row['hi']}]"
    )
    if row["kind"] == "link":
        assert row["loop"] in LOOPS, f"{row['name']}: loop {row['loop']!r} not in {sorted(LOOPS)}"
        assert row["sign"] in {"+", "-"}, f"{row['name']}: sign {row['sign']!r}"


def test_links_in_schema_and_kernels_agree():
    assert set(LINK_NAMES) == {link.name for link in L}


# ---- (d) every mechanism is described in the prose --------------------------------------


def test_every_link_described_outside_table(odd_text):
    prose = odd.strip_table(odd_text)
    missing = [link.name for link in L if not _word(link.name, prose)]
    assert not missing, f"links not described in docs/ODD.md (outside the generated table): {missing}"


# ---- (e) the seeds are cited ------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_cited(odd_text, seed):
    assert seed in odd_text, f"docs/ODD.md does not cite {seed}"
    assert seed in odd.strip_table(odd_text), f"{seed} is cited only in the generated table"


def test_odd_sections_present(odd_text):
    for heading in ("## 1 Purpose and patterns", "## 2 Entities, state variables and scales",
                    "## 3 Process overview and scheduling", "## 4 Design concepts",
                    "## 5 Initialisation", "## 6 Input data", "## 7 Submodels", "## 8 Parameters",
                    "## References", "Simplifications"):
        assert heading in odd_text, f"docs/ODD.md lacks {heading!r}"


def test_scenario_table_matches_the_preset_files():
    """The preset table in section 5 states what the scenario files say."""
    import re

    from experiments.scenario import load

    text = (Path(__file__).resolve().parents[1] / "docs" / "ODD.md").read_text(encoding="utf-8")
    header = "| parameter | `krachtwijk` (deprived) | `mixed` | `average_nl` (Dutch average) |"
    assert header in text
    block = text.split(header, 1)[1].split("\n\n", 1)[0]
    presets = {name: load(name).params for name in ("krachtwijk", "mixed", "average_nl")}
    rows = re.findall(r"^\| `(\w+)`[^|]*\| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", block, flags=re.M)
    assert len(rows) >= 10
    for name, *values in rows:
        for preset, value in zip(presets, values):
            assert getattr(presets[preset], name) == pytest.approx(float(value)), (name, preset)
