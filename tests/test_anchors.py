"""The interventions' effect sizes against the literature (:mod:`experiments.anchors`).

* matching by stable identity pairs the same persons, and only those present in both arms;
* a lever with units 0 reaches nobody, and the persons a real arm reached, measured in it,
  show exactly no effect (the arm is the baseline bit for bit);
* the groups are decided when a person is first reached (in arrears is a part of the adults);
* levers whose mechanism has a known direction show it, seed by seed;
* the verdict reads an interval against a bound or a reference point in the direction of benefit;
* ``run.py anchors``: bad input is refused with one line, exit status 2 and nothing written;
  a small run writes its file and the ODD table between the markers, and nothing else;
* the table in docs/ODD.md has a row for every anchor.

The model runs on the small neighbourhood of the test suite (a few seconds in all).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from abm.interventions import SPECS
from abm.kernels import F
from experiments import anchors
from experiments.anchors import ANCHORS, LEVERS, NULL, Anchor, Snapshot, effect, match, run_arm, verdict
from experiments.build import build_model
from experiments.cli import main
from experiments.scenario import SMALL
from tests.conftest import small_args

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
MONTHS = 6


@pytest.fixture(scope="module")
def arms() -> dict:
    """The small neighbourhood for MONTHS months: the baseline, each lever at its table's units and at 0 units."""
    out = {"base": run_arm("krachtwijk", SMALL, SEED, MONTHS)}
    for lever in LEVERS:
        out[lever] = run_arm("krachtwijk", SMALL, SEED, MONTHS, lever)
        out[lever, 0] = run_arm("krachtwijk", SMALL, SEED, MONTHS, lever, units=0)
    return out


# ---- matching ----------------------------------------------------------------------------

def test_match_pairs_the_same_keys_and_drops_those_missing_from_either_arm():
    rng = np.random.default_rng(0)
    keys = rng.choice(10**12, size=50, replace=False)
    base_keys = np.sort(keys[:40])  # keys[40:] left in the baseline
    arm_keys = np.sort(keys[5:])  # keys[:5] left in the lever's arm
    base = Snapshot(base_keys, rng.random((len(F), base_keys.size)), 0.5)
    arm = Snapshot(arm_keys, rng.random((len(F), arm_keys.size)), 0.5)
    wanted = np.concatenate([keys[:10], keys[35:45], [-1]])
    both, ib, ia = match(base, arm, wanted)
    assert set(both.tolist()) == set(keys[5:10].tolist()) | set(keys[35:40].tolist())
    assert np.array_equal(base.keys[ib], both) and np.array_equal(arm.keys[ia], both)


def test_matched_persons_are_the_same_persons_in_both_arms():
    """Matched by identity, a person has the same sex and age in both arms (the lever changes neither)."""
    lever = "peer_support"
    models = [build_model("krachtwijk", SMALL, interventions=iv, seed=SEED)
              for iv in (None, {lever: {"units": SPECS[lever].units_default}})]
    for m in models:
        m.run(MONTHS)
    base, arm = (anchors.snapshot(m) for m in models)
    both, _, _ = match(base, arm, np.union1d(base.keys, arm.keys))
    assert both.size > 0.8 * base.keys.size  # most residents live in both arms
    ids = []
    for m in models:
        present = m.present()
        keys = m.values("key", present)
        ids.append(present[np.argsort(keys)][np.searchsorted(np.sort(keys), both)])
    for name in ("sex", "age", "born_step"):
        assert np.array_equal(models[0].values(name, ids[0]), models[1].values(name, ids[1])), name
    # the snapshot's stocks are those persons' stocks
    _, ib, ia = match(base, arm, both)
    assert np.array_equal(base.f[:, ib], models[0].state.f[:, ids[0]])
    assert np.array_equal(arm.f[:, ia], models[1].state.f[:, ids[1]])


# ---- no units, no effect -----------------------------------------------------------------

