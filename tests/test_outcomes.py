"""Outcomes are declared once (:mod:`abm.outcomes`) and every list of them is read from there.

A first version kept six lists of outcome names (the task getters, compare's headline, the
batch page's headline, the directions and non-policy outcomes of the reports, the
before/after outcomes of a run's summary); the batch page's headline had drifted from
compare's.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from abm import outcomes as oc
from abm.outcomes import BETTER, HEADLINE, OUTCOMES, Outcome

ROOT = Path(__file__).resolve().parent.parent
# where a literal holding several outcome names is not a list of outcomes: (file, function) -> why
NOT_A_LIST_OF_OUTCOMES = {
    ("abm/metrics.py", "summarise"): "summary.json: the last month's value of time-series columns (outcomes among "
                                     "others) and the keys of the resilience figures the outcome getters read",
    ("experiments/bench.py", "sweep_throughput"): "a benchmark's choice of outcomes to compute, not a declaration",
    ("viz/batch.py", "_chart_overview"): "the overview plot's choice of time-series columns to draw, as the "
                                         "command line's plot of a run draws them",
    ("viz/report.py", None): "the columns of the page's CSV export of a run's time series (a choice, not a declaration)",
}


def _literals_with_outcome_names(path: Path):
    """(function, line, names) of every tuple, list, set or dict literal in ``path`` naming 2+ outcomes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        elts = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else (
            [k for k in node.keys if k is not None] if isinstance(node, ast.Dict) else [])
        names = [e.value for e in elts if isinstance(e, ast.Constant) and e.value in OUTCOMES]
        if len(names) >= 2:
            found.append((function, node.lineno, names))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, None)
    return found


def _sources():
    for folder in ("abm", "agents", "experiments", "viz"):
        yield from sorted((ROOT / folder).rglob("*.py"))
    yield from sorted(ROOT.glob("*.py"))


def test_no_module_but_abm_outcomes_lists_outcome_names():
    problems = []
    seen = set()
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "abm/outcomes.py":
            continue
        for function, line, names in _literals_with_outcome_names(path):
            if (rel, function) in NOT_A_LIST_OF_OUTCOMES:
                seen.add((rel, function))
                continue
            problems.append(f"{rel}:{line} ({function or 'module'}): {', '.join(names)}")
    assert not problems, "outcome names listed outside abm/outcomes.py; read them from there:\n  " + "\n  ".join(problems)
    assert seen == set(NOT_A_LIST_OF_OUTCOMES), "an exception that no longer applies: remove it"


def test_the_scan_finds_a_list_of_outcome_names(tmp_path):
    """The scan is not blind: a module with its own headline list is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text('HEADLINE = ("stress_mean", "wellbeing_mean")\n\n\ndef f(x):\n    return x in {"help_reach": 1, "persons": 2}\n')
    assert [(f, n) for f, _, n in _literals_with_outcome_names(bad)] == [
        (None, ["stress_mean", "wellbeing_mean"]), ("f", ["help_reach", "persons"])]


def test_every_outcome_is_fully_declared():
    for name, o in OUTCOMES.items():
        assert isinstance(o, Outcome) and o.name == name
        assert o.better in BETTER, name
        assert o.unit.strip(), name
        assert callable(o.get), name
        for lang in ("en", "nl"):
            assert o.label(lang).strip() and o.description(lang).startswith(o.label(lang)), (name, lang)
        assert o.label_nl != o.label_en, f"{name}: the Dutch label is the English one"
    with pytest.raises(AttributeError):
        OUTCOMES["stress_mean"].better = "higher"  # frozen


def test_headline_places_are_one_to_n():
    places = sorted(o.headline for o in OUTCOMES.values() if o.headline)
    assert places == list(range(1, len(places) + 1))
    assert HEADLINE[0] == "stress_mean" and len(HEADLINE) == len(places)


def test_derived_lists_are_read_from_the_registry():
    from abm import metrics
    from experiments import compare, reports, sweep, tasks
    from viz import batch

    assert compare.HEADLINE is oc.HEADLINE
    assert batch._HEADLINE_OUTCOMES == (*oc.HEADLINE, oc.COST)
    assert tasks.check_outcomes(None) == tuple(OUTCOMES)
    assert tasks.OUTCOMES is sweep.OUTCOMES is OUTCOMES
    assert metrics.BEFORE_AFTER is oc.BEFORE_AFTER
    assert reports.LOWER_IS_BETTER == {n for n, o in OUTCOMES.items() if o.better == "lower"}
    assert set(oc.NOT_RESIDENT) == {"cost_total", "persons"}
    assert all(OUTCOMES[n].before_after for n in oc.BEFORE_AFTER)


@pytest.mark.parametrize("name, diff, want", [
    ("stress_mean", -0.1, "better"), ("stress_mean", 0.1, "worse"), ("wellbeing_mean", 0.1, "better"),
    ("wellbeing_mean", -0.1, "worse"), ("share_vulnerable", 0.1, "neutral"), ("persons", -5.0, "neutral"),
    ("cost_total", 1e5, "worse"), ("stress_mean", 0.0, "unclear"),
])
def test_compare_verdict_follows_the_declared_direction(name, diff, want):
    """A comparison's verdict on a difference of ``diff`` (interval about +/- 0.025) reads Outcome.better."""
    import pandas as pd

    from experiments.reports import paired_differences

    noise = [0.0, 0.01, -0.01]
    df = pd.DataFrame({"label": ["A"] * 3 + ["B"] * 3, "replicate": [0, 1, 2] * 2, "outcome": name,
                       "value": [0.5] * 3 + [0.5 + diff + e for e in noise]})
    assert paired_differences(df, "A").iloc[0]["better"] == want
    assert oc.direction(name) == {"lower": "lower is better", "higher": "higher is better",
                                  "none": "neither better nor worse"}[OUTCOMES[name].better]


def test_run_py_outcomes_lists_every_outcome_with_its_description(capsys):
    from experiments.cli import cmd_outcomes

    assert cmd_outcomes(None) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(OUTCOMES)
    assert lines[0].endswith("mean chronic stress of adults, mean of the last 12 months")


def test_every_outcome_is_computed_from_a_run(small_run):
    tables, summary = small_run.results(), small_run.summary()
    values = {name: o.get(small_run, tables, summary) for name, o in OUTCOMES.items()}
    assert all(isinstance(v, float) for v in values.values())
    assert all(math.isfinite(values[n]) for n in ("stress_mean", "share_decliner", "persons", "cost_total"))
    ts = tables["timeseries"]
    assert values["stress_mean"] == pytest.approx(float(np.mean(ts["stress_mean"].to_numpy()[-oc.LAST_MONTHS:])))
