"""Imports every domain's models so metadata (and Alembic) see all tables."""

from __future__ import annotations

from reporting.audit.models import AuditEvent
from reporting.auth.models import User
from reporting.core.db import Base
from reporting.delivery.models import DeliveryAttempt, OutboxMessage
from reporting.hl7.models import Hl7Inbound
from reporting.reports.models import Addendum, Report, ReportVersion
from reporting.studies.models import Facility, Patient, Study

__all__ = ["Addendum", "AuditEvent", "Base", "DeliveryAttempt", "Facility", "Hl7Inbound",
           "OutboxMessage", "Patient", "Report", "ReportVersion", "Study", "User"]
