"""Browser-test fixtures: one live server per module, one headless Chromium per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.web.server import (
    CHROMIUM,
    PASSWORDS,
    LiveServer,
    chromium_args,
    fixture_wav,
    start_server,
)

DICTATION_FIXTURE = "cxr_effusion"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app under uvicorn with a fresh SQLite db, demo data and a folder destination."""
    server = start_server(tmp_path_factory.mktemp("reading-station"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Debian's Chromium, headless, whose fake microphone plays a dictation fixture."""
    wav = fixture_wav(DICTATION_FIXTURE, tmp_path_factory.mktemp("audio") / "dictation.wav")
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=chromium_args(wav))
    yield browser
    browser.close()


def new_page(browser: Browser, *, width: int = 1920, height: int = 1080) -> Page:
    """A fresh context (own session storage) and page; page errors fail the test."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.page_errors = errors  # type: ignore[attr-defined]
    return page


def log_in(page: Page, server: LiveServer, username: str = "drokafor") -> None:
    """Open the page and log in with a demo account; waits for the worklist."""
    page.goto(server.url)
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#worklist tbody tr[data-id]")
