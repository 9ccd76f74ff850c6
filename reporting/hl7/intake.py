"""Order intake: store each inbound HL7 message durably, then apply it to studies and patients.

Two transactions per message. The first commits the raw bytes (nothing is ACKed before
that). The second parses and applies it (ORM^O01/OMI^O23 orders, ADT^A08 demographics,
ADT^A40 merges) and records the outcome and the ACK on the stored row. A resend with the
same MSH-3/MSH-4/MSH-10 gets the stored ACK back and changes nothing. An unexpected failure
in the second step leaves the row `received` and answers AR, so the sender's resend (or an
admin's reprocess) applies it later.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reporting.audit import service as audit
from reporting.core.config import Settings
from reporting.core.db import is_postgres, transaction, utcnow
from reporting.core.errors import Conflict, NotFound
from reporting.hl7 import errors as err
from reporting.hl7.ack import build_ack
from reporting.hl7.er7 import decode_message, sniff_msh
from reporting.hl7.errors import Hl7Error
from reporting.hl7.inbound import InboundMessage, OrderData, PatientData, parse_inbound
from reporting.hl7.mllp import MllpServer
from reporting.hl7.models import Hl7Inbound
from reporting.studies import service as studies
from reporting.studies.models import PRIORITY_RANK, Patient, Study
from reporting.studies.schemas import PatientIn, StudyIn

log = logging.getLogger(__name__)

HL7_ACTOR = audit.Actor(user_id=None, username="system", channel="hl7")
_peer_address: contextvars.ContextVar[str] = contextvars.ContextVar("hl7_peer", default="")


@dataclass(frozen=True)
class Applied:
    """What applying a message touched (for the stored row and the audit trail)."""

    action: str
    patient_id: str | None = None
    study_id: str | None = None
    text: str = ""


def _first_component(value: str) -> str:
    return value.split("^", 1)[0].strip()


def key_of(raw: bytes) -> tuple[str | None, str, str, str, str]:
    """(dedup key or None, MSH-3, MSH-4, MSH-10, message type) read without a full parse."""
    m = sniff_msh(decode_message(raw))
    message_type = f"{m.message_type}^{m.trigger}".strip("^")[:32]
    key = f"{m.sending_application}|{m.sending_facility}|{m.control_id}" if m.control_id else None
    return key, m.sending_application, m.sending_facility, m.control_id, message_type


# --- storing ------------------------------------------------------------------


def store(factory: sessionmaker[Session], raw: bytes, peer: str = "") -> tuple[str, bool]:
    """Commit the raw message; return (row id, is_duplicate); a duplicate gets the original id."""
    key, app, facility, control_id, message_type = key_of(raw)
    row = Hl7Inbound(raw=raw, peer=peer[:128], dedup_key=key[:600] if key else None,
                     sending_application=app[:200], sending_facility=facility[:200],
                     control_id=control_id[:200], message_type=message_type)
    try:
        with transaction(factory) as session:
            session.add(row)
        return row.id, False
    except IntegrityError:
        pass
    with transaction(factory) as session:
        original = session.execute(
            select(Hl7Inbound).where(Hl7Inbound.dedup_key == key)
        ).scalar_one()
        dup = Hl7Inbound(raw=raw, peer=peer[:128], dedup_key=None, sending_application=app[:200],
                         sending_facility=facility[:200], control_id=control_id[:200],
                         message_type=message_type, status="duplicate", duplicate_of=original.id)
        session.add(dup)
        return original.id, True


# --- applying -----------------------------------------------------------------


def _locked(session: Session, inbound_id: str) -> Hl7Inbound:
    stmt = select(Hl7Inbound).where(Hl7Inbound.id == inbound_id)
    if is_postgres(session):
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no inbound HL7 message {inbound_id!r}")
    return row


def process(session: Session, row: Hl7Inbound) -> str:
    """Parse and apply a stored message, record outcome and ACK on the row; return the ACK."""
    try:
        with session.begin_nested():
            message = parse_inbound(row.raw)
            applied = apply_message(session, message)
    except Hl7Error as e:
        row.status = "rejected" if e.ack_code == "AR" else "error"
        row.ack_code = e.ack_code
        row.error = e.message[:4000]
        row.error_field = e.field[:32]
        row.ack = build_ack(row.raw, e.ack_code, error=e)
        row.processed_at = utcnow()
        audit.record(session, HL7_ACTOR, "hl7.inbound.refused", outcome="failure",
                     detail=f"{row.message_type} {row.control_id}: {e.ack_code} {e.field} "
                            f"{e.message}")
        return row.ack
    row.status = "applied"
    row.ack_code = "AA"
    row.error = ""
    row.error_field = ""
    row.patient_id = applied.patient_id
    row.study_id = applied.study_id
    row.ack = build_ack(message, "AA", applied.text)
    row.processed_at = utcnow()
    audit.record(session, HL7_ACTOR, applied.action, patient_id=applied.patient_id,
                 study_id=applied.study_id, detail=f"{row.message_type} {row.control_id}")
    return row.ack


def apply_message(session: Session, message: InboundMessage) -> Applied:
    """Apply a parsed message to patients and studies (raises Hl7Error for AE/AR)."""
    facility_code = _first_component(message.sending_facility)
    if not facility_code:
        raise Hl7Error("AE", "MSH-4 sending facility is required", "MSH-4",
                       err.REQUIRED_FIELD_MISSING)
    if message.message_type == "ADT" and message.trigger == "A08":
        patient = _upsert(session, message.patient, facility_code)
        return Applied("hl7.patient.update", patient_id=patient.id)
    if message.message_type == "ADT" and message.trigger == "A40":
        return _merge(session, message, facility_code)
    assert message.order is not None
    return _order(session, message, message.order, facility_code)


def _aware(value: datetime | None) -> datetime | None:
    # HL7 times without an offset are taken as UTC (the interface convention, docs/hl7.md).
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _name(patient: PatientData) -> str:
    """Family^Given^Middle; a literal ^ inside a part (sent as \\S\\) becomes a space."""
    parts = [p.replace("^", " ").strip() for p in (patient.family, patient.given, patient.middle)]
    return "^".join(parts).rstrip("^")


def _issuer(patient: PatientData, facility_code: str) -> str:
    # The same rule as the REST intake: an identifier without an assigning authority
    # belongs to the sending facility.
    return patient.mrn_issuer or facility_code


def _find_patient(session: Session, data: PatientData, facility_code: str) -> Patient | None:
    return session.execute(
        select(Patient).where(Patient.mrn == data.mrn,
                              Patient.mrn_issuer == _issuer(data, facility_code))
    ).scalar_one_or_none()


def _upsert(session: Session, data: PatientData, facility_code: str) -> Patient:
    if not data.family:
        raise Hl7Error("AE", "PID-5 patient name is required", "PID-5", err.REQUIRED_FIELD_MISSING)
    return studies.upsert_patient(session, mrn=data.mrn, issuer=_issuer(data, facility_code),
                                  name=_name(data), birth_date=data.birth_date, sex=data.sex)


def _merge(session: Session, message: InboundMessage, facility_code: str) -> Applied:
    source_data = message.merge_from
    assert source_data is not None
    source = _find_patient(session, source_data, facility_code)
    if source is None:
        raise Hl7Error("AE", f"MRG-1 prior patient {source_data.mrn!r} is unknown", "MRG-1",
                       err.UNKNOWN_KEY_IDENTIFIER)
    target = _upsert(session, message.patient, facility_code)
    if target.id == source.id:
        raise Hl7Error("AE", "MRG-1 names the same patient as PID-3", "MRG-1",
                       err.DUPLICATE_KEY_IDENTIFIER)
    moved = session.execute(
        update(Study).where(Study.patient_id == source.id).values(patient_id=target.id)
    ).rowcount
    source.merged_into_id = target.id
    session.flush()
    session.expire_all()
    return Applied("hl7.patient.merge", patient_id=target.id,
                   text=f"merged {source_data.mrn} into {message.patient.mrn}; "
                        f"{moved} studies moved")


def _accession_field(message: InboundMessage) -> str:
    return "OBR-18" if message.version == "2.3.1" else "IPC-1"


def _find_study(session: Session, message: InboundMessage, order: OrderData,
                facility_code: str) -> Study:
    facility = studies.get_or_create_facility(session, facility_code)
    study = session.execute(
        select(Study).where(Study.facility_id == facility.id, Study.accession == order.accession)
    ).scalar_one_or_none()
    if study is None:
        field = _accession_field(message)
        raise Hl7Error("AE", f"{field} accession {order.accession!r} is not a known order at "
                       f"facility {facility_code!r}", field, err.UNKNOWN_KEY_IDENTIFIER)
    return study


def _order(session: Session, message: InboundMessage, order: OrderData,
           facility_code: str) -> Applied:
    control = order.order_control
    if control == "NW":
        study = _new_order(session, message, order, facility_code)
        return Applied("hl7.order.new", patient_id=study.patient_id, study_id=study.id)
    study = _find_study(session, message, order, facility_code)
    if control == "XO":
        if study.status == "cancelled":
            raise Hl7Error("AE", "ORC-1 XO: the order is cancelled", "ORC-1",
                           err.TABLE_VALUE_NOT_FOUND)
        patient = _upsert(session, message.patient, facility_code)
        study.patient_id = patient.id
        _copy_order(study, order)
        session.flush()
        return Applied("hl7.order.change", patient_id=study.patient_id, study_id=study.id)
    if control in ("CA", "DC"):
        if study.status in ("preliminary", "final"):
            raise Hl7Error("AE", f"ORC-1 {control}: the study is already reported "
                           f"({study.status}); it cannot be cancelled", "ORC-1",
                           err.TABLE_VALUE_NOT_FOUND)
        study.status = "cancelled"
        study.claimed_by_id = None
        session.flush()
        return Applied("hl7.order.cancel", patient_id=study.patient_id, study_id=study.id)
    # SC: the ordering system reports an order status (ORC-5).
    status = order.order_status.upper()
    study.extra = {**study.extra, "order_status": status}
    if status == "CM" and study.performed_at is None:
        study.performed_at = _aware(message.message_time) or utcnow()
    if status == "CA" and study.status not in ("preliminary", "final"):
        study.status = "cancelled"
    session.flush()
    return Applied("hl7.order.status", patient_id=study.patient_id, study_id=study.id,
                   text=f"order status {status or 'unchanged'}")


def _new_order(session: Session, message: InboundMessage, order: OrderData,
               facility_code: str) -> Study:
    p = message.patient
    if not p.family:
        raise Hl7Error("AE", "PID-5 patient name is required", "PID-5", err.REQUIRED_FIELD_MISSING)
    extra: dict[str, Any] = {"sending_application": message.sending_application}
    try:
        data = StudyIn(
            facility=facility_code,
            patient=PatientIn(mrn=p.mrn, issuer=_issuer(p, facility_code), name=_name(p),
                              birth_date=p.birth_date, sex=p.sex),  # type: ignore[arg-type]
            accession=order.accession,
            procedure_code=order.procedure_code,
            procedure_description=order.procedure_description,
            modality=order.modality,
            body_part=order.body_part,
            priority=order.priority,  # type: ignore[arg-type]
            reason=order.reason,
            clinical_info=order.clinical_info,
            ordering_provider=order.ordering_provider,
            study_instance_uid=order.study_instance_uid,
            placer_order_number=order.placer,
            filler_order_number=order.filler,
            scheduled_at=_aware(order.scheduled_at),
            **extra,
        )
    except ValueError as e:
        raise Hl7Error("AE", f"order data is invalid: {e}"[:300], "OBR",
                       err.DATA_TYPE_ERROR) from e
    try:
        study = studies.create_study(session, data)
    except Conflict as e:
        field = _accession_field(message)
        raise Hl7Error("AE", f"{field} accession {order.accession!r} already exists at "
                       f"facility {facility_code!r}", field, err.DUPLICATE_KEY_IDENTIFIER) from e
    study.requested_procedure_id = order.requested_procedure_id[:64]
    study.ordering_provider_id = order.ordering_provider_id[:64]
    study.referring_provider = order.referring[:200]
    study.visit_number = (order.visit_number or message.visit_number)[:64]
    study.patient_class = (order.patient_class or message.patient_class or "O")[:4]
    session.flush()
    return study


def _copy_order(study: Study, order: OrderData) -> None:
    for name in ("procedure_code", "procedure_description", "reason", "clinical_info",
                 "ordering_provider", "ordering_provider_id", "requested_procedure_id"):
        value = getattr(order, name)
        if value:
            setattr(study, name, value)
    if order.modality:
        study.modality = order.modality.upper()
    if order.body_part:
        study.body_part = order.body_part.upper()
    if order.priority:
        study.priority = order.priority
        study.priority_rank = PRIORITY_RANK[order.priority]
    if order.scheduled_at is not None:
        study.scheduled_at = _aware(order.scheduled_at)
    if order.referring:
        study.referring_provider = order.referring


# --- the handler ---------------------------------------------------------------


def _internal_error_ack(raw: bytes, e: Exception) -> str:
    error = Hl7Error("AR", f"message stored but not applied ({type(e).__name__}); "
                     "send it again", "", err.APPLICATION_INTERNAL_ERROR)
    return build_ack(raw, "AR", error=error)


class Intake:
    """The MLLP handler: store, then apply; all database work runs off the event loop."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def handle_sync(self, raw: bytes, peer: str = "") -> str:
        """Store `raw`, apply it (unless already applied), and return the ACK to send."""
        inbound_id, _duplicate = store(self.factory, raw, peer)
        try:
            with transaction(self.factory) as session:
                row = _locked(session, inbound_id)
                if row.status != "received":
                    return row.ack  # processed before: the same answer again
                return process(session, row)
        except Exception as e:
            # Stored, not applied: AR makes the sender resend; the row stays `received`.
            log.exception("HL7 message %s stored but not applied", inbound_id)
            try:
                with transaction(self.factory) as session:
                    row = _locked(session, inbound_id)
                    row.error = f"not applied: {type(e).__name__}: {e}"[:4000]
            except Exception:
                log.exception("could not record the failure of HL7 message %s", inbound_id)
            return _internal_error_ack(raw, e)

    async def __call__(self, raw: bytes) -> bytes:
        ack = await asyncio.to_thread(self.handle_sync, raw, _peer_address.get())
        return ack.encode("utf-8")


