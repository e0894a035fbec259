"""The Dutch page shows each policy and crisis in Dutch: its unit and mechanism, with no English left in."""

from __future__ import annotations

import re

import pytest

from abm.interventions import SHOCKS, SPECS, intervention_rows
from abm.interventions.specs import InterventionSpec

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
# English words that are not also Dutch words ("per" and "of" are Dutch too: per maand, ja of nee)
ENGLISH = ("the", "and", "households", "programme", "with", "their",
           "for", "from", "which", "while", "more", "less", "this", "that")
ENGLISH_RE = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b", re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def numbers(text: str) -> set[str]:
    """The numbers in ``text``, a decimal comma read as a decimal point."""
    return {n.replace(",", ".") for n in NUMBER.findall(text)}


TEXTS = ([(f"intervention {sp.name}", "unit_nl", sp.unit, sp.unit_nl) for sp in SPECS.values()]
         + [(f"intervention {sp.name}", "mechanism_nl", sp.mechanism, sp.mechanism_nl) for sp in SPECS.values()]
         + [(f"shock {name}", "mechanism_nl", d["mechanism"], d.get("mechanism_nl", "")) for name, d in SHOCKS.items()])


def test_all_fourteen_and_every_shock_are_covered():
    assert len(SPECS) == 14
    assert len(TEXTS) == 2 * len(SPECS) + len(SHOCKS)


@pytest.mark.parametrize("where, key, english, dutch", TEXTS, ids=[f"{w}-{k}" for w, k, _, _ in TEXTS])
def test_dutch_text(where, key, english, dutch):
    assert dutch.strip(), f"{where}: {key} is empty"
    assert dutch != english, f"{where}: {key} is the English text"
    assert not SNAKE.findall(dutch), f"{where}: {key} has code names {SNAKE.findall(dutch)}"
    assert not ENGLISH_RE.findall(dutch), f"{where}: {key} has English words {ENGLISH_RE.findall(dutch)}"
    missing = numbers(english) - numbers(dutch)
    assert not missing, f"{where}: {key} lacks the numbers {sorted(missing)} of the English text"


def test_numbers_read_a_decimal_comma():
    assert numbers("bij 0,15 is het 15 procent (kringloop 1)") == {"0.15", "15", "1"}
    assert numbers("rises by 0.15 (loop 1)") <= numbers("bij 0,15 (kringloop 1)")


def test_rows_carry_the_dutch_unit_and_mechanism():
    rows = intervention_rows()
    assert len(rows) == len(SPECS)
    for row in rows:
        sp = SPECS[row["name"]]
        assert row["unit_nl"] == sp.unit_nl and row["mechanism_nl"] == sp.mechanism_nl


def test_a_spec_without_dutch_still_builds():
    sp = InterventionSpec("x", 99, "programme", "x", "x", "places", 1, 2, 3.0, "assumption", (), "What it does.", "src")
    assert sp.unit_nl == "" and sp.mechanism_nl == ""
