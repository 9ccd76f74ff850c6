"""The reading station in a real browser: read, dictate, sign; conflicts; speech mikes; lock."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import log_in, new_page
from tests.web.server import PASSWORDS, LiveServer

pytestmark = pytest.mark.slow


def open_study(page: Page, procedure: str) -> str:
    """Open (creating the draft) the worklist row of `procedure`; returns the report id."""
    row = page.locator("#worklist tbody tr[data-id]", has_text=procedure).first
    row.get_by_role("button", name=re.compile("^(Report|Open) ")).click()
    expect(page.locator("#view-editor")).to_be_visible()
    page.wait_for_selector("#report-form .field")
    return page.evaluate("location.hash").rsplit("/", 1)[-1]


def current_field(page: Page) -> str:
    return page.locator(".field.current").get_attribute("data-field") or ""


def test_read_dictate_sign_with_the_keyboard(live_server: LiveServer, browser: Browser) -> None:
    page = new_page(browser)
    log_in(page, live_server)
    priorities = page.locator("#worklist tbody tr[data-id] td:first-child .prio").all_inner_texts()
    assert priorities[0] == "STAT"
    assert priorities == sorted(priorities, key=["STAT", "ASAP", "ROUTINE"].index)

    row = page.locator("#worklist tbody tr[data-id]", has_text="XR CHEST 1 VIEW PORTABLE")
    expect(row).to_have_class(re.compile(r"\bstat\b"))
    row.get_by_role("button", name=re.compile("^Claim ")).click()
    expect(row.locator("td").nth(10)).to_have_text("You")
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#report-status")).to_have_text("draft")
    expect(page.locator("#hdr-priority")).to_have_text("STAT")
    expect(page.locator("#hdr-history")).to_contain_text("Central line placement")

    findings = page.locator("#f-findings")
    findings.focus()
    expect(page.locator(".field.current")).to_have_attribute("data-field", "findings")
    page.keyboard.press("F4")  # a tap toggles recording on
    expect(page.locator("#dictation-state")).to_have_text("Listening", timeout=30_000)
    expect(findings).to_have_value(re.compile("effusion", re.I), timeout=60_000)
    expect(findings).to_have_value(re.compile("consolidation", re.I), timeout=30_000)
    page.keyboard.press("F4")
    expect(page.locator("#dictation-state")).to_have_text("Idle", timeout=30_000)
    assert re.search(r"pneumothorax", findings.input_value(), re.I)

    order = page.evaluate("readingStation.editor.fieldIds()")
    findings.focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator(".field.current")).to_have_attribute(
        "data-field", order[order.index("findings") + 1])
    impression = page.locator("#f-impression")
    impression.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" .noacutecardiopulmonary")
    page.keyboard.press("Space")
    expect(impression).to_have_value(re.compile("No acute cardiopulmonary abnormality"))
    assert ".noacute" not in impression.input_value()

    page.keyboard.press("Control+Shift+S")
    status = page.locator("#report-status")
    expect(page.locator("#report-status[data-status=final], #sign-issues:not([hidden])")
           .first).to_be_visible()
    if page.locator("#sign-issues").is_visible():
        # Sign-time warnings are listed next to their fields and can be overridden.
        expect(page.locator(".field-issues li").first).to_be_visible()
        override = page.locator("#override-reason")
        expect(override).to_be_visible()
        override.fill("Reviewed; findings dictated and confirmed.")
        page.get_by_role("button", name="Sign with override").click()
    expect(status).to_have_text("final", timeout=15_000)
    expect(findings).to_have_value(re.compile("effusion", re.I))
    deliveries = page.locator("#deliveries-body tr", has_text="printouts")
    expect(deliveries).to_be_visible(timeout=15_000)
    expect(deliveries).to_contain_text("delivered", timeout=30_000)
    assert page.page_errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_two_editors_get_a_visible_conflict(live_server: LiveServer, browser: Browser) -> None:
    radiologist = new_page(browser)
    log_in(radiologist, live_server, "drokafor")
    report_id = open_study(radiologist, "CT HEAD WITHOUT CONTRAST")
    typist = new_page(browser)
    log_in(typist, live_server, "dlee")
    typist.goto(f"{live_server.url}/#/report/{report_id}")
    typist.wait_for_selector("#report-form .field")

    field = radiologist.evaluate("readingStation.editor.fieldIds()")[0]
    radiologist.locator(f"#f-{field}").fill("Fall with head strike. Radiologist edit.")
    expect(radiologist.locator("#save-state")).to_contain_text("Saved", timeout=10_000)

    other = typist.evaluate("readingStation.editor.fieldIds()")[1]
    typist.locator(f"#f-{other}").fill("Typist edit on a stale version.")
    conflict = typist.locator("#conflict")
    expect(conflict).to_be_visible(timeout=10_000)
    expect(conflict).to_contain_text("Someone else saved this report")
    expect(typist.locator("#save-state")).to_have_text("Conflict: not saved")

    typist.get_by_role("button", name="Load their version").click()
    expect(conflict).to_be_hidden()
    expect(typist.locator(f"#f-{field}")).to_have_value("Fall with head strike. Radiologist edit.")
    for page in (radiologist, typist):
        assert page.page_errors == []  # type: ignore[attr-defined]
        page.context.close()


FAKE_POWERMIC = """
(() => {
  const listeners = {};
  const device = {
    vendorId: 0x0554, productId: 0x1001, productName: "PowerMic III", opened: false,
    collections: [{usagePage: 1, usage: 0}],
    async open() { this.opened = true; },
    async close() { this.opened = false; },
    addEventListener(type, fn) { (listeners[type] ||= []).push(fn); },
    removeEventListener() {},
  };
  const hid = {
    async getDevices() { return [device]; },
    async requestDevice() { return [device]; },
    addEventListener() {}, removeEventListener() {},
  };
  Object.defineProperty(Navigator.prototype, "hid", {get: () => hid, configurable: true});
  window.__hidReport = (bytes) => {
    const event = new Event("inputreport");
    event.device = device;
    event.reportId = 0;
    event.data = new DataView(new Uint8Array(bytes).buffer);
    for (const fn of listeners.inputreport || []) fn(event);
  };
})();
"""


def press(page: Page, *report: int) -> None:
    page.evaluate("bytes => window.__hidReport(bytes)", list(report))
    page.evaluate("window.__hidReport([0, 0, 0])")  # all buttons released


def test_speech_mike_buttons_drive_the_editor(live_server: LiveServer, browser: Browser) -> None:
    page = new_page(browser)
    page.add_init_script(FAKE_POWERMIC)
    log_in(page, live_server, "drchen")
    expect(page.locator("#hid-status")).to_contain_text("PowerMic III connected")
    open_study(page, "MRI RIGHT KNEE WITHOUT CONTRAST")
    order = page.evaluate("readingStation.editor.fieldIds()")
    start = current_field(page)
    index = order.index(start)

    press(page, 0x00, 0x08, 0x00)  # TAB FORWARD (bit 3 of the little-endian word at byte 1)
    expect(page.locator(".field.current")).to_have_attribute("data-field", order[index + 1])
    press(page, 0x00, 0x10, 0x00)  # REWIND -> previous field
    expect(page.locator(".field.current")).to_have_attribute("data-field", start)
    press(page, 0x00, 0x80, 0x00)  # CUSTOM LEFT -> macro picker
    expect(page.locator("#macro-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#macro-dialog")).to_be_hidden()
    assert page.page_errors == []  # type: ignore[attr-defined]
    page.context.close()

    bare = new_page(browser)
    bare.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'hid', {get: () => undefined})")
    log_in(bare, live_server, "drchen")
    expect(bare.locator("#hid-status")).to_contain_text("WebHID is not available")
    bare.context.close()


def test_idle_station_locks_and_unlocks(live_server: LiveServer, browser: Browser) -> None:
    page = new_page(browser)
    page.clock.install()
    log_in(page, live_server, "drokafor")
    expect(page.locator("#lock")).to_be_hidden()
    minutes = live_server.settings.idle_lock_minutes
    page.clock.fast_forward(f"{minutes + 1:02d}:00")
    expect(page.locator("#lock")).to_be_visible()
    page.locator("#lock-password").fill(PASSWORDS["drokafor"])
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#lock")).to_be_hidden()
    expect(page.locator("#view-worklist")).to_be_visible()
    page.context.close()
