"""REST over stored inbound messages: list by outcome, read raw (audited), reprocess."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reporting.app import create_app
from reporting.core.config import Settings
from reporting.hl7.ack import parse_ack
from reporting.hl7.mllp import send_mllp
from tests.conftest import Account, make_settings
from tests.hl7.hl7_messages import ORM_O01_231


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    base = make_settings(db_url, tmp_path)
    return base.model_copy(update={"hl7": base.hl7.model_copy(update={"listen": "127.0.0.1:0"})})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def send(client: TestClient, message: str) -> str:
    port = client.app.state.hl7_listener.port  # type: ignore[attr-defined]
    return parse_ack(send_mllp("127.0.0.1", port, message, read_timeout=10)).code


def test_list_read_and_reprocess(client: TestClient, accounts: dict[str, Account]) -> None:
    admin, engine, doc = accounts["admin"], accounts["engine"], accounts["attending"]
    change = ORM_O01_231.replace("|MSG00017|", "|XO-77|").replace("ORC|NW|", "ORC|XO|")
    assert send(client, change) == "AE"  # the order it changes has not arrived yet
    assert send(client, ORM_O01_231) == "AA"

    errors = client.get("/api/hl7/inbound?status=error", headers=engine.headers)
    assert errors.status_code == 200
    [row] = errors.json()
    assert (row["control_id"], row["ack_code"], row["error_field"]) == ("XO-77", "AE", "OBR-18")
    assert row["raw"] is None  # lists carry no message content
    assert len(client.get("/api/hl7/inbound", headers=engine.headers).json()) == 2
    assert client.get("/api/hl7/inbound", headers=doc.headers).status_code == 403
    assert client.get("/api/hl7/inbound?status=nope", headers=admin.headers).status_code == 422

    full = client.get(f"/api/hl7/inbound/{row['id']}", headers=admin.headers).json()
    assert full["raw"].startswith("MSH|^~\\&|EPIC|NGH")
    assert "MSA|AE|XO-77" in full["ack"]

    assert client.post(f"/api/hl7/inbound/{row['id']}/reprocess",
                       headers=engine.headers).status_code == 403
    again = client.post(f"/api/hl7/inbound/{row['id']}/reprocess", headers=admin.headers)
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["ack_code"]) == ("applied", "AA")
    assert again.json()["study_id"]
    twice = client.post(f"/api/hl7/inbound/{row['id']}/reprocess", headers=admin.headers)
    assert twice.status_code == 409
    assert client.get("/api/hl7/inbound?status=error", headers=admin.headers).json() == []
    assert client.get("/api/hl7/inbound/none", headers=admin.headers).status_code == 404
    audit = client.get("/api/audit", headers=admin.headers).json()
    events = audit["events"] if isinstance(audit, dict) else audit
    actions = {e["action"] for e in events}
    assert {"hl7.inbound.read", "hl7.inbound.reprocess"} <= actions


def test_readiness_reports_the_listener(client: TestClient) -> None:
    ready = client.get("/readyz").json()
    assert ready["checks"]["hl7_listener"].startswith("ok (port ")
    assert ready["checks"]["delivery_worker"].startswith("ok")
