"""Inbound HL7 messages, stored raw before they are parsed (and ACKed only once stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reporting.core.db import Base, new_id, utcnow

# received: stored, not yet applied · applied: AA · error: AE · rejected: AR
# duplicate: a resend of a stored message (same MSH-3/MSH-4/MSH-10), answered with its ACK
INBOUND_STATUSES = ("received", "applied", "error", "rejected", "duplicate")


class Hl7Inbound(Base):
    __tablename__ = "hl7_inbound"
    __table_args__ = (Index("ix_hl7_inbound_status_received", "status", "received_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    peer: Mapped[str] = mapped_column(String(128), default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    dedup_key: Mapped[str | None] = mapped_column(String(600), unique=True, default=None)
    """MSH-3|MSH-4|MSH-10; empty when the message has no MSH-10 (or is a duplicate row)."""
    sending_application: Mapped[str] = mapped_column(String(200), default="")
    sending_facility: Mapped[str] = mapped_column(String(200), default="")
    control_id: Mapped[str] = mapped_column(String(200), default="")
    message_type: Mapped[str] = mapped_column(String(32), default="")  # e.g. ORM^O01
    status: Mapped[str] = mapped_column(String(16), default="received")
    ack_code: Mapped[str] = mapped_column(String(2), default="")
    ack: Mapped[str] = mapped_column(Text, default="")
    """The acknowledgment sent back (replayed verbatim to a duplicate)."""
    error: Mapped[str] = mapped_column(Text, default="")
    error_field: Mapped[str] = mapped_column(String(32), default="")
    processed_at: Mapped[datetime | None] = mapped_column(default=None)
    duplicate_of: Mapped[str | None] = mapped_column(ForeignKey("hl7_inbound.id"), default=None)
    patient_id: Mapped[str | None] = mapped_column(String(36), default=None)
    study_id: Mapped[str | None] = mapped_column(String(36), default=None)
