"""Orders in, worklist out, claims, and the priors of a study."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.auth.models import Role, User
from reporting.core.db import utcnow
from reporting.core.errors import Conflict, Forbidden, NotFound
from reporting.studies.models import PRIORITY_RANK, Facility, Patient, Study
from reporting.studies.schemas import StudyIn

CLAIM_HOURS = 4  # a claim lapses after a reading shift's worth of inactivity
OPEN_STATUSES = ("scheduled", "in_progress", "preliminary")
# Body regions treated as one for priors ("same body region").
BODY_REGIONS: dict[str, str] = {
    "CHEST": "CHEST", "THORAX": "CHEST", "LUNG": "CHEST", "RIBS": "CHEST",
    "ABDOMEN": "ABDOMEN", "ABD": "ABDOMEN", "PELVIS": "ABDOMEN", "ABDOMENPELVIS": "ABDOMEN",
    "ABDOMEN_PELVIS": "ABDOMEN", "KIDNEY": "ABDOMEN", "LIVER": "ABDOMEN",
    "HEAD": "HEAD", "BRAIN": "HEAD", "SKULL": "HEAD",
    "LSPINE": "LSPINE", "LUMBAR SPINE": "LSPINE", "LUMBAR": "LSPINE",
    "CSPINE": "CSPINE", "CERVICAL SPINE": "CSPINE",
    "KNEE": "KNEE", "BREAST": "BREAST",
}


def new_uid() -> str:
    return "2.25." + str(uuid.uuid4().int)


def split_name(hl7_name: str) -> tuple[str, str, str]:
    parts = [p.strip() for p in hl7_name.split("^")] + ["", "", ""]
    return parts[0], parts[1], parts[2]


def region_of(body_part: str) -> str:
    key = body_part.strip().upper()
    return BODY_REGIONS.get(key, key)


def get_or_create_facility(session: Session, code: str, name: str = "") -> Facility:
    facility = session.execute(select(Facility).where(Facility.code == code)).scalar_one_or_none()
    if facility is None:
        facility = Facility(code=code, name=name or code)
        session.add(facility)
        session.flush()
    return facility


def upsert_patient(
    session: Session,
    *,
    mrn: str,
    issuer: str,
    name: str,
    birth_date: date | None,
    sex: str,
) -> Patient:
    """Find a patient by MRN + issuer (following merges) or create one; refresh demographics."""
    patient = session.execute(
        select(Patient).where(Patient.mrn == mrn, Patient.mrn_issuer == issuer)
    ).scalar_one_or_none()
    while patient is not None and patient.merged_into_id:
        patient = session.get(Patient, patient.merged_into_id)
    family, given, middle = split_name(name)
    if patient is None:
        patient = Patient(mrn=mrn, mrn_issuer=issuer)
        session.add(patient)
    patient.family_name, patient.given_name, patient.middle_name = family, given, middle
    if birth_date is not None:
        patient.birth_date = birth_date
    if sex:
        patient.sex = sex
    session.flush()
    return patient


def create_study(session: Session, data: StudyIn) -> Study:
    facility = get_or_create_facility(session, data.facility)
    duplicate = session.execute(
        select(Study).where(Study.facility_id == facility.id, Study.accession == data.accession)
    ).scalar_one_or_none()
    if duplicate is not None:
        raise Conflict(
            f"accession {data.accession!r} already exists at facility {data.facility!r}",
            study_id=duplicate.id,
        )
    patient = upsert_patient(
        session,
        mrn=data.patient.mrn,
        issuer=data.patient.issuer or facility.code,
        name=data.patient.name,
        birth_date=data.patient.birth_date,
        sex=data.patient.sex,
    )
    known = set(StudyIn.model_fields)
    extra = {k: v for k, v in (data.model_extra or {}).items() if k not in known}
    study = Study(
        facility=facility,
        patient=patient,
        accession=data.accession,
        procedure_code=data.procedure_code,
        procedure_description=data.procedure_description,
        modality=data.modality.upper(),
        body_part=data.body_part.upper(),
        priority=data.priority,
        priority_rank=PRIORITY_RANK[data.priority],
        reason=data.reason,
        clinical_info=data.clinical_info,
        ordering_provider=data.ordering_provider,
        study_instance_uid=data.study_instance_uid or new_uid(),
        placer_order_number=data.placer_order_number,
        filler_order_number=data.filler_order_number or data.accession,
        scheduled_at=data.scheduled_at,
        performed_at=data.performed_at,
        extra=extra,
    )
    session.add(study)
    session.flush()
    return study


def get_study(session: Session, study_id: str) -> Study:
    study = session.get(Study, study_id)
    if study is None:
        raise NotFound(f"no study {study_id!r}")
    return study


def list_studies(
    session: Session,
    *,
    accession: str | None = None,
    mrn: str | None = None,
    status: str | None = None,
    limit: int = 200,
) -> list[Study]:
    stmt = select(Study).order_by(Study.created_at.desc()).limit(min(limit, 1000))
    if accession:
        stmt = stmt.where(Study.accession == accession)
    if mrn:
        stmt = stmt.join(Patient, Study.patient_id == Patient.id).where(Patient.mrn == mrn)
    if status:
        stmt = stmt.where(Study.status == status)
    return list(session.execute(stmt).scalars().unique())


def worklist(
    session: Session,
    *,
    facility: str | None = None,
    modality: str | None = None,
    status: str | None = None,
) -> list[Study]:
    """Unsigned studies: STAT first, then ASAP, then routine; oldest first within each."""
    statuses: Sequence[str] = (status,) if status else OPEN_STATUSES
    stmt = (
        select(Study)
        .where(Study.status.in_(statuses))
        .order_by(Study.priority_rank, Study.created_at, Study.accession)
    )
    if facility:
        stmt = stmt.join(Facility, Study.facility_id == Facility.id).where(
            Facility.code == facility
        )
    if modality:
        stmt = stmt.where(Study.modality == modality.upper())
    return list(session.execute(stmt).scalars().unique())


def claim_is_live(study: Study, now: datetime | None = None) -> bool:
    if study.claimed_by_id is None or study.claimed_at is None:
        return False
    return study.claimed_at + timedelta(hours=CLAIM_HOURS) > (now or utcnow())


def claim(session: Session, study: Study, user: User) -> Study:
    """Claim a study for reading; refused while another reader's claim is live."""
    if study.status in ("final", "cancelled"):
        raise Conflict(f"study is {study.status}; nothing to claim")
    if claim_is_live(study) and study.claimed_by_id != user.id:
        holder = session.get(User, study.claimed_by_id)
        raise Conflict(
            f"study is claimed by {holder.display_name if holder else 'another reader'}",
            code="claimed",
            claimed_by=holder.username if holder else None,
        )
    study.claimed_by_id = user.id
    study.claimed_at = utcnow()
    if study.status == "scheduled":
        study.status = "in_progress"
    session.flush()
    return study