def reprocess(session: Session, inbound_id: str, actor: audit.Actor) -> Hl7Inbound:
    """Apply a stored message again (after its data was fixed); applied ones are refused."""
    row = _locked(session, inbound_id)
    if row.status == "applied":
        raise Conflict("this message was applied already", code="already_applied")
    if row.status == "duplicate":
        raise Conflict("this is a duplicate; reprocess the original "
                       f"{row.duplicate_of}", code="duplicate")
    previous = row.status
    process(session, row)
    audit.record(session, actor, "hl7.inbound.reprocess", patient_id=row.patient_id,
                 study_id=row.study_id, detail=f"{row.id}: {previous} -> {row.status}")
    return row


def list_inbound(session: Session, *, status: str | None = None,
                 limit: int = 100) -> list[Hl7Inbound]:
    """Stored messages, newest first."""
    stmt = select(Hl7Inbound).order_by(Hl7Inbound.received_at.desc()).limit(min(limit, 1000))
    if status:
        stmt = stmt.where(Hl7Inbound.status == status)
    return list(session.execute(stmt).scalars())


def get_inbound(session: Session, inbound_id: str) -> Hl7Inbound:
    row = session.get(Hl7Inbound, inbound_id)
    if row is None:
        raise NotFound(f"no inbound HL7 message {inbound_id!r}")
    return row


