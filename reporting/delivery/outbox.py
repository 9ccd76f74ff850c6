"""The transactional outbox: enqueue at signing, claim with a lease, list and retry.

Rows are written by the `on_signed` hook inside the signing transaction, so a signature
without its messages cannot exist. Workers claim due rows with a lease (PostgreSQL:
`SELECT … FOR UPDATE SKIP LOCKED`; every backend: a conditional UPDATE that only takes a
row nobody holds), and a row waits while an earlier version of the same report for the
same destination is undelivered: an addendum never overtakes its final. A claim takes a
batch: one SELECT and one conditional UPDATE … RETURNING for up to `limit` rows.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, and_, bindparam, event, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from reporting.audit import service as audit
from reporting.core.config import Destination, Settings
from reporting.core.db import insert_rows, is_postgres, utcnow
from reporting.core.errors import Conflict, NotFound
from reporting.delivery import payloads
from reporting.delivery.models import SENDABLE, DeliveryAttempt, OutboxMessage
from reporting.reports import service as reports
from reporting.reports.models import Report, ReportVersion
from reporting.studies.models import Study

# --- waking in-process workers -------------------------------------------------

class Waker(Protocol):
    """Anything with `set()`: a threading.Event, or the worker's doorbell."""

    def set(self) -> None: ...


_wakers: set[Waker] = set()
_WAKE_FLAG = "outbox_wake"
_DOCS_FLAG = "outbox_documents"


def register_waker(flag: Waker) -> None:
    """Have `flag` set whenever a transaction that enqueued or reset rows commits."""
    _wakers.add(flag)


def unregister_waker(flag: Waker) -> None:
    _wakers.discard(flag)


def wake_after_commit(session: Session) -> None:
    """Mark the session: when it commits, in-process workers look at the outbox at once."""
    session.info[_WAKE_FLAG] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Documents first: a woken worker then finds the document of what was just signed.
    for key, doc in session.info.pop(_DOCS_FLAG, ()):
        payloads.documents.put(key, doc)
    if session.info.pop(_WAKE_FLAG, False):
        for flag in list(_wakers):
            flag.set()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WAKE_FLAG, None)
    session.info.pop(_DOCS_FLAG, None)


# --- enqueue --------------------------------------------------------------------


def new_control_id() -> str:
    """A fresh HL7 MSH-10 (20 characters, the 2.3.1 limit)."""
    return uuid.uuid4().hex[:20]


def destinations_for(settings: Settings, facility_code: str) -> list[Destination]:
    """The enabled destinations that serve a facility."""
    return [d for d in settings.destinations if d.enabled and d.serves(facility_code)]


def enqueue(session: Session, settings: Settings, report: Report,
            version: ReportVersion) -> list[OutboxMessage]:
    """Write one outbox row per destination serving the study's facility (caller's transaction)."""
    study = session.get(Study, report.study_id)
    assert study is not None
    rows = []
    now = utcnow()
    for dest in destinations_for(settings, study.facility.code):
        row = OutboxMessage(report_id=report.id, report_version=version.number,
                            destination=dest.name, kind=dest.kind, status="pending",
                            control_id=new_control_id(), next_attempt_at=now, created_at=now,
                            updated_at=now)
        rows.append(row)
    if rows:
        insert_rows(session, rows)
        doc = reports.signed_document(session, version)
        if doc is not None:
            # Cached once the signature commits; the worker then skips reading it back.
            session.info.setdefault(_DOCS_FLAG, []).append(
                ((report.id, version.number, version.content_hash), doc))
        wake_after_commit(session)
    return rows


def enqueue_hook(settings: Settings) -> Callable[[Session, Report, ReportVersion], None]:
    """The `Lifecycle.on_signed` hook that fills the outbox for each signature."""

    def on_signed(session: Session, report: Report, version: ReportVersion) -> None:
        enqueue(session, settings, report, version)

    return on_signed


# --- claim ------------------------------------------------------------------------


def earlier_undelivered() -> exists:  # type: ignore[type-arg]
    """True for a row while an earlier version of its report for its destination is undelivered."""
    earlier = aliased(OutboxMessage)
    return exists().where(
        earlier.report_id == OutboxMessage.report_id,
        earlier.destination == OutboxMessage.destination,
        earlier.report_version < OutboxMessage.report_version,
        earlier.status != "delivered",
    )


def _due(now: Any):  # type: ignore[no-untyped-def]
    return and_(
        OutboxMessage.status.in_(SENDABLE),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        ~earlier_undelivered(),
    )


def lease_seconds(settings: Settings, destination: str) -> float:
    """How long a claim holds: well past the destination's own timeouts."""
    dest = next((d for d in settings.destinations if d.name == destination), None)
    timeout = dest.timeout_seconds if dest else 10.0
    return max(30.0, timeout * 4 + 10.0)


