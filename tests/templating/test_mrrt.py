"""IHE MRRT import and export over the nine DRG templates (CC BY 4.0, see fixtures README)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tinyhtml5

from reporting.templating import Template, export_mrrt, import_mrrt
from reporting.templating.lint import lint_template, sample_values, template_sample_context
from tests.templating.conftest import MRRT_FIXTURES, TEMPLATES

SAMPLES = sorted(MRRT_FIXTURES.glob("*.html"))
XHTML = "{http://www.w3.org/1999/xhtml}"


def _import(path: Path) -> Template:
    return Template.from_source(import_mrrt(path.read_text(encoding="utf-8"),
                                            source_name=path.name), path=path.name)


def _signature(template: Template) -> list[tuple]:
    return [(f.id, f.type, f.label, f.section, f.options, f.default, f.required, f.units,
             f.radlex, f.loinc) for f in template.fields]


def test_nine_samples_are_present() -> None:
    assert len(SAMPLES) == 9


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem.split("-", 1)[1])
def test_sample_imports_lints_renders_and_round_trips(path: Path) -> None:
    text = import_mrrt(path.read_text(encoding="utf-8"), source_name=path.name)
    assert "<script" not in text
    assert not re.search(r"\bon(load|change|click)\b", text)
    assert not re.search(r"function\s*\w*\s*\(", text)
    template = Template.from_source(text, path=path.name)
    assert lint_template(template) == []
    assert template.id.startswith("mrrt_")
    assert template.language == "de"
    assert "Deutsche Röntgengesellschaft" in template.attribution
    assert template.field("findings").type == "text"
    assert template.field("impression").type == "text"
    assert {s.id for s in template.sections} >= {"findings", "impression"}
    assert len(template.fields) > 10

    context = template_sample_context(template)
    values = sample_values(template)
    rendered = template.render_sections(values, context)
    assert [s.id for s in rendered][-1] == "impression"
    assert all(s.text for s in rendered)

    exported = export_mrrt(template)
    document = tinyhtml5.parse(exported)
    sections = list(document.iter(f"{XHTML}section"))
    assert len(sections) == len(template.sections)
    assert "<script type=\"text/xml\">" in exported
    again = Template.from_source(import_mrrt(exported, source_name=path.name))
    assert _signature(again) == _signature(template)
    assert [(s.id, s.heading, s.loinc, s.radlex) for s in again.sections] == \
        [(s.id, s.heading, s.loinc, s.radlex) for s in template.sections]
    assert again.render_text(values, context) == template.render_text(values, context)


def test_coded_content_loinc_section_codes() -> None:
    template = _import(MRRT_FIXTURES / "041807.2.21060911112-ct_stroke_cta.html")
    codes = {s.id: s.loinc for s in template.sections}
    assert codes == {"clinical_information": "55752-0", "clinical_question": "18785-6",
                     "findings": "59776-5", "impression": "19005-8"}


def test_completion_action_prohibit_is_required() -> None:
    template = _import(MRRT_FIXTURES / "041807.2.1810090000-ct_khk.html")
    assert [f.id for f in template.fields if f.required] == ["impression"]
    assert template.field("impression").default.startswith("1.\tCT-angiographisch")


def test_fields_types_options_defaults_and_units() -> None:
    carotis = _import(MRRT_FIXTURES / "041807.4.1706140001-us_carotis.html")
    psv = carotis.field("us_ac_raci_psv")
    assert (psv.type, psv.units, psv.label) == ("number", "cm/s", "A. carotis interna PSV")
    assert carotis.field("us_ac_vergleich").type == "date"
    plaque = carotis.field("us_ac_lacc_plaque")   # value="0" label="keine Auffälligkeiten"
    assert [(o.value, o.label) for o in plaque.options][:2] == [("-1", "-"),
                                                                 ("0", "keine Auffälligkeiten")]
    # the impression textarea (data-english-name="Impression") becomes our impression field
    assert "us_ac_Beurteilung" not in carotis.field_ids()
    assert carotis.field("impression").section == "impression"

    stroke = _import(MRRT_FIXTURES / "041807.2.21060911112-ct_stroke_cta.html")
    arch = stroke.field("aortic_arc")              # RADIO group -> choice
    assert arch.type == "choice"
    assert [o.value for o in arch.options] == ["Unauffällig", "Sonstiges"]
    assert stroke.field("ACC_right").default == "unauffällig"   # <option selected>
    assert stroke.field("bone_status").default == "Altersgemäß unauffällig"

    hip = _import(MRRT_FIXTURES / "041807.1.2202101552-cr_hueftendoprothetik.html")
    # the source repeats name="subchondral_sclerosis": both survive with unique ids
    assert {"subchondral_sclerosis", "subchondral_sclerosis_2"} <= set(hip.field_ids())
    assert hip.field("findings").label == "Weitere Befunde"


def test_checkbox_multiselect_and_radlex_import() -> None:
    markup = """<!DOCTYPE html><html><head><title>Test</title>
    <meta name="dcterms.language" content="en">
    <script type="text/xml"><template_attributes><coded_content>
      <entry origtxt="effusion"><term><code meaning="pleural effusion" value="RID34539"
        scheme="RADLEX"></code></term></entry>
      <entry origtxt="sec_f"><term><code meaning="Findings" value="59776-5" scheme="LOINC">
        </code></term></entry>
    </coded_content></template_attributes></script>
    <script>alert('x')</script></head>
    <body onload="evil()">
    <section id="sec_f" data-section-name="Findings"><header>Findings</header>
      <label for="effusion">Effusion</label>
      <input type="checkbox" id="effusion" name="effusion" data-field-type="CHECKBOX" checked
        onclick="steal()">
      <label for="lobes">Lobes</label>
      <select id="lobes" multiple><option value="RUL" selected>RUL</option>
        <option value="RLL" selected>RLL</option><option value="LUL">LUL</option></select>
    </section></body></html>"""
    text = import_mrrt(markup, source_name="test.html")
    assert "alert" not in text
    assert "steal" not in text
    template = Template.from_source(text)
    effusion = template.field("effusion")
    assert (effusion.type, effusion.default, effusion.radlex) == ("checkbox", "yes", "RID34539")
    lobes = template.field("lobes")
    assert (lobes.type, lobes.default) == ("multichoice", "RUL; RLL")
    assert template.sections[0].loinc == "59776-5"
    assert template.field("impression").label == "Impression"
    again = Template.from_source(import_mrrt(export_mrrt(template), source_name="test.html"))
    assert _signature(again) == _signature(template)


def test_shipped_template_exports_valid_mrrt() -> None:
    template = Template.from_source((TEMPLATES / "mg_screening.j2").read_text())
    exported = export_mrrt(template)
    assert exported.startswith("<!DOCTYPE html>")
    assert 'data-field-type="SELECTION_LIST"' in exported
    assert 'value="RID36027" scheme="RADLEX"' in exported
    assert 'origtxt="sec_impression"' in exported
    document = tinyhtml5.parse(exported)
    ids = [e.get("id") for e in document.iter() if e.get("id")]
    assert len(ids) == len(set(ids))   # MRRT needs unique element ids
    again = Template.from_source(import_mrrt(exported, source_name="mg.html"))
    assert [(f.id, f.type, f.options, f.radlex) for f in again.fields] == \
        [(f.id, f.type, f.options, f.radlex) for f in template.fields]
