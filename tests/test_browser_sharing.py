"""The browser view shared with a room (``run.py app --host 0.0.0.0`` has no login), in real Chromium.

Each tab has a neighbourhood of its own; a tab that closes without a goodbye stops playing
and is freed once the server's cull timeout passes; the batch page and the scenario box
read only inside the results root and say the same about a path outside it as about a
missing one; a bad scenario file gets a readable line and the page keeps stepping; the
page loads nothing from outside, no asset is missing and no script fails.

The browser tests (marked ``browser``, in the default run, about a minute) share one
server, with a results root made here (a small run, scenario files good and bad, symlinks
that lead out) and a short cull timeout so a closed tab is freed in seconds. The first
tests check the same limits without a browser, and what ``run.py app`` hands the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from experiments.cli import APP_CULL_TIMEOUT, UsageError, app_command, main
from experiments.scenario import SMALL
from tests.browser import LOCAL, ROOT, CuttingProxy, app_process, month, server_usage, wait_month
from tests.conftest import small_args, small_toml
from viz.sim import SCENARIO_MAX_BYTES, Run, ViewError, confine, error_text

pytest.importorskip("playwright.sync_api", reason="playwright is in requirements/lock.txt")
browser_test = pytest.mark.browser

CULL = 5  # seconds the test server keeps a tab whose connection is gone (run.py app's default: 15 s)
SMALL_TOML = "[params]\n" + small_toml(burn_in_months=3)


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """(results root, a folder outside it): a small run, scenario files good and bad, and ways out."""
    base = tmp_path_factory.mktemp("room")
    root, outside = base / "results", base / "outside"
    root.mkdir()
    outside.mkdir()
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "run.py", "run", "--steps", "6", *small_args(burn_in_months=3), "--seed", "3",
                           "--out", str(root / "small-run"), "--quiet"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    shutil.copytree(root / "small-run", outside / "secret-run")
    (outside / "secret.toml").write_text(SMALL_TOML)
    (root / "small.toml").write_text(SMALL_TOML)
    (root / "inf.toml").write_text("[interventions.learning]\nunits = inf\n")
    (root / "share.toml").write_text("[params]\nshare_low_income = 1.0\n")
    (root / "deep.toml").write_text("[params]\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    with (root / "big.toml").open("wb") as f:
        f.truncate(2_000_000)  # over the 1 MB a scenario file may have (sparse: no disk used)
    (root / "passwd.toml").symlink_to("/etc/passwd")
    (root / "passwd").symlink_to("/etc/passwd")
    (root / "way-out").symlink_to(outside / "secret-run", target_is_directory=True)
    shutil.copytree(root / "small-run", root / "big-run")
    with (root / "big-run" / "summary.json").open("ab") as f:
        f.truncate(11_000_000)  # over the 10 MB a summary may have
    return root, outside


# ---- without a browser -------------------------------------------------------------------------

def test_run_py_app_hands_the_server_its_results_root_and_a_short_cull_timeout(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    cmd, env = app_command("0.0.0.0", 8765, str(tmp_path))
    assert env["VEERKRACHT_RESULTS_ROOT"] == str(tmp_path.resolve())
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == APP_CULL_TIMEOUT == "15s"  # solara's own default is 24 hours
    assert env["MALLOC_ARENA_MAX"] == "2"
    monkeypatch.chdir(tmp_path)
    assert app_command("127.0.0.1", 8765)[1]["VEERKRACHT_RESULTS_ROOT"] == str(tmp_path.resolve() / "results")
    with pytest.raises(UsageError, match="not a folder"):
        app_command("127.0.0.1", 8765, str(tmp_path / "missing"))
    (tmp_path / "file").write_text("x")
    assert main(["app", "--results-root", str(tmp_path / "file")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --results-root") and err.count("\n") == 1


def test_scenario_paths_outside_the_root_missing_or_too_large_are_refused_alike(room):
    root, outside = room
    said = set()
    for path in (str(outside / "secret.toml"), "/etc/passwd", str(root / "passwd.toml"), "nope.toml",
                 "../outside/secret.toml", str(root / "way-out" / "summary.json"), "x" * 5000 + ".toml"):
        with pytest.raises(ViewError) as info:
            Run(scenario=path, root=root).reset()
        assert info.value.key == "path.refused", path
        said.add(error_text(info.value, "en").replace(path if len(path) <= 200 else path[:200] + "...", "PATH"))
        assert "root:" not in error_text(info.value, "nl")
    assert len(said) == 1, said
    with pytest.raises(ViewError, match="unknown scenario 'passwd'; allowed: average_nl, krachtwijk"):
        Run(scenario="passwd", root=root).reset()  # a bare name is a preset's: nothing is looked up on disk
    with pytest.raises(ViewError) as info:
        Run(scenario="big.toml", root=root).reset()
    assert info.value.key == "path.too_large" and "1 MB" in error_text(info.value, "en")
    assert (root / "big.toml").stat().st_size > SCENARIO_MAX_BYTES
    with pytest.raises(ViewError, match="not a file"):
        confine("small-run", root, kind="file")
    run = Run(scenario="small.toml", root=root)  # inside the root, relative or absolute; presets as before
    run.reset()
    assert run.model.p.grid_width == 20
    Run(scenario=str(root / "small.toml"), root=root).reset()
    Run(scenario="krachtwijk", root=root, changes=dict(SMALL)).reset()


def test_a_bad_scenario_file_is_one_line_and_the_model_shown_before_stays(room):
    root, _ = room
    run = Run(scenario="small.toml", root=root)
    run.reset()
    run.step(2)
    model = run.model
    for name in ("inf.toml", "deep.toml", "big.toml"):
        run.scenario = name
        with pytest.raises(ViewError) as info:
            run.reset()
        for lang in ("nl", "en"):
            text = error_text(info.value, lang)
            assert "\n" not in text and "Traceback" not in text and name in text, text
        assert run.model is model and run.model.month == 2
    run.scenario = "share.toml"  # every household on a low income: runs, or is refused in one line
    try:
        run.reset()
        run.step(2)
    except ViewError as e:
        assert "\n" not in str(e)


# ---- in the browser -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(room):
    with app_process(results_root=room[0], env={"SOLARA_KERNEL_CULL_TIMEOUT": f"{CULL}s"}) as s:
        yield s


def watch(pg) -> None:
    """Record on the page: requests leaving 127.0.0.1, every URL asked for, and problems (4xx/5xx, script errors)."""
    pg.outside, pg.urls, pg.problems = [], [], []
    pg.on("request", lambda r: (pg.urls.append(r.url), None if r.url.startswith(LOCAL) else pg.outside.append(r.url)))
    pg.on("response", lambda r: pg.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))


def open_page(context, url: str):
    pg = context.new_page()
    watch(pg)
    pg.goto(url, wait_until="networkidle", timeout=90_000)
    pg.wait_for_selector("img.vk-map", timeout=90_000)
    return pg


def open_tab(browser, url: str):
    """(context, page): a browser of its own (cookies and all) with the live page loaded."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    return context, open_page(context, url)


