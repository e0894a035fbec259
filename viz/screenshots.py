"""Screenshots of each view for the README: ``python -m viz.screenshots`` (``make screenshots``).

Starts ``run.py app``, drives Debian's Chromium through Playwright and writes PNGs into
``docs/screenshots/`` (each under a temporary name first).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from viz.serve import ROOT, app_server, launch

OUT = ROOT / "docs" / "screenshots"


def _save(page, name: str) -> Path:
    path = OUT / f"{name}.png"
    tmp = OUT / f".{name}.png.tmp"
    page.screenshot(path=str(tmp), type="png")
    tmp.replace(path)
    print(f"written: {path.relative_to(ROOT)}")
    return path


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with app_server() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page.goto(url, wait_until="networkidle", timeout=90_000)
        page.wait_for_selector("img.vk-map", timeout=90_000)
        page.click(".vk-lang >> text=EN")
        page.click(".vk-play")
        time.sleep(6)
        page.click(".vk-pause")
        time.sleep(0.5)
        _save(page, "live")
        page.click(".vk-tab-futures")
        page.wait_for_selector("img.vk-futures-with", timeout=30_000)
        page.click(".vk-policy-existential_security")
        time.sleep(1)
        page.click(".vk-play")
        time.sleep(8)
        page.click(".vk-pause")
        time.sleep(0.5)
        _save(page, "futures")
        for tab, name in (("family", "family"), ("batch", "batch")):
            page.click(f".vk-tab-{tab}")
            time.sleep(6)
            _save(page, name)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
