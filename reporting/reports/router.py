"""REST: /api/reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from reporting.api.deps import CommitRoute, SessionDep, actor_of, require
from reporting.audit import service as audit
from reporting.auth.models import User
from reporting.reports import service as reports
from reporting.reports.layout import field_specs
from reporting.reports.models import Report
from reporting.reports.schemas import (
    AddendumIn,
    AddendumOut,
    ReportCreate,
    ReportOut,
    ReportPatch,
    SignRequest,
    VersionOut,
)

router = APIRouter(prefix="/api/reports", tags=["reports"], route_class=CommitRoute)


def lifecycle(request: Request) -> reports.Lifecycle:
    life: reports.Lifecycle = request.app.state.lifecycle
    return life


def _name(session: Session, user_id: str | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.username if user else None


def report_out(session: Session, report: Report) -> ReportOut:
    return ReportOut(
        id=report.id,
        study_id=report.study_id,
        template_id=report.template_id,
        template_version=report.template_version,
        status=report.status,
        version=report.version,
        current_field=report.current_field,
        fields=report.fields,
        field_order=field_specs(report.template_snapshot),
        addenda=[
            AddendumOut(number=a.number, text=a.text, author=_name(session, a.author_id) or "",
                        created_at=a.created_at, signed_by=_name(session, a.signed_by_id),
                        signed_at=a.signed_at, version_number=a.version_number)
            for a in report.addenda
        ],
        versions=[
            VersionOut(number=v.number, status=v.status, content_hash=v.content_hash,
                       signed_by=_name(session, v.signed_by_id) or "", signed_role=v.signed_role,
                       signed_at=v.signed_at, text=v.canonical_text)
            for v in report.versions
        ],
        author=_name(session, report.author_id) or "",
        resident=_name(session, report.resident_id),
        attending=_name(session, report.attending_id),
        created_at=report.created_at,
        updated_at=report.updated_at,
    )


@router.post("", status_code=201)
def create_report(
    body: ReportCreate, request: Request, session: SessionDep,
    user: Annotated[User, require("reports:create")],
) -> ReportOut:
    report = reports.create_report(session, lifecycle(request), user, body.study_id,
                                   body.template_id)
    return report_out(session, report)


@router.get("/{report_id}")
def get_report(
    report_id: str, session: SessionDep, user: Annotated[User, require("reports:read")]
) -> ReportOut:
    report = reports.get_report(session, report_id)
    study = reports.study_of(session, report)
    audit.record(session, actor_of(user), "report.read", patient_id=study.patient_id,
                 study_id=study.id, report_id=report.id)
    return report_out(session, report)


@router.patch("/{report_id}")
def patch_report(
    report_id: str, body: ReportPatch, request: Request, session: SessionDep,
    user: Annotated[User, require("reports:edit")],
) -> ReportOut:
    report = reports.get_report(session, report_id)
    before = dict(report.fields)
    reports.update_fields(session, report, user, version=body.version, fields=body.fields,
                          current_field=body.current_field)
    for hook in lifecycle(request).on_edited:
        hook(session, report, user, before, body.fields)
    return report_out(session, report)


@router.get("/{report_id}/checks")
def check_report(
    report_id: str, request: Request, session: SessionDep,
    user: Annotated[User, require("reports:read")],
) -> list[dict[str, object]]:
    report = reports.get_report(session, report_id)
    study = reports.study_of(session, report)
    audit.record(session, actor_of(user), "report.check", patient_id=study.patient_id,
                 study_id=study.id, report_id=report.id)
    return [i.as_dict() for i in reports.sign_checks(session, lifecycle(request), report)]


@router.post("/{report_id}/sign")
def sign_report(
    report_id: str, request: Request, session: SessionDep,
    user: Annotated[User, require("reports:sign")], body: SignRequest | None = None,
) -> ReportOut:
    report = reports.get_report(session, report_id)
    reports.sign(session, lifecycle(request), report, user,
                 override_reason=body.override_reason if body else "")
    return report_out(session, report)


@router.post("/{report_id}/addenda")
def add_addendum(
    report_id: str, body: AddendumIn, request: Request, session: SessionDep,
    user: Annotated[User, require("reports:addend")],
) -> ReportOut:
    report = reports.get_report(session, report_id)
    reports.add_addendum(session, lifecycle(request), report, user, text=body.text,
                         sign_now=body.sign)
    return report_out(session, report)
