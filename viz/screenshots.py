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
    """The Dutch page at a projector's 1280x720: live (after a crisis and a policy, with the
    what-changed card), presentation mode, two futures, a family, the batch page, the info tab."""
    OUT.mkdir(parents=True, exist_ok=True)
    with app_server() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url, wait_until="networkidle", timeout=120_000)
        page.wait_for_selector("img.vk-map", timeout=120_000)
        page.click(".vk-play")
        time.sleep(3)
        page.click(".vk-pause")
        page.click(".vk-crisis-inflation")
        page.click(".vk-policy-existential_security")
        time.sleep(1)
        page.click(".vk-play")
        time.sleep(4)
        page.click(".vk-pause")
        time.sleep(0.5)
        _save(page, "live")
        page.click(".vk-card-make")
        page.wait_for_selector(".vk-card", timeout=120_000)
        page.query_selector(".vk-card").scroll_into_view_if_needed()
        _save(page, "card")
        page.evaluate("window.scrollTo(0, 0)")
        page.click(".vk-present")
        time.sleep(1.5)
        _save(page, "presentation")
        page.click(".vk-present")
        page.wait_for_selector(".vk-tab-futures", timeout=30_000)
        page.click(".vk-tab-futures")
        page.wait_for_selector("img.vk-futures-with", timeout=60_000)
        page.click(".vk-play")
        time.sleep(2)
        page.click(".vk-pause")
        page.click(".vk-policy-existential_security")
        time.sleep(1)
        page.click(".vk-play")
        time.sleep(6)
        page.click(".vk-pause")
        time.sleep(0.5)
        _save(page, "futures")
        for tab, name in (("family", "family"), ("batch", "batch"), ("info", "info")):
            page.click(f".vk-tab-{tab}")
            time.sleep(6)
            _save(page, name)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
