"""The app in a real server and Debian's Chromium: what the screenshots and the browser tests drive.

:func:`app_process` starts ``run.py app`` on a free port of 127.0.0.1 and stops it (and its
children) afterwards; :func:`launch` starts headless Chromium through Playwright. The
browser is the one ``make test`` made sure of (``tests/ensure_browser.sh``): Debian's, or
the one ``VEERKRACHT_CHROMIUM`` names.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the browser `make test` made sure of (tests/ensure_browser.sh): Debian's, or VEERKRACHT_CHROMIUM
CHROMIUM = os.environ.get("VEERKRACHT_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``run.py app``: its URL, its process id and what it printed so far."""

    url: str
    pid: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def open_tabs(self) -> int | None:
        """The number of tabs the server last reported open (its ``tabs open: N`` lines), None before any."""
        counts = re.findall(r"tabs open: (\d+)", self.output())
        return int(counts[-1]) if counts else None


@contextlib.contextmanager
def app_process(timeout: float = 120.0, results_root: str | os.PathLike | None = None, extra: tuple = (),
                env: dict | None = None):
    """``run.py app`` on a free port of 127.0.0.1; yields a :class:`Server`; stops it (and its children) after.

    ``results_root`` is passed as ``--results-root``, ``extra`` as further arguments, ``env``
    adds to the environment. The server's output goes to a file (a pipe nobody reads would
    fill up and stall it).
    """
    port = free_port()
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", **(env or {})}
    cmd = [sys.executable, "run.py", "app", "--port", str(port), *extra]
    if results_root is not None:
        cmd += ["--results-root", str(results_root)]
    with tempfile.TemporaryDirectory(prefix="vk-app-") as tmp:
        log = Path(tmp) / "server.log"
        with log.open("w") as out:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        server = Server(f"http://127.0.0.1:{port}/", proc.pid, log)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the app server stopped: {server.output()[-2000:]}")
                try:
                    with urllib.request.urlopen(server.url, timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the app server did not answer on {server.url} within {timeout:.0f} s")
                time.sleep(0.3)
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@contextlib.contextmanager
def app_server(timeout: float = 120.0, **options):
    """:func:`app_process`, yielding only its URL."""
    with app_process(timeout, **options) as server:
        yield server.url


def launch(playwright):
    """Headless Chromium (:data:`CHROMIUM`) from a started Playwright (``sync_playwright()``)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: `make browser` installs Debian's chromium package, "
                           "or set VEERKRACHT_CHROMIUM=/path/to/chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
