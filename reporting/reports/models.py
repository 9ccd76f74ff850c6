"""Reports, their signed versions and addenda.

A report's working content is ``fields`` (a JSON object of field id → text)
guarded by ``version`` for optimistic concurrency. Each signature freezes a
``ReportVersion`` row (fields, canonical text, SHA-256, signer, time) that is
never updated again; addenda become new signed versions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporting.core.db import Base, new_id, utcnow

STATUSES = ("draft", "preliminary", "final", "amended")


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(128), default="generic")
    template_version: Mapped[str] = mapped_column(String(32), default="")
    template_hash: Mapped[str] = mapped_column(String(64), default="")
    template_snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    current_field: Mapped[str] = mapped_column(String(64), default="findings")
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    attending_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    transcriptionist_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Loaded when first used (one query each), not with every report: worklists read only a
    # report's status, and SQLAlchemy's selectin loader costs several times the query itself.
    # Code that walks the history of many reports asks for `selectinload` explicitly.
    versions: Mapped[list[ReportVersion]] = relationship(
        order_by="ReportVersion.number", viewonly=True
    )
    addenda: Mapped[list[Addendum]] = relationship(order_by="Addendum.number", viewonly=True)

    __mapper_args__ = {"version_id_col": version}


class ReportVersion(Base):
    """One signature: a frozen copy of the report as signed."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    number: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))  # preliminary | final | amended
    fields: Mapped[dict[str, Any]] = mapped_column()
    addenda_count: Mapped[int] = mapped_column(default=0)
    canonical_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    signed_role: Mapped[str] = mapped_column(String(32))
    signed_at: Mapped[datetime] = mapped_column()
    override_reason: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[dict[str, Any] | None] = mapped_column(default=None, deferred=True)
    """The ReportDocument frozen at this signature (`document_to_json`): every output of the
    version is built from it. None only for versions signed before it was stored."""


class Addendum(Base):
    __tablename__ = "addenda"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    version_number: Mapped[int | None] = mapped_column(default=None)
