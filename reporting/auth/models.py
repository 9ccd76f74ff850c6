"""Users and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from reporting.core.db import Base, new_id, utcnow


class Role(StrEnum):
    RADIOLOGIST = "radiologist"  # attending: signs final, co-signs residents
    RESIDENT = "resident"  # signs preliminary; needs an attending's co-sign
    TRANSCRIPTIONIST = "transcriptionist"  # edits drafts, never signs
    TEMPLATE_AUTHOR = "template_author"  # maintains templates and shared macros
    ADMIN = "admin"  # users, audit, deliveries, claims
    INTEGRATION = "integration"  # service accounts for interface engines


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    family_name: Mapped[str] = mapped_column(String(128), default="")
    given_name: Mapped[str] = mapped_column(String(128), default="")
    credentials: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.given_name, self.family_name) if p) or self.username
        return f"{name}, {self.credentials}" if self.credentials else name
