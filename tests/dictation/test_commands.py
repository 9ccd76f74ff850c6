"""Voice command recognition and the text edits behind them."""

from __future__ import annotations

import pytest

from reporting.dictation.commands import (
    COMMAND_NAMES,
    Command,
    command_from_message,
    delete_last_word,
    parse_command,
    remove_last,
    resolve_field,
)
from reporting.dictation.text import join, to_written

FIELDS: dict[str, list[str] | str] = {
    "clinical_history": "Clinical history",
    "comparison": ["comparison", "priors"],
    "findings": ["findings"],
    "impression": ["impression", "conclusion"],
}


@pytest.mark.parametrize(
    ("utterance", "name"),
    [
        ("next field", "next_field"),
        ("Next field.", "next_field"),
        ("Next Field!", "next_field"),
        ("next, field", "next_field"),
        ("Next-field", "next_field"),
        ("Um, next field.", "next_field"),
        ("next field please", "next_field"),
        ("  NEXT FIELD  ", "next_field"),
        ("Go to the next field.", "next_field"),
        ("Previous field.", "previous_field"),
        ("prior field", "previous_field"),
        ("Prior section!", "previous_field"),
        ("Scratch that.", "scratch_that"),
        ("scratch that", "scratch_that"),
        ("Strike that.", "scratch_that"),
        ("Please scratch that.", "scratch_that"),
        ("Delete last word.", "delete_last_word"),
        ("delete the last word", "delete_last_word"),
        ("New paragraph.", "new_paragraph"),
        ("Stop dictation.", "stop_dictation"),
        ("stop dictating", "stop_dictation"),
    ],
)
def test_fixed_commands(utterance: str, name: str) -> None:
    command = parse_command(utterance, field_names=FIELDS)
    assert command == Command(name)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "utterance",
    [
        "The next field of view is normal.",
        "next field of view",
        "There is a small effusion.",
        "Scratch that lesion is benign.",
        "scratch",
        "The previous field was unremarkable.",
        "Stop.",
        "",
        "Um.",
        "Go to the emergency department for further evaluation of the patient.",
        "Insertion of a central line.",
        "Macro economics is not relevant to the findings in this patient at all.",
        "New paragraphs are needed.",
    ],
)
def test_dictation_is_not_a_command(utterance: str) -> None:
    assert parse_command(utterance, field_names=FIELDS) is None


@pytest.mark.parametrize(
    ("utterance", "field", "argument"),
    [
        ("Go to impression.", "impression", "impression"),
        ("go to impressions", "impression", "impressions"),
        ("Go to field impression.", "impression", "impression"),
        ("Go to the impression field.", "impression", "impression"),
        ("Goto conclusion", "impression", "conclusion"),
        ("Go to conclusions.", "impression", "conclusions"),
        ("Jump to findings!", "findings", "findings"),
        ("go to finding", "findings", "finding"),
        ("Go to clinical history.", "clinical_history", "clinical history"),
        ("Go to history.", "clinical_history", "history"),
        ("Go to priors.", "comparison", "priors"),
        ("go to comparisons", "comparison", "comparisons"),
    ],
)
def test_go_to_matches_field_names(utterance: str, field: str, argument: str) -> None:
    assert parse_command(utterance, field_names=FIELDS) == Command(
        "go_to", field=field, argument=argument
    )


@pytest.mark.parametrize("target", ["sleep", "in", "the technique", "recommendations"])
def test_go_to_unknown_field_is_a_command_with_an_error(target: str) -> None:
    command = parse_command(f"Go to {target}.", field_names=FIELDS)
    assert command is not None
    assert command.name == "go_to"
    assert command.field is None
    assert command.error == f"unknown field: {target.removeprefix('the ')}"


def test_go_to_without_field_names_leaves_resolution_to_the_caller() -> None:
    command = parse_command("Go to impressions.")
    assert command == Command("go_to", argument="impressions")
    assert command.argument is not None
    assert resolve_field(command.argument, FIELDS) == "impression"


@pytest.mark.parametrize(
    ("spoken", "field"),
    [
        ("Impression", "impression"),
        ("impresion", "impression"),
        ("clinical_history", "clinical_history"),
        ("comparison", "comparison"),
        ("findings.", "findings"),
        ("banana", None),
        ("", None),
    ],
)
def test_resolve_field(spoken: str, field: str | None) -> None:
    assert resolve_field(spoken, FIELDS) == field


