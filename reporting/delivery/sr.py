"""The signed report as a DICOM Basic Text SR following TID 2000.

Basic Diagnostic Imaging Report (TID 2000) in the Basic Text SR IOD: a root
container titled LOINC 18748-4, language and observer context, then one
section container per report section (LOINC headings from CID 7001) holding
TEXT items (concepts from CID 7002), then one Addendum container per addendum.
Why Basic Text SR and not Enhanced/Comprehensive: see docs/outputs.md.

The SR lands in the study of the images (same Study Instance UID and patient
module); its UIDs derive from the report (``ReportDocument.uid``) so a retried
send is the same instance.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from io import BytesIO

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian

from reporting.delivery.document import DocSection, PersonName, ReportDocument

BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
SR_SERIES_NUMBER = 9001
MANUFACTURER = "reporting"
SOFTWARE_VERSION = "0.1.0"

Code = tuple[str, str, str]  # (value, scheme, meaning)

DOCUMENT_TITLE: Code = ("18748-4", "LN", "Diagnostic imaging report")
LANGUAGE: Code = ("121049", "DCM", "Language of Content Item and Descendants")
OBSERVER_TYPE: Code = ("121005", "DCM", "Observer Type")
PERSON: Code = ("121006", "DCM", "Person")
PERSON_OBSERVER_NAME: Code = ("121008", "DCM", "Person Observer Name")
PERSON_OBSERVER_ORG: Code = ("121009", "DCM", "Person Observer's Organization Name")
ADDENDUM_SECTION: Code = ("55107-7", "LN", "Addendum")
ADDENDUM_TEXT: Code = ("121078", "DCM", "Addendum")

# Our section ids → (section heading from CID 7001, TEXT concept from CID 7002).
SECTION_CODES: dict[str, tuple[Code, Code]] = {
    "clinical_information": (("11329-0", "LN", "History"), ("121060", "DCM", "History")),
    "history": (("11329-0", "LN", "History"), ("121060", "DCM", "History")),
    "indication": (("11329-0", "LN", "History"), ("121060", "DCM", "History")),
    "comparison": (
        ("18834-2", "LN", "Comparison"), ("121069", "DCM", "Previous Finding"),
    ),
    "technique": (
        ("55111-9", "LN", "Current Procedure Descriptions"),
        ("121065", "DCM", "Procedure Description"),
    ),
    "findings": (("59776-5", "LN", "Findings"), ("121071", "DCM", "Finding")),
    "impression": (("19005-8", "LN", "Impressions"), ("121073", "DCM", "Impression")),
    "recommendations": (
        ("18783-1", "LN", "Recommendations"), ("121075", "DCM", "Recommendation"),
    ),
}
# Sections we do not know by id are placed by their LOINC code, else under Findings.
_BY_LOINC = {heading[0]: (heading, text) for heading, text in SECTION_CODES.values()}
_LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish",
              "it": "Italian", "nl": "Dutch", "pt": "Portuguese"}


def _require(name: str, value: object) -> None:
    if not str(value or "").strip():
        raise ValueError(f"{name} is required")


def validate_for_dicom(doc: ReportDocument) -> None:
    """Raise ValueError naming the first field a DICOM object cannot be built without."""
    _require("study.study_instance_uid", doc.study.study_instance_uid)
    _require("patient.mrn (PatientID)", doc.patient.mrn)
    _require("patient.name.family (PatientName)", doc.patient.name.family)
    _require("study.accession (AccessionNumber)", doc.study.accession)
    _require("signature.signer.family (observer name)", doc.signature.signer.family)
    _require("report_id", doc.report_id)
    uid = doc.study.study_instance_uid
    if len(uid) > 64 or not all(part.isdigit() for part in uid.split(".")):
        raise ValueError(f"study.study_instance_uid is not a valid DICOM UID: {uid!r}")
    if len(doc.study.accession) > 16:
        raise ValueError("study.accession (AccessionNumber) is longer than 16 characters")
    if len(doc.patient.mrn) > 64:
        raise ValueError("patient.mrn (PatientID) is longer than 64 characters")
    if doc.version < 1:
        raise ValueError("version must be 1 or more")
    if doc.status not in ("preliminary", "final", "amended"):
        raise ValueError(f"status must be preliminary, final or amended, not {doc.status!r}")
    if not any(s.text.strip() for s in doc.sections):
        raise ValueError("sections: at least one section must have text")


# --- value formatting ---------------------------------------------------------------


def person_name(person: PersonName | None) -> str:
    """DICOM PN value `Family^Given^Middle^Prefix^Suffix` (trailing empties dropped)."""
    if person is None:
        return ""
    parts = [person.family, person.given, person.middle, person.prefix, person.suffix]
    return "^".join(p.replace("^", " ").replace("\\", " ")[:64] for p in parts).rstrip("^")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value


def da(value: date | datetime | None) -> str:
    """DICOM DA (YYYYMMDD); aware datetimes in UTC."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _utc(value)
    return value.strftime("%Y%m%d")