@pytest.mark.parametrize("lever", LEVERS)
def test_units_zero_reaches_nobody_and_shows_exactly_no_effect(arms, lever):
    base, real, none = arms["base"].snapshot, arms[lever], arms[lever, 0]
    assert not any(k.size for k in none.groups.values()), "a lever with no units reached somebody"
    assert np.array_equal(none.snapshot.keys, base.keys) and np.array_equal(none.snapshot.f, base.f)
    for anchor in (a for a in ANCHORS if a.lever == lever):
        group = real.groups[anchor.group]
        assert group.size >= 2, f"{lever}: too few reached to measure {anchor.label}"
        value, n, level = effect(anchor, base, none.snapshot, group)
        assert n >= 2 and value == NULL[anchor.metric], (lever, anchor.label, value)
        assert 0.0 < level < 1.0  # a stock's mean, or a share, that can move either way
        # with units 0 there is no group to measure: no effect is claimed, not a fake zero
        value, n, _ = effect(anchor, base, none.snapshot, none.groups.get(anchor.group, np.zeros(0, dtype=np.int64)))
        assert n == 0 and math.isnan(value)


def test_groups_are_decided_when_first_reached(arms):
    es = arms["existential_security"].groups
    assert es["adults_in_arrears"].size > 0
    assert np.isin(es["adults_in_arrears"], es["adults"]).all(), "in arrears is a part of the adults"
    assert es["adults_in_arrears"].size < es["adults"].size
    sps = arms["single_parent_support"].groups
    assert sps["children"].size > 0 and not np.isin(sps["children"], sps["adults"]).any()
    for lever in LEVERS:
        for keys in arms[lever].groups.values():
            assert np.array_equal(keys, np.unique(keys))


# ---- directions --------------------------------------------------------------------------

# levers whose mechanism acts directly on the measured persons in a known direction
KNOWN = [("peer_support", F.MENTAL, -1),  # the peer group eases mental problems each month
         ("existential_security", F.WELLBEING, +1),  # income up, arrears down: security, then wellbeing
         ("single_parent_support", F.ATTACHMENT, +1)]  # parenting received up, then attachment (loop 3)


@pytest.mark.parametrize("lever, outcome, sign", KNOWN)
def test_effect_has_the_mechanisms_sign_in_every_seed(lever, outcome, sign):
    anchor = next(a for a in ANCHORS if a.lever == lever and a.outcome == outcome)
    per_seed = anchors.measure("krachtwijk", SMALL, seeds=3, months=12, root_seed=11, levers=[lever])
    values = per_seed.loc[per_seed["anchor"] == ANCHORS.index(anchor), "value"].to_numpy()
    assert values.size == 3 and np.all(np.sign(values) == sign), values
    row = next(r for r in anchors.summarise(per_seed) if r["metric"] == anchor.label)
    assert np.sign(row["mean"]) == sign and row["seeds"] == 3


# ---- verdicts ----------------------------------------------------------------------------

def _anchor(metric: str, value: float, kind: str, lower_is_better: bool = True) -> Anchor:
    return Anchor("peer_support", "enrolled", F.MENTAL, metric, lower_is_better, value, kind, "s", "l", "n")


def test_verdict_against_an_upper_bound_reads_the_direction_of_benefit():
    smd = _anchor(anchors.SMD, -0.59, anchors.BOUND)
    assert verdict(smd, -0.3, -0.1) == "within"
    assert verdict(smd, -0.9, -0.7) == "beyond"
    assert verdict(smd, -0.7, -0.4) == "spans the bound"
    assert verdict(smd, 0.1, 0.3) == "wrong direction"
    assert verdict(smd, math.nan, math.nan) == "n/a"
    rr = _anchor(anchors.RR, 0.60, anchors.BOUND)
    assert verdict(rr, 0.8, 0.95) == "within" and verdict(rr, 0.4, 0.5) == "beyond"
    assert verdict(rr, 1.1, 1.3) == "wrong direction"


def test_verdict_against_a_reference_point():
    d = _anchor(anchors.D, 0.13, anchors.REFERENCE, lower_is_better=False)
    assert verdict(d, 0.01, 0.02) == "smaller"
    assert verdict(d, 0.10, 0.20) == "matches"
    assert verdict(d, 0.20, 0.30) == "larger"
    assert verdict(_anchor(anchors.D, None, anchors.ASSUMPTION), 1.0, 2.0) == "assumption, kept wide"


# ---- the command line ----------------------------------------------------------------------

ODD_TEXT = f"# t\n\nbefore\n\n{anchors.START}\nold table\n{anchors.END}\n\nafter\n"


