"""The batch page speaks the page's language: Dutch labels, Dutch numbers, Dutch plots.

The page is rendered (``solara.render``) on real results folders written by the command
line (the session's folders of ``tests/test_batch_view.py``: a sweep, a comparison, an
analysis and a run of the average Dutch neighbourhood with a policy); every folder and
every table is opened, and everything the page shows is read: texts, labels, options,
table headers and cells, and the plots (inline SVG, whose texts are text). On the Dutch
page no code name (snake_case), no English word of a list and no English number may
appear; the English page keeps its English labels.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import ipywidgets
import pytest
import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg

from abm import metrics
from abm.kernels import SETBACKS, Ev
from abm.outcomes import OUTCOMES
from abm.params import LINK_NAMES
from tests.test_batch_view import made_results
from tests.widgets import all_widgets, by_class
from viz import batch
from viz.batch import (
    LINK_NL, BatchError, BatchView, cell_text, chart_figure, column_label, error_text, filter_table, link_label,
    open_folder, scenario_label, table_rows,
)

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ENGLISH = ("Rows per page", "mean", "scenario", "replicate", "step", "No data available")
FOLDERS = ("analyse", "compare", "run", "sweeps/tiny")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return made_results(tmp_path_factory)


class _Text(HTMLParser):
    """The text a browser shows of some HTML (not styles, scripts or an SVG's definitions)."""

    HIDDEN = {"style", "script", "defs", "metadata"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.headers: list[str] = []
        self._hidden = 0
        self._th = False

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in self.HIDDEN
        self._th = self._th or tag == "th"

    def handle_endtag(self, tag):
        self._hidden -= tag in self.HIDDEN
        if tag == "th":
            self._th = False

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())
            if self._th:
                self.headers.append(data.strip())


def visible(root) -> tuple[list[str], list[str]]:
    """(every text the page shows, the headers of its tables) under widget ``root``."""
    texts, headers = [], []
    for w in all_widgets(root):
        if isinstance(w, ipywidgets.Layout):
            continue
        for key in ("label", "hint", "placeholder", "prefix", "suffix", "no_data_text"):
            value = getattr(w, key, None) if key in getattr(w, "keys", []) else None
            if isinstance(value, str) and value:
                texts.append(value)
        for key in ("children", "items", "v_model"):
            value = getattr(w, key, None) if key in getattr(w, "keys", []) else None
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, str) and item and item != "!!disabled!!":  # ipyvue's "no value"
                    texts.append(item)
        headers_trait = getattr(w, "headers", None) if "headers" in getattr(w, "keys", []) else None
        if isinstance(headers_trait, (list, tuple)):  # a Vuetify data table's columns
            heads = [str(h.get("text", "")) for h in headers_trait if isinstance(h, dict)]
            texts += heads
            headers += heads
        html = getattr(w, "unsafe_innerHTML", None) if "unsafe_innerHTML" in getattr(w, "keys", []) else None
        if html:
            parser = _Text()
            parser.feed(html)
            texts += parser.parts
            headers += parser.headers
    return texts, headers


def _page(results, lang: str) -> dict:
    """Everything the page shows in ``lang`` with each folder and each of its tables open (and a table's pages)."""
    box, rc = solara.render(BatchView(lang=lang, root=str(results)), handle_error=False)
    texts, headers, charts, plots, kinds = [], [], 0, 0, set()
    try:
        select = by_class(box, "vk-batch-folder")[0]
        assert len(select.items) == len(FOLDERS)
        for item in select.items:
            select.v_model = item
            assert not by_class(box, "vk-batch-error"), item
            charts += len(by_class(box, "vk-batch-chart"))
            plots += len(by_class(box, "vk-batch-plot"))
            toggle = by_class(box, "vk-batch-table-select")[0]
            for k in range(len(toggle.children)):
                toggle.v_model = k
                seen, seen_headers = visible(box)
                kinds |= {type(w).__name__ for w in all_widgets(box)}
                texts += seen
                headers += seen_headers
                while by_class(box, "vk-batch-next") and not by_class(box, "vk-batch-next")[0].disabled:
                    by_class(box, "vk-batch-next")[0].click()
                    texts += visible(by_class(box, "vk-batch-table")[0])[0]
                    texts += by_class(box, "vk-batch-page")[0].children
        # a path that is not there: the message too
        by_class(box, "vk-batch-path")[0].v_model = "nope"
        by_class(box, "vk-batch-open")[0].click()
        texts += visible(box)[0]
    finally:
        rc.close()
    root = str(results.resolve())
    texts = [x.replace(root, "ROOT").replace(str(results), "ROOT") for x in texts]
    return {"texts": texts, "headers": headers, "charts": charts, "plots": plots, "widgets": kinds}


@pytest.fixture(scope="module")
def pages(results) -> dict:
    return {lang: _page(results, lang) for lang in ("nl", "en")}