def tm(value: datetime | None) -> str:
    """DICOM TM (HHMMSS); aware datetimes in UTC."""
    return _utc(value).strftime("%H%M%S") if value is not None else ""


def dt(value: datetime) -> str:
    """DICOM DT with a UTC offset when the value is aware."""
    value = _utc(value)
    return value.strftime("%Y%m%d%H%M%S") + ("+0000" if value.tzinfo is not None else "")


def _short(text: str, limit: int) -> str:
    return text.replace("\\", " ")[:limit]


def code_item(code: Code) -> Dataset:
    """A Code Sequence item (CodeValue, CodingSchemeDesignator, CodeMeaning)."""
    item = Dataset()
    item.CodeValue = code[0]
    item.CodingSchemeDesignator = code[1]
    item.CodeMeaning = _short(code[2], 64)
    return item


# --- shared modules (SR and encapsulated PDF) ----------------------------------------


def add_patient_and_study(ds: Dataset, doc: ReportDocument) -> None:
    """Patient and General Study modules copied from the order, so both land in its study."""
    patient, study = doc.patient, doc.study
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = person_name(patient.name)
    ds.PatientID = patient.mrn
    if patient.mrn_issuer:
        ds.IssuerOfPatientID = _short(patient.mrn_issuer, 64)
    ds.PatientBirthDate = da(patient.birth_date)
    ds.PatientSex = patient.sex if patient.sex in ("M", "F", "O") else "O" if patient.sex else ""
    ds.StudyInstanceUID = study.study_instance_uid
    study_at = study.performed_at or study.scheduled_at or doc.created_at
    ds.StudyDate = da(study_at)
    ds.StudyTime = tm(study_at)
    ds.ReferringPhysicianName = person_name(study.ordering_provider)
    # IHE Scheduled Workflow maps the Requested Procedure ID to the modality's Study ID.
    study_id = doc.extra.get("study_id") or study.requested_procedure_id or study.accession
    ds.StudyID = _short(study_id, 16)
    ds.AccessionNumber = study.accession
    ds.StudyDescription = _short(study.procedure_description or doc.title, 64)
    if study_at.tzinfo is not None:
        ds.TimezoneOffsetFromUTC = "+0000"


def add_equipment(ds: Dataset, doc: ReportDocument) -> None:
    """General Equipment module: this software at this facility."""
    ds.Manufacturer = MANUFACTURER
    ds.InstitutionName = _short(doc.facility.name or doc.facility.code, 64)
    ds.ManufacturerModelName = "reporting server"
    ds.SoftwareVersions = SOFTWARE_VERSION


def add_sop_common(ds: Dataset, doc: ReportDocument, sop_class: str, sop_instance: str) -> None:
    """SOP Common module with a deterministic creation time (the signing time)."""
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    ds.InstanceCreationDate = da(doc.signed_at)
    ds.InstanceCreationTime = tm(doc.signed_at)
    ds.InstanceNumber = doc.version


