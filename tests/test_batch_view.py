"""The batch results view: real folders written by the command line, opened, filtered, shown.

One fixture runs ``run.py sweep``, ``compare``, ``analyse`` and ``run`` on a tiny
neighbourhood in parallel (about 15 s on 2 cores), once per test session: the tests here
and in ``tests/test_batch_dutch.py`` read those folders (never change them) and damaged
copies of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import solara

from experiments.store import read_runs
from tests.conftest import small_args, small_toml
from tests.widgets import by_class
from viz.batch import (
    MAX_FILE_BYTES, MAX_JSON_BYTES, TEXT_BATCH, BatchError, BatchView, detect_kind, error_text, filter_plots,
    filter_table, headline, list_folders, open_folder, points_table, table_filters,
)
from viz.i18n import TEXT

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "MPLBACKEND": "Agg", "NUMBA_NUM_THREADS": "1",
       "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))}
SWEEP = """
[sweep]
name = "tiny"
scenario = "krachtwijk"
steps = 6
replicates = 2
seed = 7
sampler = "grid"
outcomes = ["stress_mean", "wellbeing_mean", "cost_total"]

[vary]
trust_mean = [0.3, 0.6]
"interventions.single_parent_support.units" = [0, 20]

[set]
""" + small_toml(burn_in_months=3)
SCENARIO = '\n[scenario]\nname = "base"\n[params]\n' + small_toml(burn_in_months=3) + "[run]\nsteps = 6\n"
SMALL = small_args(burn_in_months=3)


_MADE: dict[str, Path] = {}


def made_results(tmp_path_factory) -> Path:
    """The results root of :func:`make_results`, made once per test session (read it, do not change it)."""
    if "root" not in _MADE:
        _MADE["root"] = make_results(tmp_path_factory.mktemp("results"))
    return _MADE["root"]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return made_results(tmp_path_factory)


def make_results(root: Path) -> Path:
    """A results root with one folder of each kind, made by the command line (in parallel).

    The run is of the average Dutch neighbourhood with a policy, so that its tables hold a
    preset's name and an intervention's.
    """
    spec = root / "tiny.toml"
    spec.write_text(SWEEP)
    scenario = root / "base.toml"
    scenario.write_text(SCENARIO)
    commands = {
        "sweep": ["sweep", str(spec), "--out", str(root / "sweeps" / "tiny"), "--quiet", "--workers", "1"],
        "compare": ["compare", str(scenario), str(scenario), "--b-intervention", "single_parent_support:units=40",
                    "--replicates", "2", "--out", str(root / "compare"), "--quiet", "--workers", "1",
                    "--outcomes", "stress_mean,wellbeing_mean"],
        "analyse": ["analyse", str(spec), "--out", str(root / "analyse"), "--skip", "morris,sobol",
                    "--links", "stress_parenting", "--ablation-replicates", "2", "--quiet", "--workers", "1"],
        "run": ["run", "--scenario", "average_nl", "--steps", "24", *SMALL, "--seed", "3",
                "--intervention", "single_parent_support:units=10", "--out", str(root / "run")],
    }
    procs = {k: subprocess.Popen([sys.executable, "run.py", *cmd], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for k, cmd in commands.items()}
    for k, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{k}: {err}\n{out}"
    return root


# ---- finding and opening ---------------------------------------------------------------

def test_list_folders_finds_each_kind_once_and_skips_hidden_and_inner_folders(results, tmp_path):
    found = list_folders(results)
    assert found == [("analyse", "analyse"), ("compare", "compare"), ("run", "run"), ("sweeps/tiny", "sweep")]
    # the analysis keeps one dataset per stage inside; those are not listed on their own
    assert detect_kind(results / "analyse" / "ablation") == "sweep"
    assert list_folders(tmp_path / "nothing-here") == []
    hidden = tmp_path / ".tmp-run"
    shutil.copytree(results / "run", hidden)
    assert list_folders(tmp_path) == []
    assert list_folders(results / "run") == [(".", "run")]


def test_a_sweep_opens_with_its_plots_tables_and_headline(results):
    folder = open_folder(results / "sweeps" / "tiny")
    assert folder.kind == "sweep" and folder.warnings == []
    assert folder.table_names == ["points", "runs"]
    assert folder.inputs() == ["set.trust_mean", "interventions.single_parent_support.units"]
    assert {p.name for p in folder.plots} >= {"outcome_stress_mean.png", "outcome_wellbeing_mean.png"}
    assert {p.outcome for p in folder.plots} >= {"stress_mean", "wellbeing_mean", None}
    runs = folder.table("runs")
    assert len(runs) == 8 * 3 and set(runs["outcome"]) == {"stress_mean", "wellbeing_mean", "cost_total"}
    # the points table is the mean over the replicates of each point, with a t interval
    points = folder.table("points")
    raw = read_runs(folder.path)
    for row in points.itertuples():
        values = raw[(raw["point"] == row.point) & (raw["outcome"] == row.outcome)]["value"]
        assert row.n == 2 and row.mean == pytest.approx(values.mean())
        assert row.ci_lo <= row.mean <= row.ci_hi
    rows = dict(headline(folder, "en"))
    assert rows["Kind"] == "sweep" and rows["Name"] == "tiny"
    assert rows["Runs"] == "8 in all: 8 ok, 0 failed, 0 missing"
    assert rows["Design"] == "4 points x 2 replicates (grid)"
    nl = dict(headline(folder, "nl"))
    assert nl["Runs"] == "8 totaal: 8 goed, 0 mislukt, 0 ontbrekend" and nl["Soort"] == "reeks"
    assert nl["Opzet"] == "4 punten x 2 herhalingen (rooster)" and nl["Wijk"].startswith("krachtwijk")


def test_sweep_tables_filter_by_outcome_input_range_and_status(results):
    folder = open_folder(results / "sweeps" / "tiny")
    filters = table_filters(folder, "runs")
    assert filters.outcomes == ["stress_mean", "wellbeing_mean", "cost_total"]
    assert filters.statuses == ["ok"]
    assert filters.ranges["set.trust_mean"] == (0.3, 0.6)
    assert filters.ranges["interventions.single_parent_support.units"] == (0.0, 20.0)
    runs = folder.table("runs")
    stress = filter_table(runs, ["stress_mean"])
    assert len(stress) == 8 and set(stress["outcome"]) == {"stress_mean"}
    high_trust = filter_table(runs, ["stress_mean"], {"set.trust_mean": (0.5, 0.6)})
    assert len(high_trust) == 4 and (high_trust["set.trust_mean"] == 0.6).all()
    assert len(filter_table(runs, None, None, "error")) == 0
    assert len(filter_table(runs, None, None, "ok")) == len(runs) == len(filter_table(runs, [], {}, "all"))
    with pytest.raises(BatchError, match="Unknown column 'set.trust'"):
        filter_table(runs, None, {"set.trust": (0, 1)})
    with pytest.raises(BatchError, match="range"):
        filter_table(runs, None, {"set.trust_mean": (0.6, 0.3)})
    # plots follow the outcome filter; plots about no single outcome always stay
    shown = filter_plots(folder.plots, ["stress_mean"])
    assert {p.outcome for p in shown} <= {"stress_mean", None} and any(p.outcome == "stress_mean" for p in shown)
    assert filter_plots(folder.plots, []) == folder.plots


def test_a_comparison_an_analysis_and_a_run_open_with_their_own_tables(results):
    cmp = open_folder(results / "compare")
    assert cmp.kind == "compare" and cmp.table_names == ["differences", "runs"]
    assert {p.name for p in cmp.plots} == {"differences.png", "cost_effect.png", "transmission.png"}
    diffs = cmp.table("differences")
    assert list(filter_table(diffs, ["stress_mean"])["outcome"]) == ["stress_mean"]
    rows = dict(headline(cmp, "en"))
    assert rows["Replicates"] == "2" and rows["Policy (B)"] == "B: base + support for single parents"
    assert rows["Mean chronic stress of adults"].split()[-1] in ("better", "worse", "unclear")
    nl = dict(headline(cmp, "nl"))
    assert nl["Beleid (B)"] == "B: base + steun voor eenoudergezinnen"
    assert nl["Gemiddelde chronische stress van volwassenen"].split()[-1] in ("beter", "slechter", "onduidelijk")

    ana = open_folder(results / "analyse")
    assert ana.kind == "analyse" and ana.table_names == ["ablation"]
    ablation = ana.table("ablation")
    assert set(ablation["link"]) == {"stress_parenting"}
    assert any(p.outcome == "stress_mean" for p in ana.plots)
    assert any(label.startswith("Link that matters most for") for label, _ in headline(ana, "en"))

    run = open_folder(results / "run")
    assert run.kind == "run" and run.table_names == ["timeseries", "lineage", "setbacks", "costs", "blocks"]
    assert [p.name for p in run.plots] == ["overview.png"]
    ts = run.table("timeseries")
    filters = table_filters(run, "timeseries")
    assert filters.wide and "stress_mean" in filters.outcomes and filters.ranges["step"] == (0.0, 24.0)
    part = filter_table(ts, ["stress_mean", "wellbeing_mean"], {"step": (12, 24)})
    assert list(part.columns) == ["step", "year", "stress_mean", "wellbeing_mean"] and len(part) == 13
    rows = dict(headline(run, "en"))
    assert rows["Seed"] == "3" and rows["Months"] == "24" and float(rows["Mean chronic stress of adults"]) > 0
    assert "average Dutch neighbourhood" in rows["Scenario"] and rows["Total cost"].startswith("€")
    assert "gemiddelde Nederlandse wijk" in dict(headline(run, "nl"))["Wijk"]


def test_missing_foreign_or_damaged_folders_give_readable_errors_in_both_languages(results, tmp_path):
    cases = {
        "": "batch.err.no_path",
        str(tmp_path / "nope"): "batch.err.missing",
        str(results / "tiny.toml"): "batch.err.not_folder",
        str(tmp_path): "batch.err.foreign",
    }
    for path, key in cases.items():
        with pytest.raises(BatchError) as info:
            open_folder(path)
        assert info.value.key == key
        nl, en = error_text(info.value, "nl"), error_text(info.value, "en")
        assert nl != en and "Traceback" not in nl + en and "{" not in nl + en
    # a damaged summary
    broken = tmp_path / "broken-run"
    shutil.copytree(results / "run", broken)
    (broken / "summary.json").write_text("{ not json")
    with pytest.raises(BatchError) as info:
        open_folder(broken)
    assert info.value.key == "batch.err.unreadable" and "summary.json" in error_text(info.value, "nl")
    # a damaged table: the folder opens, the table gives a message
    (broken / "summary.json").write_text(json.dumps({"steps": 24}))
    (broken / "timeseries.parquet").write_bytes(b"not parquet at all")
    folder = open_folder(broken)
    with pytest.raises(BatchError) as info:
        folder.table("timeseries")
    assert info.value.key == "batch.err.unreadable"
    with pytest.raises(BatchError, match="Unknown table 'nope'"):
        folder.table("nope")
    # an unexpected exception is named, not traced
    assert error_text(RuntimeError("boom"), "en") == "Something went wrong while opening: RuntimeError: boom"


def test_with_a_root_only_what_lies_inside_it_is_read_and_outside_looks_like_missing(results, tmp_path):
    """The shared page: a typed path, a symlinked folder and a symlinked file may not lead out of the root."""
    root = tmp_path / "root"
    shutil.copytree(results / "run", root / "run")
    outside = tmp_path / "outside"
    shutil.copytree(results / "run", outside)
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"provenance": {"scenario": "SECRET"}, "steps": 1}))
    (root / "link-out").symlink_to(outside, target_is_directory=True)
    (root / "passwd").symlink_to("/etc/passwd")
    assert list_folders(root) == [("run", "run")]  # the folder behind the symlink is not offered
    assert open_folder("run", root).kind == "run"  # relative to the root
    assert open_folder(root / "run", root).path == (root / "run").resolve()

    def refused(path) -> BatchError:
        with pytest.raises(BatchError) as info:
            open_folder(path, root)
        return info.value

    for path in (outside, root / "link-out", root / "nope", "/etc", "/etc/passwd", "/no/such/folder", root / "passwd",
                 "../outside", "run/../../outside", "x" * 5000):
        err = refused(path)
        assert err.key == "path.refused", path
        for lang in ("nl", "en"):
            text = error_text(err, lang)
            assert "root:" not in text and "{" not in text and "Traceback" not in text
    # a path that exists outside and one that does not: the same words, but for the path itself
    assert (error_text(refused(outside), "en").replace(str(outside), "P")
            == error_text(refused(tmp_path / "nope"), "en").replace(str(tmp_path / "nope"), "P"))
    # a results folder whose summary is a symlink to a file outside: not read
    leaky = root / "leaky"
    shutil.copytree(results / "run", leaky)
    (leaky / "summary.json").unlink()
    (leaky / "summary.json").symlink_to(secret)
    err = refused(leaky)
    assert err.key == "batch.err.no_file" and "SECRET" not in error_text(err, "en")
    assert open_folder(leaky).summary["provenance"]["scenario"] == "SECRET"  # a trusted caller without a root
    # a table or a plot that leads out is not read either
    (leaky / "summary.json").unlink()
    shutil.copy(results / "run" / "summary.json", leaky / "summary.json")
    (leaky / "timeseries.parquet").unlink()
    (leaky / "timeseries.parquet").symlink_to(outside / "timeseries.parquet")
    (leaky / "overview.png").unlink()
    (leaky / "overview.png").symlink_to(outside / "overview.png")
    folder = open_folder(leaky, root)
    with pytest.raises(BatchError) as info:
        folder.table("timeseries")
    assert info.value.key == "batch.err.no_file" and folder.plots == []
    # files too large to read: refused before a byte is read
    big = root / "big"
    shutil.copytree(results / "run", big)
    with (big / "timeseries.parquet").open("ab") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    folder = open_folder(big, root)
    with pytest.raises(BatchError) as info:
        folder.table("timeseries")
    assert info.value.key == "path.too_large" and "50 MB" in error_text(info.value, "en")
    with (big / "summary.json").open("ab") as f:
        f.truncate(MAX_JSON_BYTES + 1)
    assert refused(big).key == "path.too_large"


def test_a_sweep_with_missing_runs_warns_that_it_is_not_complete(results, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(results / "sweeps" / "tiny", partial)
    summary = json.loads((partial / "summary.json").read_text())
    summary.update(complete=False, missing=3, failed=2)
    (partial / "summary.json").write_text(json.dumps(summary))
    folder = open_folder(partial)
    assert [key for key, _ in folder.warnings] == ["batch.warn.failed", "batch.warn.incomplete"]
    assert "failures" in folder.table_names and folder.table("failures").empty


def test_every_text_has_dutch_and_english_and_reaches_the_page_texts():
    for key, texts in TEXT_BATCH.items():
        assert set(texts) == {"nl", "en"} and all(texts.values()), key
        assert TEXT[key] is texts


def test_points_table_of_no_runs_is_empty_with_the_columns():
    empty = points_table(pd.DataFrame(columns=["run_id", "outcome", "value", "status"]), ["set.x"])
    assert empty.empty and list(empty.columns) == ["point", "set.x", "outcome", "mean", "sd", "n", "ci_lo", "ci_hi"]


# ---- the page ------------------------------------------------------------------------------



def test_batch_view_lists_opens_filters_and_explains_a_bad_path(results):
    box, rc = solara.render(BatchView(lang="nl", root=str(results)), handle_error=False)
    try:
        select = by_class(box, "vk-batch-folder")[0]
        assert select.items == ["analyse (gevoeligheidsanalyse)", "compare (vergelijking van twee varianten)",
                                "run (een enkele run)", "sweeps/tiny (reeks)"]
        select.v_model = select.items[3]
        assert by_class(box, "vk-batch-kind")[0].children[0].startswith("Geopend: ")
        assert "8 totaal: 8 goed" in str(by_class(box, "vk-batch-headline")[0])
        n_plots = len(by_class(box, "vk-batch-plot"))
        assert n_plots == len(open_folder(results / "sweeps" / "tiny").plots)
        # every plot drawn again by the page (none left as the command line's PNG)
        assert len(by_class(box, "vk-batch-chart")) == n_plots
        assert by_class(box, "vk-batch-rows")[0].children[0] == "12 van 12 rijen"  # 4 points x 3 outcomes
        outcome_filter = by_class(box, "vk-batch-filter-outcome")[0]
        assert "Gemiddelde chronische stress van volwassenen" in outcome_filter.items
        outcome_filter.v_model = ["Gemiddelde chronische stress van volwassenen"]
        assert by_class(box, "vk-batch-rows")[0].children[0] == "4 van 12 rijen"
        assert len(by_class(box, "vk-batch-plot")) < n_plots
        assert len(by_class(box, "vk-batch-filter-range")) >= 2
        by_class(box, "vk-batch-table-select")[0].v_model = 1  # runs
        assert by_class(box, "vk-batch-rows")[0].children[0] == "8 van 24 rijen"
        assert not by_class(box, "vk-batch-page")  # 8 rows: one page
        by_class(box, "vk-batch-filter-outcome")[0].v_model = []
        assert by_class(box, "vk-batch-rows")[0].children[0] == "24 van 24 rijen"
        # 24 rows: 20 a page, with a previous and a next button
        assert by_class(box, "vk-batch-page")[0].children[0] == "Rijen 1 tot en met 20 van 24"
        assert by_class(box, "vk-batch-prev")[0].disabled and not by_class(box, "vk-batch-next")[0].disabled
        assert str(by_class(box, "vk-batch-table")[0]).count("<tr>") == 1 + 20
        by_class(box, "vk-batch-next")[0].click()
        assert by_class(box, "vk-batch-page")[0].children[0] == "Rijen 21 tot en met 24 van 24"
        assert by_class(box, "vk-batch-next")[0].disabled
        assert by_class(box, "vk-batch-filter-status")
        path = by_class(box, "vk-batch-path")[0]
        path.v_model = str(results / "nope")
        by_class(box, "vk-batch-open")[0].click()
        refused = by_class(box, "vk-batch-error")[0].children[0]
        assert refused.startswith(f"'{results / 'nope'}' kan niet worden geopend: het bestaat niet in de resultatenmap")
        path.v_model = "/etc"  # outside the root: the same words as a folder that does not exist
        by_class(box, "vk-batch-open")[0].click()
        assert by_class(box, "vk-batch-error")[0].children[0] == refused.replace(str(results / "nope"), "/etc")
        path.v_model = "run"  # relative to the root
        by_class(box, "vk-batch-open")[0].click()
        assert not by_class(box, "vk-batch-error")
        assert "een enkele run" in by_class(box, "vk-batch-kind")[0].children[0]
    finally:
        rc.close()
    box, rc = solara.render(BatchView(lang="en", root=str(results / "empty")), handle_error=False)
    try:
        assert by_class(box, "vk-batch-none")[0].children[0].startswith(f"'{results / 'empty'}' holds no results yet")
    finally:
        rc.close()
