"""Sign-time checks: what must be fixed (errors) or acknowledged (warnings) before signing.

Policy, modelled on PowerScribe-style behaviour:

* **errors** block signing and cannot be overridden: a required field is empty, the
  impression is empty, a blank ``[ ]`` or pick list ``[a|b]`` is still in the text, a value
  does not fit its field type (number, date, option, checkbox);
* **warnings** block signing until the radiologist overrides them with a reason (which the
  reports domain records): laterality mismatch, sex-specific anatomy in a patient of the
  other sex, impression identical to the findings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from reporting.templating.macros import find_spans
from reporting.templating.model import Template, TemplateError, value_problem

Severity = Literal["error", "warning"]

_SIDE_WORDS = {
    "left": "L", "links": "L", "linke": "L", "linken": "L", "linker": "L", "linkes": "L",
    "linksseitig": "L", "linksseitige": "L", "linksseitigen": "L",
    "right": "R", "rechts": "R", "rechte": "R", "rechten": "R", "rechter": "R", "rechtes": "R",
    "rechtsseitig": "R", "rechtsseitige": "R", "rechtsseitigen": "R",
    "bilateral": "B", "bilaterally": "B", "beidseits": "B", "beidseitig": "B",
}
_SIDE_RE = re.compile(r"\b(" + "|".join(sorted(_SIDE_WORDS, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)
_EXAM_SIDE_RE = re.compile(r"\b(left|lt|right|rt|bilateral|bilat|bil|both)\b", re.IGNORECASE)
_SIDE_NAMES = {"L": "left", "R": "right"}

FEMALE_TERMS = re.compile(
    r"\b(uterus|uterine|endometri(?:um|al)|ovar(?:y|ies|ian)|adnexa[el]?|fallopian|"
    r"vagina[l]?|myometri(?:um|al)|uterine cervix|gebärmutter|ovarien|eierst[öo]ck\w*)\b",
    re.IGNORECASE,
)
MALE_TERMS = re.compile(
    r"\b(prostat(?:e|ic)|seminal vesicles?|test(?:is|es|icles?|icular)|scrot(?:um|al)|"
    r"epididym(?:is|al|ides)|vas deferens|hoden|samenbläschen)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CheckIssue:
    """One sign-time finding, located in a field (``start``/``end`` are text offsets)."""

    field: str
    severity: Severity
    code: str
    message: str
    start: int | None = None
    end: int | None = None

    @property
    def key(self) -> str:
        """Stable id of the issue for overrides: "code:field"."""
        return f"{self.code}:{self.field}"

    @property
    def overridable(self) -> bool:
        """Warnings may be overridden with a reason; errors may not."""
        return self.severity == "warning"

    def to_dict(self) -> dict[str, Any]:
        """JSON form for API problem details."""
        return {"field": self.field, "severity": self.severity, "code": self.code,
                "message": self.message, "start": self.start, "end": self.end,
                "key": self.key, "overridable": self.overridable}


@dataclass(frozen=True)
class SignDecision:
    """The outcome of checks plus overrides: may the report be signed?"""

    blocking: tuple[CheckIssue, ...]
    overridden: tuple[tuple[CheckIssue, str], ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when nothing blocks signing."""
        return not self.blocking


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def exam_side(context: Mapping[str, Any]) -> str:
    """The exam laterality: "L", "R", "B" (both) or "" from study laterality/description."""
    study = context.get("study") or {}
    explicit = str(study.get("laterality") or "").upper()[:1]
    if explicit in {"L", "R", "B"}:
        return explicit
    sides = {m.group(1).lower() for m in _EXAM_SIDE_RE.finditer(str(study.get("description", "")))}
    has_left = bool(sides & {"left", "lt"})
    has_right = bool(sides & {"right", "rt"})
    if sides & {"bilateral", "bilat", "bil", "both"} or (has_left and has_right):
        return "B"
    return "L" if has_left else "R" if has_right else ""


