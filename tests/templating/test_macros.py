"""Macros: shipped library, voice/trigger/API expansion, fuzzy names, pick lists and blanks."""

from __future__ import annotations

import pytest

from reporting.templating import (
    MacroError,
    TemplateLibrary,
    expand_macro,
    find_macro,
    find_spans,
    match_macro,
    merge_macros,
    next_span,
    parse_macro_command,
    resolve_span,
    validate_macro,
)
from reporting.templating.macros import (
    insert_expansion,
    match_trigger,
    previous_span,
    resolve_defaults,
)


def test_shipped_macro_library(library: TemplateLibrary) -> None:
    macros = library.macros()
    assert len(macros) >= 40
    assert all(m.source == "shipped" for m in macros)
    assert sum(1 for m in macros if find_spans(m.text)) >= 25  # most carry pick lists/blanks


@pytest.mark.parametrize("utterance", ["macro normal chest", "Insert normal chest.",
                                       "macro negative chest"])
def test_voice_phrase_expands_normal_chest(library: TemplateLibrary, make_context,
                                           utterance: str) -> None:
    spoken = parse_macro_command(utterance)
    assert spoken is not None
    macro = find_macro(spoken, library.macros(), modality="DX", template_id="xr_chest")
    assert macro is not None
    assert macro.name == "normal chest"
    expansion = expand_macro(macro, make_context(modality="DX"))
    assert expansion.field == "findings"
    assert expansion.text.startswith("The lungs are clear. No pleural effusion")
    assert expansion.spans == ()


def test_not_a_macro_command() -> None:
    assert parse_macro_command("the lungs are clear") is None


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("normal chess", "normal chest"),              # ASR slip
        ("plural effusion", "pleural effusion"),       # the classic Whisper miss
        ("cardio megaly", "cardiomegaly"),             # split word
        ("chest normal", "normal chest"),              # word order
        ("CHF", "pulmonary edema"),                    # alias
    ],
)
def test_fuzzy_macro_names(library: TemplateLibrary, spoken: str, expected: str) -> None:
    match = match_macro(spoken, library.macros(), modality="CR", template_id="xr_chest")
    assert match.macro is not None, match.candidates
    assert match.macro.name == expected


def test_fuzzy_match_respects_threshold_and_scope(library: TemplateLibrary) -> None:
    assert find_macro("banana split", library.macros(), modality="CR") is None
    # "normal chest" is scoped to radiographs: not offered on an MRI knee
    assert find_macro("normal chest", library.macros(), modality="MR",
                      template_id="mr_knee") is None
    assert find_macro("normal knee", library.macros(), modality="MR",
                      template_id="mr_knee") is not None


def test_ambiguous_spoken_name_returns_candidates() -> None:
    macros = [validate_macro({"name": "normal liver", "text": "Normal liver."}),
              validate_macro({"name": "normal river", "text": "Normal river."})]
    match = match_macro("normal fiver", macros)
    assert match.macro is None
    assert match.ambiguous
    assert {m.name for m, _ in match.candidates} == {"normal liver", "normal river"}


def test_expansion_by_api_with_pick_lists_and_blanks(library: TemplateLibrary,
                                                     make_context) -> None:
    macro = find_macro("pneumothorax", library.macros(), modality="CT", template_id="ct_chest")
    assert macro is not None
    expansion = expand_macro(macro, make_context())
    assert expansion.field is None  # goes to the current field
    text = expansion.text
    assert text.startswith("[Small|Moderate|Large] [right|left] pneumothorax measuring [ ] cm")
    kinds = [s.kind for s in expansion.spans]
    assert kinds == ["picklist", "picklist", "blank"]
    assert expansion.spans[0].options == ("Small", "Moderate", "Large")
    assert expansion.spans[0].default == "Small"

    # "next field" walks the spans; resolving moves the cursor past the choice
    span = next_span(text, 0)
    assert span == expansion.spans[0]
    text, cursor = resolve_span(text, span, "moderate")        # spoken choice, fuzzy
    assert text.startswith("Moderate [right|left]")
    span = next_span(text, cursor)
    text, cursor = resolve_span(text, span, 1)                 # by index
    assert text.startswith("Moderate left pneumothorax measuring [ ] cm")
    span = next_span(text, cursor)
    assert span is not None
    assert span.kind == "blank"
    text, cursor = resolve_span(text, span, "2.5")
    assert text.startswith("Moderate left pneumothorax measuring 2.5 cm at the apex.")
    assert next_span(text, cursor) is None
    assert find_spans(text) == []


