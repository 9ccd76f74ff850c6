"""Template model, shipped library, selection, context, rendering, snapshots and reload."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from reporting.templating import (
    Template,
    TemplateError,
    TemplateLibrary,
    TemplateNotFound,
    TemplateSnapshot,
    same_region,
)
from reporting.templating.model import value_problem
from tests.templating.conftest import MACROS, TEMPLATES

REQUIRED_SHIPPED = {
    "xr_chest", "ct_head_wo", "ct_chest", "cta_chest_pe", "ct_abdomen_pelvis",
    "ct_renal_stone", "mr_brain", "mr_lumbar_spine", "mr_knee", "us_abdomen",
    "us_pelvis_female", "us_pelvis_male", "mg_screening", "generic",
}
LOINC = {"clinical_information": "55752-0", "comparison": "18834-2", "technique": "55111-9",
         "findings": "59776-5", "impression": "19005-8", "recommendation": "18783-1"}


def test_shipped_library_loads_every_template(library: TemplateLibrary) -> None:
    assert library.errors == []
    ids = {t.id for t in library.templates()}
    assert REQUIRED_SHIPPED <= ids
    assert len(ids - {"generic"}) >= 12


@pytest.mark.parametrize("template_id", sorted(REQUIRED_SHIPPED))
def test_shipped_template_has_normal_defaults_and_structured_impression(
    library: TemplateLibrary, make_context, template_id: str
) -> None:
    template = library.get(template_id)
    assert template.field("findings").type == "text"
    assert template.field("impression").type == "text"
    for section in template.sections:
        assert section.loinc == LOINC[section.id]
    context = make_context()
    sections = template.render_sections(template.default_values(context), context)
    by_id = {s.id: s for s in sections}
    assert [s.id for s in sections] == [s.id for s in template.sections if s.id in by_id]
    if template_id != "generic":
        assert by_id["impression"].loinc_code == "19005-8"
        assert len(by_id["findings"].text) > 40  # a normal report out of the box
        assert by_id["impression"].text.startswith("1. ")  # numbered structured impression
        assert any(f.type == "choice" and f.required for f in template.fields
                   if f.section == "impression")


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ({"procedure_code": "71275", "modality": "CT", "body_part": "CHEST"}, "cta_chest_pe"),
        ({"procedure_code": "71260", "modality": "CT", "body_part": "CHEST"}, "ct_chest"),
        ({"procedure_code": "CTSTONE", "modality": "CT", "body_part": "ABDOMEN"},
         "ct_renal_stone"),
        ({"procedure_code": "74177", "modality": "CT", "body_part": "ABDOMEN"},
         "ct_abdomen_pelvis"),
        ({"procedure_code": "X1", "modality": "CT", "body_part": "THORAX"}, "ct_chest"),
        ({"procedure_code": "X2", "modality": "DX", "body_part": "CHEST"}, "xr_chest"),
        ({"procedure_code": "X3", "modality": "MR", "body_part": "L-SPINE"}, "mr_lumbar_spine"),
        ({"procedure_code": "X4", "modality": "US", "body_part": "PELVIS", "patient_sex": "F"},
         "us_pelvis_female"),
        ({"procedure_code": "X4", "modality": "US", "body_part": "PELVIS", "patient_sex": "M"},
         "us_pelvis_male"),
        ({"procedure_code": "X4", "modality": "US", "body_part": "PELVIS", "patient_sex": "U"},
         "us_pelvis_female"),  # unknown sex: both pelvis templates stay, first id wins
        ({"procedure_code": "X5", "modality": "US", "body_part": "ABDOMEN", "patient_sex": "F"},
         "us_abdomen"),
        ({"procedure_code": "X6", "modality": "NM", "body_part": "BONE"}, "generic"),
        ({"procedure_code": "70450"}, "ct_head_wo"),
    ],
)
def test_select_most_specific_template(library: TemplateLibrary, order, expected) -> None:
    assert library.select(order).id == expected


def test_unknown_template_id_is_a_not_found_error(library: TemplateLibrary) -> None:
    with pytest.raises(TemplateNotFound):
        library.get("no_such_template")


def test_context_autofills_patient_exam_history_and_comparison(
    library: TemplateLibrary, make_context
) -> None:
    priors = [
        {"exam": "CT chest", "body_part": "THORAX", "modality": "CT", "date": "2026-03-02",
         "impression": "Stable 4 mm nodule."},
        {"exam": "XR chest", "body_part": "CHEST", "modality": "DX", "date": "2025-11-20",
         "impression": "No acute abnormality."},
        {"exam": "CT head", "body_part": "HEAD", "modality": "CT", "date": "2026-03-10",
         "impression": "Normal."},
        {"exam": "CT chest", "body_part": "CHEST", "modality": "CT", "date": "2026-05-01",
         "impression": "Later study must not count."},
    ]
    context = make_context(priors=priors)
    assert context["patient"]["age"] == "55"  # born 1970-06-15, examined 2026-04-01
    assert context["patient"]["name"] == "Jane Doe"
    assert context["patient"]["mrn"] == "MRN123"
    assert context["study"]["ordering_provider"] == "John Smith"
    assert [p["date"] for p in context["priors"]] == ["2026-03-02", "2025-11-20"]
    assert context["priors"][0]["impression"] == "Stable 4 mm nodule."
    assert context["comparison"] == "CT chest 2026-03-02. XR chest 2025-11-20."

    template = library.get("ct_chest")
    values = template.default_values(context)
    assert values["clinical_information"] == "Cough for three weeks."
    assert values["comparison"] == "CT chest 2026-03-02. XR chest 2025-11-20."
    text = template.render_text(values, context)
    assert "COMPARISON:\nCT chest 2026-03-02. XR chest 2025-11-20." in text


def test_comparison_defaults_to_none_without_priors(library: TemplateLibrary, make_context
                                                     ) -> None:
    context = make_context(priors=[{"exam": "MRI knee", "body_part": "KNEE",
                                    "date": "2026-01-01"}])
    assert library.get("ct_chest").default_values(context)["comparison"] == "None."


def test_same_region_synonyms_and_groups() -> None:
    assert same_region("CHEST", "thorax")
    assert same_region("ABD", "PELVIS")
    assert same_region("L-Spine", "LSPINE")
    assert same_region("", "", description="CT CHEST W", other_description="XR chest 2v")
    assert not same_region("CHEST", "KNEE")


def test_jinja_default_over_study_context(library: TemplateLibrary, make_context) -> None:
    knee = library.get("mr_knee")
    left = make_context(description="MRI LEFT KNEE WO", modality="MR", body_part="KNEE")
    assert knee.default_values(left)["side"] == "left"
    unknown = make_context(description="MRI KNEE WO", modality="MR", body_part="KNEE")
    assert knee.default_values(unknown)["side"] == ""


def test_each_field_type_renders_and_validates(library: TemplateLibrary, make_context) -> None:
    template = library.get("us_pelvis_female")
    context = make_context(modality="US", body_part="PELVIS", description="US PELVIS")
    values = template.default_values(context)
    values.update({
        "endometrium": "8.5",                       # number with units
        "lmp": "2026-03-20",                        # date
        "free_fluid": "small",                      # choice
        "approach": "transvaginal",                 # multichoice
        "findings": "Nabothian cysts.",             # text
    })
    text = template.render_text(values, context)
    assert "Endometrial thickness: 8.5 mm" in text
    assert "Last menstrual period: 2026-03-20" in text
    assert "Free fluid: small" in text
    assert "Transvaginal grayscale" in text
    assert "Nabothian cysts." in text

    head = library.get("ct_head_wo")
    head_values = head.default_values(context) | {"critical_communicated": "yes"}  # checkbox
    assert "Critical result communicated to John Smith" in head.render_text(head_values, context)
    head_values["critical_communicated"] = "no"
    assert "Critical result" not in head.render_text(head_values, context)

    assert value_problem("number", "8,5", ()) != ""
    assert value_problem("date", "20.03.2026", ()) != ""
    assert value_problem("checkbox", "true", ()) != ""
    assert value_problem("multichoice", "a; zz", template.field("approach").options) != ""
    assert value_problem("multichoice", "transabdominal; transvaginal",
                         template.field("approach").options) == ""


def test_choice_labels_print_instead_of_values(library: TemplateLibrary, make_context) -> None:
    template = library.get("mg_screening")
    context = make_context(modality="MG", body_part="BREAST")
    values = template.default_values(context) | {"birads": "2", "density": "c"}
    sections = {s.id: s.text for s in template.render_sections(values, context)}
    assert sections["impression"] == "1. BI-RADS 2: Benign."
    assert "heterogeneously dense" in sections["findings"]
    assert sections["recommendation"] == "Routine annual screening mammography."
    only = template.render_sections(values, context, only="findings")
    assert [(s.id, s.text) for s in only] == [("findings", sections["findings"])]


def test_empty_sections_are_dropped(library: TemplateLibrary, make_context) -> None:
    template = library.get("generic")
    context = make_context()
    values = template.default_values(context) | {"clinical_information": "", "impression": "X."}
    ids = [s.id for s in template.render_sections(values, context)]
    assert "clinical_information" not in ids
    assert ids[-1] == "impression"


def test_sandbox_blocks_unsafe_attribute_access() -> None:
    source = (TEMPLATES / "generic.j2").read_text().replace(
        "{{ fields.impression }}", "{{ study.__class__.__mro__ }}")
    template = Template.from_source(source, path="x.j2")
    with pytest.raises(TemplateError, match=r"unsafe|__class__"):
        template.render_sections({}, {**_context()})


def _context() -> dict:
    from reporting.templating import sample_context
    return sample_context()


def test_broken_template_reports_file_and_line() -> None:
    source = (TEMPLATES / "generic.j2").read_text().replace(
        "{% block impression %}", "{% block impression %}{{ study.no_such_key }}")
    template = Template.from_source(source, path="generic.j2")
    with pytest.raises(TemplateError) as info:
        template.render_sections({}, _context())
    line = source.splitlines().index(next(
        row for row in source.splitlines() if "no_such_key" in row)) + 1
    assert info.value.line == line
    assert str(info.value).startswith(f"generic.j2:{line}: ")


def test_snapshot_survives_template_edits(tmp_path: Path, make_context) -> None:
    templates, macros = tmp_path / "templates", tmp_path / "macros"
    shutil.copytree(TEMPLATES, templates)
    shutil.copytree(MACROS, macros)
    library = TemplateLibrary(templates, macros)
    template = library.get("xr_chest")
    context = make_context(modality="DX", description="XR CHEST 2V")
    values = template.default_values(context)
    stored = TemplateSnapshot.of(template).to_dict()
    before = template.render_text(values, context)

    path = templates / "xr_chest.j2"
    path.write_text(path.read_text().replace("version: 1", "version: 2").replace(
        "Lungs: {{ fields.lungs }}", "LUNG FIELDS: {{ fields.lungs }}"))
    _bump_mtime(path)
    assert library.reload_if_changed()
    assert library.get("xr_chest").version == "2"
    assert "LUNG FIELDS" in library.get("xr_chest").render_text(values, context)

    snapshot = TemplateSnapshot.from_dict(stored)
    assert snapshot.version == "1"
    assert snapshot.content_hash == template.content_hash
    assert snapshot.template().render_text(values, context) == before
    tampered = TemplateSnapshot.from_dict({**stored, "source": stored["source"] + " "})
    with pytest.raises(TemplateError, match="does not match its hash"):
        tampered.template()


def _bump_mtime(path: Path) -> None:
    stamp = time.time() + 5
    os.utime(path, (stamp, stamp))


def test_reload_keeps_last_good_version_and_reports_error(tmp_path: Path) -> None:
    templates, macros = tmp_path / "templates", tmp_path / "macros"
    shutil.copytree(TEMPLATES, templates)
    shutil.copytree(MACROS, macros)
    library = TemplateLibrary(templates, macros)
    good = library.get("ct_head_wo")
    assert not library.reload_if_changed()  # nothing changed: a cheap stat pass

    path = templates / "ct_head_wo.j2"
    path.write_text(path.read_text().replace("{% endblock %}", "{% endblok %}", 1))
    _bump_mtime(path)
    assert library.reload_if_changed()
    assert library.get("ct_head_wo") is good
    [error] = library.errors
    assert error.path == str(path)
    assert error.line > 0
    assert "Jinja syntax error" in error.message

    macro_file = macros / "general.yaml"
    macro_file.write_text(macro_file.read_text() + "  - name: broken\n    text: '[a|'\n")
    _bump_mtime(macro_file)
    library.reload_if_changed()
    assert any(e.path == str(macro_file) for e in library.errors)
    assert any(m.name == "no change" for m in library.macros())  # last good macros kept

    path.write_text((TEMPLATES / "ct_head_wo.j2").read_text())
    _bump_mtime(path)
    new = templates / "extra.j2"
    new.write_text((TEMPLATES / "generic.j2").read_text().replace("id: generic", "id: extra"))
    library.reload_if_changed()
    assert library.get("ct_head_wo") is not good
    assert library.find("extra") is not None
    new.unlink()
    library.reload_if_changed()
    assert library.find("extra") is None
    assert all(e.path != str(path) for e in library.errors)


def test_spoken_field_names(library: TemplateLibrary) -> None:
    lookup = library.get("mr_knee").spoken_lookup()
    assert lookup["acl"] == "acl"
    assert lookup["anterior cruciate ligament"] == "acl"
    assert lookup["impression"] == "impression"
