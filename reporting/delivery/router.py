"""REST: delivery monitoring and retry (/api/deliveries, /api/reports/{id}/deliveries)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from reporting.api.deps import CommitRoute, SessionDep, actor_of, require
from reporting.auth.models import User
from reporting.delivery import outbox
from reporting.delivery.models import OUTBOX_STATUSES, OutboxMessage
from reporting.reports import service as reports

router = APIRouter(prefix="/api", tags=["deliveries"], route_class=CommitRoute)


class AttemptOut(BaseModel):
    at: datetime
    verdict: str
    code: str
    detail: str
    duration_ms: int
    worker: str


class DeliveryOut(BaseModel):
    id: str
    report_id: str
    report_version: int
    destination: str
    kind: str
    status: str
    control_id: str
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    last_code: str
    last_detail: str
    created_at: datetime
    delivered_at: datetime | None
    history: list[AttemptOut] | None = None


def delivery_out(session: Session, row: OutboxMessage, *, history: bool = False) -> DeliveryOut:
    out = DeliveryOut(
        id=row.id, report_id=row.report_id, report_version=row.report_version,
        destination=row.destination, kind=row.kind, status=row.status,
        control_id=row.control_id, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
        claimed_by=row.claimed_by, claimed_until=row.claimed_until, last_code=row.last_code,
        last_detail=row.last_detail, created_at=row.created_at, delivered_at=row.delivered_at,
    )
    if history:
        out.history = [
            AttemptOut(at=a.at, verdict=a.verdict, code=a.code, detail=a.detail,
                       duration_ms=a.duration_ms, worker=a.worker)
            for a in outbox.attempts_of(session, row.id)
        ]
    return out


StatusQuery = Annotated[str | None, Query(pattern="^(" + "|".join(OUTBOX_STATUSES) + ")$")]


@router.get("/deliveries")
def list_deliveries(
    session: SessionDep, _user: Annotated[User, require("deliveries:read")],
    status: StatusQuery = None, destination: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DeliveryOut]:
    rows = outbox.list_deliveries(session, status=status, destination=destination, limit=limit)
    return [delivery_out(session, r) for r in rows]


@router.get("/deliveries/{delivery_id}")
def get_delivery(
    delivery_id: str, session: SessionDep, _user: Annotated[User, require("deliveries:read")],
) -> DeliveryOut:
    return delivery_out(session, outbox.get(session, delivery_id), history=True)


@router.post("/deliveries/{delivery_id}/retry")
def retry_delivery(
    delivery_id: str, session: SessionDep, user: Annotated[User, require("deliveries:retry")],
) -> DeliveryOut:
    row = outbox.retry(session, delivery_id, actor_of(user))
    return delivery_out(session, row)


@router.get("/reports/{report_id}/deliveries")
def report_deliveries(
    report_id: str, session: SessionDep, _user: Annotated[User, require("deliveries:read")],
) -> list[DeliveryOut]:
    reports.get_report(session, report_id)
    rows = outbox.list_deliveries(session, report_id=report_id)
    rows.sort(key=lambda r: (r.report_version, r.destination))
    return [delivery_out(session, r, history=True) for r in rows]
