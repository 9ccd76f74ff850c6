"""A live app with the real tiny.en model, a radiologist, and a draft chest X-ray report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from reporting.app import create_app
from reporting.asr.manager import AsrManager
from tests.conftest import ASR_DEVICE, ROOT, Account, study_body

FIXTURES = ROOT / "audio_fixtures"


def fixture(name: str) -> dict[str, Any]:
    for line in (FIXTURES / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["id"] == name:
            return entry
    raise KeyError(name)


def pcm16(name: str) -> bytes:
    audio, rate = sf.read(FIXTURES / fixture(name)["file"], dtype="float32")
    assert rate == 16000
    return (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()


@pytest.fixture(scope="session")
def shared_asr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsrManager]:
    """One tiny.en model for the whole test session (loading it is the slow part)."""
    from reporting.core.config import AsrSettings

    manager = AsrManager(AsrSettings(model="tiny.en", device=ASR_DEVICE, preload=False),
                         tmp_path_factory.mktemp("asr-data"))
    manager.load()
    yield manager
    manager.close()


@dataclass
class Live:
    client: TestClient
    doc: Account
    report: dict[str, Any]

    def new_report(self, accounts: dict[str, Account], **study: Any) -> dict[str, Any]:
        s = self.client.post("/api/studies", json=study_body(**study),
                             headers=accounts["engine"].headers)
        r = self.client.post("/api/reports", json={"study_id": s.json()["id"]},
                             headers=self.doc.headers)
        assert r.status_code == 201, r.text
        return r.json()

    def get(self, report_id: str) -> dict[str, Any]:
        return self.client.get(f"/api/reports/{report_id}", headers=self.doc.headers).json()


@pytest.fixture
def live(sqlite_url: str, tmp_path: Path, accounts_sqlite: dict[str, Account],
         shared_asr: AsrManager) -> Iterator[Live]:
    from tests.conftest import make_settings

    settings = make_settings(sqlite_url, tmp_path)
    app = create_app(settings)
    app.state.asr = shared_asr
    app.state.owns_asr = False
    with TestClient(app) as client:
        doc = accounts_sqlite["attending"]
        s = client.post("/api/studies", json=study_body(
            procedure_code="XRCHEST2V", procedure_description="XR CHEST 2 VIEWS",
            modality="CR", body_part="CHEST"), headers=accounts_sqlite["engine"].headers)
        r = client.post("/api/reports", json={"study_id": s.json()["id"]}, headers=doc.headers)
        assert r.status_code == 201, r.text
        yield Live(client, doc, r.json())


@pytest.fixture
def accounts_sqlite(sqlite_url: str, tmp_path: Path, password_hashes: dict[str, str]
                    ) -> dict[str, Account]:
    from sqlalchemy.orm import Session

    from reporting.auth import service as auth
    from reporting.auth.models import User
    from reporting.core.db import make_engine
    from tests.conftest import ACCOUNT_SPECS, make_settings

    settings = make_settings(sqlite_url, tmp_path)
    engine = make_engine(sqlite_url)
    result = {}
    with Session(engine, expire_on_commit=False) as session:
        for role, username, family, given in ACCOUNT_SPECS:
            user = User(username=username, role=role, password_hash=password_hashes[username],
                        family_name=family, given_name=given)
            session.add(user)
            session.flush()
            result[username] = Account(user, f"{username}-password",
                                       auth.issue_token(settings, user))
        session.commit()
    engine.dispose()
    return result
