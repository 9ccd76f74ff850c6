"""ORU^R01 builder: hl7apy strict validation for every variant, field mapping, escaping."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from reporting.delivery.samples import sample_document
from reporting.hl7.er7 import unescape
from reporting.hl7.oru import build_oru
from reporting.hl7.validation import Hl7ValidationError, validate_message

NOW = datetime(2026, 11, 20, 22, 45, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
VARIANTS = [(s, a) for s, a in (("preliminary", False), ("final", False), ("final", True))]


def segments(er7: str, name: str) -> list[list[str]]:
    return [line.split("|") for line in er7.split("\r") if line.startswith(name + "|")]


@pytest.mark.parametrize("version", ["2.5.1", "2.3.1"])
@pytest.mark.parametrize("layout", ["line", "section"])
@pytest.mark.parametrize(("status", "with_addendum"), VARIANTS)
def test_text_messages_pass_hl7apy_strict(version, layout, status, with_addendum) -> None:
    doc = sample_document(status=status, with_addendum=with_addendum)
    er7 = build_oru(doc, control_id="RPT-1-v1", version=version, obx_layout=layout, now=NOW)
    m = parse_message(er7, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    assert m.validate()
    assert "\n" not in er7
    assert er7.endswith("\r")
    obr = segments(er7, "OBR")[0]
    obxs = segments(er7, "OBX")
    assert obr[25] == doc.result_status == {"preliminary": "P", "final": "F"}.get(
        status if not with_addendum else "", "C")
    assert {o[11] for o in obxs} == {doc.result_status}
    assert {o[2] for o in obxs} == {"TX" if layout == "line" else "FT"}
    validate_message(er7)


@pytest.mark.parametrize("version", ["2.5.1", "2.3.1"])
@pytest.mark.parametrize("layout", ["line", "section"])
@pytest.mark.parametrize(("status", "with_addendum"), VARIANTS)
def test_pdf_messages_validate(version, layout, status, with_addendum) -> None:
    doc = sample_document(status=status, with_addendum=with_addendum)
    er7 = build_oru(doc, control_id="RPT-1-v1", version=version, obx_layout=layout, pdf=PDF,
                    now=NOW)
    validate_message(er7)
    ed = segments(er7, "OBX")[-1]
    assert ed[2] == "ED"
    assert ed[3] == "18748-4^Diagnostic imaging study^LN"
    parts = ed[5].split("^")
    assert parts[:4] == ["", "AP", "PDF", "Base64"]
    assert base64.b64decode(parts[4]) == PDF
    assert ed[11] == doc.result_status


def test_field_mapping_v251() -> None:
    doc = sample_document()
    er7 = build_oru(doc, control_id="CTRL-77", sending_application="REPORTING",
                    sending_facility="RAD", receiving_application="RIS",
                    receiving_facility="NGH", now=NOW)
    msh = segments(er7, "MSH")[0]
    assert msh[2:6] == ["REPORTING", "RAD", "RIS", "NGH"]
    assert msh[6] == "20261120224500+0000"
    assert (msh[8], msh[9], msh[11]) == ("ORU^R01^ORU_R01", "CTRL-77", "2.5.1")
    pid = segments(er7, "PID")[0]
    assert pid[3] == "MRN004521^^^NORTHGATE^MR"
    assert pid[5] == "Müller^Jörg^A"
    assert pid[7] == "19580314"
    assert pid[8] == "M"
    pv1 = segments(er7, "PV1")[0]
    assert pv1[2] == "E"
    assert pv1[19] == "V20261120-17"
    orc = segments(er7, "ORC")[0]
    assert orc[1:4] == ["RE", "PLC778812", "FIL445120"]
    obr = segments(er7, "OBR")[0]
    assert obr[2:5] == ["PLC778812", "FIL445120", "CTCHEST^CT CHEST WITHOUT CONTRAST^L"]
    assert obr[7] == "20261120215800+0000"
    assert obr[16] == "998877^Rivera^Carmen"
    assert obr[18] == "NGH26-001234"
    assert obr[22] == "20261120224105+0000"
    assert obr[24] == "CT"
    assert obr[25] == "F"
    assert obr[32] == "1234567890&Okafor&Adaeze&&&&MD^20261120224105+0000"
    assert obr[35] == "tx01&Lee&Dana"


def test_line_layout_one_obx_per_line_with_escaping() -> None:
    doc = sample_document()
    er7 = build_oru(doc, control_id="C1", obx_layout="line", now=NOW)
    obxs = segments(er7, "OBX")
    assert [o[1] for o in obxs] == [str(i) for i in range(1, len(obxs) + 1)]
    findings = [o for o in obxs if o[3] == "59776-5^Findings^LN"]
    assert [unescape(o[5]) for o in findings] == ["FINDINGS:", *doc.sections[3].text.splitlines()]
    raw = findings[-1][5]
    assert "\\T\\" in raw
    assert "\\F\\" in raw
    assert "\\S\\" in raw
    assert "\\R\\" in raw
    assert "\\E\\" in raw
    assert {o[4] for o in findings} == {"4"}


def test_section_layout_ft_with_line_breaks() -> None:
    doc = sample_document()
    er7 = build_oru(doc, control_id="C1", obx_layout="section", now=NOW,
                    section_codes={"impression": ("IMP", "Impression", "99LOCAL")})
    obxs = segments(er7, "OBX")
    assert len(obxs) == len(doc.sections)
    impression = obxs[-1]
    assert impression[3] == "IMP^Impression^99LOCAL"
    assert impression[5].startswith("IMPRESSION:\\.br\\1. New 8 mm")
    # Repetitions (when a section is long) split at line breaks: joined, they give the text.
    findings = next(o for o in obxs if o[3].startswith("59776-5"))
    text = "\n".join(unescape(rep) for rep in findings[5].split("~"))
    assert text == "FINDINGS:\n" + doc.sections[3].text


def test_amended_report_resends_everything_with_same_ids() -> None:
    final = build_oru(sample_document(), control_id="C1", now=NOW)
    amended = build_oru(sample_document(with_addendum=True), control_id="C2", now=NOW)
    f_obr, a_obr = segments(final, "OBR")[0], segments(amended, "OBR")[0]
    assert [f_obr[i] for i in (2, 3, 18)] == [a_obr[i] for i in (2, 3, 18)]
    assert a_obr[25] == "C"
    a_text = [unescape(o[5]) for o in segments(amended, "OBX")]
    assert all(line in a_text for line in (unescape(o[5]) for o in segments(final, "OBX")))
    assert any(t.startswith("ADDENDUM 1") for t in a_text)
    assert any("not FDG avid" in t for t in a_text)


def test_long_lines_are_wrapped_to_fit() -> None:
    long = "word " * 120 + "a|b^c"
    doc = sample_document()
    sections = (replace(doc.sections[3], text=long.strip()), *doc.sections[4:])
    doc = replace(doc, sections=sections)
    for layout in ("line", "section"):
        er7 = build_oru(doc, control_id="C1", obx_layout=layout, now=NOW)
        parse_message(er7, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True).validate()
    er7 = build_oru(doc, control_id="C1", obx_layout="line", now=NOW)
    rows = [unescape(o[5]) for o in segments(er7, "OBX") if o[3].startswith("59776-5")][1:]
    assert " ".join(rows) == long.strip()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: replace(d, study=replace(d.study, accession="")),
         "OBR-18 accession number is required"),
        (lambda d: replace(d, patient=replace(d.patient, mrn="")), "PID-3"),
        (lambda d: replace(d, study=replace(d.study, procedure_code="")), "OBR-4"),
        (lambda d: replace(d, study=replace(d.study, performed_at=None, scheduled_at=None)),
         "OBR-7"),
        (lambda d: replace(d, study=replace(d.study, placer_order_number="",
                                            filler_order_number="")), "OBR-2/OBR-3"),
        (lambda d: replace(d, sections=()), "OBX-5"),
    ],
)
def test_invalid_input_raises_value_error_naming_the_field(change, message) -> None:
    with pytest.raises(ValueError, match=message):
        build_oru(change(sample_document()), control_id="C1")


def test_builder_argument_checks() -> None:
    doc = sample_document()
    with pytest.raises(ValueError, match="MSH-10"):
        build_oru(doc, control_id="")
    with pytest.raises(ValueError, match="MSH-10"):
        build_oru(doc, control_id="bad|id")
    with pytest.raises(ValueError, match="MSH-12"):
        build_oru(doc, control_id="C1", version="2.4")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="obx_layout"):
        build_oru(doc, control_id="C1", obx_layout="table")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pdf"):
        build_oru(doc, control_id="C1", pdf=b"not a pdf")


def test_validator_rejects_broken_messages() -> None:
    er7 = build_oru(sample_document(), control_id="C1", pdf=PDF, now=NOW)
    with pytest.raises(Hl7ValidationError):
        validate_message(er7.replace("Base64^JVBER", "Base64^!!!!"))
    with pytest.raises(Hl7ValidationError):
        validate_message(er7.replace("|2.5.1|", "|9.9|"))
    with pytest.raises(Hl7ValidationError):
        validate_message(er7.replace("\rPID|", "\rPIX|"))
