"""Facilities, patients and studies (orders)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporting.core.db import Base, new_id, utcnow

PRIORITIES = ("STAT", "ASAP", "ROUTINE")
PRIORITY_RANK = {"STAT": 0, "ASAP": 1, "ROUTINE": 2}
SEXES = ("M", "F", "O", "U")


class Facility(Base):
    __tablename__ = "facilities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("mrn", "mrn_issuer"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mrn: Mapped[str] = mapped_column(String(64))
    mrn_issuer: Mapped[str] = mapped_column(String(64), default="")
    family_name: Mapped[str] = mapped_column(String(128), default="")
    given_name: Mapped[str] = mapped_column(String(128), default="")
    middle_name: Mapped[str] = mapped_column(String(128), default="")
    birth_date: Mapped[date | None] = mapped_column(default=None)
    sex: Mapped[str] = mapped_column(String(1), default="U")
    merged_into_id: Mapped[str | None] = mapped_column(
        ForeignKey("patients.id"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def hl7_name(self) -> str:
        name = f"{self.family_name}^{self.given_name}"
        return f"{name}^{self.middle_name}" if self.middle_name else name


class Study(Base):
    """An imaging order and its study: what a radiologist reports on."""

    __tablename__ = "studies"
    __table_args__ = (
        UniqueConstraint("facility_id", "accession"),
        Index("ix_studies_status_priority", "status", "priority_rank", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    accession: Mapped[str] = mapped_column(String(64))
    placer_order_number: Mapped[str] = mapped_column(String(64), default="")
    filler_order_number: Mapped[str] = mapped_column(String(64), default="")
    requested_procedure_id: Mapped[str] = mapped_column(String(64), default="")
    procedure_code: Mapped[str] = mapped_column(String(64), default="")
    procedure_description: Mapped[str] = mapped_column(String(200), default="")
    modality: Mapped[str] = mapped_column(String(16), default="")
    body_part: Mapped[str] = mapped_column(String(64), default="")
    priority: Mapped[str] = mapped_column(String(8), default="ROUTINE")
    priority_rank: Mapped[int] = mapped_column(default=2)
    reason: Mapped[str] = mapped_column(Text, default="")
    clinical_info: Mapped[str] = mapped_column(Text, default="")
    ordering_provider: Mapped[str] = mapped_column(String(200), default="")
    ordering_provider_id: Mapped[str] = mapped_column(String(64), default="")
    referring_provider: Mapped[str] = mapped_column(String(200), default="")
    study_instance_uid: Mapped[str] = mapped_column(String(64), default="")
    visit_number: Mapped[str] = mapped_column(String(64), default="")
    patient_class: Mapped[str] = mapped_column(String(4), default="O")
    scheduled_at: Mapped[datetime | None] = mapped_column(default=None)
    performed_at: Mapped[datetime | None] = mapped_column(default=None)
    # scheduled | in_progress | preliminary | final | cancelled
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    claimed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    facility: Mapped[Facility] = relationship(lazy="joined")
    patient: Mapped[Patient] = relationship(lazy="joined")
