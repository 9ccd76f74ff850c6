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
from typing import Literal

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
