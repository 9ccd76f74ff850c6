"""REST: /api/studies and /api/worklist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.api.deps import CommitRoute, SessionDep, actor_of, require
from reporting.audit import service as audit
from reporting.auth.models import User
from reporting.reports.models import Report
from reporting.studies import service as studies
from reporting.studies.models import Study
from reporting.studies.schemas import PatientOut, StudyIn, StudyOut

router = APIRouter(prefix="/api", tags=["studies"], route_class=CommitRoute)


def latest_report(session: Session, study_id: str) -> Report | None:
    return session.execute(
        select(Report).where(Report.study_id == study_id).order_by(Report.created_at.desc())
    ).scalars().first()


def study_out(session: Session, study: Study) -> StudyOut:
    patient = study.patient
    report = latest_report(session, study.id)
    return StudyOut(
        id=study.id,
        facility=study.facility.code,
        facility_name=study.facility.name,
        patient=PatientOut(
            id=patient.id, mrn=patient.mrn, issuer=patient.mrn_issuer, name=patient.hl7_name,
            birth_date=patient.birth_date, sex=patient.sex,
        ),
        accession=study.accession,
        procedure_code=study.procedure_code,
        procedure_description=study.procedure_description,
        modality=study.modality,
        body_part=study.body_part,
        priority=study.priority,
        reason=study.reason,
        clinical_info=study.clinical_info,
        ordering_provider=study.ordering_provider,
        study_instance_uid=study.study_instance_uid,
        placer_order_number=study.placer_order_number,
        filler_order_number=study.filler_order_number,
        scheduled_at=study.scheduled_at,
        performed_at=study.performed_at,
        status=study.status,
        claimed_by=study.claimed_by_id if studies.claim_is_live(study) else None,
        claimed_at=study.claimed_at if studies.claim_is_live(study) else None,
        created_at=study.created_at,
        report_id=report.id if report else None,
        report_status=report.status if report else None,
        extra=study.extra or {},
    )


@router.post("/studies", status_code=201)
def create_study(
    body: StudyIn, session: SessionDep, user: Annotated[User, require("studies:write")]
) -> StudyOut:
    study = studies.create_study(session, body)
    audit.record(session, actor_of(user), "study.create", patient_id=study.patient_id,
                 study_id=study.id)
    return study_out(session, study)


@router.get("/studies")
def list_studies(
    session: SessionDep,
    user: Annotated[User, require("studies:read")],
    accession: str | None = None,
    mrn: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[StudyOut]:
    found = studies.list_studies(session, accession=accession, mrn=mrn, status=status,
                                 limit=limit)
    for study in found:
        audit.record(session, actor_of(user), "study.list", patient_id=study.patient_id,
                     study_id=study.id)
    return [study_out(session, s) for s in found]


@router.get("/studies/{study_id}")
def get_study(
    study_id: str, session: SessionDep, user: Annotated[User, require("studies:read")]
) -> StudyOut:
    study = studies.get_study(session, study_id)
    audit.record(session, actor_of(user), "study.read", patient_id=study.patient_id,
                 study_id=study.id)
    return study_out(session, study)


@router.get("/studies/{study_id}/priors")
def get_priors(
    study_id: str, session: SessionDep, user: Annotated[User, require("studies:read")]
) -> list[dict[str, object]]:
    study = studies.get_study(session, study_id)
    audit.record(session, actor_of(user), "study.priors", patient_id=study.patient_id,
                 study_id=study.id)
    result = []
    for prior in studies.priors(session, study):
        report = latest_report(session, prior.id)
        impression = ""
        if report is not None and report.status in ("final", "amended"):
            impression = str(report.fields.get("impression", ""))
        result.append({
            "id": prior.id, "accession": prior.accession,
            "procedure_description": prior.procedure_description, "modality": prior.modality,
            "date": (prior.performed_at or prior.created_at).date().isoformat(),
            "status": prior.status, "impression": impression,
            "report_id": report.id if report else None,
        })
    return result


@router.get("/worklist")
def get_worklist(
    session: SessionDep,
    user: Annotated[User, require("worklist:read")],
    facility: str | None = None,
    modality: str | None = None,
    status: str | None = None,
) -> list[StudyOut]:
    found = studies.worklist(session, facility=facility, modality=modality, status=status)
    audit.record(session, actor_of(user), "worklist.read", detail=f"{len(found)} studies")
    return [study_out(session, s) for s in found]


@router.post("/studies/{study_id}/claim")
def claim_study(
    study_id: str, session: SessionDep, user: Annotated[User, require("studies:claim")]
) -> StudyOut:
    study = studies.claim(session, studies.get_study(session, study_id), user)
    audit.record(session, actor_of(user), "study.claim", patient_id=study.patient_id,
                 study_id=study.id)
    return study_out(session, study)


@router.delete("/studies/{study_id}/claim")
def release_claim(
    study_id: str, session: SessionDep,
    user: Annotated[User, require("studies:release")],
) -> StudyOut:
    study = studies.get_study(session, study_id)
    studies.release(session, study, user)
    audit.record(session, actor_of(user), "study.release", patient_id=study.patient_id,
                 study_id=study.id)
    return study_out(session, study)
