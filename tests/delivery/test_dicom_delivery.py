"""C-STORE to a real Orthanc: both versions land in the study; a stopped PACS means retry."""

from __future__ import annotations

from io import BytesIO

import pydicom
import pytest

from reporting.core.config import Destination
from reporting.delivery.dicom_sender import deliver_dicom, store_status_verdict
from reporting.delivery.document import ReportDocument
from reporting.delivery.encapsulated import build_encapsulated_pdf
from reporting.delivery.sr import build_sr, text_items
from tests.delivery.servers import Orthanc, free_port

pytestmark = pytest.mark.slow


def pacs(orthanc: Orthanc, **overrides: object) -> Destination:
    values: dict[str, object] = {
        "name": "pacs", "kind": "dicom", "host": "127.0.0.1", "port": orthanc.dicom_port,
        "ae_title": orthanc.ae_title, "calling_ae_title": "REPORTING", "timeout_seconds": 5,
    }
    values.update(overrides)
    return Destination.model_validate(values)


def test_final_and_addendum_land_in_the_same_study(
    orthanc: Orthanc,
    final_doc: ReportDocument,
    amended_doc: ReportDocument,
    amended_pdf: bytes,
) -> None:
    first = deliver_dicom(pacs(orthanc), [build_sr(final_doc)])
    assert (first.verdict, first.code) == ("delivered", "0x0000")
    second = deliver_dicom(
        pacs(orthanc), [build_sr(amended_doc), build_encapsulated_pdf(amended_doc, amended_pdf)]
    )
    assert (second.verdict, second.code) == ("delivered", "0x0000")

    found = orthanc.lookup(final_doc.study.study_instance_uid)
    assert [f["Type"] for f in found] == ["Study"]
    study = orthanc.get(f"/studies/{found[0]['ID']}")
    assert study["MainDicomTags"]["AccessionNumber"] == final_doc.study.accession
    instances = orthanc.get(f"/studies/{found[0]['ID']}/instances")
    uids = {i["MainDicomTags"]["SOPInstanceUID"] for i in instances}
    assert uids == {final_doc.uid("sr"), amended_doc.uid("sr"), amended_doc.uid("pdf")}

    (v1,) = orthanc.lookup(final_doc.uid("sr"))
    (v2,) = orthanc.lookup(amended_doc.uid("sr"))
    sr_v1 = pydicom.dcmread(BytesIO(orthanc.file(v1["ID"])))
    sr_v2 = pydicom.dcmread(BytesIO(orthanc.file(v2["ID"])))
    assert sr_v1.SeriesInstanceUID == sr_v2.SeriesInstanceUID  # one report series
    assert str(sr_v2.PatientName) == "Müller^Jörg^A"
    assert text_items(sr_v1) == text_items(build_sr(final_doc))
    assert text_items(sr_v2) == text_items(build_sr(amended_doc))
    assert text_items(sr_v2)["Addendum"] == [amended_doc.addenda[0].text]
    assert "Addendum" not in text_items(sr_v1)
    (pdf,) = orthanc.lookup(amended_doc.uid("pdf"))
    stored = pydicom.dcmread(BytesIO(orthanc.file(pdf["ID"])))
    assert stored.EncapsulatedDocument[: stored.EncapsulatedDocumentLength] == amended_pdf


def test_resending_the_same_instance_is_harmless(
    orthanc: Orthanc, final_doc: ReportDocument
) -> None:
    again = deliver_dicom(pacs(orthanc), [build_sr(final_doc)])
    assert again.verdict == "delivered"
    assert len(orthanc.lookup(final_doc.uid("sr"))) == 1


def test_stopped_pacs_means_retry_then_success_after_restart(
    orthanc: Orthanc, preliminary_doc: ReportDocument
) -> None:
    orthanc.stop()
    try:
        down = deliver_dicom(pacs(orthanc), [build_sr(preliminary_doc)])
    finally:
        orthanc.start()
    assert down.verdict == "retry"
    assert down.code == "connection_refused"
    up = deliver_dicom(pacs(orthanc), [build_sr(preliminary_doc)])
    assert up.verdict == "delivered"
    assert orthanc.lookup(preliminary_doc.uid("sr"))


def test_wrong_called_ae_title_is_rejected_and_retried(
    orthanc: Orthanc, final_doc: ReportDocument
) -> None:
    outcome = deliver_dicom(pacs(orthanc, ae_title="NOT-ORTHANC"), [build_sr(final_doc)])
    # Orthanc rejects the association and closes the socket; on a loaded machine the close
    # can reach pynetdicom before the A-ASSOCIATE-RJ does, which it reports as an abort.
    # Either way the message is retried, never quarantined or lost.
    assert outcome.verdict == "retry"
    assert outcome.code in ("rejected", "aborted")


def test_nobody_listening_is_retry(final_doc: ReportDocument) -> None:
    dest = Destination(name="x", kind="dicom", port=free_port(), ae_title="X", timeout_seconds=2)
    assert deliver_dicom(dest, [build_sr(final_doc)]).verdict == "retry"


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (0x0000, "delivered"), (0x0111, "delivered"), (0xA700, "retry"), (0x0110, "retry"),
        (0xA900, "quarantine"), (0xC123, "quarantine"), (0x0122, "quarantine"),
        (0xB007, "quarantine"), (0xFE00, "retry"),
    ],
)
def test_status_policy(status: int, verdict: str) -> None:
    assert store_status_verdict(status) == verdict