def step(pg) -> int:
    before = month(pg)
    pg.click(".vk-step")
    return wait_month(pg, before)


def wait_tabs(server, n: int, timeout: float) -> float:
    """Seconds until the server reports ``n`` tabs open (its log); fails after ``timeout``."""
    t0 = time.monotonic()
    while (server.open_tabs() or 0) != n:
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"the server still reports {server.open_tabs()} tabs open after {timeout:.0f} s "
                                 f"(wanted {n}):\n{server.output()[-1500:]}")
        time.sleep(0.2)
    return time.monotonic() - t0


def wait_text(pg, selector: str, part: str, timeout: float = 20_000) -> str:
    """The text of ``selector`` once it contains ``part``."""
    pg.wait_for_function("([sel, part]) => { const e = document.querySelector(sel); "
                         "return e !== null && e.innerText.includes(part); }", arg=[selector, part], timeout=timeout)
    return pg.inner_text(selector)


@pytest.mark.slow  # about 40 s: it waits for the server to notice the closed tab
@browser_test
def test_a_closed_tab_stops_playing_and_is_freed(server, browser):
    """Tabs closed without a goodbye (a laptop leaving the network): freed after the cull timeout, CPU idle."""
    wait_tabs(server, 0, timeout=CULL + 30)  # nothing left open by anything before
    context, page = open_tab(browser, server.url)
    assert server.open_tabs() == 1
    page.click(".vk-play")
    wait_month(page, 10)
    context.close()  # the browser sends nothing: the server sees the connection go
    freed = wait_tabs(server, 0, timeout=CULL + 20)
    time.sleep(3)  # the memory is handed back 2 s after the close
    rss_first, cpu_first = server_usage(server.pid, 3.0)
    for _ in range(2):  # two more visits, closed one after the other
        context, page = open_tab(browser, server.url)
        page.click(".vk-play")
        wait_month(page, 10)
        context.close()
    wait_tabs(server, 0, timeout=CULL + 20)
    time.sleep(3)
    rss_last, cpu_last = server_usage(server.pid, 3.0)
    print(f"\nfreed {freed:.1f} s after the close; no tab open: {rss_first:.0f} MB, CPU {cpu_first:.1f}% after one "
          f"visit; {rss_last:.0f} MB, CPU {cpu_last:.1f}% after three")
    assert cpu_first < 5.0 and cpu_last < 5.0  # before: each closed tab kept playing (about 10-15% of a core)
    assert rss_last - rss_first < 40.0  # before: about 70 MB more per visit, for good


