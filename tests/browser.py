"""Helpers for the browser tests: a real `run.py app` server and Debian's Chromium through Playwright.

The server and the browser come from :mod:`viz.serve` (the screenshots use them too).

Also runnable as a script:

* ``python -m tests.browser offline``: starts the server and the browser, loads the page,
  takes a step and exits 0 if the page rendered and stepped. The offline test runs it
  inside a network namespace that has nothing but loopback.
* ``python -m tests.browser visits [N] [SECONDS]``: what a room leaves behind. Starts the
  server, opens N tabs one after the other (default 10), each playing for SECONDS (default
  5) and then closed without a goodbye (as a laptop that leaves the network), waits for the
  server to cull them, and prints the server's memory (RSS) and CPU with no tab open.
"""

from __future__ import annotations

import contextlib
import re
import socket
import sys
import threading
import time

import psutil
from playwright.sync_api import sync_playwright

from viz.serve import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, app_process, app_server, free_port, launch

__all__ = [
    "CHROMIUM", "CHROMIUM_ARGS", "LOCAL", "ROOT", "CuttingProxy", "Server", "app_process", "app_server", "free_port",
    "launch", "month", "offline_check", "open_live", "server_usage", "visits", "wait_month",
]

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


class CuttingProxy:
    """A TCP relay on a free port of 127.0.0.1 to ``port``; :meth:`cut` drops every connection (a network hiccup)."""

    def __init__(self, port: int) -> None:
        self.target, self.port = port, free_port()
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                return
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        for end in (a, b):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self._lock:
            ends, self._open = self._open, []
        for end in ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
                end.close()

    def close(self) -> None:
        self.cut()
        self._server.close()


def open_live(browser, url: str):
    """(context, page): a new browser context (its own cookies) with the live page loaded."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(url, wait_until="networkidle", timeout=90_000)
    page.wait_for_selector("img.vk-map", timeout=90_000)
    return context, page


def month(pg) -> int:
    """The month the page shows."""
    return int(re.search(r"\d+", pg.inner_text(".vk-month")).group())


def wait_month(pg, above: int, timeout: float = 30.0) -> int:
    """Wait until the page shows a month after ``above``; that month."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = month(pg)
        if m > above:
            return m
        time.sleep(0.1)
    raise AssertionError(f"the month stayed at {month(pg)}")


def server_usage(pid: int, seconds: float = 5.0) -> tuple[float, float]:
    """(RSS in MB, CPU in % of one core averaged over ``seconds``) of the process ``pid`` and its children."""
    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)]
    t0 = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
    time.sleep(seconds)
    t1 = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
    rss = sum(p.memory_info().rss for p in procs) / 2**20
    return rss, 100.0 * (t1 - t0) / seconds if seconds > 0 else 0.0


def visits(n: int = 10, play: float = 5.0, settle: float = 30.0, out=print) -> dict:
    """Open ``n`` tabs one after the other, each playing ``play`` seconds, then closed; the server after.

    A tab is closed by closing its browser context, which sends no goodbye (as a laptop
    that leaves the network): the server frees it when its cull timeout passes. Measures
    the server with no tab open after the first visit and after all ``n`` (``settle``
    seconds after the last close), so the memory kept per visit is the difference over
    ``n - 1`` visits.
    """
    result: dict = {"visits": n, "play_seconds": play}
    with app_process() as server, sync_playwright() as p:
        browser = launch(p)
        result["rss_start_mb"], _ = server_usage(server.pid, 0.0)
        for i in range(n):
            context, page = open_live(browser, server.url)
            page.click(".vk-play")
            time.sleep(play)
            playing = server_usage(server.pid, 2.0)
            context.close()
            if i == 0:
                time.sleep(settle)
                result["rss_after_1_mb"], result["cpu_after_1_pct"] = server_usage(server.pid)
                result["cpu_playing_pct"] = playing[1]
            out(f"visit {i + 1}: closed; server {server_usage(server.pid, 0.0)[0]:.0f} MB")
        time.sleep(settle)
        result["rss_after_n_mb"], result["cpu_after_n_pct"] = server_usage(server.pid)
        result["tabs_open_reported"] = server.open_tabs()
        browser.close()
    result["kept_per_visit_mb"] = (result["rss_after_n_mb"] - result["rss_after_1_mb"]) / max(n - 1, 1)
    return result


def offline_check() -> int:
    """Inside a loopback-only network: the page renders and steps. Exit status 0 if so."""
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


def main(argv: list[str]) -> int:
    if argv == ["offline"]:
        return offline_check()
    if argv[:1] == ["visits"] and len(argv) <= 3:
        n = int(argv[1]) if len(argv) > 1 else 10
        play = float(argv[2]) if len(argv) > 2 else 5.0
        r = visits(n, play)
        print(f"{r['visits']} visits of {r['play_seconds']:.0f} s of play, each closed without a goodbye:")
        print(f"  server at start:                   {r['rss_start_mb']:.0f} MB")
        print(f"  while a tab plays:                 CPU {r['cpu_playing_pct']:.0f}%")
        print(f"  no tab open, after 1 visit:        {r['rss_after_1_mb']:.0f} MB, CPU {r['cpu_after_1_pct']:.1f}%")
        print(f"  no tab open, after {r['visits']} visits:       {r['rss_after_n_mb']:.0f} MB, "
              f"CPU {r['cpu_after_n_pct']:.1f}%")
        print(f"  memory kept per visit:             {r['kept_per_visit_mb']:.1f} MB")
        print(f"  tabs open (the server's last word): {r['tabs_open_reported']}")
        return 0
    print("usage: python -m tests.browser offline | visits [N] [SECONDS]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
