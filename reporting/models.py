"""Imports every domain's models so metadata (and Alembic) see all tables."""

from __future__ import annotations

from reporting.audit.models import AuditEvent
from reporting.auth.models import User
from reporting.core.db import Base
from reporting.delivery.models import DeliveryAttempt, OutboxMessage
from reporting.dictation.models import DictationSegment, DictationSession, PersonalSubstitution
from reporting.hl7.models import Hl7Inbound
from reporting.reports.models import Addendum, Report, ReportVersion
from reporting.studies.models import Facility, Patient, Study
from reporting.templating.models import PersonalMacro

__all__ = ["Addendum", "AuditEvent", "Base", "DeliveryAttempt", "DictationSegment",
           "DictationSession", "Facility", "Hl7Inbound", "OutboxMessage", "Patient",
           "PersonalMacro", "PersonalSubstitution", "Report", "ReportVersion", "Study", "User"]
