"""The page is served from package files, offline, with its public config."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reporting.app import create_app
from reporting.core.config import Settings
from reporting.web.router import STATIC_DIR
from tests.conftest import make_settings


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    """Static files do not touch the database: SQLite only."""
    return make_settings(sqlite_url, tmp_path, idle_lock_minutes=7)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, start_background=False)) as c:
        yield c


def test_index_is_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Reading station" in response.text
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp


def test_scripts_are_javascript_modules(client: TestClient) -> None:
    response = client.get("/static/js/app.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/styles.css").headers["content-type"].startswith("text/css")


def test_paths_outside_the_static_folder_are_refused(client: TestClient) -> None:
    assert client.get("/static/../router.py").status_code == 404
    assert client.get("/static/%2e%2e/router.py").status_code == 404
    assert client.get("/static/js/missing.js").status_code == 404


def test_config_needs_no_login_and_carries_the_idle_lock(client: TestClient,
                                                         settings: Settings) -> None:
    config = client.get("/api/config").json()
    assert config["idle_lock_minutes"] == settings.idle_lock_minutes == 7
    assert config["push_to_talk_key"] == "F4"
    assert config["dictation"] == {"path": "/ws/dictation", "sample_rate": 16000,
                                   "encoding": "pcm_s16le"}


def test_everything_the_page_loads_ships_in_the_package() -> None:
    html = (STATIC_DIR / "index.html").read_text()
    refs = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert "/static/js/app.js" in refs
    for ref in refs:
        assert (STATIC_DIR / ref.removeprefix("/static/")).is_file(), ref
    assert "http://" not in html
    assert "https://" not in html
    for script in (STATIC_DIR / "js").glob("*.js"):
        source = script.read_text()
        for name in re.findall(r'from "\./([^"]+)"', source):
            assert (script.parent / name).is_file(), f"{script.name} imports {name}"
        assert not re.search(r"https?://", source), script.name
