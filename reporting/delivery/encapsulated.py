"""The report PDF wrapped as a DICOM Encapsulated PDF in the study of the images."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from reporting.delivery.document import ReportDocument
from reporting.delivery.sr import (
    DOCUMENT_TITLE,
    add_equipment,
    add_patient_and_study,
    add_sop_common,
    code_item,
    dataset_bytes,
    dt,
    file_meta,
    tm,
    validate_for_dicom,
)
from reporting.delivery.sr import da as dicom_date

ENCAPSULATED_PDF = "1.2.840.10008.5.1.4.1.1.104.1"
PDF_SERIES_NUMBER = 9002


def build_encapsulated_pdf(doc: ReportDocument, pdf: bytes) -> Dataset:
    """Wrap the rendered PDF of this report version in an Encapsulated PDF instance."""
    validate_for_dicom(doc)
    if not pdf.startswith(b"%PDF-"):
        raise ValueError("pdf must be a PDF document (bytes starting with %PDF-)")
    ds = Dataset()
    add_sop_common(ds, doc, ENCAPSULATED_PDF, doc.uid("pdf"))
    add_patient_and_study(ds, doc)
    # Encapsulated Document Series
    ds.Modality = "DOC"
    ds.SeriesInstanceUID = doc.uid("series-pdf")
    ds.SeriesNumber = PDF_SERIES_NUMBER
    ds.SeriesDescription = "Radiology report (PDF)"
    add_equipment(ds, doc)
    ds.ConversionType = "WSD"  # SC Equipment: made on a workstation, not scanned
    # Encapsulated Document
    signed_at = doc.signed_at
    ds.ContentDate = dicom_date(signed_at)
    ds.ContentTime = tm(signed_at)
    ds.AcquisitionDateTime = dt(signed_at)
    ds.BurnedInAnnotation = "YES"  # the PDF shows the patient's name and MRN
    ds.RecognizableVisualFeatures = "NO"
    prefix = "PRELIMINARY " if doc.status == "preliminary" else ""
    ds.DocumentTitle = f"{prefix}{doc.title}"[:64].replace("\\", " ")
    ds.ConceptNameCodeSequence = Sequence([code_item(DOCUMENT_TITLE)])
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    # OB values are padded to an even length; the length attribute keeps the true size.
    ds.EncapsulatedDocument = pdf + (b"\0" if len(pdf) % 2 else b"")
    ds.EncapsulatedDocumentLength = len(pdf)
    file_meta(ds)
    return ds


def encapsulated_pdf_bytes(doc: ReportDocument, pdf: bytes) -> bytes:
    """The Encapsulated PDF instance as a DICOM Part 10 file."""
    return dataset_bytes(build_encapsulated_pdf(doc, pdf))
