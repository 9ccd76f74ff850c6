"""insert_rows: append-only rows written at once, outside the unit of work, on both backends."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reporting.audit.models import AuditEvent
from reporting.core.db import insert_rows, transaction


def _event(action: str, **extra: object) -> AuditEvent:
    return AuditEvent(action=action, username="t", prev_hash="p", hash="h", **extra)


def test_rows_are_inserted_in_order_with_defaults_and_ids(
        factory: sessionmaker[Session]) -> None:
    events = [_event("first"), _event("second", outcome="failure", detail="why")]
    with transaction(factory) as session:
        insert_rows(session, events)
        assert all(e not in session for e in events)  # not tracked by the unit of work
    assert events[0].id is not None and events[1].id is not None
    assert events[0].id < events[1].id
    with factory() as session:
        rows = session.execute(select(AuditEvent).where(
            AuditEvent.id.in_([e.id for e in events])).order_by(AuditEvent.id)).scalars().all()
        assert [(r.action, r.outcome, r.detail, r.channel) for r in rows] == [
            ("first", "success", "", "api"), ("second", "failure", "why", "api")]
        assert rows[0].at is not None  # the column's default


def test_rows_of_one_shape_go_in_one_statement_and_get_their_ids(
        factory: sessionmaker[Session]) -> None:
    events = [_event(f"same {i}") for i in range(5)]
    with transaction(factory) as session:
        insert_rows(session, events)
    ids = [e.id for e in events]
    assert None not in ids and ids == sorted(ids)
    with factory() as session:
        stored = dict(session.execute(select(AuditEvent.id, AuditEvent.action).where(
            AuditEvent.id.in_(ids))).tuples().all())
    assert [stored[i] for i in ids] == [e.action for e in events]


def test_rows_roll_back_with_the_transaction(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        before = session.execute(select(AuditEvent.id)).all()
        insert_rows(session, [_event("dropped")])
        session.rollback()
        assert session.execute(select(AuditEvent.id)).all() == before
