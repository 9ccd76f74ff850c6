from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from reporting.audit import service as audit
from tests.conftest import Account, study_body


def test_api_reads_and_writes_are_audited(client: TestClient,
                                          accounts: dict[str, Account]) -> None:
    study = client.post("/api/studies", json=study_body(),
                        headers=accounts["engine"].headers).json()
    client.get(f"/api/studies/{study['id']}", headers=accounts["attending"].headers)
    events = client.get("/api/audit", params={"patient": study["patient"]["id"]},
                        headers=accounts["admin"].headers).json()
    actions = [(e["username"], e["action"]) for e in events]
    assert ("engine", "study.create") in actions
    assert ("attending", "study.read") in actions
    by_user = client.get("/api/audit", params={"user": accounts["attending"].user.id},
                         headers=accounts["admin"].headers).json()
    assert by_user and all(e["username"] == "attending" for e in by_user)
    denied = client.get("/api/audit", headers=accounts["attending"].headers)
    assert denied.status_code == 403


def test_chain_verifies_and_finds_the_tampered_row(
    factory: sessionmaker[Session], db_url: str
) -> None:
    actor = audit.Actor("u1", "someone")
    with factory() as session:
        ids = [audit.record(session, actor, "report.read", patient_id=f"p{i}").id
               for i in range(5)]
        session.commit()
    with factory() as session:
        check = audit.verify_chain(session)
        assert check.ok and check.events == 5
        session.execute(text("UPDATE audit_events SET patient_id = 'other' WHERE id = :id"),
                        {"id": ids[2]})
        session.commit()
    with factory() as session:
        check = audit.verify_chain(session)
        assert not check.ok
        assert check.broken_at == ids[2]
    with factory() as session:
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[2]})
        session.commit()
        check = audit.verify_chain(session)
        assert not check.ok and check.broken_at == ids[3]
