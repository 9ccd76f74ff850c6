"""Voice commands: recognise a dictated utterance that is a command, and text edits."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast, get_args

from rapidfuzz import fuzz, process

__all__ = [
    "COMMAND_NAMES",
    "Command",
    "CommandName",
    "command_from_message",
    "delete_last_word",
    "parse_command",
    "remove_last",
    "resolve_field",
]

CommandName = Literal[
    "next_field",
    "previous_field",
    "go_to",
    "scratch_that",
    "delete_last_word",
    "new_paragraph",
    "macro",
    "stop_dictation",
]
COMMAND_NAMES: frozenset[str] = frozenset(get_args(CommandName))

FIELD_MATCH_THRESHOLD = 80.0
"""Lowest rapidfuzz score (0-100) at which a spoken name matches a field."""

_MAX_TARGET_WORDS = 4  # "go to <more than this>" is dictation, not a command
_MAX_MACRO_WORDS = 6

_FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "er", "hmm", "ah", "please"})

_FIXED: dict[str, CommandName] = {}


def _phrases(name: CommandName, *phrases: str) -> None:
    for phrase in phrases:
        _FIXED[phrase] = name


_phrases(
    "next_field",
    "next field", "next section", "go to next field", "go to the next field", "field next",
    "move to next field", "move to the next field",
)
_phrases(
    "previous_field",
    "previous field", "prior field", "previous section", "prior section",
    "go to previous field", "go to the previous field", "go to prior field",
    "go to the prior field", "go back a field", "move to previous field",
)
_phrases(
    "scratch_that",
    "scratch that", "scratch this", "strike that", "delete that", "undo that", "undo",
)
_phrases(
    "delete_last_word",
    "delete last word", "delete the last word", "remove last word", "remove the last word",
    "delete previous word", "delete the previous word", "delete word", "scratch word",
)
_phrases("new_paragraph", "new paragraph", "next paragraph")
_phrases(
    "stop_dictation",
    "stop dictation", "stop dictating", "end dictation", "stop recording", "stop listening",
)

_GO_TO_RE = re.compile(r"(?:go to|jump to|move to|switch to)(?: the)?(?: field)? (?P<target>.+)")
_MACRO_RE = re.compile(r"(?:insert macro|insert|macro|macro name) (?P<name>.+)")
_BARE_MACRO = frozenset({"macro", "insert macro"})


@dataclass(frozen=True, slots=True)
class Command:
    """A voice or button command; `error` is set when it cannot be carried out as heard."""

    name: CommandName
    field: str | None = None
    argument: str | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        if self.name not in COMMAND_NAMES:
            raise ValueError(f"command must be one of {sorted(COMMAND_NAMES)}, not {self.name!r}")

    def to_message(self) -> dict[str, str]:
        """The `command` message sent to the client (DESIGN.md "Dictation WebSocket")."""
        message = {"type": "command", "command": self.name}
        if self.field is not None:
            message["field"] = self.field
        if self.argument is not None:
            message["argument"] = self.argument
        return message


def _normalise(utterance: str) -> str:
    text = utterance.lower().replace("\u2019", "'")
    text = re.sub(r"\bgoto\b", "go to", text)
    text = re.sub(r"[^\w' ]+", " ", text)  # punctuation and hyphens become spaces
    words = [w.strip("'") for w in text.split()]
    return " ".join(w for w in words if w and w not in _FILLERS)


def _labels(field_id: str, names: str | Sequence[str]) -> list[str]:
    spoken = [names] if isinstance(names, str) else list(names)
    return [_normalise(label) for label in [field_id.replace("_", " "), *spoken]]


def _field_score(spoken: str, label: str, **_: object) -> float:
    """Whole-name similarity; a spoken name that is a whole word of the label scores 90."""
    return max(fuzz.ratio(spoken, label), 0.9 * fuzz.token_set_ratio(spoken, label))


def resolve_field(
    spoken: str, field_names: Mapping[str, str | Sequence[str]]
) -> str | None:
    """Return the field id whose id or label best matches the spoken name, or None."""
    target = _normalise(spoken)
    if not target:
        return None
    choices: dict[tuple[str, int], str] = {}
    for field_id, names in field_names.items():
        for index, label in enumerate(_labels(field_id, names)):
            if label:
                choices[(field_id, index)] = label
    if not choices:
        return None
    best = process.extractOne(target, choices, scorer=_field_score)
    if best is None or best[1] < FIELD_MATCH_THRESHOLD:
        return None
    matched: str = best[2][0]
    return matched


def parse_command(
    utterance: str, *, field_names: Mapping[str, str | Sequence[str]] | None = None
) -> Command | None:
    """Return the command an utterance is in full, or None when it is dictation."""
    text = _normalise(utterance)
    if not text:
        return None
    if text in _FIXED:
        return Command(_FIXED[text])
    if text in _BARE_MACRO:
        return Command("macro", error="macro name missing")
    go_to = _GO_TO_RE.fullmatch(text)
    if go_to:
        target = go_to.group("target")
        if target.endswith(" field") and target != "field":
            target = target.removesuffix(" field")
        if len(target.split()) > _MAX_TARGET_WORDS:
            return None
        if field_names is None:
            return Command("go_to", argument=target)
        field = resolve_field(target, field_names)
        if field is None:
            return Command("go_to", argument=target, error=f"unknown field: {target}")
        return Command("go_to", field=field, argument=target)
    macro = _MACRO_RE.fullmatch(text)
    if macro and len(macro.group("name").split()) <= _MAX_MACRO_WORDS:
        return Command("macro", argument=macro.group("name"))
    return None


def command_from_message(message: Mapping[str, object]) -> Command:
    """Build a Command from a client `command` message (a speech-mike button)."""
    name = message.get("command")
    if not isinstance(name, str) or name not in COMMAND_NAMES:
        raise ValueError(f"command must be one of {sorted(COMMAND_NAMES)}")
    field = message.get("field")
    if field is not None and not isinstance(field, str):
        raise ValueError("field must be a string")
    if name == "go_to" and not field:
        raise ValueError("field is required for go_to")
    argument = message.get("argument")
    if argument is not None and not isinstance(argument, str):
        raise ValueError("argument must be a string")
    if name == "macro" and not argument:
        raise ValueError("argument (the macro name) is required for macro")
    return Command(cast("CommandName", name), field=field, argument=argument)


_LAST_WORD_RE = re.compile(r"\S+\s*$")


def delete_last_word(text: str) -> str:
    """Remove the last word (with punctuation attached to it) and the space before it."""
    trimmed = text.rstrip()
    match = _LAST_WORD_RE.search(trimmed)
    if match is None:
        return ""
    return trimmed[: match.start()].rstrip(" \t")


def remove_last(text: str, final_text: str) -> str:
    """Remove the last inserted final and the whitespace that joined it to the text."""
    if not final_text:
        return text
    body = text.rstrip(" \t")
    final = final_text.rstrip(" \t")
    if not body.endswith(final):
        raise ValueError("text does not end with the last final; it was edited since")
    return body[: len(body) - len(final)].rstrip(" \t")
