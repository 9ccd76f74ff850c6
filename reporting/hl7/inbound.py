"""Inbound orders and patient updates: ORM^O01 (2.3.1), OMI^O23 (2.5.1), ADT^A08, ADT^A40.

`parse_inbound` turns raw ER7 text into a typed `InboundMessage` (no database access);
semantic problems raise `Hl7Error` carrying the AE/AR code and the field to name in ERR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.exceptions import HL7apyException
from hl7apy.parser import parse_message

from reporting.hl7 import errors as err
from reporting.hl7.er7 import (
    Delimiters,
    decode_message,
    normalise_segments,
    parse_date,
    parse_ts,
    sniff_msh,
    unescape,
)
from reporting.hl7.errors import Hl7Error

SUPPORTED_VERSIONS = ("2.3.1", "2.5.1")
SUPPORTED_TYPES = {("ORM", "O01"), ("OMI", "O23"), ("ADT", "A08"), ("ADT", "A40")}
ORDER_CONTROLS = {"NW", "XO", "CA", "DC", "SC"}
PRIORITIES = {"S": "STAT", "A": "ASAP", "R": "ROUTINE"}

# Procedure words to DICOM Body Part Examined (0018,0015) terms, first match wins.
_BODY_PARTS = (
    ("CHEST", "CHEST"), ("THORAX", "CHEST"), ("LUNG", "CHEST"), ("CARDIAC", "HEART"),
    ("HEART", "HEART"), ("ABDOMEN", "ABDOMEN"), ("ABD", "ABDOMEN"), ("PELVIS", "PELVIS"),
    ("HEAD", "HEAD"), ("BRAIN", "BRAIN"), ("NECK", "NECK"), ("CSPINE", "CSPINE"),
    ("CERVICAL", "CSPINE"), ("TSPINE", "TSPINE"), ("THORACIC SPINE", "TSPINE"),
    ("LSPINE", "LSPINE"), ("LUMBAR", "LSPINE"), ("SPINE", "SPINE"), ("BREAST", "BREAST"),
    ("MAMMO", "BREAST"), ("KNEE", "KNEE"), ("SHOULDER", "SHOULDER"), ("HIP", "HIP"),
    ("ANKLE", "ANKLE"), ("WRIST", "WRIST"), ("HAND", "HAND"), ("FOOT", "FOOT"),
    ("ELBOW", "ELBOW"), ("SKULL", "SKULL"), ("SINUS", "SINUS"),
)


@dataclass(frozen=True)
class PatientData:
    """Patient demographics from PID (or MRG for the merged-away patient)."""

    mrn: str
    mrn_issuer: str = ""
    family: str = ""
    given: str = ""
    middle: str = ""
    birth_date: date | None = None
    sex: str = "U"  # M | F | O | U

    @property
    def name(self) -> str:
        """The REST form "Family^Given^Middle" (trailing empty parts dropped)."""
        return "^".join([self.family, self.given, self.middle]).rstrip("^")


@dataclass(frozen=True)
class OrderData:
    """One imaging order from ORC/OBR (+ TQ1/IPC in 2.5.1, ZDS in 2.3.1)."""

    order_control: str  # NW | XO | CA | DC | SC
    placer: str = ""
    filler: str = ""
    procedure_code: str = ""
    procedure_description: str = ""
    ordering_provider: str = ""  # "Family^Given"
    ordering_provider_id: str = ""
    referring: str = ""  # "Family^Given" from PV1-8
    referring_id: str = ""
    accession: str = ""
    requested_procedure_id: str = ""
    study_instance_uid: str = ""
    modality: str = ""
    priority: str = "ROUTINE"  # STAT | ASAP | ROUTINE
    reason: str = ""
    clinical_info: str = ""
    body_part: str = ""
    scheduled_at: datetime | None = None
    visit_number: str = ""
    patient_class: str = ""
    order_status: str = ""  # ORC-5 as sent (e.g. SC messages)


@dataclass(frozen=True)
class InboundMessage:
    """A parsed inbound message, ready for the studies service to apply."""

    message_type: str  # ORM | OMI | ADT
    trigger: str  # O01 | O23 | A08 | A40
    version: str
    control_id: str  # MSH-10
    sending_application: str  # MSH-3
    sending_facility: str  # MSH-4
    patient: PatientData
    receiving_application: str = ""  # MSH-5
    receiving_facility: str = ""  # MSH-6
    message_time: datetime | None = None  # MSH-7
    merge_from: PatientData | None = None  # MRG (A40)
    order: OrderData | None = None
    visit_number: str = ""  # PV1-19
    patient_class: str = ""  # PV1-2

    @property
    def dedup_key(self) -> tuple[str, str, str]:
        """(MSH-3, MSH-4, MSH-10): the key duplicates are detected by."""
        return (self.sending_application, self.sending_facility, self.control_id)


class _Segment:
    """Field access on one ER7 segment: `seg.get(3, 1)` is SEG-3.1 of the first repetition."""

    def __init__(self, text: str, d: Delimiters) -> None:
        self.d = d
        parts = text.split(d.field)
        self.name = parts[0]
        if self.name == "MSH":
            parts = ["MSH", d.field, *parts[1:]]
        self.fields = parts  # fields[n] is SEG-n

    def raw(self, n: int) -> str:
        return self.fields[n] if len(self.fields) > n else ""

    def reps(self, n: int) -> list[str]:
        value = self.raw(n)
        return value.split(self.d.repetition) if value else []

    def comps(self, n: int, rep: int = 0) -> list[str]:
        reps = self.reps(n)
        return reps[rep].split(self.d.component) if len(reps) > rep else []

    def get(self, n: int, comp: int = 1, rep: int = 0, sub: int = 1) -> str:
        """SEG-n.comp.sub of repetition rep, unescaped and stripped."""
        comps = self.comps(n, rep)
        if len(comps) < comp:
            return ""
        subs = comps[comp - 1].split(self.d.subcomponent)
        return unescape(subs[sub - 1], self.d).strip() if len(subs) >= sub else ""


class _Message:
    def __init__(self, text: str, d: Delimiters) -> None:
        self.segments = [_Segment(line, d) for line in text.split("\r")]

    def first(self, name: str) -> _Segment | None:
        return next((s for s in self.segments if s.name == name), None)


def _parse_with_hl7apy(text: str) -> None:
    """Let hl7apy parse the message (tolerant); anything it cannot read is an AR."""
    try:
        parse_message(text, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=False)
    except (HL7apyException, ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
        raise Hl7Error("AR", f"unparseable message: {e}"[:200], "MSH",
                       err.SEGMENT_SEQUENCE_ERROR) from e


def _person(seg: _Segment, n: int) -> tuple[str, str]:
    """An XCN field as ("Family^Given", id)."""
    ident = seg.get(n, 1)
    family, given = seg.get(n, 2), seg.get(n, 3)
    name = f"{family}^{given}" if given else family
    return name, ident


def _patient(pid: _Segment, msg_version: str) -> PatientData:
    ids = pid.reps(3)
    # PID-3 may repeat; prefer the medical record number (CX.5 = MR), else the first id.
    chosen = 0
    for i in range(len(ids)):
        if pid.get(3, 5, rep=i).upper() == "MR" and pid.get(3, 1, rep=i):
            chosen = i
            break
    mrn = pid.get(3, 1, rep=chosen) if ids else ""
    if not mrn and msg_version == "2.3.1":
        mrn = pid.get(2, 1)  # external id, still common in 2.3.1 feeds
    if not mrn:
        raise Hl7Error("AE", "PID-3 patient identifier (MRN) is required", "PID-3",
                       err.REQUIRED_FIELD_MISSING)
    sex = pid.get(8).upper()[:1]
    return PatientData(
        mrn=mrn,
        mrn_issuer=pid.get(3, 4, rep=chosen),
        family=pid.get(5, 1),
        given=pid.get(5, 2),
        middle=pid.get(5, 3),
        birth_date=parse_date(pid.get(7, 1)),
        sex=sex if sex in {"M", "F", "O", "U"} else ("O" if sex == "A" else "U"),
    )


def _merge_from(mrg: _Segment | None) -> PatientData:
    if mrg is None or not mrg.get(1, 1):
        raise Hl7Error("AE", "MRG-1 prior patient identifier is required for A40", "MRG-1",
                       err.REQUIRED_FIELD_MISSING)
    return PatientData(
        mrn=mrg.get(1, 1),
        mrn_issuer=mrg.get(1, 4),
        family=mrg.get(7, 1),
        given=mrg.get(7, 2),
        middle=mrg.get(7, 3),
    )


def _body_part(*texts: str) -> str:
    words = " ".join(texts).upper()
    for needle, term in _BODY_PARTS:
        if re.search(rf"\b{needle}\b", words):
            return term
    return ""


def _order(msg: _Message, version: str, pv1: _Segment | None) -> OrderData:
    orc, obr = msg.first("ORC"), msg.first("OBR")
    if orc is None:
        raise Hl7Error("AE", "ORC segment is required", "ORC", err.SEGMENT_SEQUENCE_ERROR)
    if obr is None:
        raise Hl7Error("AE", "OBR segment is required", "OBR", err.SEGMENT_SEQUENCE_ERROR)
    control = orc.get(1).upper()
    if not control:
        raise Hl7Error("AE", "ORC-1 order control is required", "ORC-1",
                       err.REQUIRED_FIELD_MISSING)
    if control not in ORDER_CONTROLS:
        raise Hl7Error("AE", f"ORC-1 order control {control!r} is not supported", "ORC-1",
                       err.TABLE_VALUE_NOT_FOUND)
    ipc, tq1, zds = msg.first("IPC"), msg.first("TQ1"), msg.first("ZDS")

    if ipc is not None:
        accession, accession_field = ipc.get(1), "IPC-1"
        requested = ipc.get(2)
        uid = ipc.get(3)
        modality = ipc.get(5)
    else:
        accession, accession_field = "", "OBR-18" if version == "2.3.1" else "IPC-1"
        requested, uid, modality = "", "", ""
    accession = accession or obr.get(18)
    requested = requested or obr.get(19)
    uid = uid or (zds.get(1) if zds else "")
    modality = modality or obr.get(24)
    if not accession:
        raise Hl7Error("AE", f"{accession_field} accession number is required",
                       accession_field, err.REQUIRED_FIELD_MISSING)

    if tq1 is not None and tq1.get(9):
        priority_code = tq1.get(9)
    else:
        priority_code = orc.get(7, 6) or obr.get(27, 6)
    priority = PRIORITIES.get(priority_code.upper()[:1], "ROUTINE") if priority_code else "ROUTINE"

    scheduled = parse_ts(tq1.get(7)) if tq1 is not None else None
    scheduled = scheduled or parse_ts(obr.get(36)) or parse_ts(obr.get(7))

    reasons = [obr.get(31, 2, rep=i) or obr.get(31, 1, rep=i) for i in range(len(obr.reps(31)))]
    clinical = [
        " ".join(p for p in (obr.get(13, c, rep=i) for c in range(1, 4)) if p)
        for i in range(len(obr.reps(13)))
    ]
    ordering, ordering_id = _person(obr, 16)
    if not ordering and not ordering_id:
        ordering, ordering_id = _person(orc, 12)
    referring, referring_id = _person(pv1, 8) if pv1 is not None else ("", "")
    description = obr.get(4, 2)
    body_part = obr.get(15, 4) or _body_part(description, obr.get(4, 1))
    return OrderData(
        order_control=control,
        placer=orc.get(2) or obr.get(2),
        filler=orc.get(3) or obr.get(3),
        procedure_code=obr.get(4, 1),
        procedure_description=description,
        ordering_provider=ordering,
        ordering_provider_id=ordering_id,
        referring=referring,
        referring_id=referring_id,
        accession=accession,
        requested_procedure_id=requested,
        study_instance_uid=uid,
        modality=modality,
        priority=priority,
        reason="; ".join(r for r in reasons if r),
        clinical_info="; ".join(c for c in clinical if c),
        body_part=body_part,
        scheduled_at=scheduled,
        visit_number=pv1.get(19) if pv1 is not None else "",
        patient_class=pv1.get(2) if pv1 is not None else "",
        order_status=orc.get(5),
    )


def parse_inbound(raw: str | bytes) -> InboundMessage:
    """Parse an inbound ORM^O01/OMI^O23/ADT^A08/ADT^A40 message; raise Hl7Error if refused."""
    text = decode_message(raw) if isinstance(raw, bytes) else raw
    text = normalise_segments(text.strip("\x0b\x1c\r\n "))
    if not text.startswith("MSH") or len(text) < 9:
        raise Hl7Error("AR", "message does not start with an MSH segment", "MSH",
                       err.SEGMENT_SEQUENCE_ERROR)
    d = Delimiters.from_message(text)
    msh_info = sniff_msh(text)
    if not msh_info.control_id:
        raise Hl7Error("AR", "MSH-10 message control id is required", "MSH-10",
                       err.REQUIRED_FIELD_MISSING)
    if msh_info.version not in SUPPORTED_VERSIONS:
        raise Hl7Error("AR", f"HL7 version {msh_info.version!r} is not supported "
                       f"(supported: {', '.join(SUPPORTED_VERSIONS)})", "MSH-12",
                       err.UNSUPPORTED_VERSION_ID)
    kind = (msh_info.message_type.upper(), msh_info.trigger.upper())
    if kind[0] not in {t for t, _ in SUPPORTED_TYPES}:
        raise Hl7Error("AR", f"message type {kind[0]!r} is not supported", "MSH-9",
                       err.UNSUPPORTED_MESSAGE_TYPE)
    if kind not in SUPPORTED_TYPES:
        raise Hl7Error("AR", f"event {kind[0]}^{kind[1]} is not supported", "MSH-9.2",
                       err.UNSUPPORTED_EVENT_CODE)
    _parse_with_hl7apy(text)

    msg = _Message(text, d)
    msh = msg.segments[0]
    pid = msg.first("PID")
    if pid is None:
        raise Hl7Error("AE", "PID segment is required", "PID", err.SEGMENT_SEQUENCE_ERROR)
    pv1 = msg.first("PV1")
    patient = _patient(pid, msh_info.version)
    merge_from = _merge_from(msg.first("MRG")) if kind == ("ADT", "A40") else None
    order = _order(msg, msh_info.version, pv1) if kind[0] in {"ORM", "OMI"} else None
    return InboundMessage(
        message_type=kind[0],
        trigger=kind[1],
        version=msh_info.version,
        control_id=msh_info.control_id,
        sending_application=msh_info.sending_application,
        sending_facility=msh_info.sending_facility,
        receiving_application=msh_info.receiving_application,
        receiving_facility=msh_info.receiving_facility,
        message_time=parse_ts(msh.get(7)),
        patient=patient,
        merge_from=merge_from,
        order=order,
        visit_number=pv1.get(19) if pv1 is not None else "",
        patient_class=pv1.get(2) if pv1 is not None else "",
    )


def dedup_key(raw: str | bytes) -> tuple[str, str, str]:
    """(MSH-3, MSH-4, MSH-10) read by string splitting: the duplicate-detection key."""
    text = decode_message(raw) if isinstance(raw, bytes) else raw
    m = sniff_msh(text)
    return (m.sending_application, m.sending_facility, m.control_id)
