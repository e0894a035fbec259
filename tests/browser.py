"""Helpers for the browser tests: a real `run.py app` server and Debian's Chromium through Playwright.

Also runnable as a script, ``python -m tests.browser offline``: starts the server and the
browser, loads the page, takes a step and exits 0 if the page rendered and stepped. The
offline test runs it inside a network namespace that has nothing but loopback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the browser `make test` made sure of (tests/ensure_browser.sh): Debian's, or VEERKRACHT_CHROMIUM
CHROMIUM = os.environ.get("VEERKRACHT_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(timeout: float = 120.0):
    """``run.py app`` on a free port of 127.0.0.1; yields its URL; stops it (and its children) after."""
    port = free_port()
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "run.py", "app", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the app server stopped: {proc.stdout.read()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app server did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def launch(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: `make browser` installs Debian's chromium package, "
                           "or set VEERKRACHT_CHROMIUM=/path/to/chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def offline_check() -> int:
    """Inside a loopback-only network: the page renders and steps. Exit status 0 if so."""
    from playwright.sync_api import sync_playwright

    with app_server() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url, wait_until="networkidle", timeout=90_000)
        page.wait_for_selector("img.vk-map", timeout=90_000)
        before = page.inner_text(".vk-month")
        page.click(".vk-step")
        page.wait_for_function(f"document.querySelector('.vk-month').innerText != {before!r}", timeout=30_000)
        print("rendered and stepped offline:", page.inner_text(".vk-month"))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(offline_check() if sys.argv[1:] == ["offline"] else 2)