def _english_numbers(text: str) -> list[str]:
    """Numbers written the English way (a decimal point: 0.469, 17.2, 84000.0) or with more than 4 decimals."""
    bad = []
    for token in re.findall(r"\d+(?:[.,]\d+)+", text):
        groups = re.split(r"[.,]", token)
        seps = re.findall(r"[.,]", token)
        thousands = [g for g, s in zip(groups[1:], seps) if s == "."]
        decimals = [g for g, s in zip(groups[1:], seps) if s == ","]
        if any(len(g) != 3 for g in thousands) or (thousands and groups[0].startswith("0")):
            bad.append(token)  # a point that is not a thousands separator
        elif len(decimals) > 1 or any(len(g) > 4 for g in decimals) or ("," in seps and seps.index(",") < len(seps) - 1):
            bad.append(token)  # 1,234.5 or more than four decimals
    return bad


def test_the_dutch_page_shows_no_code_names_and_no_english_words(pages):
    page = pages["nl"]
    assert page["headers"] and page["texts"]
    code = sorted({m for text in page["texts"] for m in SNAKE.findall(text)})
    assert code == [], code
    for word in ENGLISH:
        pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
        hits = [text for text in page["texts"] if pattern.search(text)]
        assert hits == [], (word, hits[:5])
    # the tables are the page's own HTML, not Vuetify's data table, whose footer says "Rows per page" in English
    assert "DataTableWidget" not in page["widgets"] and "DataTable" not in page["widgets"]
    # table headers are labels: none is a column's name (with an underscore or a dot)
    assert not [h for h in page["headers"] if SNAKE.search(h) or re.fullmatch(r"[a-z]+\.[a-z_.]+", h)]
    assert {"Uitkomst", "Gemiddelde", "Herhaling", "Maand", "Wijk"} <= set(page["headers"])
    # the scenario and the policy by their Dutch names, in the tables and the headline
    texts = set(page["texts"])
    assert scenario_label("average_nl", "nl") in texts and "steun voor eenoudergezinnen" in texts
    assert "Gemiddelde chronische stress van volwassenen" in page["headers"]


def test_every_plot_is_drawn_again_in_dutch(pages):
    page = pages["nl"]
    assert page["plots"] > 0 and page["charts"] == page["plots"]  # no PNG of the command line left
    assert not [x for x in page["texts"] if "opdrachtregel (niet vertaald)" in x]
    # plot titles, axes and legends
    for words in ("jaar", "De vier hulpbronnen (gemiddeld)", "Schakels die het meest tellen voor gemiddelde chronische "
                  "stress van volwassenen", "extra kosten over de run (miljoen euro)", "gezinnen met twee ouders"):
        assert any(words in x for x in page["texts"]), words


def test_the_dutch_page_writes_numbers_the_dutch_way(pages):
    texts = pages["nl"]["texts"]
    bad = sorted({n for text in texts for n in _english_numbers(text)})
    assert bad == [], bad[:20]
    assert not [x for x in texts if re.search(r"\d{16,}", x) and not re.fullmatch(r"\d+", x)]  # no 16-digit floats
    assert any(re.search(r"\b0,\d{1,4}\b", x) for x in texts)  # decimals after a comma
    assert any(re.search(r"€ \d{1,3}(\.\d{3})+\b", x) for x in texts)  # money: € 40.000
    # the English page the other way round
    en = pages["en"]["texts"]
    assert any(re.search(r"\b0\.\d{1,4}\b", x) for x in en) and any(re.search(r"€\d{1,3}(,\d{3})+", x) for x in en)


def test_the_english_page_keeps_english_labels(pages):
    page = pages["en"]
    texts = set(page["texts"])
    assert {"Outcome", "Mean", "Replicate", "Month", "Scenario", "Mean chronic stress of adults"} <= set(page["headers"])
    assert scenario_label("average_nl", "en") in texts and "support for single parents" in texts
    assert any(x.startswith("Rows 1 to 20 of") for x in texts) and "Next" in texts
    assert any("year" == x for x in texts) and any("extra cost over the run (million EUR)" in x for x in texts)
    assert not {"Gemiddelde", "Vorige", "Volgende", "jaar"} & texts
    assert page["charts"] == page["plots"]


# ---- the labels behind the page ------------------------------------------------------------

def test_every_link_and_outcome_has_a_dutch_label_and_the_lists_follow_the_model():
    assert set(LINK_NL) == set(LINK_NAMES)
    # the measures with quantiles in the time series, and the setbacks a setback row can hold
    assert batch._SERIES == metrics.SERIES
    assert sum(int(Ev[n]) for n in batch._SETBACK_EVENTS) == int(SETBACKS)
    for name in batch._SETBACK_EVENTS:
        assert f"batch.val.event.{name.lower()}" in batch.TEXT_BATCH
    for name in LINK_NAMES:
        assert link_label(name, "nl") == LINK_NL[name] and link_label(name, "en") != LINK_NL[name]
    for name in OUTCOMES:
        assert column_label(name, "nl") != name and not SNAKE.search(column_label(name, "nl"))
    assert "gemiddelde Nederlandse wijk" in scenario_label("average_nl", "nl")
    assert "gemengde wijk" in scenario_label("mixed", "nl") and "krachtwijk" in scenario_label("krachtwijk", "nl")
    assert "mixed neighbourhood" in scenario_label("mixed", "en")
    assert scenario_label("experiments/scenarios/own.toml", "nl") == "own.toml"


