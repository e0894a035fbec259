"""The kernels' parameter index (``K``, ``L`` in abm/kernels.py) is generated from the schema.

* the block between the markers equals what :mod:`abm.codegen` makes now (fails when the
  schema or the kernels changed and `make docs` was not run);
* ``K`` is exactly the schema fields the kernels read, in schema order, and ``L`` every
  causal link, in schema order;
* the generator follows the kernels: a parameter used as ``K.name`` joins the index, one
  no longer used leaves it;
* bad markers are refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from abm import codegen
from abm.kernels import K, L
from abm.params import LINK_NAMES, schema_rows

ROOT = Path(__file__).resolve().parents[1]


def _text() -> str:
    return codegen.KERNELS_PATH.read_text(encoding="utf-8")


def test_index_in_kernels_equals_the_generated_one():
    assert codegen.check(), "K/L in abm/kernels.py are out of date with abm/params.py; run `make docs`"


def test_check_cli_agrees_and_notices_drift(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "abm.codegen", "--check"], cwd=ROOT, env=env,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    stale = tmp_path / "kernels.py"
    assert "    rate_stress = " in _text()
    stale.write_text(_text().replace("    rate_stress = ", "    retired_rate = 1000\n    rate_stress = ", 1),
                     encoding="utf-8")
    assert not codegen.check(stale)
    bad = subprocess.run([sys.executable, "-m", "abm.codegen", "--check", "--path", str(stale)], cwd=ROOT,
                         env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "make docs" in bad.stderr
    assert codegen.write(stale) is True and codegen.check(stale)
    assert stale.read_text(encoding="utf-8") == _text()
    assert codegen.write(stale) is False  # up to date: untouched
    assert [p.name for p in tmp_path.iterdir()] == ["kernels.py"]  # no temporary file left


def test_k_is_what_the_kernels_read_in_schema_order_and_l_every_link():
    order = [r["name"] for r in schema_rows()]
    used = codegen.kernel_names(_text())
    assert [k.name for k in K] == [n for n in order if n in used]
    assert [k.value for k in K] == list(range(len(K)))
    assert [link.name for link in L] == list(LINK_NAMES)
    assert [link.value for link in L] == list(range(len(L)))


def test_the_index_follows_the_kernels():
    def block(text: str) -> str:
        return text[text.index(codegen.START):text.index(codegen.END)]

    text = _text()
    assert "tie_slots" not in K.__members__  # read by the population, not the kernels
    assert "    tie_slots = " in block(codegen.update(text + "\n# a kernel reading pv[K.tie_slots]\n"))
    assert "    rate_skills = " in block(text)
    assert "    rate_skills = " not in block(codegen.update(text.replace("pv[K.rate_skills]", "0.06")))


@pytest.mark.parametrize("text", [
    "",
    "no markers\n",
    f"{codegen.START}\nonly the start\n",
    f"only the end\n{codegen.END}\n",
    f"{codegen.END}\nswapped\n{codegen.START}\n",
    f"{codegen.START}\n{codegen.START}\ntwice\n{codegen.END}\n",
])
def test_update_refuses_bad_markers(text):
    with pytest.raises(ValueError, match="marker"):
        codegen.update(text)
