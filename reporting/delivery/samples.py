"""Realistic sample documents for tests, benchmarks and layout previews."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from reporting.delivery.document import (
    DocAddendum,
    DocFacility,
    DocPatient,
    DocSection,
    DocSignature,
    DocStudy,
    PersonName,
    ReportDocument,
    sha256_text,
)


def sample_document(*, status: str = "final", with_addendum: bool = False) -> ReportDocument:
    """A signed CT chest report with realistic content (and optionally an addendum)."""
    signer = DocSignature(
        signer=PersonName("Okafor", "Adaeze", credentials="MD", identifier="1234567890"),
        role="radiologist",
        signed_at=datetime(2026, 11, 20, 22, 41, 5, tzinfo=UTC),
    )
    doc = ReportDocument(
        report_id="7f0c3a52-2f7e-4d8e-9d7a-0c1f2b3c4d5e",
        version=1,
        status=status,  # type: ignore[arg-type]
        patient=DocPatient(
            mrn="MRN004521",
            mrn_issuer="NORTHGATE",
            name=PersonName("Müller", "Jörg", middle="A"),
            birth_date=date(1958, 3, 14),
            sex="M",
        ),
        facility=DocFacility(
            code="NGH", name="Northgate General Hospital", address="1 Harbour Road, Springfield"
        ),
        study=DocStudy(
            accession="NGH26-001234",
            procedure_code="CTCHEST",
            procedure_description="CT CHEST WITHOUT CONTRAST",
            modality="CT",
            body_part="CHEST",
            study_instance_uid="1.2.826.0.1.3680043.8.498.12345678901234567890",
            placer_order_number="PLC778812",
            filler_order_number="FIL445120",
            requested_procedure_id="RP4451",
            priority="STAT",
            reason="Shortness of breath; history of smoking. R/O mass.",
            ordering_provider=PersonName("Rivera", "Carmen", identifier="998877"),
            performed_at=datetime(2026, 11, 20, 21, 58, 0, tzinfo=UTC),
            visit_number="V20261120-17",
            patient_class="E",
        ),
        sections=(
            DocSection("clinical_information", "CLINICAL INFORMATION",
                       "Shortness of breath; history of smoking.", "55752-0"),
            DocSection("comparison", "COMPARISON", "CT chest 2025-03-02.", "18834-2"),
            DocSection("technique", "TECHNIQUE",
                       "Axial CT images of the chest were obtained without IV contrast.",
                       "55111-9"),
            DocSection(
                "findings",
                "FINDINGS",
                "Lungs: 8 x 6 mm spiculated nodule in the right upper lobe (series 3, image 41), "
                "new since prior. Mild centrilobular emphysema.\n"
                "Pleura: Small right pleural effusion. No pneumothorax.\n"
                "Heart & mediastinum: Heart size normal. No pericardial effusion. "
                "No mediastinal lymphadenopathy | no hilar mass ^ ~ \\ test.",
                "59776-5",
            ),
            DocSection(
                "impression",
                "IMPRESSION",
                "1. New 8 mm spiculated right upper lobe nodule, suspicious for malignancy. "
                "Recommend PET-CT.\n2. Small right pleural effusion.",
                "19005-8",
            ),
        ),
        title="CT CHEST WITHOUT CONTRAST",
        created_at=datetime(2026, 11, 20, 22, 5, 0, tzinfo=UTC),
        signature=signer,
        content_hash="",
        transcriptionist=PersonName("Lee", "Dana", identifier="tx01"),
    )
    if status == "preliminary":
        doc = replace(
            doc,
            signature=replace(signer, signer=PersonName("Novak", "Petr", credentials="MD",
                                                        identifier="res01"), role="resident"),
        )
    if with_addendum:
        doc = replace(
            doc,
            version=2,
            status="amended",
            previous_versions=(1,),
            addenda=(
                DocAddendum(
                    number=1,
                    text="Comparison with outside PET-CT of 2025-04-10: "
                         "the nodule was not FDG avid then.",
                    signature=replace(signer,
                                      signed_at=datetime(2026, 11, 21, 8, 2, 0, tzinfo=UTC)),
                ),
            ),
        )
    return replace(doc, content_hash=sha256_text(doc.canonical_text()))
