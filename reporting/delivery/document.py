"""The signed report as every output builder sees it.

HL7 ORU^R01, PDF, DICOM SR, encapsulated PDF and FHIR builders take a
``ReportDocument`` and nothing else: they never touch the database, so they
are pure, fast to test, and the reports domain decides once what a signed
report *is*. ``reporting.reports.service.build_document`` produces it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, TypeVar

ReportStatus = Literal["preliminary", "final", "amended"]


@dataclass(frozen=True)
class PersonName:
    """A person's name as HL7/DICOM want it: family and given parts kept apart."""

    family: str
    given: str = ""
    middle: str = ""
    prefix: str = ""
    suffix: str = ""
    credentials: str = ""  # e.g. "MD", shown in signature blocks
    identifier: str = ""  # e.g. NPI or local user id, for OBR-32 / OBR-16

    @classmethod
    def from_hl7(cls, value: str | None, identifier: str = "") -> PersonName | None:
        """Parse "Family^Given^Middle" (the REST form) into a name."""
        if not value:
            return None
        parts = [*value.split("^"), "", "", ""]
        return cls(family=parts[0], given=parts[1], middle=parts[2], identifier=identifier)

    @property
    def display(self) -> str:
        """Given Family, Credentials: the way a name is printed on a report."""
        name = " ".join(p for p in (self.prefix, self.given, self.middle, self.family) if p)
        return f"{name}, {self.credentials}" if self.credentials else name


@dataclass(frozen=True)
class DocPatient:
    mrn: str
    mrn_issuer: str
    name: PersonName
    birth_date: date | None
    sex: str  # M | F | O | U


@dataclass(frozen=True)
class DocFacility:
    code: str
    name: str
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class DocStudy:
    accession: str
    procedure_code: str
    procedure_description: str
    modality: str
    body_part: str
    study_instance_uid: str
    placer_order_number: str = ""
    filler_order_number: str = ""
    requested_procedure_id: str = ""
    priority: str = "ROUTINE"
    reason: str = ""
    ordering_provider: PersonName | None = None
    scheduled_at: datetime | None = None
    performed_at: datetime | None = None
    visit_number: str = ""
    patient_class: str = "O"


@dataclass(frozen=True)
class DocSection:
    """One report section in reading order (headings printed, codes for SR/HL7)."""

    id: str  # e.g. "findings"
    heading: str  # e.g. "FINDINGS"
    text: str
    loinc_code: str = ""  # e.g. 59776-5


@dataclass(frozen=True)
class DocSignature:
    signer: PersonName
    role: str  # radiologist | resident
    signed_at: datetime


@dataclass(frozen=True)
class DocAddendum:
    number: int  # 1, 2, …
    text: str
    signature: DocSignature


@dataclass(frozen=True)
class ReportDocument:
    """A signed report version, frozen: what is delivered is exactly this."""

    report_id: str
    version: int  # the signed version number (1 = first signature)
    status: ReportStatus
    patient: DocPatient
    facility: DocFacility
    study: DocStudy
    sections: tuple[DocSection, ...]
    title: str  # e.g. "CT CHEST WITHOUT CONTRAST"
    created_at: datetime
    signature: DocSignature  # the responsible interpreter (attending when co-signed)
    content_hash: str  # SHA-256 of the canonical text of this version
    resident_signature: DocSignature | None = None
    transcriptionist: PersonName | None = None
    addenda: tuple[DocAddendum, ...] = ()
    previous_versions: tuple[int, ...] = ()  # earlier signed versions this one replaces
    language: str = "en-US"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def result_status(self) -> str:
        """HL7 OBR-25 / OBX-11: P preliminary, F final, C corrected (addendum)."""
        if self.status == "preliminary":
            return "P"
        if self.status == "amended" or (self.previous_versions and self.status == "final"):
            return "C"
        return "F"

    @property
    def impression(self) -> str:
        return next((s.text for s in self.sections if s.id == "impression"), "")

    @property
    def signed_at(self) -> datetime:
        if self.addenda:
            return self.addenda[-1].signature.signed_at
        return self.signature.signed_at

    def canonical_text(self) -> str:
        """The plain text of this version, the same text the content hash covers."""
        parts = [self.title, ""]
        for section in self.sections:
            if section.text.strip():
                parts += [f"{section.heading}:", section.text.strip(), ""]
        for addendum in self.addenda:
            parts += [f"ADDENDUM {addendum.number}:", addendum.text.strip(), ""]
        return "\n".join(parts).rstrip() + "\n"

    def uid(self, purpose: str, version: int | None = None) -> str:
        """A stable DICOM UID for this report (and version): `2.25.<uuid5 as int>`.

        Derived, not stored, so a re-render or a retried delivery produces the
        same SOP Instance UID and PACS de-duplicates instead of doubling up.
        purpose: "series-sr", "series-pdf", "sr", "pdf".
        """
        v = self.version if version is None else version
        scoped = purpose.startswith("series")
        key = f"reporting:{self.report_id}:{purpose}" + ("" if scoped else f":{v}")
        return "2.25." + str(uuid.uuid5(uuid.NAMESPACE_URL, key).int)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the stored form ---------------------------------------------------------
