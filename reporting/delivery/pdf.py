"""The signed report as a PDF: a Jinja HTML/CSS layout rendered by WeasyPrint.

Layouts live in ``layouts/`` at the repository root: ``layouts/default/`` holds
``report.html``, ``report.css`` and ``logo.svg``; a facility overrides any of
them (or adds ``facility.css``, appended after ``report.css``) in
``layouts/<FACILITY_CODE>/``. Layouts render in a sandboxed Jinja environment.
"""

from __future__ import annotations

import base64
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from reporting.delivery.document import DocSignature, PersonName, ReportDocument

DEFAULT_LAYOUTS_DIR = Path(__file__).resolve().parents[2] / "layouts"

_SEX_LABELS = {"M": "Male", "F": "Female", "O": "Other", "U": "Unknown"}
_ROLE_LABELS = {"radiologist": "Radiologist", "resident": "Resident", "attending": "Attending"}
_STATUS_LABELS = {"preliminary": "Preliminary", "final": "Final", "amended": "Amended"}
_LOGO_TYPES = {"logo.svg": "image/svg+xml", "logo.png": "image/png", "logo.jpg": "image/jpeg"}
_SAFE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def validate_document(doc: ReportDocument) -> None:
    """Raise ValueError naming the first field a rendered report cannot do without."""
    required = {
        "patient.mrn": doc.patient.mrn,
        "patient.name.family": doc.patient.name.family,
        "study.accession": doc.study.accession,
        "study.study_instance_uid": doc.study.study_instance_uid,
        "signature.signer.family": doc.signature.signer.family,
        "report_id": doc.report_id,
        "title": doc.title,
    }
    for name, value in required.items():
        if not str(value).strip():
            raise ValueError(f"{name} is required")
    if doc.version < 1:
        raise ValueError("version must be 1 or more")
    if doc.status not in _STATUS_LABELS:
        raise ValueError(f"status must be preliminary, final or amended, not {doc.status!r}")
    if not any(s.text.strip() for s in doc.sections):
        raise ValueError("sections: at least one section must have text")
    numbers = [a.number for a in doc.addenda]
    if numbers != sorted(set(numbers)):
        raise ValueError("addenda must be numbered in increasing order")


def format_datetime(value: datetime | None) -> str:
    """`2026-11-20 22:41 UTC` (or with its UTC offset; naive values print as they are)."""
    if value is None:
        return ""
    text = value.strftime("%Y-%m-%d %H:%M")
    offset = value.utcoffset()
    if offset is None:
        return text
    if offset == timedelta(0):
        return f"{text} UTC"
    return f"{text} {value.strftime('%z')[:3]}:{value.strftime('%z')[3:]}"


def _age(birth: date | None, on: date) -> str:
    if birth is None:
        return ""
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return f"{years} y" if years >= 0 else ""


def _name(person: PersonName | None) -> str:
    """Family, Given Middle: the way a patient's or provider's name heads a report."""
    if person is None:
        return ""
    given = " ".join(p for p in (person.given, person.middle) if p)
    return f"{person.family}, {given}" if given else person.family


def css_string(value: object) -> Markup:
    """A CSS string literal for `content:`; every character but letters and digits escaped."""
    out = []
    for char in str(value):
        out.append(char if char.isascii() and char.isalnum() else f"\\{ord(char):06x}")
    return Markup('"' + "".join(out) + '"')


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines() if line.strip()]


def _signature_view(sig: DocSignature) -> dict[str, str]:
    return {
        "name": sig.signer.display,
        "role": _ROLE_LABELS.get(sig.role, sig.role.title()),
        "signed_at": format_datetime(sig.signed_at),
    }


def _logo_uri(search: list[Path]) -> str:
    for folder in search:
        for filename, mime in _LOGO_TYPES.items():
            path = folder / filename
            if path.is_file():
                return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()
    return ""


def _layout_search_path(doc: ReportDocument, layouts_dir: Path) -> list[Path]:
    search = []
    code = doc.facility.code
    if code and _SAFE_CODE.match(code) and (layouts_dir / code).is_dir():
        search.append(layouts_dir / code)
    search.append(layouts_dir / "default")
    return search


def report_view(doc: ReportDocument) -> dict[str, Any]:
    """The plain strings a layout prints (the `r` variable of report.html)."""
    study, patient = doc.study, doc.patient
    exam_at = study.performed_at or study.scheduled_at
    signer = doc.signature.signer.display
    name = _name(patient.name)
    return {
        "language": doc.language,
        "report_id": doc.report_id,
        "version": doc.version,
        "status": doc.status,
        "status_label": _STATUS_LABELS[doc.status],
        "preliminary": doc.status == "preliminary",
        "title": doc.title,
        "facility_name": doc.facility.name or doc.facility.code,
        "facility_address": doc.facility.address,
        "facility_phone": doc.facility.phone,
        "patient_name": name,
        "mrn": patient.mrn,
        "mrn_issuer": patient.mrn_issuer,
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else "",
        "age": _age(patient.birth_date, (exam_at or doc.signed_at).date()),
        "sex": _SEX_LABELS.get(patient.sex, patient.sex),
        "accession": study.accession,
        "exam": study.procedure_description or doc.title,
        "exam_date": format_datetime(exam_at),
        "ordering_provider": _name(study.ordering_provider),
        "priority": study.priority,
        "patient_class": study.patient_class,
        "sections": [
            {"id": s.id, "heading": s.heading, "paragraphs": _paragraphs(s.text)}
            for s in doc.sections
            if s.text.strip()
        ],
        "signature": _signature_view(doc.signature),
        "resident": _signature_view(doc.resident_signature) if doc.resident_signature else None,
        "transcriptionist": doc.transcriptionist.display if doc.transcriptionist else "",
        "addenda": [
            {"number": a.number, "paragraphs": _paragraphs(a.text),
             "signature": _signature_view(a.signature)}
            for a in doc.addenda
        ],
        "content_hash_short": doc.content_hash[:16],
        "meta_title": f"{doc.title} — {name} — {study.accession}",
        "meta_author": signer,
        "meta_subject": (
            f"{_STATUS_LABELS[doc.status]} radiology report, accession {study.accession}, "
            f"MRN {patient.mrn}, {doc.facility.name or doc.facility.code}"
        ),
        "meta_keywords": f"radiology report, {study.modality}, {study.accession}, "
        f"report {doc.report_id} v{doc.version}",
        "meta_created": doc.signed_at.isoformat(),
    }


def render_html(doc: ReportDocument, *, layouts_dir: Path | None = None) -> str:
    """Render the facility's (or the default) HTML layout for this report."""
    validate_document(doc)
    search = _layout_search_path(doc, layouts_dir or DEFAULT_LAYOUTS_DIR)
    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(p) for p in search]),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    view = report_view(doc)
    view["logo_uri"] = _logo_uri(search)
    return env.get_template("report.html").render(r=view)


def render_pdf(doc: ReportDocument, *, layouts_dir: Path | None = None) -> bytes:
    """Render the signed report to PDF bytes (same document in, same bytes out)."""
    from weasyprint import HTML  # heavy import, only where a PDF is made

    html = render_html(doc, layouts_dir=layouts_dir)
    base = (layouts_dir or DEFAULT_LAYOUTS_DIR) / "default"
    pdf = HTML(string=html, base_url=str(base)).write_pdf(
        pdf_identifier=doc.uid("pdf").encode("ascii")[:32]
    )
    if not isinstance(pdf, bytes):  # write_pdf without a target always returns bytes
        raise TypeError("WeasyPrint returned no PDF bytes")
    return pdf
