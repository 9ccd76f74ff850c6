"""Macros in use: personal macros per user, expansion into a report's field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.auth.models import User
from reporting.core.db import utcnow
from reporting.core.errors import Conflict, InvalidInput, NotFound
from reporting.reports import service as reports
from reporting.reports.models import Report
from reporting.templating.bridge import template_context
from reporting.templating.library import TemplateLibrary
from reporting.templating.macros import (
    MATCH_THRESHOLD,
    Macro,
    expand_macro,
    insert_expansion,
    match_macro,
    normalize_name,
    validate_macro,
)
from reporting.templating.models import PersonalMacro


class UnknownMacro(NotFound):
    code = "unknown_macro"


def personal_macros(session: Session, user: User) -> list[Macro]:
    rows = session.execute(
        select(PersonalMacro).where(PersonalMacro.user_id == user.id)
        .order_by(PersonalMacro.name)
    ).scalars()
    return [validate_macro(r.definition, source="personal", owner=user.username) for r in rows]


def macros_for(session: Session, library: TemplateLibrary, user: User, *,
               report: Report | None = None, modality: str | None = None,
               template_id: str | None = None) -> list[Macro]:
    """Shipped + personal macros (personal win by name), scoped to a report when given."""
    if report is not None:
        modality = reports.study_of(session, report).modality or None
        template_id = report.template_id
    library.reload_if_changed()
    return library.macros(modality=modality, template_id=template_id,
                          personal=personal_macros(session, user))


def save_personal(session: Session, user: User, data: dict[str, Any], *,
                  name: str | None = None) -> Macro:
    """Create (name None) or replace (name given) one of the user's macros."""
    macro = validate_macro({k: v for k, v in data.items() if k != "source"},
                           source="personal", owner=user.username)
    key = normalize_name(name or macro.name)
    rows = session.execute(
        select(PersonalMacro).where(PersonalMacro.user_id == user.id)
    ).scalars().all()
    existing = next((r for r in rows if normalize_name(r.name) == key), None)
    clash = next((r for r in rows if normalize_name(r.name) == normalize_name(macro.name)
                  and r is not existing), None)
    if (name is None and existing is not None) or clash is not None:
        raise Conflict(f"you already have a macro named {macro.name!r}")
    if name is not None and existing is None:
        raise UnknownMacro(f"you have no macro named {name!r}")
    definition = macro.to_dict()
    definition.pop("source", None)
    if existing is None:
        session.add(PersonalMacro(user_id=user.id, name=macro.name, definition=definition))
    else:
        existing.name, existing.definition, existing.updated_at = (
            macro.name, definition, utcnow())
    session.flush()
    return macro


def delete_personal(session: Session, user: User, name: str) -> None:
    key = normalize_name(name)
    for row in session.execute(
        select(PersonalMacro).where(PersonalMacro.user_id == user.id)
    ).scalars():
        if normalize_name(row.name) == key:
            session.delete(row)
            session.flush()
            return
    raise UnknownMacro(f"you have no macro named {name!r}")


@dataclass(frozen=True)
class MacroInsertion:
    macro: Macro
    field: str
    text: str  # the field's new text
    inserted: str  # what was inserted
    cursor: int  # end of the insertion


def resolve(session: Session, library: TemplateLibrary, user: User, report: Report,
            spoken: str) -> Macro:
    """The macro a spoken or typed name means, in the report's scope; clear errors otherwise."""
    macros = macros_for(session, library, user, report=report)
    match = match_macro(spoken, macros, modality=reports.study_of(session, report).modality,
                        template_id=report.template_id)
    if match.macro is not None:
        return match.macro
    if match.ambiguous and all(score >= MATCH_THRESHOLD for _, score in match.candidates):
        names = ", ".join(m.name for m, _ in match.candidates)
        raise InvalidInput(f"macro {spoken!r} is ambiguous: {names}", code="ambiguous_macro",
                           candidates=[m.name for m, _ in match.candidates])
    raise UnknownMacro(f"unknown macro {spoken!r}",
                       candidates=[m.name for m, _ in match.candidates])


def expand_into_report(
    session: Session, library: TemplateLibrary, report: Report, user: User, spoken: str,
    *, field: str | None = None, cursor: int | None = None,
    channel: str = "api",
) -> MacroInsertion:
    """Expand a macro into its target field (or the given/current one) and save the report."""
    macro = resolve(session, library, user, report, spoken)
    study = reports.study_of(session, report)
    context = template_context(reports.context_for(session, study, user))
    expansion = expand_macro(macro, context)
    target = macro.field or field or report.current_field
    if target not in report.fields and target not in {
        f["id"] for f in (report.template_snapshot.get("fields") or [])
    }:
        target = field or report.current_field
    current = str(report.fields.get(target, ""))
    at = len(current) if cursor is None else max(0, min(cursor, len(current)))
    if current.strip() and cursor is None:
        current = current.rstrip() + "\n"
        at = len(current)
    new_text, end = insert_expansion(current, at, expansion)
    reports.update_fields(session, report, user, version=report.version,
                          fields={target: new_text}, current_field=target, channel=channel)
    return MacroInsertion(macro, target, new_text, expansion.text, end)
