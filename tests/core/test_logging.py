"""Logs carry identifiers only: a full report flow never logs the patient's name."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from reporting.core.logging import JsonFormatter
from tests.conftest import Account, study_body

NAME = "Zyxwvutson"


def test_report_flow_logs_no_patient_names(client: TestClient, accounts: dict[str, Account],
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    doc = accounts["attending"]
    s = client.post("/api/studies", json=study_body(patient={
        "mrn": "M9", "name": f"{NAME}^Quentin", "sex": "M"}), headers=accounts["engine"].headers)
    r = client.post("/api/reports", json={"study_id": s.json()["id"]}, headers=doc.headers).json()
    client.patch(f"/api/reports/{r['id']}", headers=doc.headers,
                 json={"version": r["version"], "fields": {"impression": "Normal."}})
    client.post(f"/api/reports/{r['id']}/sign", headers=doc.headers,
                json={"override_reason": "test"})
    client.get(f"/api/reports/{r['id']}/pdf", headers=doc.headers)
    client.post("/api/studies", content=b"{broken", headers={**doc.headers,
                                                              "content-type": "application/json"})
    formatted = [JsonFormatter().format(record) for record in caplog.records]
    assert formatted, "the flow logs something"
    assert all(NAME not in line for line in formatted)
    assert all(json.loads(line)["level"] for line in formatted)
