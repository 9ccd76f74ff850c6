"""GET /api/reports/{id}/pdf|sr|hl7|fhir, validated by real tools; and sign → worker → Orthanc."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pydicom
import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from sqlalchemy import select

from reporting.app import create_app
from reporting.core.config import Settings
from reporting.delivery import outbox, payloads
from reporting.delivery.models import DeliveryAttempt, OutboxMessage
from reporting.delivery.sr import text_items
from reporting.delivery.worker import DeliveryWorker
from reporting.hl7.validation import validate_message
from tests.conftest import Account
from tests.delivery.flow import (
    IMPRESSION,
    add_addendum,
    make_accounts,
    signed_report,
    wait_for,
)
from tests.delivery.servers import Orthanc


def pdftext(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(out.split())


def test_outputs_of_a_signed_report(client: TestClient, accounts: dict[str, Account],
                                    settings: Settings, tmp_path: Path) -> None:
    report = signed_report(client, accounts)
    h = accounts["typist"].headers
    rid = report["id"]

    pdf = client.get(f"/api/reports/{rid}/pdf", headers=h)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert IMPRESSION in pdftext(pdf.content, tmp_path)

    sr = client.get(f"/api/reports/{rid}/sr", headers=h)
    assert sr.status_code == 200
    ds = pydicom.dcmread(BytesIO(sr.content))
    assert ds.Modality == "SR"
    assert any(IMPRESSION in t for texts in text_items(ds).values() for t in texts)

    hl7 = client.get(f"/api/reports/{rid}/hl7", headers=h)
    assert hl7.status_code == 200
    validate_message(hl7.text)
    assert "ORU^R01" in hl7.text
    assert IMPRESSION in hl7.text

    fhir = client.get(f"/api/reports/{rid}/fhir", headers=h)
    assert fhir.status_code == 200
    resource = DiagnosticReport.model_validate(fhir.json())
    assert resource.status == "final"
    assert resource.presentedForm[0].data == pdf.content

    assert client.get(f"/api/reports/{rid}/pdf", headers=accounts["author"].headers
                      ).status_code == 403


def test_versions_have_their_own_pdf_and_unsigned_is_409(
        client: TestClient, accounts: dict[str, Account], settings: Settings,
        tmp_path: Path) -> None:
    h = accounts["attending"].headers
    report = signed_report(client, accounts)
    rid = report["id"]
    v1 = client.get(f"/api/reports/{rid}/pdf", headers=h).content
    add_addendum(client, accounts, rid, "Addendum: compared with outside films.")
    v2 = client.get(f"/api/reports/{rid}/pdf", headers=h).content
    assert client.get(f"/api/reports/{rid}/pdf?version=1", headers=h).content == v1
    assert "outside films" in pdftext(v2, tmp_path)
    assert "outside films" not in pdftext(v1, tmp_path)
    assert payloads.pdf_path(settings, rid, 1).read_bytes() == v1
    assert payloads.pdf_path(settings, rid, 2).read_bytes() == v2
    assert "outside films" in client.get(f"/api/reports/{rid}/hl7?version=2", headers=h).text
    assert client.get(f"/api/reports/{rid}/sr?version=9", headers=h).status_code == 404

    s = client.post("/api/studies", json={**_study(), "accession": "UNSIGNED1"},
                    headers=accounts["engine"].headers).json()
    draft = client.post("/api/reports", json={"study_id": s["id"]}, headers=h).json()
    for kind in ("pdf", "sr", "hl7", "fhir"):
        r = client.get(f"/api/reports/{draft['id']}/{kind}", headers=h)
        assert r.status_code == 409, kind
        assert r.json()["code"] == "not_signed"


def _study() -> dict[str, Any]:
    from tests.conftest import study_body

    return study_body(scheduled_at="2026-11-20T21:30:00Z")


# --- end to end: sign → worker → Orthanc ---------------------------------------------


@pytest.fixture
def pacs_app(sqlite_url: str, tmp_path: Path, orthanc: Orthanc,
             password_hashes: dict[str, str]) -> Iterator[tuple[TestClient, dict[str, Account]]]:
    from tests.conftest import make_settings

    settings = make_settings(sqlite_url, tmp_path, destinations=[{
        "name": "pacs", "kind": "dicom", "host": "127.0.0.1", "port": orthanc.dicom_port,
        "ae_title": orthanc.ae_title, "timeout_seconds": 3, "objects": ["sr", "pdf"]}])
    with TestClient(create_app(settings, start_background=False)) as client:
        yield client, make_accounts(client.app, password_hashes)  # type: ignore[arg-type]


def test_signed_report_reaches_orthanc_even_when_it_was_down(
        pacs_app: tuple[TestClient, dict[str, Account]], orthanc: Orthanc) -> None:
    client, accounts = pacs_app
    app: Any = client.app
    factory = app.state.sessionmaker

    def row() -> OutboxMessage:
        with factory() as session:
            return session.execute(select(OutboxMessage)).scalar_one()

    def codes() -> list[str]:
        with factory() as session:
            return list(session.execute(select(DeliveryAttempt.code)).scalars())

    orthanc.stop()
    try:
        report = signed_report(client, accounts)
        worker = DeliveryWorker(factory, app.state.settings, app.state.lifecycle, threads=1,
                                poll_seconds=0.1,
                                policy=outbox.RetryPolicy(base_seconds=0.2, ceiling_seconds=0.5))
        with worker:
            wait_for(lambda: "connection_refused" in codes(), 10, "a refused attempt")
            assert row().status == "retrying"
            orthanc.start()
            wait_for(lambda: row().status == "delivered", 20, "delivery after Orthanc restarted")
    finally:
        if orthanc.proc is None:
            orthanc.start()
    study_uid = client.get(f"/api/studies/{report['study_id']}",
                           headers=accounts["admin"].headers).json()["study_instance_uid"]
    found = orthanc.lookup(study_uid)
    assert found, "the study is not in Orthanc"
    instances = orthanc.get(f"/studies/{found[0]['ID']}/instances")
    modalities = sorted(pydicom.dcmread(BytesIO(orthanc.file(i["ID"]))).Modality
                        for i in instances)
    assert modalities == ["DOC", "SR"]
