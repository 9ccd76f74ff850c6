"""Request and response bodies for reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    study_id: str = Field(min_length=1, max_length=36)
    template_id: str | None = Field(default=None, max_length=128)


class ReportPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="the version you edited; a stale one gets 409")
    fields: dict[str, str] = Field(default_factory=dict)
    current_field: str | None = Field(default=None, max_length=64)


class SignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    override_reason: str = Field(default="", max_length=2000,
                                 description="why the sign-time warnings are overridden")


class AddendumIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20000)
    sign: bool = True


class AddendumOut(BaseModel):
    number: int
    text: str
    author: str
    created_at: datetime
    signed_by: str | None
    signed_at: datetime | None
    version_number: int | None


class VersionOut(BaseModel):
    number: int
    status: str
    content_hash: str
    signed_by: str
    signed_role: str
    signed_at: datetime
    text: str


class ReportOut(BaseModel):
    id: str
    study_id: str
    template_id: str
    template_version: str
    status: str
    version: int
    current_field: str
    fields: dict[str, Any]
    field_order: list[dict[str, Any]] = Field(default_factory=list)
    addenda: list[AddendumOut]
    versions: list[VersionOut]
    author: str
    resident: str | None
    attending: str | None
    created_at: datetime
    updated_at: datetime
    issues: list[dict[str, Any]] = Field(default_factory=list)
