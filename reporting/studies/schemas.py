"""Request and response bodies for studies (orders)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Priority = Literal["STAT", "ASAP", "ROUTINE"]
Sex = Literal["M", "F", "O", "U"]


class PatientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mrn: str = Field(min_length=1, max_length=64)
    issuer: str = Field(default="", max_length=64)
    name: str = Field(min_length=1, max_length=300, description="Family^Given^Middle")
    birth_date: date | None = None
    sex: Sex = "U"

    @field_validator("mrn", "name")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()


class StudyIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    facility: str = Field(min_length=1, max_length=32)
    patient: PatientIn
    accession: str = Field(min_length=1, max_length=64)
    procedure_code: str = Field(default="", max_length=64)
    procedure_description: str = Field(default="", max_length=200)
    modality: str = Field(default="", max_length=16)
    body_part: str = Field(default="", max_length=64)
    priority: Priority = "ROUTINE"
    reason: str = Field(default="", max_length=4000)
    clinical_info: str = Field(default="", max_length=4000)
    ordering_provider: str = Field(default="", max_length=200)
    study_instance_uid: str = Field(default="", max_length=64, pattern=r"^$|^[0-9]+(\.[0-9]+)*$")
    placer_order_number: str = Field(default="", max_length=64)
    filler_order_number: str = Field(default="", max_length=64)
    scheduled_at: datetime | None = None
    performed_at: datetime | None = None

    @field_validator("accession", "facility")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()

    @field_validator("scheduled_at", "performed_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("must include a UTC offset, e.g. 2026-11-20T21:58:00Z")
        return v


class PatientOut(BaseModel):
    id: str
    mrn: str
    issuer: str
    name: str
    birth_date: date | None
    sex: str


class StudyOut(BaseModel):
    id: str
    facility: str
    facility_name: str
    patient: PatientOut
    accession: str
    procedure_code: str
    procedure_description: str
    modality: str
    body_part: str
    priority: str
    reason: str
    clinical_info: str
    ordering_provider: str
    study_instance_uid: str
    placer_order_number: str
    filler_order_number: str
    scheduled_at: datetime | None
    performed_at: datetime | None
    status: str
    claimed_by: str | None
    claimed_at: datetime | None
    created_at: datetime
    report_id: str | None = None
    report_status: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
