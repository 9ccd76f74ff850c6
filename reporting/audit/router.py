"""REST: /api/audit (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from reporting.api.deps import CommitRoute, SessionDep, actor_of, require
from reporting.audit import service as audit
from reporting.auth.models import User

router = APIRouter(prefix="/api/audit", tags=["audit"], route_class=CommitRoute)


@router.get("")
def list_events(
    session: SessionDep,
    user: Annotated[User, require("audit:read")],
    patient: str | None = None,
    user_id: Annotated[str | None, Query(alias="user")] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    events = audit.search(session, patient_id=patient, user_id=user_id, since=since,
                          limit=limit)
    result = [
        {"id": e.id, "at": e.at.isoformat(), "user_id": e.user_id, "username": e.username,
         "action": e.action, "outcome": e.outcome, "patient_id": e.patient_id,
         "study_id": e.study_id, "report_id": e.report_id, "channel": e.channel,
         "detail": e.detail, "hash": e.hash}
        for e in events
    ]
    audit.record(session, actor_of(user), "audit.read", patient_id=patient,
                 detail=f"{len(result)} events")
    return result


@router.get("/verify")
def verify(
    session: SessionDep, _user: Annotated[User, require("audit:read")]
) -> dict[str, Any]:
    check = audit.verify_chain(session)
    return {"ok": check.ok, "events": check.events, "broken_at": check.broken_at,
            "reason": check.reason}
