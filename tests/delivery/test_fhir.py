"""FHIR DiagnosticReport: valid R4(B), deterministic, delivered by an idempotent PUT."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
from fhir.resources.R4B.diagnosticreport import DiagnosticReport

from reporting.core.config import Destination
from reporting.delivery.document import ReportDocument
from reporting.delivery.fhir import build_diagnostic_report, resource_id
from reporting.delivery.fhir_sender import deliver_fhir
from tests.delivery.servers import FhirStandIn, free_port


def test_amended_report_is_valid_and_complete(
    amended_doc: ReportDocument, amended_pdf: bytes
) -> None:
    resource = build_diagnostic_report(amended_doc, amended_pdf)
    report = DiagnosticReport.model_validate(resource)
    assert report.status == "amended"
    assert report.id == amended_doc.report_id
    assert report.category[0].coding[0].system == "http://terminology.hl7.org/CodeSystem/v2-0074"
    assert report.category[0].coding[0].code == "RAD"
    codes = [(c.system, c.code) for c in report.code.coding]
    assert codes[0] == ("http://loinc.org", "18748-4")
    assert codes[1][1] == "CTCHEST"
    patient, interpreter = report.contained
    assert report.subject.reference == "#patient"
    assert patient.identifier[0].value == "MRN004521"
    assert "NORTHGATE" in patient.identifier[0].system
    assert patient.name[0].family == "Müller"
    assert patient.name[0].given == ["Jörg", "A"]
    assert str(patient.birthDate) == "1958-03-14"
    assert patient.gender == "male"
    assert report.resultsInterpreter[0].reference == "#interpreter"
    assert interpreter.name[0].family == "Okafor"
    assert report.effectiveDateTime.isoformat() == "2026-11-20T21:58:00+00:00"
    assert report.issued.isoformat() == "2026-11-21T08:02:00+00:00"  # the addendum's signature
    identifiers = {(i.type.coding[0].code if i.type else None): i.value for i in report.identifier}
    assert identifiers["ACSN"] == "NGH26-001234"
    assert amended_doc.report_id in [i.value for i in report.identifier]
    assert f"urn:oid:{amended_doc.study.study_instance_uid}" in [
        i.value for i in report.identifier if i.system == "urn:dicom:uid"
    ]
    assert report.imagingStudy[0].identifier.system == "urn:dicom:uid"
    assert report.conclusion == amended_doc.impression
    form = report.presentedForm[0]
    assert form.contentType == "application/pdf"
    assert form.data == amended_pdf  # fhir.resources decodes base64Binary
    assert base64.b64decode(resource["presentedForm"][0]["data"]) == amended_pdf
    assert form.title


@pytest.mark.parametrize(("which", "status"), [("preliminary", "preliminary"), ("final", "final")])
def test_status_follows_report(which: str, status: str, request: pytest.FixtureRequest) -> None:
    doc: ReportDocument = request.getfixturevalue(f"{which}_doc")
    resource = build_diagnostic_report(doc, None)
    assert DiagnosticReport.model_validate(resource).status == status
    assert "presentedForm" not in resource


def test_id_is_deterministic_and_valid(final_doc: ReportDocument) -> None:
    assert build_diagnostic_report(final_doc, None) == build_diagnostic_report(final_doc, None)
    odd = replace(final_doc, report_id="report #42/7")
    assert resource_id(odd) == resource_id(odd)
    DiagnosticReport.model_validate(build_diagnostic_report(odd, None))


def test_builder_names_missing_fields(final_doc: ReportDocument) -> None:
    no_mrn = replace(final_doc, patient=replace(final_doc.patient, mrn=""))
    with pytest.raises(ValueError, match=r"patient\.mrn"):
        build_diagnostic_report(no_mrn, None)
    with pytest.raises(ValueError, match="pdf must be a PDF"):
        build_diagnostic_report(final_doc, b"<html>")


def ehr(server: FhirStandIn, **overrides: object) -> Destination:
    values: dict[str, object] = {"name": "ehr", "kind": "fhir", "base_url": server.base_url,
                                 "timeout_seconds": 5}
    values.update(overrides)
    return Destination.model_validate(values)


def test_put_is_received_and_valid(
    fhir_server: FhirStandIn, amended_doc: ReportDocument, amended_pdf: bytes
) -> None:
    fhir_server.respond_with(None)
    resource = build_diagnostic_report(amended_doc, amended_pdf)
    first = deliver_fhir(ehr(fhir_server, bearer_token="s3cret"), resource)
    again = deliver_fhir(ehr(fhir_server, bearer_token="s3cret"), resource)
    assert (first.verdict, first.code) == ("delivered", "201")
    assert (again.verdict, again.code) == ("delivered", "200")
    received = fhir_server.requests()[-1]
    assert received["method"] == "PUT"
    assert received["path"] == f"/fhir/DiagnosticReport/{amended_doc.report_id}"
    assert received["authorization"] == "Bearer s3cret"
    assert received["content_type"].startswith("application/fhir+json")
    body = json.loads(received["body"])
    assert body == resource
    report = DiagnosticReport.model_validate(body)
    assert report.presentedForm[0].data == amended_pdf


def test_no_token_no_authorization_header(
    fhir_server: FhirStandIn, final_doc: ReportDocument
) -> None:
    fhir_server.respond_with(None)
    assert deliver_fhir(ehr(fhir_server), build_diagnostic_report(final_doc, None)).ok
    assert fhir_server.requests()[-1]["authorization"] == ""


@pytest.mark.parametrize(
    ("status", "verdict"),
    [(503, "retry"), (500, "retry"), (429, "retry"), (408, "retry"),
     (400, "quarantine"), (401, "quarantine"), (422, "quarantine")],
)
def test_http_status_policy(
    fhir_server: FhirStandIn, final_doc: ReportDocument, status: int, verdict: str
) -> None:
    fhir_server.respond_with(status)
    try:
        outcome = deliver_fhir(ehr(fhir_server), build_diagnostic_report(final_doc, None))
    finally:
        fhir_server.respond_with(None)
    assert (outcome.verdict, outcome.code) == (verdict, str(status))


def test_connection_refused_is_retry(final_doc: ReportDocument) -> None:
    dest = Destination(name="ehr", kind="fhir", base_url=f"http://127.0.0.1:{free_port()}/fhir",
                       timeout_seconds=2)
    outcome = deliver_fhir(dest, build_diagnostic_report(final_doc, None))
    assert (outcome.verdict, outcome.code) == ("retry", "connection_refused")
