"""Order intake over a real socket to the app's MLLP listener: stored, applied, ACKed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from reporting.app import create_app
from reporting.core.config import Settings
from reporting.hl7.ack import parse_ack
from reporting.hl7.mllp import send_mllp
from reporting.hl7.models import Hl7Inbound
from reporting.studies.models import Patient, Study
from tests.conftest import make_settings
from tests.hl7.hl7_messages import ADT_A08_231, ADT_A40_251, OMI_O23_251, ORM_O01_231


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    base = make_settings(db_url, tmp_path)
    return base.model_copy(update={"hl7": base.hl7.model_copy(update={"listen": "127.0.0.1:0"})})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def send(client: TestClient, message: str | bytes) -> bytes:
    port = client.app.state.hl7_listener.port  # type: ignore[attr-defined]
    return send_mllp("127.0.0.1", port, message, read_timeout=10)


def variant(message: str = ORM_O01_231, *, control_id: str = "MSG00017",
            control: str = "NW", accession: str = "NGH26-001234",
            mrn: str = "MRN004521") -> str:
    return (message.replace("|MSG00017|", f"|{control_id}|")
            .replace("ORC|NW|", f"ORC|{control}|")
            .replace("NGH26-001234", accession)
            .replace("MRN004521^", f"{mrn}^"))


def studies(client: TestClient) -> list[Study]:
    with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        return list(session.execute(select(Study).order_by(Study.accession)).scalars())


def patient(client: TestClient, mrn: str) -> Patient:
    with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        return session.execute(select(Patient).where(Patient.mrn == mrn)).scalar_one()


def inbound(client: TestClient) -> list[Hl7Inbound]:
    with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        return list(session.execute(select(Hl7Inbound).order_by(Hl7Inbound.received_at))
                    .scalars())


def test_new_order_creates_the_study(client: TestClient) -> None:
    ack = parse_ack(send(client, ORM_O01_231))
    assert (ack.code, ack.control_id) == ("AA", "MSG00017")
    [study] = studies(client)
    assert study.accession == "NGH26-001234"
    assert study.facility.code == "NGH"  # MSH-4, first component
    assert study.procedure_code == "CTCHEST"
    assert study.procedure_description == "CT CHEST WITHOUT CONTRAST"
    assert study.modality == "CT"
    assert study.priority == "STAT"
    assert study.study_instance_uid == "1.2.826.0.1.3680043.8.498.12345678901234567890"
    assert study.ordering_provider == "Rivera^Carmen"
    assert study.requested_procedure_id == "RP4451"
    assert study.visit_number == "V20261120-17"
    assert "Shortness of breath" in study.reason
    assert study.patient.mrn == "MRN004521"
    assert study.patient.mrn_issuer == "NORTHGATE"
    assert study.patient.family_name == "O'Brien-M ller"  # a literal ^ cannot survive
    assert study.patient.given_name == "Jörg"
    assert study.scheduled_at is not None
    assert study.scheduled_at.isoformat() == "2026-11-20T22:00:00+00:00"
    assert study.patient.birth_date == date(1958, 3, 14)
    [row] = inbound(client)
    assert (row.status, row.ack_code, row.message_type) == ("applied", "AA", "ORM^O01")
    assert row.raw == ORM_O01_231.encode("utf-8")
    assert row.peer.startswith("127.0.0.1:")
    assert row.study_id == study.id


def test_omi_251_new_order(client: TestClient) -> None:
    assert parse_ack(send(client, OMI_O23_251)).code == "AA"
    [study] = studies(client)
    assert (study.accession, study.facility.code, study.priority) == (
        "SP26-000777", "SOUTHPARK", "ASAP")
    assert study.study_instance_uid == "1.2.840.113619.2.55.3.2831164355.123.1234567890.1"


def test_duplicate_gets_the_same_ack_and_changes_nothing(client: TestClient) -> None:
    first = send(client, ORM_O01_231)
    again = send(client, ORM_O01_231)
    assert again == first  # the stored acknowledgment, replayed
    assert len(studies(client)) == 1
    rows = inbound(client)
    assert [r.status for r in rows] == ["applied", "duplicate"]
    assert rows[1].duplicate_of == rows[0].id


def test_change_of_unknown_order_is_ae_naming_the_field(client: TestClient) -> None:
    reply = send(client, variant(control_id="XO-1", control="XO", accession="NOPE-1"))
    ack = parse_ack(reply)
    assert ack.code == "AE"
    assert "NOPE-1" in ack.text
    assert b"ERR|" in reply
    assert "OBR" in ack.error_location
    assert ack.error_code == "204"
    [row] = inbound(client)
    assert (row.status, row.error_field) == ("error", "OBR-18")
    assert studies(client) == []


def test_change_and_cancel_of_a_known_order(client: TestClient) -> None:
    send(client, ORM_O01_231)
    changed = variant(control_id="XO-2", control="XO").replace(
        "CTCHEST^CT CHEST WITHOUT CONTRAST", "CTCHESTC^CT CHEST WITH CONTRAST")
    assert parse_ack(send(client, changed)).code == "AA"
    [study] = studies(client)
    assert study.procedure_code == "CTCHESTC"
    assert study.procedure_description == "CT CHEST WITH CONTRAST"
    assert parse_ack(send(client, variant(control_id="CA-1", control="CA"))).code == "AA"
    assert studies(client)[0].status == "cancelled"


def test_garbage_is_ar_and_the_listener_survives(client: TestClient) -> None:
    ack = parse_ack(send(client, b"this is not HL7 at all\r"))
    assert ack.code == "AR"
    ack = parse_ack(send(client, "MSH|^~\\&|X|Y|Z|W|20260101||ZZZ^Q99|G1|P|2.5.1\r"))
    assert ack.code == "AR"
    assert parse_ack(send(client, ORM_O01_231)).code == "AA"
    assert [r.status for r in inbound(client)] == ["rejected", "rejected", "applied"]


def test_a08_updates_demographics(client: TestClient) -> None:
    send(client, ORM_O01_231)
    assert parse_ack(send(client, ADT_A08_231)).code == "AA"
    p = patient(client, "MRN004521")
    assert (p.family_name, p.given_name, p.middle_name) == ("Müller", "Jörg", "Anton")
    assert p.birth_date == date(1958, 3, 15)


def test_a40_merges_patients_and_moves_studies(client: TestClient) -> None:
    send(client, ORM_O01_231)
    send(client, variant(control_id="NW-2", accession="NGH26-009999", mrn="MRN009999"))
    assert parse_ack(send(client, ADT_A40_251)).code == "AA"
    survivor, merged = patient(client, "MRN004521"), patient(client, "MRN009999")
    assert merged.merged_into_id == survivor.id
    assert {s.patient_id for s in studies(client)} == {survivor.id}
    with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        from reporting.audit.models import AuditEvent

        actions = list(session.execute(select(AuditEvent.action, AuditEvent.channel)
                                       .where(AuditEvent.channel == "hl7")).all())
    assert ("hl7.patient.merge", "hl7") in actions
    assert ("hl7.order.new", "hl7") in actions
    # A merge naming an unknown prior patient is AE.
    unknown = ADT_A40_251.replace("ADT-5502", "ADT-5503").replace("MRN009999", "MRN000000")
    assert parse_ack(send(client, unknown)).code == "AE"


def test_stored_before_applied(client: TestClient) -> None:
    """An ACK is only sent for a stored message: every answered message has its row."""
    for i in range(5):
        send(client, variant(control_id=f"N{i}", accession=f"A{i}"))
    with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(Hl7Inbound)) == 5
    assert len(studies(client)) == 5
