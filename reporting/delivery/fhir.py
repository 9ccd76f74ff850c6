"""The signed report as a FHIR R4 DiagnosticReport (JSON dict), PDF attached.

The resource is self-contained: Patient and the interpreting Practitioner are
contained resources, the imaging study is a logical reference by its DICOM
Study Instance UID. Its id derives from the report id, so every version of a
report updates one resource (PUT), and a retried PUT is harmless.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from reporting.delivery.document import PersonName, ReportDocument

LOINC = "http://loinc.org"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
DICOM_UID = "urn:dicom:uid"
RFC3986 = "urn:ietf:rfc:3986"
LOCAL_SYSTEM = "urn:reporting"  # our own namespace for ids with no better system
REPORT_ID_SYSTEM = f"{LOCAL_SYSTEM}:report-id"

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_GENDER = {"M": "male", "F": "female", "O": "other", "U": "unknown"}
_STATUS = {"preliminary": "preliminary", "final": "final", "amended": "amended"}


def resource_id(doc: ReportDocument) -> str:
    """The deterministic FHIR id of this report's DiagnosticReport (all versions)."""
    if _FHIR_ID.match(doc.report_id):
        return doc.report_id
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"reporting:{doc.report_id}:fhir"))


def _instant(value: datetime) -> str:
    """FHIR instant/dateTime with a zone; naive values are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _system(namespace: str, kind: str) -> str:
    """A URI naming an identifier namespace: kept if it is a URI, OID-wrapped, or local."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", namespace):
        return namespace
    if re.match(r"^[0-2](\.(0|[1-9][0-9]*))+$", namespace):
        return f"urn:oid:{namespace}"
    safe = re.sub(r"[^A-Za-z0-9._-]", "-", namespace)
    return f"{LOCAL_SYSTEM}:{kind}:{safe}"


def _human_name(person: PersonName) -> dict[str, Any]:
    name: dict[str, Any] = {"use": "official", "family": person.family}
    given = [p for p in (person.given, person.middle) if p]
    if given:
        name["given"] = given
    if person.prefix:
        name["prefix"] = [person.prefix]
    suffix = [p for p in (person.suffix, person.credentials) if p]
    if suffix:
        name["suffix"] = suffix
    name["text"] = " ".join(p for p in (person.prefix, *given, person.family) if p)
    return name


def validate_for_fhir(doc: ReportDocument) -> None:
    """Raise ValueError naming the first field a DiagnosticReport cannot do without."""
    required = {
        "report_id": doc.report_id,
        "patient.mrn": doc.patient.mrn,
        "patient.name.family": doc.patient.name.family,
        "study.accession": doc.study.accession,
        "signature.signer.family": doc.signature.signer.family,
    }
    for name, value in required.items():
        if not str(value).strip():
            raise ValueError(f"{name} is required")
    if doc.status not in _STATUS:
        raise ValueError(f"status must be preliminary, final or amended, not {doc.status!r}")


def _patient(doc: ReportDocument) -> dict[str, Any]:
    patient = doc.patient
    identifier: dict[str, Any] = {
        "use": "usual",
        "type": {"coding": [{"system": V2_0203, "code": "MR", "display": "Medical record number"}]},
        "system": _system(patient.mrn_issuer or doc.facility.code or "local", "mrn"),
        "value": patient.mrn,
    }
    if patient.mrn_issuer:
        identifier["assigner"] = {"display": patient.mrn_issuer}
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "patient",
        "identifier": [identifier],
        "name": [_human_name(patient.name)],
        "gender": _GENDER.get(patient.sex, "unknown"),
    }
    if patient.birth_date:
        resource["birthDate"] = patient.birth_date.isoformat()
    return resource


def _practitioner(person: PersonName, local_id: str, doc: ReportDocument) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": local_id,
        "name": [_human_name(person)],
    }
    if person.identifier:
        resource["identifier"] = [
            {"system": _system(doc.facility.code or "local", "practitioner"),
             "value": person.identifier}
        ]
    return resource


def build_diagnostic_report(doc: ReportDocument, pdf: bytes | None) -> dict[str, Any]:
    """Build the R4 DiagnosticReport of this report version (PDF in presentedForm)."""
    validate_for_fhir(doc)
    if pdf is not None and not pdf.startswith(b"%PDF-"):
        raise ValueError("pdf must be a PDF document (bytes starting with %PDF-)")
    study = doc.study
    interpreters = [("interpreter", doc.signature.signer)]
    if doc.resident_signature is not None:
        interpreters.append(("resident", doc.resident_signature.signer))
    contained = [_patient(doc)] + [_practitioner(p, i, doc) for i, p in interpreters]

    code: dict[str, Any] = {
        "coding": [{"system": LOINC, "code": "18748-4", "display": "Diagnostic imaging study"}],
        "text": doc.title,
    }
    if study.procedure_code:
        code["coding"].append({
            "system": _system(doc.facility.code or "local", "procedure"),
            "code": study.procedure_code,
            "display": study.procedure_description or doc.title,
        })

    identifiers: list[dict[str, Any]] = [
        {"use": "official", "system": REPORT_ID_SYSTEM, "value": doc.report_id},
        {
            "use": "usual",
            "type": {"coding": [{"system": V2_0203, "code": "ACSN",
                                 "display": "Accession ID"}]},
            "system": _system(doc.facility.code or "local", "accession"),
            "value": study.accession,
        },
    ]
    if study.study_instance_uid:
        identifiers.append({"system": DICOM_UID, "value": f"urn:oid:{study.study_instance_uid}"})

    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": resource_id(doc),
        "language": doc.language,
        "contained": contained,
        "identifier": identifiers,
        "status": _STATUS[doc.status],
        "category": [{"coding": [{"system": V2_0074, "code": "RAD", "display": "Radiology"}]}],
        "code": code,
        "subject": {"reference": "#patient", "display": doc.patient.name.display},
        "issued": _instant(doc.signed_at),
        "resultsInterpreter": [
            {"reference": f"#{local_id}", "display": person.display}
            for local_id, person in interpreters
        ],
        "conclusion": doc.impression.strip() or doc.canonical_text().strip(),
    }
    performed = study.performed_at or study.scheduled_at
    if performed is not None:
        resource["effectiveDateTime"] = _instant(performed)
    if study.study_instance_uid:
        resource["imagingStudy"] = [{
            "type": "ImagingStudy",
            "identifier": {"system": DICOM_UID, "value": f"urn:oid:{study.study_instance_uid}"},
            "display": study.procedure_description or doc.title,
        }]
    if pdf is not None:
        resource["presentedForm"] = [{
            "contentType": "application/pdf",
            "language": doc.language,
            "data": base64.b64encode(pdf).decode("ascii"),
            "size": len(pdf),
            "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
            "title": f"{doc.title} ({doc.status}, version {doc.version})",
            "creation": _instant(doc.signed_at),
        }]
    return resource
