"""DICOM SR and encapsulated PDF: dciodvfy-clean, in the images' study, content as signed."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pydicom
import pytest

from reporting.delivery.document import ReportDocument
from reporting.delivery.encapsulated import ENCAPSULATED_PDF, build_encapsulated_pdf
from reporting.delivery.sr import BASIC_TEXT_SR, build_sr, dataset_bytes, sr_bytes, text_items


def dciodvfy(data: bytes, tmp_path: Path, name: str) -> list[str]:
    """dciodvfy's messages for one Part 10 file (it prints the IOD name, then findings)."""
    path = tmp_path / f"{name}.dcm"
    path.write_bytes(data)
    result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, check=False)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


@pytest.mark.parametrize("which", ["preliminary", "final", "amended"])
def test_sr_passes_dciodvfy_without_errors_or_warnings(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    doc: ReportDocument = request.getfixturevalue(f"{which}_doc")
    messages = dciodvfy(sr_bytes(doc), tmp_path, which)
    assert messages == ["BasicTextSR"]


def test_encapsulated_pdf_passes_dciodvfy(
    amended_doc: ReportDocument, amended_pdf: bytes, tmp_path: Path
) -> None:
    ds = build_encapsulated_pdf(amended_doc, amended_pdf)
    assert dciodvfy(dataset_bytes(ds), tmp_path, "pdf") == ["EncapsulatedPDF"]


def test_sr_lands_in_the_study_of_the_images(amended_doc: ReportDocument) -> None:
    ds = pydicom.dcmread(BytesIO(sr_bytes(amended_doc)))
    study = amended_doc.study
    assert ds.SOPClassUID == BASIC_TEXT_SR
    assert ds.SOPInstanceUID == amended_doc.uid("sr")
    assert ds.SeriesInstanceUID == amended_doc.uid("series-sr")
    assert ds.StudyInstanceUID == study.study_instance_uid
    assert ds.AccessionNumber == study.accession
    assert ds.SpecificCharacterSet == "ISO_IR 192"
    assert str(ds.PatientName) == "Müller^Jörg^A"
    assert ds.PatientID == "MRN004521"
    assert ds.IssuerOfPatientID == "NORTHGATE"
    assert ds.PatientBirthDate == "19580314"
    assert ds.PatientSex == "M"
    assert str(ds.ReferringPhysicianName) == "Rivera^Carmen"
    assert (ds.StudyDate, ds.StudyTime) == ("20261120", "215800")
    assert ds.StudyID == "RP4451"
    assert ds.Modality == "SR"
    assert ds.InstanceNumber == 2
    # content time is the signing time of this version (the addendum's)
    assert (ds.ContentDate, ds.ContentTime) == ("20261121", "080200")
    request = ds.ReferencedRequestSequence[0]
    assert request.AccessionNumber == study.accession
    assert request.StudyInstanceUID == study.study_instance_uid
    assert request.PlacerOrderNumberImagingServiceRequest == "PLC778812"
    assert request.FillerOrderNumberImagingServiceRequest == "FIL445120"
    assert request.RequestedProcedureID == "RP4451"
    assert request.RequestedProcedureDescription == "CT CHEST WITHOUT CONTRAST"


def test_predecessor_is_the_previous_versions_sr(
    amended_doc: ReportDocument, final_doc: ReportDocument
) -> None:
    ds = build_sr(amended_doc)
    previous = build_sr(final_doc)
    item = ds.PredecessorDocumentsSequence[0]
    assert item.StudyInstanceUID == previous.StudyInstanceUID
    series = item.ReferencedSeriesSequence[0]
    assert series.SeriesInstanceUID == previous.SeriesInstanceUID
    assert series.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == previous.SOPInstanceUID
    assert series.ReferencedSOPSequence[0].ReferencedSOPClassUID == BASIC_TEXT_SR
    assert "PredecessorDocumentsSequence" not in previous
    assert previous.SOPInstanceUID != ds.SOPInstanceUID
    assert previous.SeriesInstanceUID == ds.SeriesInstanceUID


@pytest.mark.parametrize(
    ("which", "flags", "verified"),
    [
        ("preliminary", ("PARTIAL", "UNVERIFIED", "PRELIMINARY"), False),
        ("final", ("COMPLETE", "VERIFIED", "FINAL"), True),
        ("amended", ("COMPLETE", "VERIFIED", "FINAL"), True),
    ],
)
def test_flags_follow_report_status(
    which: str, flags: tuple[str, str, str], verified: bool, request: pytest.FixtureRequest
) -> None:
    doc: ReportDocument = request.getfixturevalue(f"{which}_doc")
    ds = build_sr(doc)
    assert (ds.CompletionFlag, ds.VerificationFlag, ds.PreliminaryFlag) == flags
    assert ("VerifyingObserverSequence" in ds) is verified
    if verified:
        observer = ds.VerifyingObserverSequence[0]
        assert str(observer.VerifyingObserverName) == "Okafor^Adaeze"
        assert observer.VerificationDateTime.startswith(ds.ContentDate + ds.ContentTime)


def test_tid_2000_tree(amended_doc: ReportDocument) -> None:
    ds = build_sr(amended_doc)
    title = ds.ConceptNameCodeSequence[0]
    assert (title.CodeValue, title.CodingSchemeDesignator) == ("18748-4", "LN")
    assert ds.ContentTemplateSequence[0].TemplateIdentifier == "2000"
    items = list(ds.ContentSequence)
    language = items[0]
    assert language.RelationshipType == "HAS CONCEPT MOD"
    assert language.ConceptCodeSequence[0].CodeValue == "en-US"
    names = [i for i in items if i.ValueType == "PNAME"]
    assert [str(n.PersonName) for n in names] == ["Okafor^Adaeze"]
    headings = [i.ConceptNameCodeSequence[0].CodeValue for i in items if i.ValueType == "CONTAINER"]
    assert headings == ["11329-0", "18834-2", "55111-9", "59776-5", "19005-8", "55107-7"]
    addendum = items[-1]
    assert addendum.ObservationDateTime == "20261121080200+0000"


def test_text_items_equal_the_signed_sections(amended_doc: ReportDocument) -> None:
    ds = pydicom.dcmread(BytesIO(sr_bytes(amended_doc)))
    texts = text_items(ds)
    assert texts["Findings"] == [
        line.strip() for line in amended_doc.sections[3].text.splitlines()
    ]
    assert "\n".join(texts["Impressions"]) == amended_doc.impression
    assert texts["Addendum"] == [amended_doc.addenda[0].text]
    assert texts["History"] == ["Shortness of breath; history of smoking."]


def test_encapsulated_pdf_holds_the_pdf(amended_doc: ReportDocument, amended_pdf: bytes) -> None:
    ds = pydicom.dcmread(BytesIO(dataset_bytes(build_encapsulated_pdf(amended_doc, amended_pdf))))
    assert ds.SOPClassUID == ENCAPSULATED_PDF
    assert ds.SOPInstanceUID == amended_doc.uid("pdf")
    assert ds.SeriesInstanceUID == amended_doc.uid("series-pdf")
    assert ds.StudyInstanceUID == amended_doc.study.study_instance_uid
    assert ds.MIMETypeOfEncapsulatedDocument == "application/pdf"
    length = ds.EncapsulatedDocumentLength
    assert ds.EncapsulatedDocument[:length] == amended_pdf


def test_builders_name_missing_fields(final_doc: ReportDocument, amended_pdf: bytes) -> None:
    no_uid = replace(final_doc, study=replace(final_doc.study, study_instance_uid=""))
    with pytest.raises(ValueError, match="study_instance_uid"):
        build_sr(no_uid)
    bad_uid = replace(final_doc, study=replace(final_doc.study, study_instance_uid="1.2.abc"))
    with pytest.raises(ValueError, match="not a valid DICOM UID"):
        build_sr(bad_uid)
    with pytest.raises(ValueError, match="AccessionNumber"):
        build_sr(replace(final_doc, study=replace(final_doc.study, accession="")))
    with pytest.raises(ValueError, match="pdf must be a PDF"):
        build_encapsulated_pdf(final_doc, b"not a pdf")
    with pytest.raises(ValueError, match="PatientID"):
        build_encapsulated_pdf(
            replace(final_doc, patient=replace(final_doc.patient, mrn="")), amended_pdf
        )
