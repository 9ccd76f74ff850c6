"""Structured report templates, study context, macros, sign-time checks, lint and IHE MRRT."""

from __future__ import annotations

from reporting.templating.checks import CheckIssue, SignDecision, check_report, decide_signing
from reporting.templating.context import build_context, same_region, sample_context
from reporting.templating.library import LibraryError, TemplateLibrary
from reporting.templating.lint import LintMessage, lint_paths
from reporting.templating.macros import (
    Expansion,
    Macro,
    MacroError,
    MacroMatch,
    Span,
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
from reporting.templating.model import (
    FieldSpec,
    RenderedSection,
    SectionSpec,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSnapshot,
)
from reporting.templating.mrrt import export_mrrt, import_mrrt

__all__ = [
    "CheckIssue",
    "Expansion",
    "FieldSpec",
    "LibraryError",
    "LintMessage",
    "Macro",
    "MacroError",
    "MacroMatch",
    "RenderedSection",
    "SectionSpec",
    "SignDecision",
    "Span",
    "Template",
    "TemplateError",
    "TemplateLibrary",
    "TemplateNotFound",
    "TemplateSnapshot",
    "build_context",
    "check_report",
    "decide_signing",
    "expand_macro",
    "export_mrrt",
    "find_macro",
    "find_spans",
    "import_mrrt",
    "lint_paths",
    "match_macro",
    "merge_macros",
    "next_span",
    "parse_macro_command",
    "resolve_span",
    "same_region",
    "sample_context",
    "validate_macro",
]