class IntakeServer(MllpServer):
    """The MLLP listener wired to the intake; remembers each connection's peer address."""

    async def _on_connection(self, reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        _peer_address.set(f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer))
        await super()._on_connection(reader, writer)


def listener(factory: sessionmaker[Session], settings: Settings) -> IntakeServer:
    """An (unstarted) MLLP listener on settings.hl7.listen feeding the intake."""
    return IntakeServer.from_listen(Intake(factory), settings.hl7.listen,  # type: ignore[return-value]
                                    max_frame_bytes=settings.hl7.max_frame_bytes)


@asynccontextmanager
async def serving(app: FastAPI, *, start: bool) -> AsyncIterator[None]:
    """Run the MLLP listener while the app runs (when `start` and settings.hl7.listen is set)."""
    settings: Settings = app.state.settings

    def probe() -> str:
        server: IntakeServer | None = getattr(app.state, "hl7_listener", None)
        if server is None:
            return "ok (listener not running in this process)"
        return f"ok (port {server.port})" if server.running else "error: HL7 listener stopped"

    app.state.readiness["hl7_listener"] = probe
    if not (start and settings.hl7.listen):
        yield
        return
    server = listener(app.state.sessionmaker, settings)
    await server.start()
    app.state.hl7_listener = server
    try:
        yield
    finally:
        app.state.hl7_listener = None
        await server.stop()
