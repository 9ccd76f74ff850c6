"""Macros (AutoText): named snippets with pick lists ``[mild|moderate|severe]`` and blanks ``[ ]``.

Expansion keeps the pick-list and blank markup in the text so that "next field" can walk
through them (``next_span``) and sign-time checks can refuse unresolved ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from rapidfuzz import fuzz

from reporting.core.errors import InvalidInput
from reporting.templating.model import Problem, TemplateError, load_yaml_with_nodes
from reporting.templating.sandbox import environment, render_string

MacroSource = Literal["shipped", "personal"]
SpanKind = Literal["picklist", "blank"]

MATCH_THRESHOLD = 82.0
"""Lowest fuzzy score (0-100) at which a spoken name may pick a macro."""
AMBIGUITY_MARGIN = 4.0
"""Two different macros scoring within this margin of each other are ambiguous."""

_MACRO_KEYS = {"name", "aliases", "scope", "field", "text"}
_SCOPE_KEYS = {"modalities", "templates"}
SPAN_RE = re.compile(r"\[(?P<inner>[^\[\]\n]*)\]")
_COMMAND_RE = re.compile(r"^\s*(?:macro|insert|auto ?text)\s+(?P<name>.+?)\s*[.!?]?\s*$",
                         re.IGNORECASE)


class MacroError(InvalidInput, ValueError):
    """A macro definition that cannot be used; the message names the offending key."""

    code = "macro_invalid"


@dataclass(frozen=True)
class Macro:
    """One macro. ``field`` None means "insert into the current field"."""

    name: str
    text: str
    aliases: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    field: str | None = None
    source: MacroSource = "shipped"
    owner: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON/YAML form (what ``validate_macro`` accepts)."""
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "scope": {"modalities": list(self.modalities), "templates": list(self.templates)},
            "field": self.field,
            "text": self.text,
            "source": self.source,
        }

    def in_scope(self, *, modality: str | None, template_id: str | None) -> bool:
        """Whether the macro applies to this modality and template (empty scope = all)."""
        if self.modalities and modality is not None and modality.upper() not in self.modalities:
            return False
        return not (self.templates and template_id is not None
                    and template_id not in self.templates)


@dataclass(frozen=True)
class Span:
    """A pick list or blank in field text: ``text[start:end]`` is the bracketed markup."""

    start: int
    end: int
    kind: SpanKind
    options: tuple[str, ...] = ()

    @property
    def default(self) -> str:
        """The first option of a pick list ("" for a blank)."""
        return self.options[0] if self.options else ""


@dataclass(frozen=True)
class Expansion:
    """An expanded macro: the text to insert, its target field (None = current), its spans."""

    text: str
    field: str | None
    spans: tuple[Span, ...]
    macro: str = ""


@dataclass(frozen=True)
class MacroMatch:
    """The result of matching a spoken name: the macro, or None with the close candidates."""

    macro: Macro | None
    score: float = 0.0
    candidates: tuple[tuple[Macro, float], ...] = field(default_factory=tuple)

    @property
    def ambiguous(self) -> bool:
        """No single winner, but more than one macro came close."""
        return self.macro is None and len(self.candidates) > 1


