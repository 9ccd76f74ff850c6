"""The database side of dictation: sessions, finals into fields, commands, vocabulary.

Every function runs in its own short transaction (called from a worker thread by
the WebSocket session), so each final is saved the moment it is recognised and
nothing is lost if the socket drops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from reporting.asr.correction import correct
from reporting.asr.decoder import MAX_WORDS_PER_S
from reporting.asr.pipeline import drop_echo, unhyphenate
from reporting.audit import service as audit
from reporting.auth.models import Role, User
from reporting.auth.permissions import allowed
from reporting.core.db import transaction, utcnow
from reporting.core.errors import Conflict, Forbidden, NotFound, ReportingError
from reporting.dictation import commands as voice
from reporting.dictation.models import DictationSegment, DictationSession, PersonalSubstitution
from reporting.dictation.personal import (
    Substitution,
    apply_substitutions,
    learn_substitutions,
    merge_substitutions,
)
from reporting.dictation.text import PARAGRAPH_BREAK, join, to_written
from reporting.reports import service as reports
from reporting.reports.layout import field_specs
from reporting.reports.models import Report
from reporting.templating import service as macros
from reporting.templating.library import TemplateLibrary
from reporting.templating.macros import Span, find_spans, resolve_span


@dataclass(frozen=True)
class ReportState:
    """What the client needs after every change (the `report` event)."""

    report_id: str
    version: int
    status: str
    current_field: str
    fields: dict[str, Any]
    modality: str = ""
    exam: str = ""
    """The study's procedure description and body part: words typical of it go into the
    recogniser's prompt (`vocabulary.exam_terms`)."""
    field_names: dict[str, list[str]] = field(default_factory=dict)

    def to_message(self) -> dict[str, Any]:
        return {"type": "report", "report_id": self.report_id, "version": self.version,
                "current_field": self.current_field, "fields": self.fields}


@dataclass(frozen=True)
class Outcome:
    """The effect of one final or command on the report."""

    state: ReportState
    kind: str  # text | command | nothing
    field: str = ""
    inserted: str = ""
    command: voice.Command | None = None
    error: str = ""
    span: Span | None = None  # a pick list or blank that "next field" selected

    def command_message(self) -> dict[str, Any]:
        assert self.command is not None
        message: dict[str, Any] = self.command.to_message()
        if self.span is not None:
            message["span"] = {"start": self.span.start, "end": self.span.end,
                               "kind": self.span.kind, "options": list(self.span.options)}
        return message


def field_names(report: Report) -> dict[str, list[str]]:
    """Spoken names for "go to <field>": id, label and the template's spoken names."""
    names: dict[str, list[str]] = {}
    for spec in field_specs(report.template_snapshot):
        spoken = [spec["id"].replace("_", " "), spec.get("label", "")]
        spoken += list(spec.get("spoken_names") or [])
        names[spec["id"]] = [s for s in dict.fromkeys(spoken) if s]
    return names


def state_of(session: Session, report: Report) -> ReportState:
    study = reports.study_of(session, report)
    return ReportState(report.id, report.version, report.status, report.current_field,
                       dict(report.fields), study.modality,
                       exam=f"{study.procedure_description} {study.body_part}".strip(),
                       field_names=field_names(report))


