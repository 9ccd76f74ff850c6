"""Screenshots of the reading station for the docs: docs/images/worklist.png and editor.png.

Starts the real server (fresh SQLite, demo data), drives Debian's Chromium with a
dictation fixture as its microphone, and captures the worklist and the editor
while dictation is running. Run: `PYTHONPATH=. python scripts/screenshots.py`.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.server import (  # noqa: E402
    CHROMIUM,
    PASSWORDS,
    chromium_args,
    fixture_wav,
    start_server,
)

IMAGES = ROOT / "docs" / "images"


def main() -> None:
    """Capture both screenshots at 1920x1080."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = start_server(work / "server")
        wav = fixture_wav("cxr_effusion", work / "dictation.wav")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=chromium_args(wav))
                page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
                page.goto(server.url)
                page.locator("#login-username").fill("drokafor")
                page.locator("#login-password").fill(PASSWORDS["drokafor"])
                page.get_by_role("button", name="Log in").click()
                page.wait_for_selector("#worklist tbody tr[data-id]")
                row = page.locator("#worklist tbody tr[data-id]",
                                   has_text="CT HEAD WITHOUT CONTRAST")
                row.first.get_by_role("button", name=re.compile("^Claim ")).click()
                expect(row.first.locator("td").nth(10)).to_have_text("You")
                page.locator("#worklist tbody tr[data-id]").nth(1).focus()
                page.wait_for_timeout(4500)  # let the claim toast fade
                page.screenshot(path=str(IMAGES / "worklist.png"))

                target = page.locator("#worklist tbody tr[data-id]",
                                      has_text="XR CHEST 1 VIEW PORTABLE")
                target.get_by_role("button", name=re.compile("^Report ")).click()
                page.wait_for_selector("#report-form .field")
                page.locator("#f-findings").focus()
                page.keyboard.press("F4")
                expect(page.locator("#dictation-state")).to_have_text("Listening", timeout=30_000)
                # Mid-dictation: live partial text greyed under the current field.
                expect(page.locator(".partial.on").first).to_be_visible(timeout=60_000)
                page.wait_for_timeout(1500)
                page.evaluate("document.querySelector('#field-findings')"
                              ".scrollIntoView({block: 'center'})")
                page.screenshot(path=str(IMAGES / "editor.png"))
                page.keyboard.press("F4")
                browser.close()
        finally:
            server.stop()
    print(f"wrote {IMAGES / 'worklist.png'} and {IMAGES / 'editor.png'}")  # noqa: T201


if __name__ == "__main__":
    main()
