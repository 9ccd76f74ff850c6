"""REST: stored inbound HL7 messages, their outcome, and reprocessing (/api/hl7/inbound)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from reporting.api.deps import CommitRoute, SessionDep, actor_of, require
from reporting.audit import service as audit
from reporting.auth.models import User
from reporting.hl7 import intake
from reporting.hl7.er7 import decode_message
from reporting.hl7.models import INBOUND_STATUSES, Hl7Inbound

router = APIRouter(prefix="/api/hl7", tags=["hl7"], route_class=CommitRoute)


class InboundOut(BaseModel):
    """A stored message and its outcome; `raw` only on the single-message read."""

    id: str
    received_at: datetime
    peer: str
    sending_application: str
    sending_facility: str
    control_id: str
    message_type: str
    status: str
    ack_code: str
    error: str
    error_field: str
    processed_at: datetime | None
    duplicate_of: str | None
    patient_id: str | None
    study_id: str | None
    raw: str | None = None
    ack: str | None = None


def inbound_out(row: Hl7Inbound, *, full: bool = False) -> InboundOut:
    return InboundOut(
        id=row.id, received_at=row.received_at, peer=row.peer,
        sending_application=row.sending_application, sending_facility=row.sending_facility,
        control_id=row.control_id, message_type=row.message_type, status=row.status,
        ack_code=row.ack_code, error=row.error, error_field=row.error_field,
        processed_at=row.processed_at, duplicate_of=row.duplicate_of,
        patient_id=row.patient_id, study_id=row.study_id,
        raw=decode_message(row.raw).replace("\r", "\n") if full else None,
        ack=row.ack.replace("\r", "\n") if full else None,
    )


StatusQuery = Annotated[str | None, Query(pattern="^(" + "|".join(INBOUND_STATUSES) + ")$")]


@router.get("/inbound")
def list_inbound(
    session: SessionDep, _user: Annotated[User, require("hl7:read")],
    status: StatusQuery = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[InboundOut]:
    return [inbound_out(r) for r in intake.list_inbound(session, status=status, limit=limit)]


@router.get("/inbound/{inbound_id}")
def get_inbound(
    inbound_id: str, session: SessionDep, user: Annotated[User, require("hl7:read")],
) -> InboundOut:
    row = intake.get_inbound(session, inbound_id)
    # The raw message carries patient data: reading it is audited.
    audit.record(session, actor_of(user), "hl7.inbound.read", patient_id=row.patient_id,
                 study_id=row.study_id, detail=row.id)
    return inbound_out(row, full=True)


@router.post("/inbound/{inbound_id}/reprocess")
def reprocess_inbound(
    inbound_id: str, session: SessionDep, user: Annotated[User, require("hl7:reprocess")],
) -> InboundOut:
    return inbound_out(intake.reprocess(session, inbound_id, actor_of(user)), full=True)
