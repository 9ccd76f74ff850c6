"""Sign-time checks and their overrides."""

from __future__ import annotations

from reporting.templating import TemplateLibrary, check_report, decide_signing
from reporting.templating.checks import exam_side


def _issues(library, make_context, template_id, changes, **context_args):
    template = library.get(template_id)
    context = make_context(**context_args)
    values = template.default_values(context) | changes
    return check_report(template, values, context)


def _codes(issues):
    return {(i.code, i.field, i.severity) for i in issues}


def test_clean_default_report_passes(library: TemplateLibrary, make_context) -> None:
    for template in library.templates():
        if template.id in {"generic", "mr_knee"}:
            continue
        sex = template.applicability.sex[0] if template.applicability.sex else "F"
        context = make_context(sex=sex, description=template.title)
        issues = check_report(template, template.default_values(context), context)
        assert issues == [], (template.id, issues)


def test_required_field_empty_is_an_error(library: TemplateLibrary, make_context) -> None:
    issues = _issues(library, make_context, "cta_chest_pe", {"pe_result": ""})
    assert ("required_empty", "pe_result", "error") in _codes(issues)
    [issue] = [i for i in issues if i.code == "required_empty"]
    assert issue.message == "Pulmonary embolism: this field is required"
    assert not issue.overridable


def test_unfilled_blank_and_unresolved_pick_list(library: TemplateLibrary, make_context
                                                  ) -> None:
    findings = "Stable.\nSmall [right|left] effusion measuring [ ] cm."
    issues = _issues(library, make_context, "ct_chest", {"findings": findings})
    by_code = {i.code: i for i in issues}
    picklist, blank = by_code["unresolved_picklist"], by_code["unfilled_blank"]
    assert picklist.severity == blank.severity == "error"
    assert findings[picklist.start:picklist.end] == "[right|left]"
    assert "line 2, column 7" in picklist.message
    assert findings[blank.start:blank.end] == "[ ]"
    assert "Additional findings: blank [ ] is not filled in (line 2, column 39)" == blank.message


def test_invalid_value_for_field_type(library: TemplateLibrary, make_context) -> None:
    issues = _issues(library, make_context, "ct_chest", {"largest_nodule": "about 4"})
    assert ("invalid_value", "largest_nodule", "error") in _codes(issues)


def test_laterality_mismatch_left_exam_right_text(library: TemplateLibrary, make_context
                                                   ) -> None:
    issues = _issues(library, make_context, "mr_knee",
                     {"medial_meniscus": "Tear of the right medial meniscus posterior horn."},
                     description="MRI LEFT KNEE WO", modality="MR", body_part="KNEE")
    [issue] = [i for i in issues if i.code == "laterality_mismatch"]
    assert issue.field == "medial_meniscus"
    assert issue.severity == "warning"
    assert "exam is LEFT" in issue.message
    assert "'right'" in issue.message


def test_laterality_mismatch_right_exam_left_text(library: TemplateLibrary, make_context
                                                   ) -> None:
    issues = _issues(library, make_context, "mr_knee",
                     {"side": "right", "impression": "Left ACL tear."},
                     description="MRI RT KNEE", modality="MR", body_part="KNEE")
    assert ("laterality_mismatch", "impression", "warning") in _codes(issues)


def test_laterality_ok_when_both_sides_named_or_bilateral(library: TemplateLibrary,
                                                          make_context) -> None:
    both = _issues(library, make_context, "mr_knee",
                   {"side": "left",
                    "findings": "Left knee effusion; the right knee is not imaged."},
                   description="MRI LEFT KNEE", modality="MR", body_part="KNEE")
    assert not [i for i in both if i.code == "laterality_mismatch"]
    bilateral = _issues(library, make_context, "ct_chest",
                        {"findings": "Right lower lobe pneumonia."},
                        description="CT CHEST BILATERAL")
    assert not [i for i in bilateral if i.code == "laterality_mismatch"]
    assert exam_side({"study": {"description": "XR HAND LT", "laterality": ""}}) == "L"
    assert exam_side({"study": {"description": "XR HAND", "laterality": "R"}}) == "R"


def test_choice_side_contradicting_exam(library: TemplateLibrary, make_context) -> None:
    issues = _issues(library, make_context, "mr_knee", {"side": "right"},
                     description="MRI LEFT KNEE", modality="MR", body_part="KNEE")
    assert ("laterality_mismatch", "side", "warning") in _codes(issues)


def test_sex_specific_anatomy(library: TemplateLibrary, make_context) -> None:
    male = _issues(library, make_context, "ct_abdomen_pelvis",
                   {"pelvic_organs": "The uterus and ovaries are unremarkable."}, sex="M")
    [issue] = [i for i in male if i.code == "sex_mismatch"]
    assert issue.field == "pelvic_organs"
    assert issue.severity == "warning"
    assert "'uterus' in a male patient" in issue.message
    female = _issues(library, make_context, "ct_abdomen_pelvis",
                     {"findings": "Enlarged prostate gland."}, sex="F")
    assert ("sex_mismatch", "findings", "warning") in _codes(female)
    unknown = _issues(library, make_context, "ct_abdomen_pelvis",
                      {"findings": "Enlarged prostate gland."}, sex="U")
    assert not [i for i in unknown if i.code == "sex_mismatch"]


def test_impression_missing_is_an_error(library: TemplateLibrary, make_context) -> None:
    issues = _issues(library, make_context, "generic", {"impression": ""})
    assert ("impression_missing", "impression", "error") in _codes(issues)


def test_impression_identical_to_findings(library: TemplateLibrary, make_context) -> None:
    text = "Right lower lobe pneumonia."
    issues = _issues(library, make_context, "generic",
                     {"findings": text, "impression": " right lower lobe pneumonia "})
    assert ("impression_same_as_findings", "impression", "warning") in _codes(issues)


def test_warnings_override_with_reason_errors_never(library: TemplateLibrary, make_context
                                                     ) -> None:
    issues = _issues(library, make_context, "mr_knee",
                     {"impression": "Right ACL tear.", "findings": "[ ]"},
                     description="MRI LEFT KNEE", modality="MR", body_part="KNEE")
    decision = decide_signing(issues)
    assert not decision.ok
    warning = next(i for i in issues if i.code == "laterality_mismatch")
    error = next(i for i in issues if i.code == "unfilled_blank")
    assert warning.key == "laterality_mismatch:impression"

    blank_reason = decide_signing(issues, {warning.key: "   "})
    assert warning in blank_reason.blocking

    decision = decide_signing(issues, {warning.key: "Prior right knee surgery referenced.",
                                       error.key: "I insist"})
    assert [(i.key, r) for i, r in decision.overridden] == [
        ("laterality_mismatch:impression", "Prior right knee surgery referenced.")]
    assert decision.blocking == (error,)
    assert not decision.ok

    fixed = [i for i in issues if i.code != "unfilled_blank"]
    assert decide_signing(fixed, {warning.key: "Prior right knee surgery referenced."}).ok
    assert warning.to_dict()["overridable"] is True
