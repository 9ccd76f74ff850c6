"""The transactional outbox: one row per signed version and destination, and its attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reporting.core.db import Base, new_id, utcnow

# pending → (retrying →)* delivered | quarantined | failed; an admin retry → pending.
OUTBOX_STATUSES = ("pending", "retrying", "delivered", "quarantined", "failed")
SENDABLE = ("pending", "retrying")


class OutboxMessage(Base):
    """One signed report version owed to one destination."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_order", "report_id", "destination", "report_version"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"))
    report_version: Mapped[int] = mapped_column()
    destination: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # hl7 | dicom | fhir | folder
    status: Mapped[str] = mapped_column(String(16), default="pending")
    control_id: Mapped[str] = mapped_column(String(20), unique=True)
    """HL7 MSH-10, fixed at enqueue and reused by every retry."""
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_code: Mapped[str] = mapped_column(String(64), default="")
    last_detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class DeliveryAttempt(Base):
    """One try to hand an outbox message to its destination, with the peer's answer."""

    __tablename__ = "delivery_attempts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    outbox_id: Mapped[str] = mapped_column(ForeignKey("outbox.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    verdict: Mapped[str] = mapped_column(String(16))  # delivered | retry | quarantine
    code: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str] = mapped_column(String(64), default="")
