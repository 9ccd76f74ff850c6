"""The outbox: written with the signature, one row per serving destination, listed and retried."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from typer.testing import CliRunner

from reporting.app import create_app
from reporting.core.config import Settings
from reporting.core.db import utcnow
from reporting.delivery import outbox, payloads
from reporting.delivery.document import ReportDocument, document_from_json, document_to_json
from reporting.delivery.models import OutboxMessage
from reporting.delivery.worker import DeliveryWorker
from reporting.reports import service as reports
from reporting.reports.models import ReportVersion
from tests.conftest import Account, make_settings
from tests.delivery.flow import add_addendum, signed_report

DESTINATIONS: list[dict[str, Any]] = [
    {"name": "ris", "kind": "hl7", "port": 1, "facilities": ["*"]},
    {"name": "pacs-ngh", "kind": "dicom", "port": 1, "facilities": ["NGH"]},
    {"name": "pacs-south", "kind": "dicom", "port": 1, "facilities": ["SOUTH"]},
    {"name": "off", "kind": "folder", "path": "/nonexistent", "enabled": False},
]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, destinations=DESTINATIONS)


@pytest.fixture
def client(settings: Settings) -> Any:
    app = create_app(settings, start_background=False)
    with TestClient(app) as c:
        yield c


def _rows(client: TestClient) -> list[OutboxMessage]:
    with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        return list(session.execute(select(OutboxMessage)
                                    .order_by(OutboxMessage.report_version,
                                              OutboxMessage.destination)).scalars())


def test_sign_enqueues_one_row_per_serving_destination(
        client: TestClient, accounts: dict[str, Account]) -> None:
    report = signed_report(client, accounts, facility="NGH")
    rows = _rows(client)
    assert [(r.destination, r.kind, r.report_version, r.status) for r in rows] == [
        ("pacs-ngh", "dicom", 1, "pending"), ("ris", "hl7", 1, "pending")]
    assert all(r.report_id == report["id"] for r in rows)
    assert len({r.control_id for r in rows}) == 2
    assert all(len(r.control_id) <= 20 for r in rows)
    add_addendum(client, accounts, report["id"])
    rows = _rows(client)
    assert sorted((r.destination, r.report_version) for r in rows) == [
        ("pacs-ngh", 1), ("pacs-ngh", 2), ("ris", 1), ("ris", 2)]
    # Another facility: only the wildcard destination and its own PACS.
    signed_report(client, accounts, facility="SOUTH")
    south = [r.destination for r in _rows(client) if r.report_id != report["id"]]
    assert sorted(south) == ["pacs-south", "ris"]


def test_no_signature_without_its_messages(client: TestClient, settings: Settings,
                                           accounts: dict[str, Account]) -> None:
    """A failing enqueue rolls the signature back: both commit together or neither."""
    life = client.app.state.lifecycle  # type: ignore[attr-defined]

    def broken(*_: object) -> None:
        raise RuntimeError("outbox unavailable")

    life.on_signed.append(broken)
    try:
        with pytest.raises(RuntimeError, match="outbox unavailable"):
            signed_report(client, accounts)
    finally:
        life.on_signed.remove(broken)
    with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(ReportVersion)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_claim_respects_lease_and_version_order(client: TestClient, settings: Settings,
                                                accounts: dict[str, Account]) -> None:
    report = signed_report(client, accounts)
    add_addendum(client, accounts, report["id"])
    factory = client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as session, session.begin():
        first = outbox.claim(session, settings, "w1", limit=10)
    # Version 2 waits for version 1 at each destination; nothing is claimable twice.
    with factory() as session:
        claimed = [session.get(OutboxMessage, i) for i in first]
        assert sorted((r.destination, r.report_version) for r in claimed) == [
            ("pacs-ngh", 1), ("ris", 1)]
    with factory() as session, session.begin():
        assert outbox.claim(session, settings, "w2", limit=10) == []
    with factory() as session, session.begin():
        ris_v1 = next(session.get(OutboxMessage, i) for i in first
                      if session.get(OutboxMessage, i).destination == "ris")
        ris_v1.status = "delivered"
        ris_v1.claimed_by = ris_v1.claimed_until = None
    with factory() as session, session.begin():
        second = outbox.claim(session, settings, "w2", limit=10)
        assert [(session.get(OutboxMessage, i).destination,
                 session.get(OutboxMessage, i).report_version) for i in second] == [("ris", 2)]


def test_claim_takes_disjoint_batches_with_a_lease(client: TestClient, settings: Settings,
                                                   accounts: dict[str, Account]) -> None:
    for _ in range(5):
        signed_report(client, accounts)  # NGH: ris + pacs-ngh, 10 rows
    factory = client.app.state.sessionmaker  # type: ignore[attr-defined]
    now = utcnow()
    with factory() as session, session.begin():
        first = outbox.claim(session, settings, "w1", limit=4, now=now)
    with factory() as session, session.begin():
        second = outbox.claim(session, settings, "w2", limit=10, now=now)
    with factory() as session, session.begin():
        assert outbox.claim(session, settings, "w3", limit=10, now=now) == []
    assert len(first) == 4
    assert len(second) == 6
    assert not set(first) & set(second)
    with factory() as session:
        by_id = {r.id: r for r in session.execute(select(OutboxMessage)).scalars()}
    assert sorted(by_id) == sorted(first + second)
    # Oldest first, and each row leased to its claimer for the destination's lease.
    order = [by_id[i].created_at for i in first + second]
    assert order == sorted(order)
    for ids, who in ((first, "w1"), (second, "w2")):
        for i in ids:
            row = by_id[i]
            assert row.claimed_by == who
            lease = outbox.lease_seconds(settings, row.destination)
            assert row.claimed_until is not None
            assert abs((row.claimed_until - now).total_seconds() - lease) < 1
    # A lease that ran out (a worker died mid-batch) lets another worker take the rows.
    later = now + timedelta(seconds=outbox.lease_seconds(settings, "ris") + 1)
    with factory() as session, session.begin():
        again = outbox.claim(session, settings, "w4", limit=10, now=later)
    assert sorted(again) == sorted(first + second)


def test_signed_document_is_cached_for_delivery(client: TestClient,
                                                accounts: dict[str, Account]) -> None:
    """The document frozen at signing is what a rebuild from the database gives."""
    report = signed_report(client, accounts)
    add_addendum(client, accounts, report["id"])
    app: Any = client.app
    with app.state.sessionmaker() as session:
        for version in session.execute(select(ReportVersion).where(
                ReportVersion.report_id == report["id"])).scalars():
            cached = payloads.documents.get((report["id"], version.number,
                                             version.content_hash))
            assert cached is not None, f"v{version.number} was not cached at signing"
            rebuilt = reports.document(session, app.state.lifecycle,
                                       reports.get_report(session, report["id"]),
                                       version.number)
            assert rebuilt.content_hash == version.content_hash
            assert cached == rebuilt


@dataclass
class Printouts:
    """An app whose one destination is a folder of PDFs named after the patient."""

    app: Any
    client: TestClient
    settings: Settings
    accounts: dict[str, Account]
    out: Path

    def deliver_as_a_fresh_worker(self) -> None:
        """Deliver the one pending row with empty caches, as another process would."""
        payloads.documents.clear()
        worker = DeliveryWorker(self.app.state.sessionmaker, self.settings,
                                self.app.state.lifecycle)
        assert worker.run_once(limit=5) == 1

    def document(self, report_id: str) -> ReportDocument:
        with self.app.state.sessionmaker() as session:
            return reports.document(session, self.app.state.lifecycle,
                                    reports.get_report(session, report_id))

    def overwrite_stored_document(self, document: dict[str, Any] | None) -> None:
        """What only someone bypassing the immutability trigger (SQLite) could do."""
        with self.app.state.sessionmaker() as session, session.begin():
            session.execute(text("DROP TRIGGER report_versions_no_update"))
            session.execute(update(ReportVersion).values(document=document))


@contextmanager
def printouts(db_url: str, tmp_path: Path, accounts_factory: Any) -> Iterator[Printouts]:
    out = tmp_path / "printouts"
    settings = make_settings(db_url, tmp_path, destinations=[
        {"name": "printouts", "kind": "folder", "path": str(out), "facilities": ["*"],
         "file_pattern": "{family_name}_{accession}_v{version}.pdf"}])
    app = create_app(settings, start_background=False)
    with TestClient(app) as client:
        yield Printouts(app, client, settings, accounts_factory(app), out)


def test_outputs_are_built_from_the_document_stored_at_signing(
        db_url: str, tmp_path: Path, accounts_factory: Any) -> None:
    """A patient renamed after signing does not change what goes out for that version,
    in this process or in a worker that never saw the signature (caches empty)."""
    with printouts(db_url, tmp_path, accounts_factory) as p:
        report = signed_report(p.client, p.accounts)
        with p.app.state.sessionmaker() as session, session.begin():
            version = session.execute(select(ReportVersion).where(
                ReportVersion.report_id == report["id"])).scalar_one()
            signed_name = version.document["patient"]["name"]["family"]
            patient = reports.study_of(session, reports.get_report(session, report["id"])).patient
            patient.family_name = "Renamedafter"
        p.deliver_as_a_fresh_worker()
        files = [f.name for f in p.out.iterdir()]
        assert len(files) == 1
        assert files[0].startswith(f"{signed_name}_"), files
        assert p.document(report["id"]).patient.name.family == signed_name != "Renamedafter"
        # An addendum freezes a new document with the data as it is then.
        add_addendum(p.client, p.accounts, report["id"])
        amended = p.document(report["id"])
        assert amended.patient.name.family == "Renamedafter"
        assert amended.version == 2


def test_a_stored_document_that_differs_from_its_seal_is_quarantined(
        sqlite_url: str, tmp_path: Path, accounts_factory: Any) -> None:
    with printouts(sqlite_url, tmp_path, accounts_factory) as p:
        report = signed_report(p.client, p.accounts)
        with p.app.state.sessionmaker() as session:
            forged = dict(session.execute(select(ReportVersion)).scalar_one().document)
        forged["sections"] = [{**x, "text": "Mass."} for x in forged["sections"]]
        p.overwrite_stored_document(forged)
        p.deliver_as_a_fresh_worker()
        (row,) = _rows(p.client)
        assert (row.report_id, row.status, row.last_code) == (report["id"], "quarantined",
                                                              "invalid")
        assert "differs from the sealed text" in row.last_detail
        assert not p.out.exists() or not list(p.out.iterdir())


def test_a_version_signed_before_documents_were_stored_is_rebuilt(
        sqlite_url: str, tmp_path: Path, accounts_factory: Any) -> None:
    with printouts(sqlite_url, tmp_path, accounts_factory) as p:
        report = signed_report(p.client, p.accounts)
        p.overwrite_stored_document(None)  # what schema revision 0003 left
        signed = p.document(report["id"])
        p.deliver_as_a_fresh_worker()
        (row,) = _rows(p.client)
        assert row.status == "delivered"
        (written,) = p.out.iterdir()
        assert written.name.startswith(f"{signed.patient.name.family}_")
        with p.app.state.sessionmaker() as session:
            version = session.execute(select(ReportVersion)).scalar_one()
            assert version.document is None
            assert signed.content_hash == version.content_hash
            assert signed.canonical_text() == version.canonical_text


def test_stored_document_round_trips(final_doc: ReportDocument,
                                     amended_doc: ReportDocument) -> None:
    for doc in (final_doc, amended_doc):
        stored = json.loads(json.dumps(document_to_json(doc)))
        assert document_from_json(stored) == doc
    with pytest.raises(ValueError, match="format"):
        document_from_json({**document_to_json(final_doc), "format": 99})
    broken = document_to_json(final_doc)
    broken["signature"] = None
    with pytest.raises(ValueError, match="signature"):
        document_from_json(broken)


def test_backoff_grows_to_a_ceiling() -> None:
    policy = outbox.RetryPolicy()
    delays = [policy.delay(n) for n in range(1, 12)]
    assert delays[:4] == [2.0, 4.0, 8.0, 16.0]
    assert delays == sorted(delays)
    assert max(delays) == 300.0
    assert policy.delay(10_000) == 300.0


def test_deliveries_api_and_admin_retry(client: TestClient, accounts: dict[str, Account]) -> None:
    report = signed_report(client, accounts)
    admin, doc = accounts["admin"], accounts["attending"]
    listed = client.get("/api/deliveries?status=pending", headers=admin.headers).json()
    assert {d["destination"] for d in listed} == {"ris", "pacs-ngh"}
    per_report = client.get(f"/api/reports/{report['id']}/deliveries", headers=doc.headers)
    assert per_report.status_code == 200
    assert [d["report_version"] for d in per_report.json()] == [1, 1]
    target = listed[0]["id"]
    with client.app.state.sessionmaker() as session, session.begin():  # type: ignore[attr-defined]
        row = session.get(OutboxMessage, target)
        row.status, row.attempts, row.last_code = "quarantined", 3, "AE"
    assert client.get("/api/deliveries?status=quarantined",
                      headers=admin.headers).json()[0]["id"] == target
    denied = client.post(f"/api/deliveries/{target}/retry", headers=doc.headers)
    assert denied.status_code == 403
    again = client.post(f"/api/deliveries/{target}/retry", headers=admin.headers)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "pending"
    assert again.json()["attempts"] == 0
    assert client.get("/api/deliveries?status=bogus", headers=admin.headers).status_code == 422
    assert client.post("/api/deliveries/nope/retry", headers=admin.headers).status_code == 404
    audit = client.get("/api/audit", headers=admin.headers).json()
    events = audit["events"] if isinstance(audit, dict) else audit
    assert any(e["action"] == "delivery.retry" for e in events)


def test_cli_lists_and_retries(client: TestClient, settings: Settings,
                               accounts: dict[str, Account],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from reporting.cli import context
    from reporting.cli.main import app as cli

    signed_report(client, accounts)
    monkeypatch.setenv("REPORTING_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REPORTING_DATA_DIR", str(settings.data_dir))
    context.settings.cache_clear()
    context.session_factory.cache_clear()
    try:
        runner = CliRunner()
        listed = runner.invoke(cli, ["deliveries", "list", "--status", "pending"])
        assert listed.exit_code == 0, listed.output
        assert "2 deliveries" in listed.output
        first = listed.output.split()[0]
        retried = runner.invoke(cli, ["deliveries", "retry", first])
        assert retried.exit_code == 0, retried.output
        assert "pending again" in retried.output
        missing = runner.invoke(cli, ["deliveries", "retry", "nope"])
        assert missing.exit_code == 1
    finally:
        context.settings.cache_clear()
        context.session_factory.cache_clear()