def release(session: Session, study: Study, user: User) -> Study:
    """Release a claim: the holder may, and admins may release anyone's."""
    if study.claimed_by_id and study.claimed_by_id != user.id and user.role != Role.ADMIN:
        raise Forbidden("only the claim holder or an admin can release this claim")
    study.claimed_by_id = None
    study.claimed_at = None
    session.flush()
    return study


def get_study_and_others(session: Session, study_id: str) -> tuple[Study, list[Study]]:
    """A study and the patient's other studies, in one query (for `priors`)."""
    patient_of = select(Study.patient_id).where(Study.id == study_id).scalar_subquery()
    found = list(session.execute(select(Study).where(Study.patient_id == patient_of))
                 .scalars().unique())
    study = next((s for s in found if s.id == study_id), None)
    if study is None:
        raise NotFound(f"no study {study_id!r}")
    return study, [s for s in found if s is not study]


def priors(session: Session, study: Study, others: Sequence[Study] | None = None) -> list[Study]:
    """The patient's earlier studies of the same body region, newest first.

    `others`, the patient's other studies when the caller has them (`get_study_and_others`),
    saves the query.
    """
    region = region_of(study.body_part)
    if others is None:
        stmt = select(Study).where(Study.patient_id == study.patient_id, Study.id != study.id)
        others = list(session.execute(stmt).scalars().unique())
    found = []
    for other in others:
        if region and region_of(other.body_part) != region:
            continue
        when = other.performed_at or other.scheduled_at or other.created_at
        mine = study.performed_at or study.scheduled_at or study.created_at
        if when <= mine:
            found.append(other)
    return sorted(found, key=lambda s: s.performed_at or s.created_at, reverse=True)


def study_dict(study: Study) -> dict[str, Any]:
    """The plain mapping templates and documents are built from."""
    return {
        "id": study.id,
        "accession": study.accession,
        "procedure_code": study.procedure_code,
        "procedure_description": study.procedure_description,
        "modality": study.modality,
        "body_part": study.body_part,
        "priority": study.priority,
        "reason": study.reason,
        "clinical_info": study.clinical_info,
        "ordering_provider": study.ordering_provider,
        "study_instance_uid": study.study_instance_uid,
        "performed_at": study.performed_at,
        "scheduled_at": study.scheduled_at,
        "created_at": study.created_at,
        "date": (study.performed_at or study.scheduled_at or study.created_at),
    }
