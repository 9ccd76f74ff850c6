"""PDF output: text, signature, addenda, PRELIMINARY marking, metadata, per-facility layouts."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from reporting.delivery.document import ReportDocument
from reporting.delivery.pdf import DEFAULT_LAYOUTS_DIR, render_html, render_pdf


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def long_preliminary(
    preliminary_doc: ReportDocument, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A preliminary report long enough for two pages."""
    doc = replace(
        preliminary_doc,
        sections=preliminary_doc.sections
        + tuple(replace(s, id=f"{s.id}_more") for s in preliminary_doc.sections) * 2,
    )
    path = tmp_path_factory.mktemp("pdf") / "preliminary.pdf"
    path.write_bytes(render_pdf(doc))
    return path


def test_every_section_signature_and_addendum_is_in_the_pdf(
    amended_doc: ReportDocument, amended_pdf_path: Path
) -> None:
    text = _squash(pdftotext(amended_pdf_path))
    for section in amended_doc.sections:
        assert section.heading in text
        for line in section.text.splitlines():
            assert _squash(line.strip()) in text, line
    assert "Müller, Jörg A" in text
    assert "MRN004521" in text
    assert "NGH26-001234" in text
    assert "1958-03-14" in text
    assert "Male" in text
    assert "Rivera, Carmen" in text
    assert "Northgate General Hospital" in text
    assert "Electronically signed Adaeze Okafor, MD Radiologist · 2026-11-20 22:41 UTC" in text
    addendum = "ADDENDUM 1 " + _squash(amended_doc.addenda[0].text)
    assert addendum in text
    # the addendum and its own signature come after the original signature
    assert text.index("2026-11-20 22:41 UTC") < text.index("ADDENDUM 1")
    assert text.index("ADDENDUM 1") < text.index("2026-11-21 08:02 UTC")
    assert "PRELIMINARY" not in text


def test_metadata(amended_pdf_path: Path) -> None:
    info = pdfinfo(amended_pdf_path)
    assert info["Title"] == "CT CHEST WITHOUT CONTRAST — Müller, Jörg A — NGH26-001234"
    assert info["Author"] == "Adaeze Okafor, MD"
    assert "accession NGH26-001234" in info["Subject"]
    assert "Amended" in info["Subject"]
    assert info["Page size"].endswith("(A4)")


def test_preliminary_marked_and_footer_on_every_page(long_preliminary: Path) -> None:
    info = pdfinfo(long_preliminary)
    assert int(info["Pages"]) >= 2
    pages = pdftotext(long_preliminary).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == int(info["Pages"])
    assert "PRELIMINARY REPORT" in pages[0]
    for number, page in enumerate(pages, start=1):
        assert "PRELIMINARY" in page
        assert "Müller, Jörg A · MRN MRN004521 · Acc NGH26-001234" in page
        assert f"Page {number} of {len(pages)}" in page
    assert "Electronically signed (preliminary)" in _squash(pages[-1])
    assert "Petr Novak, MD" in pages[-1]


def test_same_document_gives_same_bytes(amended_doc: ReportDocument, amended_pdf: bytes) -> None:
    assert render_pdf(amended_doc) == amended_pdf


def test_page_one_renders_to_png(amended_pdf_path: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile",
         str(amended_pdf_path), str(tmp_path / "page1")],
        check=True,
    )
    with Image.open(tmp_path / "page1.png") as image:
        assert image.size == (414, 585)  # A4 at 50 dpi
        gray = image.convert("L")
        histogram = gray.histogram()
    inked = sum(histogram[:200]) / sum(histogram)
    assert 0.02 < inked < 0.5  # a page of text, neither blank nor a black box


def test_facility_layout_overrides_default(amended_doc: ReportDocument, tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    shutil.copytree(DEFAULT_LAYOUTS_DIR / "default", layouts / "default")
    (layouts / "NGH").mkdir()
    (layouts / "NGH" / "facility.css").write_text(".facility-name { color: #123456; }")
    (layouts / "NGH" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><title>NGH</title></svg>'
    )
    html = render_html(amended_doc, layouts_dir=layouts)
    assert ".facility-name { color: #123456; }" in html
    # the facility logo wins over the default one
    logo = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert logo is not None
    assert b"<title>NGH</title>" in base64.b64decode(logo.group(1))
    other = render_html(replace(amended_doc, facility=replace(amended_doc.facility, code="XYZ")),
                        layouts_dir=layouts)
    assert "#123456" not in other


def test_names_in_layout_are_escaped(amended_doc: ReportDocument) -> None:
    doc = replace(amended_doc, patient=replace(
        amended_doc.patient, name=replace(amended_doc.patient.name, family="<b>O'Brien</b>")))
    html = render_html(doc)
    assert "<b>O'Brien</b>" not in html
    assert "&lt;b&gt;O&#39;Brien&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"study_accession": ""}, "study.accession"),
        ({"mrn": ""}, "patient.mrn"),
        ({"sections": ()}, "sections"),
    ],
)
def test_missing_fields_are_named(
    amended_doc: ReportDocument, change: dict[str, object], field: str
) -> None:
    doc = amended_doc
    if "study_accession" in change:
        doc = replace(doc, study=replace(doc.study, accession=""))
    if "mrn" in change:
        doc = replace(doc, patient=replace(doc.patient, mrn=""))
    if "sections" in change:
        doc = replace(doc, sections=())
    with pytest.raises(ValueError, match=re.escape(field)):
        render_html(doc)
