"""Sign reports through the REST API for delivery tests (study → report → fields → sign)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from reporting.auth import service as auth
from reporting.auth.models import User
from tests.conftest import ACCOUNT_SPECS, Account, study_body

_accessions = itertools.count(1)
IMPRESSION = "No acute cardiopulmonary abnormality."


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def signed_report(client: TestClient, accounts: dict[str, Account], *, facility: str = "NGH",
                  impression: str = IMPRESSION, **study: Any) -> dict[str, Any]:
    """A new study at `facility` with a report signed final by the attending."""
    n = next(_accessions)
    body = study_body(facility=facility, accession=f"DLV{n:05d}",
                      scheduled_at="2026-11-20T21:30:00Z", performed_at="2026-11-20T21:58:00Z",
                      **study)
    s = client.post("/api/studies", json=body, headers=accounts["engine"].headers)
    assert s.status_code == 201, s.text
    doc = accounts["attending"]
    r = client.post("/api/reports", json={"study_id": s.json()["id"]}, headers=doc.headers)
    assert r.status_code == 201, r.text
    report = r.json()
    fields = {f["id"]: f"Text for {f['id']}." for f in report["field_order"]
              if f.get("required") and f.get("type", "text") == "text"}
    fields["findings"] = "Lungs are clear. No effusion."
    fields["impression"] = impression
    known = {f["id"] for f in report["field_order"]}
    fields = {k: v for k, v in fields.items() if k in known}
    p = client.patch(f"/api/reports/{report['id']}",
                     json={"version": report["version"], "fields": fields}, headers=doc.headers)
    assert p.status_code == 200, p.text
    signed = client.post(f"/api/reports/{report['id']}/sign",
                         json={"override_reason": "test case"}, headers=doc.headers)
    assert signed.status_code == 200, signed.text
    return signed.json()


def add_addendum(client: TestClient, accounts: dict[str, Account], report_id: str,
                 text: str = "Discussed with the referrer.") -> dict[str, Any]:
    r = client.post(f"/api/reports/{report_id}/addenda", json={"text": text, "sign": True},
                    headers=accounts["attending"].headers)
    assert r.status_code == 200, r.text
    return r.json()


def make_accounts(app: FastAPI, password_hashes: dict[str, str]) -> dict[str, Account]:
    """One account per role in the app's database (like the `accounts` fixture)."""
    result = {}
    with app.state.sessionmaker() as session:
        for role, username, family, given in ACCOUNT_SPECS:
            user = User(username=username, role=role, password_hash=password_hashes[username],
                        family_name=family, given_name=given,
                        credentials="MD" if role in ("radiologist", "resident") else "")
            session.add(user)
            session.flush()
            result[username] = Account(user, f"{username}-password",
                                       auth.issue_token(app.state.settings, user))
        session.commit()
    return result
