"""Append audit events to a hash chain and verify the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from reporting.audit.models import AuditEvent
from reporting.core.db import insert_rows, is_postgres, utcnow

GENESIS = "0" * 64
_PG_CHAIN_LOCK = 7_214_001  # advisory lock id serialising appends across app instances
_PG_CHAIN_HEAD = text("SELECT audit_chain_head(:k)")
_LAST_HASH = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


@dataclass(frozen=True)
class Actor:
    """Who did something: a user, or the system (HL7 listener, worker)."""

    user_id: str | None
    username: str
    channel: str = "api"


SYSTEM = Actor(user_id=None, username="system", channel="system")


def _event_hash(prev_hash: str, event: AuditEvent) -> str:
    payload = json.dumps(
        [
            prev_hash,
            event.at.isoformat(timespec="microseconds"),
            event.user_id,
            event.username,
            event.action,
            event.outcome,
            event.patient_id,
            event.study_id,
            event.report_id,
            event.channel,
            event.detail,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    patient_id: str | None = None,
    study_id: str | None = None,
    report_id: str | None = None,
    outcome: str = "success",
    detail: str = "",
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with it).

    The chain-head read flushes the caller's pending changes first, so the event is the last
    write so far; on PostgreSQL the chain lock is held from that read to the commit.
    """
    return record_many(session, [Entry(actor, action, patient_id, study_id, report_id,
                                       outcome, detail)])[0]


@dataclass(frozen=True)
class Entry:
    """One event to append with `record_many`."""

    actor: Actor
    action: str
    patient_id: str | None = None
    study_id: str | None = None
    report_id: str | None = None
    outcome: str = "success"
    detail: str = ""


def record_many(session: Session, entries: Sequence[Entry]) -> list[AuditEvent]:
    """Append several events in order in the caller's transaction: one chain read, then the
    inserts, at once (`insert_rows`); the returned objects are not in the session."""
    if not entries:
        return []
    session.flush()  # the caller's pending writes first: the chain lock is held briefly
    if is_postgres(session):
        # The chain lock, then the last hash read after it is granted: one round trip
        # (the function of migration 0005).
        head = session.execute(_PG_CHAIN_HEAD, {"k": _PG_CHAIN_LOCK})
    else:
        head = session.execute(_LAST_HASH)  # SQLite: the writer lock serialises appends
    prev = head.scalar_one_or_none() or GENESIS
    events = []
    for entry in entries:
        event = AuditEvent(
            at=utcnow(), user_id=entry.actor.user_id, username=entry.actor.username,
            action=entry.action, outcome=entry.outcome, patient_id=entry.patient_id,
            study_id=entry.study_id, report_id=entry.report_id, channel=entry.actor.channel,
            detail=entry.detail[:2000], prev_hash=prev,
        )
        event.hash = prev = _event_hash(prev, event)
        events.append(event)
    insert_rows(session, events)  # in order: ids ascend along the chain
    return events


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain(session: Session) -> ChainCheck:
    """Walk the chain in id order; report the first event whose link is broken."""
    prev = GENESIS
    count = 0
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        count += 1
        if event.prev_hash != prev:
            return ChainCheck(False, count, event.id, "previous-hash link does not match")
        if _event_hash(prev, event) != event.hash:
            return ChainCheck(False, count, event.id, "event content does not match its hash")
        prev = event.hash
    return ChainCheck(True, count)


def search(
    session: Session,
    *,
    patient_id: str | None = None,
    user_id: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(min(limit, 1000))
    if patient_id:
        stmt = stmt.where(AuditEvent.patient_id == patient_id)
    if user_id:
        stmt = stmt.where(AuditEvent.user_id == user_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    return list(session.execute(stmt).scalars())