def referenced_request(doc: ReportDocument) -> Dataset:
    """One Referenced Request Sequence item: the order this report answers."""
    study = doc.study
    item = Dataset()
    item.StudyInstanceUID = study.study_instance_uid
    item.ReferencedStudySequence = Sequence()
    item.AccessionNumber = study.accession
    if doc.facility.code:
        issuer = Dataset()
        issuer.LocalNamespaceEntityID = _short(doc.facility.code, 64)
        item.IssuerOfAccessionNumberSequence = Sequence([issuer])
    item.PlacerOrderNumberImagingServiceRequest = _short(study.placer_order_number, 64)
    item.FillerOrderNumberImagingServiceRequest = _short(study.filler_order_number, 64)
    item.RequestedProcedureID = _short(study.requested_procedure_id, 16)
    item.RequestedProcedureDescription = _short(study.procedure_description, 64)
    # Local procedure codes stay out of DICOM: a private "99..." scheme is unknown to
    # every validator and PACS; the description above carries the procedure.
    item.RequestedProcedureCodeSequence = Sequence()
    if study.reason:
        item.ReasonForTheRequestedProcedure = _short(study.reason, 1024)
    return item


def file_meta(ds: Dataset) -> None:
    """Part 10 file meta information (Explicit VR Little Endian)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "REPORTING_010"
    ds.file_meta = meta


def dataset_bytes(ds: Dataset) -> bytes:
    """The dataset as a DICOM Part 10 file."""
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


# --- SR content tree -----------------------------------------------------------------


def _item(value_type: str, relationship: str, concept: Code) -> Dataset:
    item = Dataset()
    item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = Sequence([code_item(concept)])
    return item


def _text(relationship: str, concept: Code, text: str) -> Dataset:
    item = _item("TEXT", relationship, concept)
    item.TextValue = text
    return item


def _code(relationship: str, concept: Code, value: Code) -> Dataset:
    item = _item("CODE", relationship, concept)
    item.ConceptCodeSequence = Sequence([code_item(value)])
    return item


def _pname(relationship: str, concept: Code, person: PersonName) -> Dataset:
    item = _item("PNAME", relationship, concept)
    item.PersonName = person_name(person)
    return item


def _container(relationship: str, concept: Code, children: Iterable[Dataset]) -> Dataset:
    item = _item("CONTAINER", relationship, concept)
    item.ContinuityOfContent = "SEPARATE"
    item.ContentSequence = Sequence(list(children))
    return item


def _language_code(tag: str) -> Code:
    primary = tag.split("-")[0].lower() or "en"
    meaning = _LANGUAGES.get(primary, primary)
    if "-" in tag:
        meaning += f", {tag.split('-', 1)[1].upper()}"
    return (tag, "RFC5646", meaning)


def _observer(person: PersonName, organization: str) -> list[Dataset]:
    items = [
        _code("HAS OBS CONTEXT", OBSERVER_TYPE, PERSON),
        _pname("HAS OBS CONTEXT", PERSON_OBSERVER_NAME, person),
    ]
    if organization:
        items.append(_text("HAS OBS CONTEXT", PERSON_OBSERVER_ORG, organization))
    return items


def section_codes(section: DocSection) -> tuple[Code, Code]:
    """The (section heading, text concept) codes a report section is filed under."""
    if section.id in SECTION_CODES:
        return SECTION_CODES[section.id]
    if section.loinc_code in _BY_LOINC:
        return _BY_LOINC[section.loinc_code]
    if section.loinc_code:
        return (section.loinc_code, "LN", section.heading.title()), SECTION_CODES["findings"][1]
    return SECTION_CODES["findings"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines() if line.strip()]


def content_tree(doc: ReportDocument) -> list[Dataset]:
    """The root container's children: language, observer, procedure, sections, addenda."""
    organization = doc.facility.name or doc.facility.code
    children = [_code("HAS CONCEPT MOD", LANGUAGE, _language_code(doc.language))]
    if doc.resident_signature is not None:
        children += _observer(doc.resident_signature.signer, organization)
    children += _observer(doc.signature.signer, organization)
    for section in doc.sections:
        lines = _lines(section.text)
        if not lines:
            continue
        heading, concept = section_codes(section)
        children.append(
            _container("CONTAINS", heading, [_text("CONTAINS", concept, line) for line in lines])
        )
    for addendum in doc.addenda:
        signed = addendum.signature
        container = _container(
            "CONTAINS",
            ADDENDUM_SECTION,
            [
                *_observer(signed.signer, organization),
                *[_text("CONTAINS", ADDENDUM_TEXT, line) for line in _lines(addendum.text)],
            ],
        )
        container.ObservationDateTime = dt(signed.signed_at)
        children.append(container)
    return children


