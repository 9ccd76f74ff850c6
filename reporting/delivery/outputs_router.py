"""REST: the rendered outputs of a signed report (/api/reports/{id}/pdf|sr|hl7|fhir)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from reporting.api.deps import CommitRoute, SessionDep, SettingsDep, actor_of, require
from reporting.audit import service as audit
from reporting.auth.models import User
from reporting.core.errors import InvalidInput
from reporting.delivery import payloads
from reporting.delivery.document import ReportDocument
from reporting.delivery.fhir import build_diagnostic_report
from reporting.delivery.sr import sr_bytes
from reporting.reports import service as reports

router = APIRouter(prefix="/api/reports", tags=["outputs"], route_class=CommitRoute)

VersionQuery = Annotated[int | None, Query(ge=1, description="signed version (default: latest)")]


def _document(request: Request, session: SessionDep, user: User, report_id: str,
              version: int | None, what: str) -> ReportDocument:
    report = reports.get_report(session, report_id)
    life: reports.Lifecycle = request.app.state.lifecycle
    doc = reports.document(session, life, report, version)  # 409 while unsigned
    study = reports.study_of(session, report)
    audit.record(session, actor_of(user), f"report.output.{what}", patient_id=study.patient_id,
                 study_id=study.id, report_id=report.id, detail=f"version {doc.version}")
    return doc


def _file_name(doc: ReportDocument, ext: str) -> str:
    accession = "".join(c for c in doc.study.accession if c.isalnum() or c in "-_") or "report"
    return f"{accession}_v{doc.version}.{ext}"


@router.get("/{report_id}/pdf", response_class=Response)
def report_pdf(report_id: str, request: Request, session: SessionDep, settings: SettingsDep,
               user: Annotated[User, require("reports:outputs")],
               version: VersionQuery = None) -> Response:
    doc = _document(request, session, user, report_id, version, "pdf")
    data = payloads.stored_pdf(settings, doc)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{_file_name(doc, "pdf")}"'})


@router.get("/{report_id}/sr", response_class=Response)
def report_sr(report_id: str, request: Request, session: SessionDep,
              user: Annotated[User, require("reports:outputs")],
              version: VersionQuery = None) -> Response:
    doc = _document(request, session, user, report_id, version, "sr")
    try:
        data = sr_bytes(doc)
    except ValueError as e:
        raise InvalidInput(f"cannot build the DICOM SR: {e}", code="output_invalid") from e
    return Response(data, media_type="application/dicom", headers={
        "Content-Disposition": f'attachment; filename="{_file_name(doc, "dcm")}"'})


@router.get("/{report_id}/hl7", response_class=Response)
def report_hl7(report_id: str, request: Request, session: SessionDep, settings: SettingsDep,
               user: Annotated[User, require("reports:outputs")],
               version: VersionQuery = None) -> Response:
    doc = _document(request, session, user, report_id, version, "hl7")
    try:
        message = payloads.oru(settings, doc,
                               control_id=payloads.preview_control_id(doc.report_id, doc.version),
                               now=doc.signed_at)
    except ValueError as e:
        raise InvalidInput(f"cannot build the ORU^R01: {e}", code="output_invalid") from e
    return Response(message.encode("utf-8"), media_type="x-application/hl7-v2+er7; charset=utf-8")


@router.get("/{report_id}/fhir", response_class=Response)
def report_fhir(report_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                user: Annotated[User, require("reports:outputs")],
                version: VersionQuery = None) -> Response:
    doc = _document(request, session, user, report_id, version, "fhir")
    try:
        resource = build_diagnostic_report(doc, payloads.stored_pdf(settings, doc))
    except ValueError as e:
        raise InvalidInput(f"cannot build the DiagnosticReport: {e}",
                           code="output_invalid") from e
    return Response(json.dumps(resource, ensure_ascii=False).encode("utf-8"),
                    media_type="application/fhir+json; charset=utf-8")