def _editable_report(session: Session, user_id: str, report_id: str) -> tuple[User, Report]:
    """The dictating user and their report, refused when the report is signed."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Forbidden("user no longer active")
    report = reports.get_report(session, report_id)
    _editable(report, user)
    return user, report


def _editable(report: Report, user: User) -> None:
    if report.status in ("final", "amended") or (
        report.status == "preliminary" and user.role != Role.RADIOLOGIST
    ):
        raise Conflict("the report is signed; dictate an addendum instead", code="report_signed")


def start(factory: sessionmaker[Session], user_id: str, report_id: str, *, model: str,
          audio_path: str, start_field: str | None) -> tuple[str, ReportState]:
    """Open a dictation session on a report the user may edit."""
    with transaction(factory) as session:
        user = session.get(User, user_id)
        if user is None or not allowed("dictate", user.role):
            raise Forbidden("your role may not dictate")
        report = reports.get_report(session, report_id)
        _editable(report, user)
        if start_field is not None:
            if start_field not in field_names(report):
                raise NotFound(f"report has no field {start_field!r}", code="unknown_field")
            if start_field != report.current_field:
                reports.update_fields(session, report, user, version=report.version,
                                      fields={}, current_field=start_field, channel="ws")
        row = DictationSession(report_id=report.id, user_id=user.id, model=model,
                               audio_path=audio_path)
        session.add(row)
        session.flush()
        study = reports.study_of(session, report)
        audit.record(session, audit.Actor(user.id, user.username, "ws"), "dictation.start",
                     patient_id=study.patient_id, study_id=study.id, report_id=report.id)
        return row.id, state_of(session, report)


def current_state(factory: sessionmaker[Session], report_id: str) -> ReportState:
    with factory() as session:
        return state_of(session, reports.get_report(session, report_id))


def personal_rules(session: Session, user_id: str) -> list[Substitution]:
    rows = session.execute(
        select(PersonalSubstitution).where(PersonalSubstitution.user_id == user_id)
    ).scalars()
    return [Substitution(r.wrong, r.right, r.context or None, r.count) for r in rows]


def _next_seq(session: Session, session_id: str) -> int:
    last = session.execute(
        select(func.max(DictationSegment.seq)).where(DictationSegment.session_id == session_id)
    ).scalar_one_or_none()
    return (last or 0) + 1


def apply_final(
    factory: sessionmaker[Session], library: TemplateLibrary, *,
    session_id: str, user_id: str, report_id: str, heard: str, start: float, end: float,
    prompt: str = "", selected: tuple[str, Span] | None = None,
) -> Outcome:
    """A final from the recognizer: a voice command, or text for the current field."""
    with transaction(factory) as session:
        user, report = _editable_report(session, user_id, report_id)
        heard = _without_echo(heard.strip(), prompt, end - start)
        command = voice.parse_command(heard, field_names=field_names(report))
        if command is not None:
            outcome = _apply_command(session, library, report, user, command)
            _record(session, session_id, outcome.field or report.current_field, heard,
                    outcome.inserted, "command", start, end)
            return outcome
        target = report.current_field
        preceding = str(report.fields.get(target, ""))
        corrected = correct(heard).text
        written = to_written(unhyphenate(corrected), preceding=preceding)
        written, _ = apply_substitutions(written, personal_rules(session, user.id))
        if not written.strip():
            return Outcome(state_of(session, report), "nothing")
        filled = _fill_selected(preceding, target, selected, written)
        if filled is not None:
            new_text, written = filled
        else:
            new_text = join(preceding, written)
        reports.update_fields(session, report, user, version=report.version,
                              fields={target: new_text}, channel="ws")
        _record(session, session_id, target, heard, written, "text", start, end)
        return Outcome(state_of(session, report), "text", target, written)


def apply_button(
    factory: sessionmaker[Session], library: TemplateLibrary, *,
    session_id: str | None, user_id: str, report_id: str, command: voice.Command,
) -> Outcome:
    """A command from a speech-mike button or keyboard shortcut."""
    with transaction(factory) as session:
        user, report = _editable_report(session, user_id, report_id)
        names = field_names(report)
        if command.name == "go_to" and command.field not in names:
            spoken = command.field or command.argument or ""
            resolved = voice.resolve_field(spoken, names)
            command = voice.Command("go_to", field=resolved, argument=command.argument,
                                    error=None if resolved else f"unknown field: {spoken}")
        outcome = _apply_command(session, library, report, user, command)
        if session_id is not None:
            _record(session, session_id, outcome.field or report.current_field,
                    f"[button] {command.name}", outcome.inserted, "command", 0.0, 0.0)
        return outcome


ECHO_WORDS_PER_SECOND = MAX_WORDS_PER_S
"""Faster than anyone dictates (the decoder's repeat guard uses the same rate): text beyond
this rate is the prompt echoed back."""


def _without_echo(heard: str, prompt: str, seconds: float) -> str:
    """Drop a repeat of the prompt's last sentences only when the audio cannot hold it.

    A radiologist may legitimately say again a sentence already in the field
    (a template's normal text, say); only an implausibly fast utterance is taken
    for Whisper echoing its prompt.
    """
    cleaned = drop_echo(heard, prompt)
    if cleaned != heard and len(heard.split()) / max(seconds, 0.1) <= ECHO_WORDS_PER_SECOND:
        return heard
    return cleaned


def _fill_selected(text: str, target: str, selected: tuple[str, Span] | None,
                   written: str) -> tuple[str, str] | None:
    """Dictation right after "next field" selected a pick list or blank fills it."""
    if selected is None or selected[0] != target:
        return None
    span = selected[1]
    if span not in find_spans(text):
        return None  # the text changed since; dictate normally
    choice = written.strip().rstrip(".")
    before = text[:span.start].rstrip()
    first = choice.split()[0] if choice.split() else ""
    if before and before[-1] not in ".!?\n" and not first.isupper():
        choice = choice[:1].lower() + choice[1:]  # mid-sentence: no capital
    new_text, end = resolve_span(text, span, choice)
    return new_text, new_text[span.start:end]


def _record(session: Session, session_id: str, field_id: str, heard: str, inserted: str,
            kind: str, start: float, end: float) -> None:
    session.add(DictationSegment(session_id=session_id, seq=_next_seq(session, session_id),
                                 field=field_id, heard=heard, inserted=inserted, kind=kind,
                                 start=start, end=end))
    session.flush()


def _apply_command(
    session: Session, library: TemplateLibrary, report: Report, user: User,
    command: voice.Command,
) -> Outcome:
    if command.error:
        return Outcome(state_of(session, report), "command", command=command,
                       error=command.error)
    order = list(field_names(report))
    current = report.current_field if report.current_field in order else order[0]
    text = str(report.fields.get(current, ""))
    name = command.name
    fields: dict[str, str] = {}
    target = current
    inserted = ""
    spans = find_spans(text)
    if name == "next_field" and spans:
        # Walk the pick lists and blanks of a macro before leaving the field.
        return Outcome(state_of(session, report), "command", current,
                       command=voice.Command("next_field", field=current), span=spans[0])
    if name in ("next_field", "previous_field"):
        step = 1 if name == "next_field" else -1
        target = order[(order.index(current) + step) % len(order)]
    elif name == "go_to":
        target = command.field or current
    elif name == "new_paragraph":
        fields[current] = join(text, PARAGRAPH_BREAK)
    elif name == "delete_last_word":
        fields[current] = voice.delete_last_word(text)
    elif name == "scratch_that":
        return _scratch_that(session, report, user, command)
    elif name == "macro":
        try:
            done = macros.expand_into_report(session, library, report, user,
                                             command.argument or "", channel="ws")
        except ReportingError as e:
            return Outcome(state_of(session, report), "command", command=command,
                           error=e.message)
        return Outcome(state_of(session, report), "command", done.field, done.inserted,
                       voice.Command("macro", field=done.field, argument=done.macro.name))
    elif name == "stop_dictation":
        return Outcome(state_of(session, report), "command", current, command=command)
    reports.update_fields(session, report, user, version=report.version, fields=fields,
                          current_field=target, channel="ws")
    resolved = voice.Command(name, field=target, argument=command.argument)
    return Outcome(state_of(session, report), "command", target, inserted, resolved)


def _scratch_that(session: Session, report: Report, user: User,
                  command: voice.Command) -> Outcome:
    """Remove the last dictated text of this report, if it is still there as dictated."""
    last = session.execute(
        select(DictationSegment)
        .join(DictationSession, DictationSegment.session_id == DictationSession.id)
        .where(DictationSession.report_id == report.id, DictationSegment.kind == "text",
               DictationSegment.scratched.is_(False))
        .order_by(DictationSegment.created_at.desc(), DictationSegment.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    if last is None:
        return Outcome(state_of(session, report), "command", command=command,
                       error="nothing to scratch")
    text = str(report.fields.get(last.field, ""))
    try:
        restored = voice.remove_last(text, last.inserted)
    except ValueError:
        return Outcome(state_of(session, report), "command", command=command,
                       error="the last dictation was edited since; nothing scratched")
    last.scratched = True
    reports.update_fields(session, report, user, version=report.version,
                          fields={last.field: restored}, current_field=last.field,
                          channel="ws")
    return Outcome(state_of(session, report), "command", last.field, "",
                   voice.Command("scratch_that", field=last.field))


def finish(factory: sessionmaker[Session], session_id: str, *, status: str,
           audio_seconds: float, transcribed_seconds: float) -> None:
    with transaction(factory) as session:
        row = session.get(DictationSession, session_id)
        if row is None:
            return
        row.status = status
        row.audio_seconds = audio_seconds
        row.transcribed_seconds = transcribed_seconds
        row.ended_at = utcnow()


# --- personal vocabulary ---------------------------------------------------------------


def learn_from_edit(session: Session, user: User, report: Report,
                    before: dict[str, Any], after: dict[str, str]) -> list[Substitution]:
    """When a user edits text that was dictated, learn their recognition fixes."""
    learned: list[Substitution] = []
    dictated_fields = set(session.execute(
        select(DictationSegment.field)
        .join(DictationSession, DictationSegment.session_id == DictationSession.id)
        .where(DictationSession.report_id == report.id, DictationSegment.kind == "text")
    ).scalars())
    for name, new_text in after.items():
        old = str(before.get(name, ""))
        if name in dictated_fields and old and old != new_text:
            learned += learn_substitutions(old, new_text)
    if not learned:
        return []
    existing = personal_rules(session, user.id)
    merged = {s.key: s for s in merge_substitutions(existing, learned)}
    rows = {(r.wrong, r.right, r.context or None): r for r in session.execute(
        select(PersonalSubstitution).where(PersonalSubstitution.user_id == user.id)
    ).scalars()}
    for sub in merged.values():
        row = rows.get((sub.wrong, sub.right, sub.context))
        if row is None:
            session.add(PersonalSubstitution(user_id=user.id, wrong=sub.wrong, right=sub.right,
                                             context=sub.context or "", count=sub.count))
        elif row.count != sub.count:
            row.count, row.updated_at = sub.count, utcnow()
    session.flush()
    return learned


def list_vocabulary(session: Session, user: User) -> list[PersonalSubstitution]:
    return list(session.execute(
        select(PersonalSubstitution).where(PersonalSubstitution.user_id == user.id)
        .order_by(PersonalSubstitution.wrong)
    ).scalars())


def delete_vocabulary(session: Session, user: User, entry_id: str) -> None:
    row = session.get(PersonalSubstitution, entry_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"no learned word {entry_id!r}")
    session.delete(row)
    session.flush()