def _everything(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("args, words", [
    (["--seeds", "0"], ["seeds = 0", "out of range", "1 to"]),
    (["--seeds", "-3"], ["seeds = -3", "out of range"]),
    (["--seeds", "two"], ["seeds = 'two'", "not a whole number"]),
    (["--seeds", "2.5"], ["seeds = '2.5'", "not a whole number"]),
    (["--seeds", "1" + "0" * 5000], ["seeds", "out of range"]),
    (["--months", "0"], ["months = 0", "out of range"]),
    (["--lever", "peer_suport"], ["did you mean peer_support"]),
    (["--set", "no_such_parameter=1"], ["no_such_parameter"]),
])
def test_bad_input_is_refused_with_one_line_and_nothing_written(tmp_path, capsys, args, words):
    odd = tmp_path / "ODD.md"
    odd.write_text(ODD_TEXT, encoding="utf-8")
    before = _everything(tmp_path)
    code = main(["anchors", *args, "--out", str(tmp_path / "a.json"), "--write", "--odd", str(odd), "--quiet"])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) < 400, err
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert _everything(tmp_path) == before, "bad input left output behind"


@pytest.mark.parametrize("out, text", [("a.txt", "unknown kind of file"), ("nowhere/a.json", "does not exist"),
                                       ("", "empty")])
def test_a_bad_out_file_is_refused_before_anything_runs(tmp_path, capsys, out, text):
    before = _everything(tmp_path)
    code = main(["anchors", "--seeds", "1", "--out", str(tmp_path / out) if out else "", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and text in err and len(err.strip().splitlines()) == 1, err
    assert _everything(tmp_path) == before


def test_write_without_markers_is_refused_and_the_file_left_alone(tmp_path, capsys):
    odd = tmp_path / "ODD.md"
    odd.write_text("# no markers here\n", encoding="utf-8")
    code = main(["anchors", "--seeds", "1", "--write", "--odd", str(odd), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and anchors.START in err, err
    assert odd.read_text(encoding="utf-8") == "# no markers here\n"
    with pytest.raises(ValueError):
        anchors.update(ODD_TEXT + ODD_TEXT, "table")  # two pairs of markers


@pytest.mark.parametrize("suffix", [".json", ".csv", ".md"])
def test_a_small_run_writes_its_file_and_the_table_between_the_markers_only(tmp_path, capsys, suffix):
    odd = tmp_path / "ODD.md"
    odd.write_text(ODD_TEXT, encoding="utf-8")
    out = tmp_path / f"anchors{suffix}"
    code = main(["anchors", "--seeds", "2", "--months", "3", "--lever", "peer_support", *small_args(),
                 "--out", str(out), "--write", "--odd", str(odd), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "`peer_support`" in printed and "Pfeiffer" in printed
    text = odd.read_text(encoding="utf-8")
    head, rest = text.split(anchors.START + "\n")
    block, tail = rest.split(anchors.END + "\n")
    assert head == "# t\n\nbefore\n\n" and tail == "\nafter\n"
    assert "old table" not in block and "--seeds 2 --months 3" in block
    assert f"`peer_support` ({SPECS['peer_support'].units_default:g})" in block
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ODD.md", out.name]), "a temporary file was left"
    body = out.read_text(encoding="utf-8")
    if suffix == ".json":
        report = json.loads(body)
        assert [r["lever"] for r in report["rows"]] == ["peer_support"]
        assert report["settings"]["seeds"] == 2 and len(report["per_seed"]) == 2
        assert report["rows"][0]["seeds"] == 2 and report["rows"][0]["persons"] > 0
    else:
        assert "peer_support" in body


def test_the_odd_table_has_a_row_for_every_anchor():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert text.count(anchors.START) == 1 and text.count(anchors.END) == 1
    block = text.split(anchors.START)[1].split(anchors.END)[0]
    rows = [line for line in block.splitlines() if line.startswith("| `")]
    assert len(rows) == len(ANCHORS), "docs/ODD.md's table is out of date with ANCHORS: run `run.py anchors --write`"
    for row, anchor in zip(rows, ANCHORS):
        assert row.startswith(f"| `{anchor.lever}` ({SPECS[anchor.lever].units_default:g})"), row
