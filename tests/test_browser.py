"""The browser view in a real browser: Debian's Chromium driven by Playwright against `run.py app`.

Marked ``browser``: they run in the default suite (about a minute) and need
``/usr/bin/chromium`` (`.ci/run` installs Debian's package when it is missing).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import pytest

from tests.browser import LOCAL, ROOT, app_server, month, wait_month
from tests.conftest import small_args

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api", reason="playwright is in requirements/lock.txt")


@pytest.fixture
def page(server, browser):
    """A fresh page (its own session on the server), recording any request that leaves 127.0.0.1 and problems."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    pg = context.new_page()
    pg.outside, pg.problems = [], []
    pg.on("request", lambda r: pg.outside.append(r.url) if not r.url.startswith(LOCAL) else None)
    pg.on("response", lambda r: pg.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.goto(server, wait_until="networkidle", timeout=90_000)
    pg.wait_for_selector("img.vk-map", timeout=90_000)
    yield pg
    context.close()


def test_page_renders_with_nothing_from_outside(page):
    assert "Veerkracht in de wijk" in page.inner_text("body")
    assert page.query_selector("img.vk-map").bounding_box()["width"] > 300
    assert len(page.query_selector_all("svg.vk-chart")) == 2
    assert page.outside == []
    assert page.problems == []  # no missing asset, no script error


def test_step_play_pause_and_reset(page):
    assert month(page) == 0
    page.click(".vk-step")
    assert wait_month(page, 0) == 1
    page.click(".vk-play")
    wait_month(page, 5)
    page.click(".vk-pause")
    time.sleep(0.5)
    stopped = month(page)
    time.sleep(1.0)
    assert month(page) == stopped  # paused
    page.click(".vk-reset")
    page.wait_for_function("document.querySelector('.vk-month').innerText.match(/ 0$/)", timeout=30_000)


def test_language_switch_changes_the_labels(page):
    assert page.inner_text(".vk-play").lower() == "afspelen"
    page.click(".vk-lang >> text=EN")
    page.wait_for_function("document.querySelector('.vk-play').innerText.toLowerCase() == 'play'", timeout=10_000)
    assert "Resilience in the neighbourhood" in page.inner_text("body")
    assert "Month" in page.inner_text(".vk-month")


def test_glossary_term_has_a_tooltip(page):
    page.hover(".vk-term-bestaanszekerheid")
    page.wait_for_selector("text=zekerheid over morgen", timeout=10_000)


def test_a_slider_changes_the_running_model(page):
    assert not page.query_selector(".vk-changes")
    slider = page.query_selector(".vk-param-negative_media .v-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.98, box["y"] + box["height"] / 2)  # near the top of the range
    page.wait_for_selector(".vk-changes", timeout=10_000)
    value = float(re.search(r"negatief beeld van de wijk[^=]*= ([\d,]+)", page.inner_text(".vk-changes")).group(1).replace(",", "."))
    assert value > 0.9
    assert "negative_media" not in page.inner_text("body")  # the Dutch label, not the code name
    assert not page.query_selector(".vk-error")


def test_a_setting_that_breaks_a_rule_shows_a_readable_message(page):
    """Citizen-style shares must add up to 1: pushing one to its extreme is refused in words."""
    page.click(".vk-group-select")
    page.click(".v-menu__content >> text=bevolking bij de start")  # the group with the citizen-style shares
    selector = ".vk-param-style_outsider .v-slider"
    page.wait_for_selector(selector, timeout=10_000)
    time.sleep(0.5)  # let the group's sliders settle
    page.query_selector(selector).scroll_into_view_if_needed()
    b = page.query_selector(selector).bounding_box()
    page.mouse.click(b["x"] + b["width"] * 0.999, b["y"] + b["height"] / 2)
    page.wait_for_selector(".vk-error", timeout=10_000)
    text = page.inner_text(".vk-error")
    assert "samen moeten ze 1 zijn" in text  # the rule, in Dutch
    assert "Traceback" not in page.inner_text("body")


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_the_page_renders_in_a_network_with_only_loopback():
    """The server and the browser run in a fresh network namespace: nothing but 127.0.0.1 exists."""
    cmd = ["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {sys.executable} -m tests.browser offline"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "rendered and stepped offline" in proc.stdout


def test_family_view_follows_a_lineage_across_a_generation(page):
    page.click(".vk-tab-family")
    page.wait_for_selector(".vk-family-chart svg", timeout=90_000)
    members = page.inner_text(".vk-family-members")
    assert members.strip()
    captions = []
    for _ in range(30):
        captions.append(page.inner_text(".vk-family-caption"))
        nxt = page.query_selector(".vk-family-next")
        if nxt is None or nxt.is_disabled():
            break
        nxt.click()
        time.sleep(0.2)
    story = " ".join(captions)
    # a child of the family grows up: the story reaches their 18th birthday or their own household
    assert re.search(r"\b18\b", story), story[:500]
    assert page.query_selector_all(".vk-family-event")
    assert page.problems == [] and page.outside == []  # its Markdown text loads nothing (no KaTeX from a CDN)


def test_batch_page_opens_a_results_folder(page, results_root):
    out = results_root / f"browser-smoke-{int(time.time())}"
    proc = subprocess.run([sys.executable, "run.py", "run", "--steps", "12", *small_args(), "--seed", "3", "--out",
                           str(out), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    try:
        page.click(".vk-tab-batch")
        page.wait_for_selector(".vk-batch", timeout=30_000)
        page.fill(".vk-batch-path input", str(out))
        page.click(".vk-batch-open")
        page.wait_for_selector(".vk-batch-kind", timeout=30_000)
        assert page.query_selector(".vk-batch-plot") is not None
        assert not page.query_selector(".vk-batch-error")
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_a_scenario_file_with_a_bad_value_shows_a_readable_message(page, results_root):
    bad = results_root / "bad.toml"  # the page reads scenario files only inside the results root
    bad.write_text("[params]\nvacancy = 0.9\n")
    page.fill(".vk-scenario-file input", str(bad))
    page.click(".vk-scenario-load")
    page.wait_for_selector(".vk-error", timeout=20_000)
    text = page.inner_text(".vk-error")
    assert "vacancy = 0.9" in text and "0.0 to 0.5" in text
    assert "Traceback" not in page.inner_text("body")
    page.click(".vk-step")  # the neighbourhood shown before still runs
    wait_month(page, 0)