def test_first_option_is_the_default_and_navigation_wraps() -> None:
    text = "A [mild|moderate] effusion and [ ] nodule."
    spans = find_spans(text)
    assert next_span(text, len(text)) == spans[0]           # wraps to the top
    assert next_span(text, len(text), wrap=False) is None
    assert previous_span(text, spans[1].start) == spans[0]
    resolved, _ = resolve_span(text, spans[0])
    assert resolved == "A mild effusion and [ ] nodule."
    assert resolve_defaults(text) == "A mild effusion and [ ] nodule."
    with pytest.raises(ValueError, match="outside"):
        resolve_span(text, spans[0], 5)


def test_macro_text_uses_study_context(library: TemplateLibrary, make_context) -> None:
    macro = find_macro("critical result", library.macros(), modality="CT")
    assert macro is not None
    expansion = expand_macro(macro, make_context())
    assert expansion.field == "impression"
    assert "communicated to John Smith by [telephone|secure message|in person] on 2026-04-01" \
        in expansion.text


def test_typed_trigger_in_editor(library: TemplateLibrary, make_context) -> None:
    macro = match_trigger(".normalchest", library.macros(), modality="CR")
    assert macro is not None
    assert macro.name == "normal chest"
    expansion = expand_macro(macro, make_context())
    text, cursor = insert_expansion("Findings:", len("Findings:"), expansion)
    assert text == "Findings: " + expansion.text
    assert cursor == len(text)
    assert match_trigger(".nosuchmacro", library.macros()) is None


def test_personal_macros_take_precedence_by_name(library: TemplateLibrary) -> None:
    personal = validate_macro({"name": "Normal Chest", "text": "My own normal chest.",
                               "scope": {"modalities": ["cr", "dx"]}}, owner="drhouse")
    merged = library.macros(personal=[personal])
    mine = [m for m in merged if m.name.lower() == "normal chest"]
    assert len(mine) == 1
    assert mine[0].source == "personal"
    assert mine[0].owner == "drhouse"
    assert len(merged) == len(library.macros())
    assert merge_macros([], [personal]) == [personal]
    assert find_macro("normal chest", merged, modality="DX").text == "My own normal chest."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "x"}, "name is required"),
        ({"name": "a"}, "text is required"),
        ({"name": "a", "text": "x", "colour": "red"}, "unknown macro key 'colour'"),
        ({"name": "a", "text": "x", "scope": {"modality": ["CT"]}}, "unknown scope key"),
        ({"name": "a", "text": "[a|b"}, "without a matching"),
        ({"name": "a", "text": "[a||b]"}, "empty option"),
        ({"name": "a", "text": "{{ study.reason"}, "not valid Jinja"),
        ({"name": "a", "text": "x", "field": "no spaces allowed"}, "field must be a field id"),
        ({"name": "a", "text": "x", "aliases": [{"x": 1}]}, "aliases must be a list"),
    ],
)
def test_macro_validation_names_the_problem(data: dict, message: str) -> None:
    with pytest.raises(MacroError, match=message):
        validate_macro(data)


def test_validated_macro_round_trips_through_dict() -> None:
    macro = validate_macro({"name": "x ray", "aliases": ["xr"], "text": "T.",
                            "scope": {"modalities": ["ct"], "templates": ["ct_chest"]},
                            "field": "impression"})
    assert macro.modalities == ("CT",)
    assert validate_macro(macro.to_dict()) == macro