def _names(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise MacroError(f"macro {key} must be a list of strings")
    return tuple(str(v).strip() for v in value if str(v).strip())


def validate_macro(data: Mapping[str, Any], *, source: MacroSource = "personal",
                   owner: str = "") -> Macro:
    """Check a macro dict (API body or YAML item) and build a Macro; MacroError names the key."""
    if not isinstance(data, Mapping):
        raise MacroError("a macro must be a mapping")
    unknown = sorted(set(data) - _MACRO_KEYS - {"source", "id", "owner"})
    if unknown:
        raise MacroError(f"unknown macro key {unknown[0]!r}")
    name = str(data.get("name") or "").strip()
    if not name:
        raise MacroError("macro name is required")
    if len(name) > 80:
        raise MacroError("macro name must be at most 80 characters")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise MacroError(f"macro {name!r}: text is required")
    scope = data.get("scope") or {}
    if not isinstance(scope, Mapping):
        raise MacroError(f"macro {name!r}: scope must be a mapping")
    unknown_scope = sorted(set(scope) - _SCOPE_KEYS)
    if unknown_scope:
        raise MacroError(f"macro {name!r}: unknown scope key {unknown_scope[0]!r}")
    target = data.get("field")
    if target is not None and (not isinstance(target, str) or
                               not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", target)):
        raise MacroError(f"macro {name!r}: field must be a field id")
    try:
        environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise MacroError(f"macro {name!r}: text is not valid Jinja: {exc.message}") from exc
    bad = markup_problem(text)
    if bad:
        raise MacroError(f"macro {name!r}: {bad}")
    return Macro(
        name=name,
        text=text.strip(),
        aliases=_names(data.get("aliases"), "aliases"),
        modalities=tuple(m.upper() for m in _names(scope.get("modalities"), "scope.modalities")),
        templates=_names(scope.get("templates"), "scope.templates"),
        field=target or None,
        source=source,
        owner=owner,
    )


def markup_problem(text: str) -> str:
    """Why pick-list/blank markup in a text is malformed ('' when fine)."""
    depth = 0
    for char in text:
        if char == "[":
            depth += 1
            if depth > 1:
                return "pick lists must not be nested"
        elif char == "]":
            depth -= 1
            if depth < 0:
                return "']' without a matching '['"
    if depth:
        return "'[' without a matching ']'"
    for match in SPAN_RE.finditer(text):
        inner = match.group("inner")
        if "|" in inner and any(not part.strip() for part in inner.split("|")):
            return f"pick list {match.group(0)!r} has an empty option"
    return ""


def parse_macro_file(text: str, *, path: str = "") -> tuple[list[Macro], list[Problem]]:
    """Parse a macro YAML file (a list, or a mapping with ``macros:``), collecting problems."""
    located, problems = parse_macro_file_located(text, path=path)
    return [macro for macro, _ in located], problems


def parse_macro_file_located(text: str, *, path: str = ""
                             ) -> tuple[list[tuple[Macro, int]], list[Problem]]:
    """Like ``parse_macro_file`` but each macro comes with its 1-based line."""
    del path  # kept for symmetry with parse_template; problems carry lines only
    try:
        data, root = load_yaml_with_nodes(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [Problem(mark.line + 1 if mark else 1, f"not valid YAML: {exc}")]
    items_node = root
    if isinstance(data, dict) and "macros" in data:
        data = data["macros"]
        if isinstance(root, yaml.MappingNode):
            items_node = next(v for k, v in root.value if k.value == "macros")
    if not isinstance(data, list):
        return [], [Problem(1, "a macro file holds a list of macros (or 'macros:' list)")]
    located: list[tuple[Macro, int]] = []
    problems: list[Problem] = []
    for index, item in enumerate(data):
        node = items_node.value[index] if isinstance(items_node, yaml.SequenceNode) else None
        line = node.start_mark.line + 1 if node is not None else 1
        try:
            located.append((validate_macro(item, source="shipped"), line))
        except MacroError as exc:
            problems.append(Problem(line, exc.message))
    return located, problems


def load_macro_file(path: Path) -> list[Macro]:
    """Load one macro file; TemplateError (with line) at the first problem."""
    macros, problems = parse_macro_file(path.read_text(encoding="utf-8"), path=str(path))
    if problems:
        raise TemplateError(problems[0].message, path=str(path), line=problems[0].line)
    return macros


def normalize_name(value: str) -> str:
    """Lower-case words without punctuation: "Normal-Chest!" → "normal chest"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value.lower()).split())


def merge_macros(shipped: Iterable[Macro], personal: Iterable[Macro]) -> list[Macro]:
    """Shipped plus personal macros; a personal macro replaces a shipped one of the same name."""
    merged: dict[str, Macro] = {}
    for macro in shipped:
        merged.setdefault(normalize_name(macro.name), macro)
    for macro in personal:
        merged[normalize_name(macro.name)] = macro
    return sorted(merged.values(), key=lambda m: normalize_name(m.name))


def macros_in_scope(macros: Iterable[Macro], *, modality: str | None,
                    template_id: str | None) -> list[Macro]:
    """The macros that apply to a modality and template."""
    return [m for m in macros if m.in_scope(modality=modality, template_id=template_id)]


def _score(spoken: str, name: str) -> float:
    a, b = normalize_name(spoken), normalize_name(name)
    if not a or not b:
        return 0.0
    return max(
        fuzz.ratio(a, b),
        fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")),
        fuzz.token_sort_ratio(a, b),
    )


def match_macro(spoken: str, macros: Sequence[Macro], *, modality: str | None = None,
                template_id: str | None = None, threshold: float = MATCH_THRESHOLD
                ) -> MacroMatch:
    """Fuzzy-match a spoken or typed macro name against names and aliases in scope."""
    best: dict[str, tuple[Macro, float]] = {}
    for macro in macros_in_scope(macros, modality=modality, template_id=template_id):
        score = max(_score(spoken, n) for n in (macro.name, *macro.aliases))
        key = normalize_name(macro.name)
        if key not in best or score > best[key][1]:
            best[key] = (macro, score)
    ranked = sorted(best.values(), key=lambda item: -item[1])
    close = tuple(item for item in ranked if item[1] >= threshold)
    if not close:
        return MacroMatch(None, ranked[0][1] if ranked else 0.0, tuple(ranked[:3]))
    top_macro, top_score = close[0]
    rivals = [item for item in close[1:] if top_score - item[1] < AMBIGUITY_MARGIN]
    if rivals and top_score < 100.0:
        return MacroMatch(None, top_score, (close[0], *rivals))
    if rivals:  # several exact hits (same alias twice): only unambiguous if one is exact name
        exact = [m for m, s in close if s >= 100.0 and normalize_name(m.name) ==
                 normalize_name(spoken)]
        if len(exact) != 1:
            return MacroMatch(None, top_score, tuple(item for item in close if item[1] >= 100.0))
        top_macro = exact[0]
    return MacroMatch(top_macro, top_score, close[:3])


def find_macro(spoken: str, macros: Sequence[Macro], *, modality: str | None = None,
               template_id: str | None = None) -> Macro | None:
    """The one macro a spoken name means, or None (no match, or ambiguous)."""
    return match_macro(spoken, macros, modality=modality, template_id=template_id).macro


def parse_macro_command(utterance: str) -> str | None:
    """The macro name in "macro normal chest" / "insert normal chest", else None."""
    match = _COMMAND_RE.match(utterance)
    return match.group("name") if match else None


def match_trigger(word: str, macros: Sequence[Macro], *, modality: str | None = None,
                  template_id: str | None = None) -> Macro | None:
    """An editor trigger like ".normalchest" or ";normal-chest": exact, spaces ignored."""
    key = normalize_name(word.lstrip(".;/\\")).replace(" ", "")
    if not key:
        return None
    hits = [m for m in macros_in_scope(macros, modality=modality, template_id=template_id)
            if key in {normalize_name(n).replace(" ", "") for n in (m.name, *m.aliases)}]
    return hits[0] if len(hits) == 1 else None


def find_spans(text: str) -> list[Span]:
    """Every pick list ``[a|b]`` and blank ``[ ]`` in a text, in order."""
    spans: list[Span] = []
    for match in SPAN_RE.finditer(text):
        inner = match.group("inner")
        if "|" in inner:
            options = tuple(part.strip() for part in inner.split("|"))
            spans.append(Span(match.start(), match.end(), "picklist", options))
        elif not inner.strip():
            spans.append(Span(match.start(), match.end(), "blank"))
    return spans


def expand_macro(macro: Macro, context: Mapping[str, Any]) -> Expansion:
    """Render the macro text over the study context; spans locate its pick lists and blanks."""
    try:
        text = render_string(macro.text, context).strip()
    except jinja2.TemplateError as exc:
        raise MacroError(f"macro {macro.name!r} failed to render: {exc}") from exc
    return Expansion(text, macro.field, tuple(find_spans(text)), macro.name)


def next_span(text: str, cursor: int, *, wrap: bool = True) -> Span | None:
    """The first pick list/blank starting at or after the cursor (wrapping to the top)."""
    spans = find_spans(text)
    for span in spans:
        if span.start >= cursor:
            return span
    return spans[0] if spans and wrap else None


def previous_span(text: str, cursor: int, *, wrap: bool = True) -> Span | None:
    """The last pick list/blank that starts before the cursor (wrapping to the end)."""
    spans = [s for s in find_spans(text) if s.start < cursor]
    if spans:
        return spans[-1]
    every = find_spans(text)
    return every[-1] if every and wrap else None


def resolve_span(text: str, span: Span, choice: str | int | None = None) -> tuple[str, int]:
    """Replace a pick list with an option (None = first, int = index, str = closest option)
    or fill a blank with text; returns (new text, cursor after the inserted text)."""
    if not 0 <= span.start < span.end <= len(text):
        raise ValueError("span does not lie inside the text")
    current = SPAN_RE.fullmatch(text[span.start:span.end])
    if current is None:
        raise ValueError("span no longer marks a pick list or blank")
    if span.kind == "blank":
        replacement = "" if choice is None else str(choice)
    elif choice is None:
        replacement = span.options[0]
    elif isinstance(choice, int):
        if not 0 <= choice < len(span.options):
            raise ValueError(f"choice {choice} is outside 0..{len(span.options) - 1}")
        replacement = span.options[choice]
    else:
        scored = sorted(((fuzz.ratio(normalize_name(choice), normalize_name(o)), o)
                         for o in span.options), reverse=True)
        replacement = scored[0][1] if scored and scored[0][0] >= 60 else choice
    new_text = text[: span.start] + replacement + text[span.end:]
    return new_text, span.start + len(replacement)


def resolve_defaults(text: str) -> str:
    """Replace every pick list with its first option (blanks stay)."""
    for span in reversed(find_spans(text)):
        if span.kind == "picklist":
            text, _ = resolve_span(text, span)
    return text


def insert_expansion(text: str, cursor: int, expansion: Expansion) -> tuple[str, int]:
    """Insert expanded text at a cursor with sensible spacing; returns (text, new cursor)."""
    before, after = text[:cursor], text[cursor:]
    lead = " " if before and not before[-1].isspace() else ""
    trail = " " if after and not after[0].isspace() else ""
    new_text = f"{before}{lead}{expansion.text}{trail}{after}"
    return new_text, len(before) + len(lead) + len(expansion.text)