def _normalized(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def check_report(template: Template, values: Mapping[str, str], context: Mapping[str, Any]
                 ) -> list[CheckIssue]:
    """Run every sign-time check over a report's field values."""
    issues: list[CheckIssue] = []
    raw = {spec.id: str(values.get(spec.id, "") or "") for spec in template.fields}
    for spec in template.fields:
        text = raw[spec.id]
        if spec.required and not text.strip():
            issues.append(CheckIssue(spec.id, "error", "required_empty",
                                     f"{spec.label}: this field is required"))
        problem = value_problem(spec.type, text, spec.options)
        if problem:
            issues.append(CheckIssue(spec.id, "error", "invalid_value",
                                     f"{spec.label}: {problem}"))
        for span in find_spans(text):
            kind = "unfilled_blank" if span.kind == "blank" else "unresolved_picklist"
            what = ("blank [ ] is not filled in" if span.kind == "blank" else
                    f"pick list {text[span.start:span.end]} is not resolved")
            issues.append(CheckIssue(spec.id, "error", kind,
                                     f"{spec.label}: {what} ({_where(text, span.start)})",
                                     span.start, span.end))
    issues.extend(_impression_checks(template, raw, context))
    issues.extend(_laterality_checks(template, raw, context))
    issues.extend(_sex_checks(template, raw, context))
    return issues


def _impression_checks(template: Template, raw: Mapping[str, str], context: Mapping[str, Any]
                       ) -> list[CheckIssue]:
    impression = raw.get("impression", "")
    impression_fields = [s for s in template.fields if s.section == "impression"]
    if not any(raw[s.id].strip() for s in impression_fields) and not impression.strip():
        return [CheckIssue("impression", "error", "impression_missing",
                           "Impression: the report has no impression")]
    normalized = _normalized(impression)
    if not normalized:
        return []
    candidates = [_normalized(raw.get("findings", ""))]
    try:
        sections = template.render_sections(raw, context, only="findings")
        candidates.append(_normalized(next((s.text for s in sections if s.id == "findings"), "")))
    except TemplateError:  # a broken body must not hide the other checks
        pass
    if normalized in candidates:
        return [CheckIssue("impression", "warning", "impression_same_as_findings",
                           "Impression: the impression repeats the findings word for word")]
    return []


def _laterality_checks(template: Template, raw: Mapping[str, str], context: Mapping[str, Any]
                       ) -> list[CheckIssue]:
    side = exam_side(context)
    if side not in {"L", "R"}:
        return []
    opposite = "R" if side == "L" else "L"
    issues: list[CheckIssue] = []
    for spec in template.fields:
        text = raw[spec.id]
        if spec.type in {"choice", "multichoice"}:
            text = spec.display(text)
        found = [(m, _SIDE_WORDS[m.group(1).lower()]) for m in _SIDE_RE.finditer(text)]
        sides = {s for _, s in found}
        if opposite in sides and side not in sides and "B" not in sides:
            match = next(m for m, s in found if s == opposite)
            issues.append(CheckIssue(
                spec.id, "warning", "laterality_mismatch",
                f"{spec.label}: the exam is {_SIDE_NAMES[side].upper()} but the text says "
                f"{match.group(0)!r} ({_where(text, match.start())})",
                match.start(), match.end()))
    return issues


def _sex_checks(template: Template, raw: Mapping[str, str], context: Mapping[str, Any]
                ) -> list[CheckIssue]:
    sex = str((context.get("patient") or {}).get("sex") or "").upper()
    if sex == "M":
        pattern, word = FEMALE_TERMS, "male"
    elif sex == "F":
        pattern, word = MALE_TERMS, "female"
    else:
        return []
    issues: list[CheckIssue] = []
    for spec in template.fields:
        text = raw[spec.id]
        if spec.type in {"choice", "multichoice"}:
            text = spec.display(text)
        match = pattern.search(text)
        if match:
            issues.append(CheckIssue(
                spec.id, "warning", "sex_mismatch",
                f"{spec.label}: {match.group(0)!r} in a {word} patient "
                f"({_where(text, match.start())})", match.start(), match.end()))
    return issues


def decide_signing(issues: list[CheckIssue], overrides: Mapping[str, str] | None = None
                   ) -> SignDecision:
    """Apply override reasons ({issue.key: reason}) to warnings; errors always block.

    A blank reason does not override. The caller records ``overridden`` with the signature.
    """
    overrides = overrides or {}
    blocking: list[CheckIssue] = []
    overridden: list[tuple[CheckIssue, str]] = []
    for issue in issues:
        reason = str(overrides.get(issue.key, "") or "").strip()
        if issue.overridable and reason:
            overridden.append((issue, reason))
        else:
            blocking.append(issue)
    return SignDecision(tuple(blocking), tuple(overridden))
