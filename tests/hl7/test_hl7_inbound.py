"""Intake parsing: field-by-field mapping, AE/AR refusals, ACK structure (hl7apy strict)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hl7_messages import ADT_A08_231, ADT_A40_251, OMI_O23_251, ORM_O01_231
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from reporting.hl7.ack import build_ack, parse_ack
from reporting.hl7.er7 import decode_message
from reporting.hl7.errors import Hl7Error
from reporting.hl7.inbound import dedup_key, parse_inbound


def strict(er7: str, version: str):
    """hl7apy strict parse + validate; returns the message."""
    m = parse_message(er7, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    assert m.validate()
    assert m.msh.msh_12.to_er7() == version
    return m


def test_orm_o01_v231_maps_every_field() -> None:
    msg = parse_inbound(ORM_O01_231)
    assert (msg.message_type, msg.trigger, msg.version) == ("ORM", "O01", "2.3.1")
    assert msg.control_id == "MSG00017"
    assert msg.sending_application == "EPIC"
    assert msg.sending_facility == "NGH^1.2.840.1^ISO"
    assert msg.message_time == datetime(2026, 11, 20, 21, 30, tzinfo=timezone(-timedelta(hours=5)))
    p = msg.patient
    # PID-3 repeats: the MR identifier wins over the first (PI) one.
    assert (p.mrn, p.mrn_issuer) == ("MRN004521", "NORTHGATE")
    assert (p.family, p.given, p.middle) == ("O'Brien-M^ller", "Jörg", "Anton")
    assert (p.birth_date, p.sex) == (date(1958, 3, 14), "M")
    assert msg.merge_from is None
    o = msg.order
    assert o is not None
    assert o.order_control == "NW"
    assert (o.placer, o.filler) == ("PLC778812", "FIL445120")
    assert (o.procedure_code, o.procedure_description) == ("CTCHEST", "CT CHEST WITHOUT CONTRAST")
    assert (o.ordering_provider, o.ordering_provider_id) == ("Rivera^Carmen", "998877")
    assert (o.referring, o.referring_id) == ("Patel^Anjali", "2222")
    assert o.accession == "NGH26-001234"
    assert o.requested_procedure_id == "RP4451"
    assert o.study_instance_uid == "1.2.826.0.1.3680043.8.498.12345678901234567890"
    assert o.modality == "CT"
    assert o.priority == "STAT"
    assert o.reason == "Shortness of breath; History of nicotine dependence"
    assert o.clinical_info == "Shortness of breath & cough; smoker"
    assert o.body_part == "CHEST"
    assert o.scheduled_at == datetime(2026, 11, 20, 22, 0)
    assert (o.visit_number, o.patient_class) == ("V20261120-17", "E")
    assert (msg.visit_number, msg.patient_class) == ("V20261120-17", "E")


def test_omi_o23_v251_uses_ipc_and_tq1() -> None:
    msg = parse_inbound(OMI_O23_251)
    assert (msg.message_type, msg.trigger, msg.version) == ("OMI", "O23", "2.5.1")
    assert msg.control_id == "OMI-20261121-0042"
    assert (msg.patient.mrn, msg.patient.mrn_issuer) == ("SP-778899", "SOUTHPARK")
    assert (msg.patient.family, msg.patient.given, msg.patient.middle) == ("Nakamura", "Yuki", "")
    assert (msg.patient.birth_date, msg.patient.sex) == (date(1990, 12, 5), "F")
    o = msg.order
    assert o is not None
    assert o.accession == "SP26-000777"  # IPC-1, OBR-18 is empty
    assert o.requested_procedure_id == "RP-9001"
    assert o.study_instance_uid == "1.2.840.113619.2.55.3.2831164355.123.1234567890.1"
    assert o.modality == "MR"
    assert o.priority == "ASAP"  # TQ1-9
    assert o.scheduled_at == datetime(2026, 11, 21, 10, 0)  # TQ1-7
    assert o.clinical_info == "Twisting injury^ medial joint line pain"
    assert o.reason == "Meniscus tear"
    assert o.body_part == "KNEE"
    assert o.ordering_provider == "Okonkwo^Chidi"
    assert o.referring == "Dubois^Claire"
    assert (o.visit_number, o.patient_class) == ("VN-55120", "O")


def test_missing_optional_fields_default_sensibly() -> None:
    raw = ("MSH|^~\\&|RIS|X|||20260101||ORM^O01|M1|P|2.3.1\r"
           "PID|||42\rORC|XO|P9\rOBR|1|P9||XR1||||||||||||||ACC9\r")
    o = parse_inbound(raw).order
    assert o is not None
    assert (o.order_control, o.accession, o.priority) == ("XO", "ACC9", "ROUTINE")
    assert (o.modality, o.study_instance_uid, o.reason, o.scheduled_at) == ("", "", "", None)
    assert o.procedure_code == "XR1"


def test_adt_a08_and_a40() -> None:
    a08 = parse_inbound(ADT_A08_231)
    assert (a08.message_type, a08.trigger, a08.order) == ("ADT", "A08", None)
    assert a08.patient.birth_date == date(1958, 3, 15)
    assert a08.patient_class == "I"
    a40 = parse_inbound(ADT_A40_251)
    assert a40.trigger == "A40"
    assert a40.patient.mrn == "MRN004521"
    assert a40.merge_from is not None
    assert (a40.merge_from.mrn, a40.merge_from.mrn_issuer) == ("MRN009999", "NORTHGATE")
    assert (a40.merge_from.family, a40.merge_from.given) == ("Mueller", "Joerg")


@pytest.mark.parametrize(
    ("raw", "ack_code", "field", "code"),
    [
        (ORM_O01_231.replace("|NGH26-001234|", "||"), "AE", "OBR-18", "101"),
        (OMI_O23_251.replace("IPC|SP26-000777|", "IPC||"), "AE", "IPC-1", "101"),
        (ORM_O01_231.replace("ALT123^^^NGHALT^PI~MRN004521^^^NORTHGATE^MR~123-45-6789^^^SSA^SS",
                             "").replace("EXT-99^^^EPI", ""), "AE", "PID-3", "101"),
        (ADT_A40_251.replace("MRG|MRN009999^^^NORTHGATE^MR", "MRG|"), "AE", "MRG-1", "101"),
        (ORM_O01_231.replace("ORC|NW|", "ORC|ZZ|"), "AE", "ORC-1", "103"),
        (ORM_O01_231.replace("ORM^O01", "ORU^R01"), "AR", "MSH-9", "200"),
        (ORM_O01_231.replace("ORM^O01", "ORM^O02"), "AR", "MSH-9.2", "201"),
        (ORM_O01_231.replace("|2.3.1|", "|2.4|"), "AR", "MSH-12", "203"),
        ("this is not hl7 at all", "AR", "MSH", "100"),
    ],
)
def test_refusals_raise_hl7_error(raw: str, ack_code: str, field: str, code: str) -> None:
    with pytest.raises(Hl7Error) as info:
        parse_inbound(raw)
    assert (info.value.ack_code, info.value.field, info.value.hl7_error_code) == (
        ack_code, field, code)
    if field.startswith(("OBR-18", "IPC-1")):
        assert "accession number is required" in info.value.message


def test_ack_v251_structure_validates_strictly() -> None:
    msg = parse_inbound(OMI_O23_251)
    ack = build_ack(msg, "AA", "stored", control_id="ACK1")
    m = strict(ack, "2.5.1")
    assert m.msh.msh_3.to_er7() == "REPORTING"
    assert m.msh.msh_5.to_er7() == "CERNER"
    assert m.msh.msh_4.to_er7() == "RADIOLOGY"
    assert m.msh.msh_6.to_er7() == "SOUTHPARK"
    assert m.msh.msh_9.to_er7() == "ACK^O23^ACK"
    assert m.msa.msa_1.to_er7() == "AA"
    assert m.msa.msa_2.to_er7() == "OMI-20261121-0042"

    error = Hl7Error("AE", "IPC-1 accession number is required", "IPC-1", "101")
    nak = build_ack(OMI_O23_251, "AE", error=error, control_id="ACK2")
    m = strict(nak, "2.5.1")
    assert m.err.err_2.to_er7() == "IPC^1^1"
    assert m.err.err_3.to_er7() == "101^Required field missing^HL70357"
    assert m.err.err_4.to_er7() == "E"
    info = parse_ack(nak)
    assert (info.code, info.control_id, info.error_code) == ("AE", "OMI-20261121-0042", "101")
    assert "accession number is required" in info.text


def test_ack_v231_uses_err1() -> None:
    error = Hl7Error("AE", "OBR-18 accession number is required", "OBR-18", "101")
    nak = build_ack(ORM_O01_231.encode("latin-1"), "AE", error=error)
    m = strict(nak, "2.3.1")
    assert m.msh.msh_9.to_er7() == "ACK^O01^ACK"
    assert m.msh.msh_5.to_er7() == "EPIC"
    assert m.msh.msh_6.to_er7() == "NGH^1.2.840.1^ISO"
    assert m.err.err_1.to_er7() == "OBR^1^18^101&Required field missing&HL70357"
    assert m.msa.msa_2.to_er7() == "MSG00017"
    assert m.msa.msa_3.to_er7().startswith("OBR-18 accession number is required")


def test_ack_for_barely_parseable_message() -> None:
    raw = "MSH|^~\\&|LAB|FAC|||||ORM^O01|BROKEN-1|P|2.3.1\rPID|this|is|&&&^^^~~~\r\x00\x01"
    ack = build_ack(raw, "AR", error=Hl7Error("AR", "unparseable", "MSH", "100"))
    info = parse_ack(ack)
    assert (info.code, info.control_id) == ("AR", "BROKEN-1")
    strict(ack, "2.3.1")
    # Not HL7 at all: still a readable ACK (MSA-2 empty: there is no MSH-10 to echo).
    ack = build_ack(b"\xff\xfegarbage", "AR", "not an HL7 message")
    assert ack.startswith("MSH|^~\\&|")
    assert (parse_ack(ack).code, parse_ack(ack).control_id) == ("AR", "")
    m = parse_message(ack, validation_level=VALIDATION_LEVEL.TOLERANT, find_groups=True)
    assert m.msa.msa_1.to_er7() == "AR"


def test_escaped_text_in_ack_is_escaped() -> None:
    ack = build_ack(ORM_O01_231, "AE", "bad value a|b^c&d~e\\f")
    assert parse_ack(ack).text == "bad value a|b^c&d~e\\f"
    strict(ack, "2.3.1")


def test_dedup_key_and_decoding() -> None:
    assert dedup_key(ORM_O01_231) == ("EPIC", "NGH^1.2.840.1^ISO", "MSG00017")
    assert parse_inbound(ORM_O01_231).dedup_key == dedup_key(ORM_O01_231.encode("utf-8"))
    latin1 = ORM_O01_231.encode("latin-1")  # MSH-18 says 8859/1
    assert decode_message(latin1) == ORM_O01_231
    assert parse_inbound(latin1).patient.given == "Jörg"
    # CRLF / LF line endings from files are accepted.
    assert parse_inbound(ADT_A08_231.replace("\r", "\r\n")).control_id == "ADT-5501"