@functools.lru_cache(maxsize=64)
def _due_rows(limit: int, skip_locked: bool) -> Select[tuple[str, str]]:
    """The claim query, built once per shape (the caller binds `now`)."""
    stmt = (select(OutboxMessage.id, OutboxMessage.destination)
            .where(_due(bindparam("now")))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.created_at).limit(limit))
    if skip_locked:
        stmt = stmt.with_for_update(of=OutboxMessage, skip_locked=True)
    return stmt


def any_due(session: Session, now: datetime | None = None) -> bool:
    """Whether a row is due now: a read before claiming (the claim needs a write transaction)."""
    found = session.execute(_due_rows(1, False), {"now": now or utcnow()}).first()
    return found is not None


def claim(session: Session, settings: Settings, worker: str, *, limit: int = 10,
          now: datetime | None = None) -> list[str]:
    """Lease up to `limit` due rows to `worker` (the caller commits); return their ids."""
    now = now or utcnow()
    found = session.execute(_due_rows(limit, is_postgres(session)), {"now": now}).all()
    by_lease: dict[float, list[str]] = {}
    for row_id, destination in found:
        by_lease.setdefault(lease_seconds(settings, destination), []).append(row_id)
    claimed: set[str] = set()
    for lease, ids in by_lease.items():
        result = session.execute(_LEASE, {"ids": ids, "now": now, "worker": worker,
                                          "until": now + timedelta(seconds=lease)})
        claimed.update(result.scalars())
    return [row_id for row_id, _ in found if row_id in claimed]


_OUTBOX = OutboxMessage.__table__
# Conditional: a row another worker leased in the meantime is left alone.
_LEASE = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.status.in_(SENDABLE),
           or_(_OUTBOX.c.claimed_until.is_(None), _OUTBOX.c.claimed_until < bindparam("now")))
    .values(claimed_by=bindparam("worker"), claimed_until=bindparam("until"))
    .returning(_OUTBOX.c.id)
)


def next_due_in(session: Session, now: datetime | None = None) -> float | None:
    """Seconds until the earliest sendable row is due (None when nothing waits)."""
    now = now or utcnow()
    first = session.execute(
        select(OutboxMessage.next_attempt_at).where(OutboxMessage.status.in_(SENDABLE))
        .order_by(OutboxMessage.next_attempt_at).limit(1)
    ).scalar_one_or_none()
    if first is None:
        return None
    return max(0.0, (first - now).total_seconds())


# --- backoff ----------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with a ceiling: first retry after `base`, then doubling."""

    base_seconds: float = 2.0
    ceiling_seconds: float = 300.0
    factor: float = 2.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed try (1-based)."""
        exponent = max(0, attempts - 1)
        if exponent > 64:
            return self.ceiling_seconds
        return min(self.ceiling_seconds, self.base_seconds * self.factor ** exponent)


# --- reads and admin actions ---------------------------------------------------------


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"


def get(session: Session, outbox_id: str) -> OutboxMessage:
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        raise DeliveryNotFound(f"no delivery {outbox_id!r}")
    return row


def list_deliveries(session: Session, *, status: str | None = None,
                    report_id: str | None = None, destination: str | None = None,
                    limit: int = 200) -> list[OutboxMessage]:
    """Outbox rows, newest first, optionally filtered."""
    stmt = (select(OutboxMessage)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.destination,
                      OutboxMessage.report_version.desc())
            .limit(min(limit, 1000)))
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if report_id:
        stmt = stmt.where(OutboxMessage.report_id == report_id)
    if destination:
        stmt = stmt.where(OutboxMessage.destination == destination)
    return list(session.execute(stmt).scalars())


def attempts_of(session: Session, outbox_id: str) -> list[DeliveryAttempt]:
    return list(session.execute(
        select(DeliveryAttempt).where(DeliveryAttempt.outbox_id == outbox_id)
        .order_by(DeliveryAttempt.at)
    ).scalars())


def retry(session: Session, outbox_id: str, actor: audit.Actor) -> OutboxMessage:
    """Send a row again now (after a person fixed the cause); delivered rows are refused."""
    row = get(session, outbox_id)
    if row.status == "delivered":
        raise Conflict("this message was delivered already", code="already_delivered")
    previous = row.status
    now = utcnow()
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = now
    row.claimed_by = None
    row.claimed_until = None
    row.updated_at = now
    session.flush()
    report = session.get(Report, row.report_id)
    study = session.get(Study, report.study_id) if report else None
    audit.record(session, actor, "delivery.retry", patient_id=study.patient_id if study else None,
                 study_id=study.id if study else None, report_id=row.report_id,
                 detail=f"{row.destination} v{row.report_version}: {previous} -> pending")
    wake_after_commit(session)
    return row