@pytest.mark.slow  # a network hiccup (about 15 s): in make test-slow, for the default run's ten minutes
@browser_test
def test_a_tab_whose_connection_drops_for_a_moment_carries_on(server, browser):
    """A network hiccup shorter than the cull timeout: the page reconnects to the same neighbourhood."""
    proxy = CuttingProxy(int(server.url.rstrip("/").rsplit(":", 1)[1]))
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    try:
        page = open_page(context, f"http://127.0.0.1:{proxy.port}/")
        opened = server.output().count("a tab opened")
        for _ in range(3):
            step(page)
        proxy.cut()
        time.sleep(2)  # the page sees the connection go and connects again
        assert step(page) == 4  # month 3 went on to 4: the same neighbourhood, not a new one at month 0
        assert server.output().count("a tab opened") == opened
    finally:
        context.close()
        proxy.close()


@browser_test
def test_two_tabs_of_one_browser_have_a_neighbourhood_each(server, browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    try:
        a, b = open_page(context, server.url), open_page(context, server.url)
        for _ in range(3):
            step(a)
        assert month(a) == 3 and month(b) == 0
        assert step(b) == 1
        time.sleep(0.5)
        assert month(a) == 3
    finally:
        context.close()


@browser_test
def test_the_batch_page_opens_only_folders_inside_the_results_root(server, browser, room):
    root, outside = room
    context, page = open_tab(browser, server.url)
    try:
        page.click(".vk-tab-batch")
        page.wait_for_selector(".vk-batch", timeout=30_000)
        said = {}
        for path in (str(outside / "secret-run"), str(root / "way-out"), "/etc/passwd", str(root / "passwd"), "/etc",
                     str(root / "nope"), "../outside/secret-run", "way-out/../../outside/secret-run"):
            page.fill(".vk-batch-path input", path)
            page.click(".vk-batch-open")
            said[path] = wait_text(page, ".vk-batch-error", path).replace(path, "PATH")
            assert "root:" not in page.inner_text("body")  # nothing of /etc/passwd
        assert len(set(said.values())) == 1, said  # the same words whether or not something is there
        assert not page.query_selector(".vk-batch-kind")
        page.fill(".vk-batch-path input", "big-run")
        page.click(".vk-batch-open")
        assert "te groot" in wait_text(page, ".vk-batch-error", "summary.json")  # at most 10 MB
        page.fill(".vk-batch-path input", "small-run")
        page.click(".vk-batch-open")
        page.wait_for_selector(".vk-batch-kind", timeout=30_000)
        assert not page.query_selector(".vk-batch-error")
        assert page.query_selector(".vk-batch-plot") is not None
    finally:
        context.close()


@browser_test
def test_the_scenario_box_reads_only_inside_the_root_and_explains_bad_files(server, browser, room):
    root, outside = room
    context, page = open_tab(browser, server.url)
    try:
        step(page)
        said = {}
        for path in (str(outside / "secret.toml"), "/etc/passwd", str(root / "passwd.toml"), "nope.toml",
                     "../outside/secret.toml"):
            page.fill(".vk-scenario-file input", path)
            page.click(".vk-scenario-load")
            said[path] = wait_text(page, ".vk-error", path).replace(path, "PATH")
            assert "root:" not in page.inner_text("body")
        assert len(set(said.values())) == 1, said
        for path, words in (("big.toml", "te groot"), ("inf.toml", "units = inf"), ("deep.toml", "deep.toml")):
            page.fill(".vk-scenario-file input", path)
            page.click(".vk-scenario-load")
            text = wait_text(page, ".vk-error", path)
            assert words in text and "Traceback" not in page.inner_text("body"), text
        assert month(page) == 1  # the neighbourhood shown before runs on
        assert step(page) == 2
        page.fill(".vk-scenario-file input", "small.toml")
        page.click(".vk-scenario-load")
        page.wait_for_function("document.querySelector('.vk-month').innerText.match(/ 0$/)", timeout=30_000)
        assert not page.query_selector(".vk-error")
        page.fill(".vk-scenario-file input", "share.toml")  # all households on a low income: runs, or one line
        page.click(".vk-scenario-load")
        time.sleep(2)
        assert "Traceback" not in page.inner_text("body")
        assert step(page) >= 1
    finally:
        context.close()


@browser_test
def test_no_script_errors_no_missing_assets_and_nothing_from_outside(server, browser):
    """The live tab, and tabs with Markdown text (two futures, batch): every asset local and found, no errors."""
    context, page = open_tab(browser, server.url)
    try:
        step(page)
        page.click(".vk-tab-futures")
        page.wait_for_selector("img.vk-futures-with", timeout=30_000)
        page.wait_for_selector("text=Dezelfde wijk, hetzelfde toeval", timeout=10_000)  # Markdown
        page.click(".vk-tab-batch")
        page.wait_for_selector("h3:has-text('Resultaten van reeksen')", timeout=30_000)  # Markdown
        page.wait_for_load_state("networkidle")
        time.sleep(1.0)
        assert page.problems == []
        assert page.outside == []
        assert not [u for u in page.urls if "katex" in u or "mathjax" in u.lower()]
    finally:
        context.close()
