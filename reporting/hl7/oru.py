"""ORU^R01 result messages built from a signed `ReportDocument` (v2.5.1 or v2.3.1)."""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from reporting.delivery.document import DocSignature, PersonName, ReportDocument
from reporting.hl7.er7 import escape, format_ts, utc_now
from reporting.hl7.validation import HL7APY_VARIES_LIMIT

ObxLayout = Literal["line", "section"]
SectionCode = tuple[str, str, str]  # (code, text, coding system)

DEFAULT_SECTION_CODES: dict[str, SectionCode] = {
    "clinical_information": ("55752-0", "Clinical information", "LN"),
    "history": ("11329-0", "History general", "LN"),
    "comparison": ("18834-2", "Radiology Comparison study", "LN"),
    "technique": ("55111-9", "Current imaging procedure descriptions", "LN"),
    "procedure": ("55111-9", "Current imaging procedure descriptions", "LN"),
    "findings": ("59776-5", "Findings", "LN"),
    "impression": ("19005-8", "Radiology Impression", "LN"),
    "recommendation": ("18783-1", "Radiology Study recommendation", "LN"),
    "addendum": ("55107-7", "Addendum", "LN"),
    "pdf": ("18748-4", "Diagnostic imaging study", "LN"),
}
"""LOINC section codes (OBX-3) by section id; `addendum` and `pdf` name those OBX rows."""

_MAX_VALUE = HL7APY_VARIES_LIMIT  # longest OBX-5 text value per row/repetition
_VERSIONS = ("2.5.1", "2.3.1")


def _seg(name: str, fields: Mapping[int, str]) -> str:
    """One segment from {field number: encoded value}; trailing empty fields dropped."""
    last = max((n for n, v in fields.items() if v), default=0)
    return "|".join([name, *(fields.get(n, "") for n in range(1, last + 1))])


def _xcn(person: PersonName | None) -> str:
    """XCN: ID^Family^Given^Middle^Suffix^Prefix^Degree."""
    if person is None:
        return ""
    parts = [person.identifier, person.family, person.given, person.middle, person.suffix,
             person.prefix, person.credentials]
    return "^".join(escape(p) for p in parts).rstrip("^")


def _cnn(person: PersonName | None) -> str:
    """NDL/CNN as subcomponents: ID&Family&Given&Middle&Suffix&Prefix&Degree."""
    if person is None:
        return ""
    parts = [person.identifier, person.family, person.given, person.middle, person.suffix,
             person.prefix, person.credentials]
    return "&".join(escape(p) for p in parts).rstrip("&")


def _ndl(signature: DocSignature | None) -> str:
    if signature is None:
        return ""
    return f"{_cnn(signature.signer)}^{format_ts(signature.signed_at)}"


def _wrap(line: str, limit: int) -> list[str]:
    """Split one text line into pieces whose escaped form fits `limit` (at spaces if possible)."""
    if len(escape(line)) <= limit:
        return [line]
    width = limit
    while width > 10:
        pieces = textwrap.wrap(line, width=width, break_long_words=True,
                               break_on_hyphens=False, drop_whitespace=True)
        if all(len(escape(p)) <= limit for p in pieces):
            return pieces
        width -= 10
    return [line[i : i + 10] for i in range(0, len(line), 10)]


def _code(value: SectionCode) -> str:
    return "^".join(escape(v) for v in value)


def _validate(doc: ReportDocument, version: str, obx_layout: str, control_id: str,
              sending_application: str, now: datetime | None) -> None:
    if version not in _VERSIONS:
        raise ValueError(f"MSH-12 version must be one of {_VERSIONS}, not {version!r}")
    if obx_layout not in ("line", "section"):
        raise ValueError(f"obx_layout must be 'line' or 'section', not {obx_layout!r}")
    if not control_id or not control_id.strip():
        raise ValueError("MSH-10 message control id is required")
    if len(control_id) > 20 or any(c in control_id for c in "|^~\\&\r\n"):
        raise ValueError("MSH-10 message control id must be at most 20 plain characters")
    if not sending_application:
        raise ValueError("MSH-3 sending application is required")
    if not doc.patient.mrn:
        raise ValueError("PID-3 patient identifier (MRN) is required")
    if not doc.patient.name.family:
        raise ValueError("PID-5 patient family name is required")
    if doc.patient.sex not in {"M", "F", "O", "U", ""}:
        raise ValueError(f"PID-8 sex must be M, F, O or U, not {doc.patient.sex!r}")
    if not doc.study.accession:
        raise ValueError("OBR-18 accession number is required")
    if not doc.study.procedure_code:
        raise ValueError("OBR-4 procedure code is required")
    if not (doc.study.placer_order_number or doc.study.filler_order_number):
        raise ValueError("OBR-2/OBR-3 placer or filler order number is required")
    if doc.study.performed_at is None and doc.study.scheduled_at is None:
        raise ValueError("OBR-7 exam time is required (study performed_at or scheduled_at)")
    if doc.status not in ("preliminary", "final", "amended"):
        raise ValueError(f"OBR-25 result status: report status {doc.status!r} is not signed")
    if not doc.signature.signer.family:
        raise ValueError("OBR-32 principal result interpreter is required")
    if not any(s.text.strip() for s in doc.sections) and not doc.addenda:
        raise ValueError("OBX-5 report text is required (all sections are empty)")
    if now is not None and not isinstance(now, datetime):
        raise ValueError("MSH-7 now must be a datetime")


