"""Folder destination: atomic, sanitised names, never overwriting another version."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reporting.core.config import Destination
from reporting.delivery.document import ReportDocument
from reporting.delivery.folder import deliver_folder, file_name


def folder(path: Path, pattern: str = "{accession}_{report_id}_v{version}.pdf") -> Destination:
    return Destination(name="printouts", kind="folder", path=str(path), file_pattern=pattern)


def test_writes_pdf_with_pattern_and_no_leftovers(
    tmp_path: Path, amended_doc: ReportDocument, amended_pdf: bytes
) -> None:
    outcome = deliver_folder(folder(tmp_path / "out"), amended_doc, amended_pdf)
    expected = tmp_path / "out" / f"NGH26-001234_{amended_doc.report_id}_v2.pdf"
    assert (outcome.verdict, outcome.code) == ("delivered", "written")
    assert expected.read_bytes() == amended_pdf
    assert [p.name for p in (tmp_path / "out").iterdir()] == [expected.name]


def test_same_bytes_again_is_delivered(tmp_path: Path, final_doc: ReportDocument) -> None:
    dest = folder(tmp_path)
    assert deliver_folder(dest, final_doc, b"%PDF-1.7 v1").code == "written"
    again = deliver_folder(dest, final_doc, b"%PDF-1.7 v1")
    assert (again.verdict, again.code) == ("delivered", "exists")


def test_never_overwrites_a_different_version(
    tmp_path: Path, final_doc: ReportDocument, amended_doc: ReportDocument
) -> None:
    dest = folder(tmp_path, "{accession}.pdf")  # a pattern without {version}
    assert deliver_folder(dest, final_doc, b"%PDF-1.7 version one").ok
    clash = deliver_folder(dest, amended_doc, b"%PDF-1.7 version two")
    assert (clash.verdict, clash.code) == ("quarantine", "exists_different")
    assert (tmp_path / "NGH26-001234.pdf").read_bytes() == b"%PDF-1.7 version one"
    assert len(list(tmp_path.iterdir())) == 1


def test_versions_side_by_side(
    tmp_path: Path, final_doc: ReportDocument, amended_doc: ReportDocument
) -> None:
    dest = folder(tmp_path, "{facility}-{accession}_v{version}.pdf")
    assert deliver_folder(dest, final_doc, b"%PDF-1.7 one").ok
    assert deliver_folder(dest, amended_doc, b"%PDF-1.7 two").ok
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "NGH-NGH26-001234_v1.pdf", "NGH-NGH26-001234_v2.pdf",
    ]


def test_values_are_sanitised(tmp_path: Path, final_doc: ReportDocument) -> None:
    evil = replace(final_doc, study=replace(final_doc.study, accession="../../etc/passwd"))
    assert file_name("{accession}_{family_name}.pdf", evil) == "etc_passwd_M_ller.pdf"
    outcome = deliver_folder(folder(tmp_path / "out", "{accession}.pdf"), evil, b"%PDF-1.7")
    assert outcome.ok
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["etc_passwd.pdf"]


@pytest.mark.parametrize("pattern", ["{nope}.pdf", "../{accession}.pdf", ".{accession}"])
def test_bad_patterns_are_quarantined(
    tmp_path: Path, final_doc: ReportDocument, pattern: str
) -> None:
    outcome = deliver_folder(folder(tmp_path, pattern), final_doc, b"%PDF-1.7")
    assert (outcome.verdict, outcome.code) == ("quarantine", "config")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_retry(tmp_path: Path, final_doc: ReportDocument) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    outcome = deliver_folder(folder(blocker / "sub"), final_doc, b"%PDF-1.7")
    assert outcome.verdict == "retry"
