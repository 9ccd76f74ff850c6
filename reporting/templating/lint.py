"""``reporting templates lint``: every problem in the template and macro library, by file:line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporting.templating.context import normalize_body_part, sample_context
from reporting.templating.library import MACRO_SUFFIXES, TEMPLATE_SUFFIX
from reporting.templating.macros import (
    Macro,
    MacroError,
    expand_macro,
    normalize_name,
    parse_macro_file_located,
)
from reporting.templating.model import Template, TemplateError, join_multi, parse_template


@dataclass(frozen=True, order=True)
class LintMessage:
    """One lint finding: file, 1-based line (0 = whole file), message."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def sample_values(template: Template) -> dict[str, str]:
    """A value of the right type for every field (exercises every branch of a body)."""
    values: dict[str, str] = {}
    for spec in template.fields:
        if spec.type == "choice":
            values[spec.id] = spec.options[-1].value
        elif spec.type == "multichoice":
            values[spec.id] = join_multi([o.value for o in spec.options[:2]])
        elif spec.type == "number":
            values[spec.id] = "12.5"
        elif spec.type == "date":
            values[spec.id] = "2026-03-02"
        elif spec.type == "checkbox":
            values[spec.id] = "yes"
        else:
            values[spec.id] = f"Sample {spec.label.lower()} text."
    return values


def template_sample_context(template: Template) -> dict[str, Any]:
    """A sample context that matches the template's applicability."""
    app = template.applicability
    modality = app.modalities[0] if app.modalities else "CT"
    body_part = normalize_body_part(app.body_parts[0]) if app.body_parts else "CHEST"
    sex = app.sex[0] if app.sex else "F"
    return sample_context(modality=modality, body_part=body_part, sex=sex,
                          description=template.title)


def lint_template(template: Template) -> list[LintMessage]:
    """Render a parsed template against the sample context: defaults, empty and filled."""
    messages: list[LintMessage] = []
    context = template_sample_context(template)
    try:
        defaults = template.default_values(context)
        for values in (defaults, {}, sample_values(template)):
            template.render_sections(values, context)
    except TemplateError as exc:
        messages.append(LintMessage(template.path, exc.line, f"rendering: {exc.detail}"))
    return messages


def _lint_macro(macro: Macro, line: int, path: str, templates: Mapping[str, Template]
                ) -> list[LintMessage]:
    messages: list[LintMessage] = []
    for template_id in macro.templates:
        if template_id not in templates:
            messages.append(LintMessage(path, line, f"macro {macro.name!r}: scope names unknown "
                                                    f"template {template_id!r}"))
    scoped = [t for t in templates.values()
              if (not macro.templates or t.id in macro.templates)
              and (not macro.modalities or not t.applicability.modalities
                   or set(macro.modalities) & set(t.applicability.modalities))]
    if macro.field:
        lacking = [t.id for t in scoped if macro.field not in t.field_ids()]
        if macro.templates and lacking:
            messages.append(LintMessage(path, line, f"macro {macro.name!r}: field "
                                        f"{macro.field!r} is not in template(s) "
                                        f"{', '.join(sorted(lacking))}"))
        elif scoped and len(lacking) == len(scoped):
            messages.append(LintMessage(path, line, f"macro {macro.name!r}: no template in its "
                                        f"scope has field {macro.field!r}"))
    context = template_sample_context(scoped[0]) if scoped else sample_context()
    try:
        expand_macro(macro, context)
    except MacroError as exc:
        messages.append(LintMessage(path, line, exc.message))
    return messages


def lint_paths(templates_dir: Path, macros_dir: Path) -> list[LintMessage]:
    """Lint every template (``*.j2``) and macro file (``*.yaml``); empty list = clean."""
    messages: list[LintMessage] = []
    templates: dict[str, Template] = {}
    template_paths = sorted(Path(templates_dir).glob(f"*{TEMPLATE_SUFFIX}"))
    for path in template_paths:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            messages.append(LintMessage(str(path), 0, f"cannot read: {exc}"))
            continue
        template, problems = parse_template(source, path=str(path))
        messages.extend(LintMessage(str(path), p.line, p.message) for p in problems)
        if template is None:
            continue
        if template.id in templates:
            messages.append(LintMessage(str(path), 2, f"duplicate template id {template.id!r} "
                                        f"(also in {templates[template.id].path})"))
            continue
        templates[template.id] = template
        messages.extend(lint_template(template))
    if not template_paths:
        messages.append(LintMessage(str(templates_dir), 0, "no templates found"))
    if not any(t.applicability.fallback or not (t.applicability.modalities or
               t.applicability.body_parts or t.applicability.procedure_codes)
               for t in templates.values()) and templates:
        messages.append(LintMessage(str(templates_dir), 0,
                                    "no fallback template (applicability.fallback: true)"))

    seen_names: dict[str, str] = {}
    for path in sorted(p for p in Path(macros_dir).glob("*") if p.suffix in MACRO_SUFFIXES):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            messages.append(LintMessage(str(path), 0, f"cannot read: {exc}"))
            continue
        located, problems = parse_macro_file_located(text, path=str(path))
        messages.extend(LintMessage(str(path), p.line, p.message) for p in problems)
        for macro, line in located:
            key = normalize_name(macro.name)
            if key in seen_names:
                messages.append(LintMessage(str(path), line, f"duplicate macro name "
                                            f"{macro.name!r} (also {seen_names[key]})"))
            else:
                seen_names[key] = f"{path}:{line}"
            messages.extend(_lint_macro(macro, line, str(path), templates))
    return sorted(messages)