def _text_blocks(
    doc: ReportDocument, codes: Mapping[str, SectionCode]
) -> list[tuple[SectionCode, list[str]]]:
    """Each non-empty section (then each addendum) as (OBX-3 code, lines incl. heading)."""
    blocks: list[tuple[SectionCode, list[str]]] = []
    for section in doc.sections:
        text = section.text.strip("\n").rstrip()
        if not text.strip():
            continue
        code = codes.get(section.id) or DEFAULT_SECTION_CODES.get(section.id)
        if code is None:
            code = ((section.loinc_code, section.heading.title(), "LN") if section.loinc_code
                    else (section.id.upper()[:20], section.heading.title(), "L"))
        lines = [f"{section.heading}:", *text.splitlines()]
        blocks.append((code, lines))
    addendum_code = codes.get("addendum") or DEFAULT_SECTION_CODES["addendum"]
    for addendum in doc.addenda:
        signer = addendum.signature.signer.display
        when = addendum.signature.signed_at.strftime("%Y-%m-%d %H:%M")
        lines = [f"ADDENDUM {addendum.number} ({signer}, {when}):",
                 *addendum.text.strip().splitlines()]
        blocks.append((addendum_code, lines))
    return blocks


def _ft_repetitions(lines: list[str]) -> list[str]:
    """FT text with \\.br\\ line breaks, split into OBX-5 repetitions at line boundaries."""
    reps: list[str] = []
    current = ""
    for line in lines:
        for piece in _wrap(line, _MAX_VALUE):
            encoded = escape(piece)
            candidate = f"{current}\\.br\\{encoded}" if current else encoded
            if len(candidate) <= _MAX_VALUE:
                current = candidate
            else:
                reps.append(current)
                current = encoded
    reps.append(current)
    return reps


def build_oru(
    doc: ReportDocument,
    *,
    control_id: str,
    version: Literal["2.5.1", "2.3.1"] = "2.5.1",
    obx_layout: ObxLayout = "line",
    section_codes: Mapping[str, SectionCode] | None = None,
    sending_application: str = "REPORTING",
    sending_facility: str = "RADIOLOGY",
    receiving_application: str = "",
    receiving_facility: str = "",
    pdf: bytes | None = None,
    now: datetime | None = None,
) -> str:
    """Build an ORU^R01 for a signed report (CR-separated ER7, ending with a CR)."""
    _validate(doc, version, obx_layout, control_id, sending_application, now)
    if pdf is not None and not pdf.startswith(b"%PDF"):
        raise ValueError("OBX-5 pdf must be a PDF document (starting with %PDF)")
    codes = dict(section_codes or {})
    study, patient = doc.study, doc.patient
    status = doc.result_status
    v25 = version == "2.5.1"

    msh = _seg("MSH", {
        1: "^~\\&",
        2: escape(sending_application),
        3: escape(sending_facility),
        4: escape(receiving_application),
        5: escape(receiving_facility),
        6: format_ts(now or utc_now()),
        8: "ORU^R01^ORU_R01" if v25 else "ORU^R01",
        9: control_id,
        10: "P",
        11: version,
        17: "UNICODE UTF-8",
    })
    name = patient.name
    pid = _seg("PID", {
        1: "1",
        3: f"{escape(patient.mrn)}^^^{escape(patient.mrn_issuer)}^MR",
        5: "^".join(escape(p) for p in (name.family, name.given, name.middle, name.suffix,
                                         name.prefix)).rstrip("^"),
        7: format_ts(patient.birth_date) if patient.birth_date else "",
        8: patient.sex or "U",
    })
    pv1 = _seg("PV1", {
        1: "1",
        2: escape(study.patient_class or "O"),
        19: escape(study.visit_number),
    })
    placer, filler = escape(study.placer_order_number), escape(study.filler_order_number)
    exam_time = study.performed_at or study.scheduled_at
    assert exam_time is not None  # checked by _validate
    orc = _seg("ORC", {
        1: "RE",
        2: placer,
        3: filler,
        5: "CM",
        9: format_ts(doc.signed_at),
        12: _xcn(study.ordering_provider),
    })
    obr = _seg("OBR", {
        1: "1",
        2: placer,
        3: filler,
        4: f"{escape(study.procedure_code)}^{escape(study.procedure_description)}^L",
        7: format_ts(exam_time),
        13: escape(_wrap(study.reason, _MAX_VALUE)[0]) if study.reason else "",
        16: _xcn(study.ordering_provider),
        18: escape(study.accession),
        19: escape(study.requested_procedure_id),
        22: format_ts(doc.signed_at),
        24: escape(study.modality or "RAD")[:10],
        25: status,
        32: _ndl(doc.signature),
        33: _ndl(doc.resident_signature) if doc.resident_signature else "",
        35: f"{_cnn(doc.transcriptionist)}" if doc.transcriptionist else "",
    })
    segments = [msh, pid, pv1, orc, obr]
    obx_time = format_ts(exam_time)
    set_id = 0

    def add_obx(value_type: str, code: SectionCode, sub_id: int, value: str) -> None:
        nonlocal set_id
        set_id += 1
        segments.append(_seg("OBX", {
            1: str(set_id),
            2: value_type,
            3: _code(code),
            4: str(sub_id),
            5: value,
            11: status,
            14: obx_time,
        }))

    blocks = _text_blocks(doc, codes)
    for sub_id, (code, lines) in enumerate(blocks, 1):
        if obx_layout == "line":
            for line in lines:
                for piece in _wrap(line, _MAX_VALUE) or [""]:
                    add_obx("TX", code, sub_id, escape(piece))
        else:
            add_obx("FT", code, sub_id, "~".join(_ft_repetitions(lines)))
    if pdf is not None:
        pdf_code = codes.get("pdf") or DEFAULT_SECTION_CODES["pdf"]
        data = base64.b64encode(pdf).decode("ascii")
        add_obx("ED", pdf_code, len(blocks) + 1, f"^AP^PDF^Base64^{data}")
    return "\r".join(segments) + "\r"