def build_sr(doc: ReportDocument) -> Dataset:
    """Build the TID 2000 Basic Text SR of this report version (with file meta)."""
    validate_for_dicom(doc)
    ds = Dataset()
    add_sop_common(ds, doc, BASIC_TEXT_SR, doc.uid("sr"))
    add_patient_and_study(ds, doc)
    # SR Document Series
    ds.Modality = "SR"
    ds.SeriesInstanceUID = doc.uid("series-sr")
    ds.SeriesNumber = SR_SERIES_NUMBER
    ds.SeriesDescription = "Radiology report (SR)"
    ds.ReferencedPerformedProcedureStepSequence = Sequence()
    add_equipment(ds, doc)
    # SR Document General
    signed_at = doc.signed_at
    ds.ContentDate = da(signed_at)
    ds.ContentTime = tm(signed_at)
    preliminary = doc.status == "preliminary"
    ds.CompletionFlag = "PARTIAL" if preliminary else "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED" if preliminary else "VERIFIED"
    ds.PreliminaryFlag = "PRELIMINARY" if preliminary else "FINAL"
    if not preliminary:
        verifier = Dataset()
        verifier.VerifyingObserverName = person_name(doc.signature.signer)
        verifier.VerifyingObserverIdentificationCodeSequence = Sequence()
        verifier.VerifyingOrganization = _short(doc.facility.name or doc.facility.code, 64)
        verifier.VerificationDateTime = dt(signed_at)
        ds.VerifyingObserverSequence = Sequence([verifier])
    ds.ReferencedRequestSequence = Sequence([referenced_request(doc)])
    ds.PerformedProcedureCodeSequence = Sequence()
    if doc.previous_versions:
        ds.PredecessorDocumentsSequence = Sequence([_predecessors(doc)])
    # SR Document Content: the root container
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = Sequence([code_item(DOCUMENT_TITLE)])
    ds.ContinuityOfContent = "SEPARATE"
    ds.ContentTemplateSequence = Sequence([_template("2000")])
    ds.ContentSequence = Sequence(content_tree(doc))
    file_meta(ds)
    return ds


def _template(identifier: str) -> Dataset:
    item = Dataset()
    item.MappingResource = "DCMR"
    item.TemplateIdentifier = identifier
    return item


def _predecessors(doc: ReportDocument) -> Dataset:
    study = Dataset()
    study.StudyInstanceUID = doc.study.study_instance_uid
    series = Dataset()
    series.SeriesInstanceUID = doc.uid("series-sr")
    refs = []
    for version in sorted(doc.previous_versions):
        ref = Dataset()
        ref.ReferencedSOPClassUID = BASIC_TEXT_SR
        ref.ReferencedSOPInstanceUID = doc.uid("sr", version=version)
        refs.append(ref)
    series.ReferencedSOPSequence = Sequence(refs)
    study.ReferencedSeriesSequence = Sequence([series])
    return study


def sr_bytes(doc: ReportDocument) -> bytes:
    """The SR of this report version as a DICOM Part 10 file."""
    return dataset_bytes(build_sr(doc))


def text_items(ds: Dataset) -> dict[str, list[str]]:
    """Section heading meaning → its TEXT values, read back from an SR (tests, audits)."""
    out: dict[str, list[str]] = {}
    for item in ds.ContentSequence:
        if item.ValueType != "CONTAINER":
            continue
        heading = item.ConceptNameCodeSequence[0].CodeMeaning
        texts = [c.TextValue for c in item.ContentSequence if c.ValueType == "TEXT"
                 and c.RelationshipType == "CONTAINS"]
        out.setdefault(heading, []).extend(texts)
    return out


