"""Report lifecycle service tests, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker, undefer

from reporting.core.errors import Conflict
from reporting.reports import service as reports
from reporting.reports.models import ReportVersion
from reporting.studies import service as studies
from reporting.studies.schemas import StudyIn
from tests.conftest import STUDY, Account

LIFE = reports.Lifecycle()


def make_final(session: Session, doc: Account) -> str:
    study = studies.create_study(session, StudyIn.model_validate(STUDY))
    report = reports.create_report(session, LIFE, doc.user, study.id)
    reports.update_fields(session, report, doc.user, version=report.version,
                          fields={"findings": "Clear lungs.", "impression": "Normal."})
    reports.sign(session, LIFE, report, doc.user)
    return report.id


def test_signed_report_is_immutable_through_services(
    factory: sessionmaker[Session], accounts: dict[str, Account]
) -> None:
    doc = accounts["attending"]
    with factory() as session:
        report_id = make_final(session, doc)
        session.commit()
    with factory() as session:
        report = reports.get_report(session, report_id)
        with pytest.raises(reports.ReportAlreadySigned):
            reports.update_fields(session, report, doc.user, version=report.version,
                                  fields={"findings": "changed"})
        with pytest.raises(reports.ReportAlreadySigned):
            reports.sign(session, LIFE, report, doc.user)
        report.versions[0].canonical_text = "tampered"
        with pytest.raises(reports.ReportAlreadySigned):
            session.flush()
        session.rollback()


def test_signed_versions_refuse_sql_updates(
    factory: sessionmaker[Session], accounts: dict[str, Account]
) -> None:
    with factory() as session:
        make_final(session, accounts["attending"])
        session.commit()
    with factory() as session, pytest.raises(DBAPIError, match="immutable"):
        session.execute(text("UPDATE report_versions SET canonical_text = 'x'"))


def bypass_immutability(session: Session, db_url: str) -> None:
    """What a DBA could do: switch off the trigger that refuses changes to signed versions."""
    if db_url.startswith("postgresql"):
        session.execute(text("ALTER TABLE report_versions DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER report_versions_no_update"))


def test_verify_detects_tampering(
    factory: sessionmaker[Session], accounts: dict[str, Account], db_url: str
) -> None:
    with factory() as session:
        report_id = make_final(session, accounts["attending"])
        session.commit()
    with factory() as session:
        checked, problems = reports.verify_signed(session)
        assert (checked, problems) == (1, [])
    # A DBA bypassing the trigger is still caught by the seal.
    with factory() as session:
        bypass_immutability(session, db_url)
        session.execute(text("UPDATE report_versions SET canonical_text = 'IMPRESSION: Mass.'"))
        session.commit()
    with factory() as session:
        checked, problems = reports.verify_signed(session)
        assert [p.report_id for p in problems] == [report_id]


def test_verify_detects_a_stored_document_that_differs_from_the_seal(
    factory: sessionmaker[Session], accounts: dict[str, Account], db_url: str
) -> None:
    """Outputs are built from the stored document, so it is checked against the seal too."""
    with factory() as session:
        report_id = make_final(session, accounts["attending"])
        session.commit()
    with factory() as session:
        version = session.execute(select(ReportVersion).options(
            undefer(ReportVersion.document))).scalar_one()
        forged = dict(version.document)
        forged["sections"] = [{**s, "text": "IMPRESSION: Mass."} for s in forged["sections"]]
    with factory() as session:
        bypass_immutability(session, db_url)
        session.execute(update(ReportVersion).values(document=forged))
        session.commit()
    with factory() as session:
        checked, problems = reports.verify_signed(session)
        assert checked == 1
        assert [(p.report_id, p.message) for p in problems] == [
            (report_id, "stored document text differs from the sealed text of its version")]
        with pytest.raises(Conflict, match="differs from the sealed text"):
            reports.document(session, LIFE, reports.get_report(session, report_id))


def test_resident_attending_and_addendum_versions(
    factory: sessionmaker[Session], accounts: dict[str, Account]
) -> None:
    res, doc = accounts["resident"], accounts["attending"]
    with factory() as session:
        study = studies.create_study(session, StudyIn.model_validate(STUDY))
        report = reports.create_report(session, LIFE, res.user, study.id)
        reports.update_fields(session, report, res.user, version=report.version,
                              fields={"findings": "Nodule.", "impression": "Nodule."})
        reports.sign(session, LIFE, report, res.user)
        assert report.status == "preliminary"
        assert study.status == "preliminary"
        reports.sign(session, LIFE, report, doc.user)
        assert report.status == "final"
        reports.add_addendum(session, LIFE, report, doc.user, text="Correlate with PET.")
        session.commit()
        versions = session.execute(
            select(ReportVersion).where(ReportVersion.report_id == report.id)
            .order_by(ReportVersion.number)
        ).scalars().all()
        assert [v.status for v in versions] == ["preliminary", "final", "amended"]
        assert len({v.content_hash for v in versions}) == 3
        doc_v3 = reports.document(session, LIFE, report)
        assert doc_v3.result_status == "C"
        assert doc_v3.addenda[0].text == "Correlate with PET."
        assert doc_v3.signature.signer.family == "Okafor"
        doc_v2 = reports.document(session, LIFE, report, 2)
        assert doc_v2.addenda == ()
        assert doc_v2.resident_signature is not None


def test_stale_version_conflict(
    factory: sessionmaker[Session], accounts: dict[str, Account]
) -> None:
    doc = accounts["attending"]
    with factory() as session:
        study = studies.create_study(session, StudyIn.model_validate(STUDY))
        report = reports.create_report(session, LIFE, doc.user, study.id)
        version = report.version
        reports.update_fields(session, report, doc.user, version=version,
                              fields={"findings": "one"})
        with pytest.raises(reports.StaleVersion):
            reports.update_fields(session, report, doc.user, version=version,
                                  fields={"findings": "two"})
        assert report.fields["findings"] == "one"


def test_priors_fill_comparison(factory: sessionmaker[Session],
                                accounts: dict[str, Account]) -> None:
    doc = accounts["attending"]
    with factory() as session:
        make_final(session, doc)
        later = studies.create_study(session, StudyIn.model_validate(
            {**STUDY, "accession": "ACC2", "body_part": "THORAX"}))
        report = reports.create_report(session, LIFE, doc.user, later.id)
        assert report.fields["comparison"].startswith("CT CHEST WITHOUT CONTRAST 20")
        head = studies.create_study(session, StudyIn.model_validate(
            {**STUDY, "accession": "ACC3", "body_part": "HEAD"}))
        other = reports.create_report(session, LIFE, doc.user, head.id)
        assert other.fields["comparison"] == "None."