def test_every_column_of_every_table_has_a_label_in_both_languages(results):
    for rel in FOLDERS:
        folder = open_folder(results / rel)
        for name in folder.table_names:
            headers, _ = table_rows(folder.table(name), name, "nl", 0, 1)
            headers_en, _ = table_rows(folder.table(name), name, "en", 0, 1)
            assert not [h for h in headers + headers_en if SNAKE.search(h) or "." in h and " " not in h], (rel, name)
    # the columns of a sensitivity analysis's Morris and Sobol tables (not run here: too slow)
    for column in ("input", "mu", "mu_star", "mu_star_conf", "sigma", "S1", "S1_conf", "ST", "ST_conf", "member",
                   "sets_better", "sets_worse", "sets_unclear"):
        assert column_label(column, "nl") != column and column_label(column, "en") != column


def test_cells_name_things_in_dutch():
    assert cell_text("status", "ok", "nl") == "goed" and cell_text("status", "error", "nl") == "mislukt"
    assert cell_text("better", "worse", "nl") == "slechter"
    assert cell_text("outcome", "stress_mean", "nl") == "gemiddelde chronische stress van volwassenen"
    assert cell_text("outcome", "forward", "nl", table="setbacks") == "sterker teruggekomen"
    assert cell_text("household_kind", "single_parent", "nl") == "eenoudergezin"
    assert cell_text("intervention", "single_parent_support", "nl") == "steun voor eenoudergezinnen"
    assert cell_text("events", 1 | 64, "nl", table="setbacks") == "baanverlies, scheiding"
    assert cell_text("label", "B: mixed + single_parent_support, trust_mean=0.5", "nl") == \
        "B: gemengde wijk + steun voor eenoudergezinnen; vertrouwen in instanties in de wijk = 0,5"
    assert cell_text("value", 84000.0, "nl", outcome="cost_total") == "€ 84.000"
    assert cell_text("value", 84000.0, "en", outcome="cost_total") == "€84,000"
    assert cell_text("value", 0.46881399999999, "nl") == "0,469"
    assert cell_text("persons", 12345, "nl") == "12.345" and cell_text("seed", 1693125408465869867, "nl") == \
        "1693125408465869867"
    assert cell_text("sd", float("nan"), "nl") == "–"


def test_errors_on_the_dutch_page_are_dutch(results, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(results / "run", broken)
    (broken / "timeseries.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(BatchError) as info:
        open_folder(broken).table("timeseries")
    nl, en = error_text(info.value, "nl"), error_text(info.value, "en")
    assert nl.startswith("'tijdreeks' kan niet worden gelezen") and "parquet" not in nl.lower()
    assert en.startswith("time series cannot be read: ")
    ts = open_folder(results / "run").table("timeseries")
    with pytest.raises(BatchError) as info:
        filter_table(ts, ["stress_mean", "no_such_thing"])
    nl = error_text(info.value, "nl")
    assert "'no_such_thing'" in nl  # the name typed is repeated, the columns there are are labels
    assert not SNAKE.findall(nl.replace("no_such_thing", ""))
    assert "Gemiddelde chronische stress van volwassenen" in nl
    with pytest.raises(BatchError) as info:
        filter_table(ts, None, {"step": (12, 6)})
    assert error_text(info.value, "nl") == "Het bereik van Maand (12 tot 6) kan niet."
    other = error_text(RuntimeError("boom"), "nl")
    assert "boom" not in other and "RuntimeError" not in other and other.startswith("Er ging iets onverwachts mis")


def test_a_plot_is_drawn_in_the_page_language_with_its_numbers(results):
    folder = open_folder(results / "run")
    texts = {}
    for lang in ("nl", "en"):
        fig = chart_figure(folder, folder.plots[0], lang)
        FigureCanvasAgg(fig).draw()  # sets the tick labels
        texts[lang] = [x.get_text() for x in fig.findobj(lambda a: hasattr(a, "get_text")) if x.get_text()]
    ticks_nl = [x for x in texts["nl"] if re.fullmatch(r"-?[\d.,]+", x)]
    assert ticks_nl and all("." not in x or re.fullmatch(r"\d{1,3}(\.\d{3})+", x) for x in ticks_nl)
    assert any("," in x for x in ticks_nl) and any("." in x for x in texts["en"] if re.fullmatch(r"-?[\d.,]+", x))
    assert "jaar" in texts["nl"] and "year" in texts["en"]
    assert not [x for x in texts["nl"] if SNAKE.search(x)]