#
# Signing stores the document it froze with the version (ReportVersion.document), so every
# output of that version, in any process and at any later time, is built from exactly what
# was signed: demographics, order data and signatures as they were at the signature.

DOCUMENT_FORMAT = 1
"""Version of the stored form; `document_from_json` refuses forms it does not know."""


def _name_json(name: PersonName | None) -> dict[str, str] | None:
    return None if name is None else {
        "family": name.family, "given": name.given, "middle": name.middle,
        "prefix": name.prefix, "suffix": name.suffix, "credentials": name.credentials,
        "identifier": name.identifier,
    }


def _name(data: dict[str, str] | None) -> PersonName | None:
    return None if data is None else PersonName(**data)


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _signature_json(sig: DocSignature | None) -> dict[str, object] | None:
    return None if sig is None else {
        "signer": _name_json(sig.signer), "role": sig.role, "signed_at": _when(sig.signed_at),
    }


def _signature(data: dict[str, object] | None) -> DocSignature | None:
    if data is None:
        return None
    signer = _required(_name(data["signer"]), "signer")  # type: ignore[arg-type]
    signed_at = _required(_datetime(data["signed_at"]), "signed_at")  # type: ignore[arg-type]
    return DocSignature(signer, str(data["role"]), signed_at)


T = TypeVar("T")


def _required(value: T | None, what: str) -> T:
    if value is None:
        raise ValueError(f"stored document lacks {what}")
    return value


def document_to_json(doc: ReportDocument) -> dict[str, object]:
    """The document as plain JSON (dates as ISO 8601), to be stored with its version."""
    p, s = doc.patient, doc.study
    return {
        "format": DOCUMENT_FORMAT,
        "report_id": doc.report_id,
        "version": doc.version,
        "status": doc.status,
        "patient": {
            "mrn": p.mrn, "mrn_issuer": p.mrn_issuer, "name": _name_json(p.name),
            "birth_date": p.birth_date.isoformat() if p.birth_date else None, "sex": p.sex,
        },
        "facility": {"code": doc.facility.code, "name": doc.facility.name,
                     "address": doc.facility.address, "phone": doc.facility.phone},
        "study": {
            "accession": s.accession, "procedure_code": s.procedure_code,
            "procedure_description": s.procedure_description, "modality": s.modality,
            "body_part": s.body_part, "study_instance_uid": s.study_instance_uid,
            "placer_order_number": s.placer_order_number,
            "filler_order_number": s.filler_order_number,
            "requested_procedure_id": s.requested_procedure_id, "priority": s.priority,
            "reason": s.reason, "ordering_provider": _name_json(s.ordering_provider),
            "scheduled_at": _when(s.scheduled_at), "performed_at": _when(s.performed_at),
            "visit_number": s.visit_number, "patient_class": s.patient_class,
        },
        "sections": [{"id": x.id, "heading": x.heading, "text": x.text,
                      "loinc_code": x.loinc_code} for x in doc.sections],
        "title": doc.title,
        "created_at": _when(doc.created_at),
        "signature": _signature_json(doc.signature),
        "content_hash": doc.content_hash,
        "resident_signature": _signature_json(doc.resident_signature),
        "transcriptionist": _name_json(doc.transcriptionist),
        "addenda": [{"number": a.number, "text": a.text,
                     "signature": _signature_json(a.signature)} for a in doc.addenda],
        "previous_versions": list(doc.previous_versions),
        "language": doc.language,
        "extra": dict(doc.extra),
    }


def document_from_json(data: dict[str, object]) -> ReportDocument:
    """The document stored by `document_to_json` (ValueError for an unknown form)."""
    if data.get("format") != DOCUMENT_FORMAT:
        raise ValueError(f"stored document has format {data.get('format')!r}, "
                         f"expected {DOCUMENT_FORMAT}")
    d: dict[str, Any] = data
    p, s = d["patient"], d["study"]
    signature = _required(_signature(d["signature"]), "signature")
    created_at = _required(_datetime(d["created_at"]), "created_at")
    patient_name = _required(_name(p["name"]), "patient name")
    return ReportDocument(
        report_id=d["report_id"],
        version=int(d["version"]),
        status=d["status"],
        patient=DocPatient(
            mrn=p["mrn"], mrn_issuer=p["mrn_issuer"], name=patient_name,
            birth_date=date.fromisoformat(p["birth_date"]) if p["birth_date"] else None,
            sex=p["sex"],
        ),
        facility=DocFacility(**d["facility"]),
        study=DocStudy(**{
            **s,
            "ordering_provider": _name(s["ordering_provider"]),
            "scheduled_at": _datetime(s["scheduled_at"]),
            "performed_at": _datetime(s["performed_at"]),
        }),
        sections=tuple(DocSection(**x) for x in d["sections"]),
        title=d["title"],
        created_at=created_at,
        signature=signature,
        content_hash=d["content_hash"],
        resident_signature=_signature(d["resident_signature"]),
        transcriptionist=_name(d["transcriptionist"]),
        addenda=tuple(DocAddendum(int(a["number"]), a["text"],
                                  _signature(a["signature"]))  # type: ignore[arg-type]
                      for a in d["addenda"]),
        previous_versions=tuple(int(v) for v in d["previous_versions"]),
        language=d["language"],
        extra=dict(d["extra"]),
    )