def test_resolve_field_without_fields() -> None:
    assert resolve_field("impression", {}) is None


@pytest.mark.parametrize(
    ("utterance", "name"),
    [
        ("Macro normal chest.", "normal chest"),
        ("macro normal chest", "normal chest"),
        ("Insert normal chest.", "normal chest"),
        ("Insert macro normal CT head!", "normal ct head"),
        ("Um, macro, normal chest.", "normal chest"),
    ],
)
def test_macro_commands_carry_the_spoken_name(utterance: str, name: str) -> None:
    assert parse_command(utterance) == Command("macro", argument=name)


def test_bare_macro_is_an_error_command() -> None:
    assert parse_command("Macro.") == Command("macro", error="macro name missing")


def test_command_names_match_the_websocket_contract() -> None:
    assert {
        "next_field",
        "previous_field",
        "go_to",
        "scratch_that",
        "delete_last_word",
        "new_paragraph",
        "macro",
        "stop_dictation",
    } == COMMAND_NAMES


def test_command_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="command must be one of"):
        Command("dance")  # type: ignore[arg-type]


def test_command_to_message() -> None:
    assert Command("go_to", field="impression", argument="impressions").to_message() == {
        "type": "command",
        "command": "go_to",
        "field": "impression",
        "argument": "impressions",
    }
    assert Command("next_field").to_message() == {"type": "command", "command": "next_field"}


@pytest.mark.parametrize(
    ("message", "command"),
    [
        ({"type": "command", "command": "next_field"}, Command("next_field")),
        ({"type": "command", "command": "previous_field"}, Command("previous_field")),
        ({"type": "command", "command": "scratch_that"}, Command("scratch_that")),
        (
            {"type": "command", "command": "go_to", "field": "impression"},
            Command("go_to", field="impression"),
        ),
        (
            {"type": "command", "command": "macro", "argument": "normal chest"},
            Command("macro", argument="normal chest"),
        ),
    ],
)
def test_command_from_button_message(message: dict[str, str], command: Command) -> None:
    assert command_from_message(message) == command


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"type": "command"}, "command must be one of"),
        ({"type": "command", "command": "explode"}, "command must be one of"),
        ({"type": "command", "command": 3}, "command must be one of"),
        ({"type": "command", "command": "go_to"}, "field is required for go_to"),
        ({"type": "command", "command": "go_to", "field": 5}, "field must be a string"),
        ({"type": "command", "command": "macro"}, "argument"),
    ],
)
def test_command_from_bad_message(message: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        command_from_message(message)


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("There is a small effusion.", "There is a small"),
        ("There is a small effusion", "There is a small"),
        ("Small effusion, ", "Small"),
        ("Well-defined", ""),
        ("Measures 4.5 mm", "Measures 4.5"),
        ("Effusion.\n\nHeart normal", "Effusion.\n\nHeart"),
        ("Effusion.\n\nHeart", "Effusion.\n\n"),
        ("Effusion.\n\n", ""),
        ("word", ""),
        ("", ""),
    ],
)
def test_delete_last_word(text: str, result: str) -> None:
    assert delete_last_word(text) == result


@pytest.mark.parametrize(
    ("text", "final", "result"),
    [
        ("Lungs clear. Heart normal.", "Heart normal.", "Lungs clear."),
        ("Lungs clear. Heart normal. ", "Heart normal.", "Lungs clear."),
        ("Small effusion.", ".", "Small effusion"),
        ("Effusion.\n\n", "\n\n", "Effusion."),
        ("Effusion.\n\nHeart normal.", "\n\nHeart normal.", "Effusion."),
        ("Heart normal.", "Heart normal.", ""),
        ("Heart normal.", "", "Heart normal."),
    ],
)
def test_remove_last(text: str, final: str, result: str) -> None:
    assert remove_last(text, final) == result


def test_remove_last_refuses_text_edited_after_the_final() -> None:
    with pytest.raises(ValueError, match="does not end with the last final"):
        remove_last("Lungs clear. Heart normal, edited.", "Heart normal.")


def test_scratch_that_undoes_the_join() -> None:
    field = "The lungs are clear."
    for utterance in ["There is no effusion.", "Comma.", "L four five", "New paragraph."]:
        before = field
        final = to_written(utterance, preceding=field)
        field = join(field, final)
        if not (final and final[0] in ",.;:"):  # a leading mark may replace the old one
            assert remove_last(field, final) == before.rstrip(" ")
