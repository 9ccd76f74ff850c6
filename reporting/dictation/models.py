"""Dictation sessions (audio kept until transcribed), their finals, personal vocabulary."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reporting.core.db import Base, new_id, utcnow


class DictationSession(Base):
    __tablename__ = "dictation_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    model: Mapped[str] = mapped_column(String(200), default="")
    audio_path: Mapped[str] = mapped_column(String(500), default="")
    audio_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    transcribed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # open | stopped | interrupted (socket dropped before stop)
    status: Mapped[str] = mapped_column(String(16), default="open")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class DictationSegment(Base):
    """One final: what was heard, what was inserted, where, and when in the audio."""

    __tablename__ = "dictation_segments"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("dictation_sessions.id"), index=True)
    seq: Mapped[int] = mapped_column()
    field: Mapped[str] = mapped_column(String(64))
    heard: Mapped[str] = mapped_column(Text, default="")
    inserted: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="text")  # text | command
    start: Mapped[float] = mapped_column(Float, default=0.0)
    end: Mapped[float] = mapped_column(Float, default=0.0)
    scratched: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonalSubstitution(Base):
    """A recognition fix learned from a user's own edits ("plural" → "pleural")."""

    __tablename__ = "personal_substitutions"
    __table_args__ = (UniqueConstraint("user_id", "wrong", "right", "context"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    wrong: Mapped[str] = mapped_column(String(200))
    right: Mapped[str] = mapped_column(String(200))
    context: Mapped[str] = mapped_column(String(100), default="")
    count: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
