"""Report lifecycle: create, edit, sign, co-sign, addenda, freeze and verify."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from reporting.audit import service as audit
from reporting.auth.models import Role, User
from reporting.core.db import insert_rows, new_id, utcnow
from reporting.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ReportingError
from reporting.delivery.document import (
    DocAddendum,
    DocFacility,
    DocPatient,
    DocSection,
    DocSignature,
    DocStudy,
    PersonName,
    ReportDocument,
    document_from_json,
    document_to_json,
)
from reporting.reports.layout import STANDARD_SECTIONS, field_ids, field_specs
from reporting.reports.models import Addendum, Report, ReportVersion
from reporting.studies import service as studies
from reporting.studies.models import Study

MAX_FIELD_CHARS = 100_000


class ReportNotFound(NotFound):
    code = "report_not_found"


class ReportAlreadySigned(Conflict):
    code = "report_signed"


class StaleVersion(Conflict):
    code = "stale_version"


class SignBlocked(ReportingError):
    status = 422
    code = "sign_blocked"


@dataclass(frozen=True)
class CheckIssue:
    """A sign-time finding: errors block; warnings block unless overridden with a reason."""

    field: str | None
    severity: str  # error | warning
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "severity": self.severity, "code": self.code,
                "message": self.message}


class TemplateEngine(Protocol):
    """What the reports domain needs from templating (see reporting.templating.bridge)."""

    def start(self, study: Study, context: dict[str, Any],
              template_id: str | None) -> tuple[dict[str, Any], dict[str, str]]: ...

    def sections(self, snapshot: dict[str, Any], values: dict[str, str],
                 context: dict[str, Any]) -> list[DocSection]: ...

    def check(self, snapshot: dict[str, Any], values: dict[str, str],
              context: dict[str, Any]) -> list[CheckIssue]: ...


@dataclass
class StandardLayout:
    """The built-in layout used when no template library is wired in."""

    def start(self, study: Study, context: dict[str, Any],
              template_id: str | None) -> tuple[dict[str, Any], dict[str, str]]:  # noqa: ARG002
        history = "; ".join(p for p in (study.reason, study.clinical_info) if p)
        comparison = context.get("comparison_text") or "None."
        values = {"clinical_information": history, "comparison": comparison,
                  "technique": "", "findings": "", "impression": ""}
        return {}, values

    def sections(self, snapshot: dict[str, Any], values: dict[str, str],  # noqa: ARG002
                 context: dict[str, Any]) -> list[DocSection]:  # noqa: ARG002
        out = []
        for spec in STANDARD_SECTIONS:
            text = "\n".join(values.get(f, "").strip() for f in spec.fields).strip()
            out.append(DocSection(spec.id, spec.heading, text, spec.loinc_code))
        return out

    def check(self, snapshot: dict[str, Any], values: dict[str, str],
              context: dict[str, Any]) -> list[CheckIssue]:  # noqa: ARG002
        issues = []
        for spec in field_specs(snapshot):
            if spec.get("required") and not values.get(spec["id"], "").strip():
                issues.append(CheckIssue(spec["id"], "error", "required",
                                         f"{spec.get('label', spec['id'])} is required"))
        return issues


@dataclass
class Lifecycle:
    """Wiring the report service needs: template engine and sign hooks (outbox)."""

    templates: TemplateEngine = field(default_factory=StandardLayout)
    on_signed: list[Callable[[Session, Report, ReportVersion], None]] = field(
        default_factory=list
    )
    on_edited: list[Callable[[Session, Report, User, dict[str, Any], dict[str, str]], None]] = (
        field(default_factory=list)
    )


# --- immutability -----------------------------------------------------------


@event.listens_for(ReportVersion, "before_update")
def _refuse_version_update(_mapper: Any, _conn: Any, target: ReportVersion) -> None:
    raise ReportAlreadySigned(f"signed version {target.number} of a report is immutable")


@event.listens_for(ReportVersion, "before_delete")
def _refuse_version_delete(_mapper: Any, _conn: Any, target: ReportVersion) -> None:
    raise ReportAlreadySigned(f"signed version {target.number} of a report cannot be deleted")


@event.listens_for(Addendum, "before_update")
def _refuse_signed_addendum_update(_mapper: Any, _conn: Any, target: Addendum) -> None:
    history = inspect(target).attrs.signed_at.history
    if history.deleted and history.deleted[0] is not None:
        raise ReportAlreadySigned(f"signed addendum {target.number} is immutable")


# --- context ----------------------------------------------------------------


def context_for(session: Session, study: Study, user: User | None,
                others: Sequence[Study] | None = None) -> dict[str, Any]:
    """The study context templates and macros render with (patient, study, priors).

    `others`: the patient's other studies, when already loaded (`studies.priors`).
    """
    patient = study.patient
    prior_rows = []
    priors = studies.priors(session, study, others)
    # The signed report of each prior, all in one query.
    prior_fields = dict(session.execute(
        select(Report.study_id, Report.fields).where(
            Report.study_id.in_([p.id for p in priors]),
            Report.status.in_(("final", "amended")))
    ).tuples().all()) if priors else {}
    for prior in priors:
        fields = prior_fields.get(prior.id)
        prior_rows.append({
            "procedure_description": prior.procedure_description,
            "exam": prior.procedure_description,
            "modality": prior.modality,
            "body_part": prior.body_part,
            "date": (prior.performed_at or prior.created_at).date(),
            "impression": str(fields.get("impression", "")) if fields else "",
            "accession": prior.accession,
        })
    comparison = " ".join(
        f"{p['procedure_description'] or p['modality']} {p['date'].isoformat()}."
        for p in prior_rows
    ) or "None."
    return {
        "patient": {
            "name": patient.hl7_name, "family_name": patient.family_name,
            "given_name": patient.given_name, "mrn": patient.mrn,
            "issuer": patient.mrn_issuer, "birth_date": patient.birth_date, "sex": patient.sex,
        },
        "study": studies.study_dict(study),
        "facility": {"code": study.facility.code, "name": study.facility.name},
        "radiologist": (
            {"name": user.display_name, "username": user.username, "role": user.role}
            if user else None
        ),
        "priors": prior_rows,
        "comparison_text": comparison,
    }


# --- queries ----------------------------------------------------------------


def get_report(session: Session, report_id: str) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise ReportNotFound(f"no report {report_id!r}")
    return report


def load_history(session: Session, report: Report) -> None:
    """Load the report's versions and addenda now, before a change to the report is made.

    Read later, a lazy load would first flush the half-made change (autoflush). A draft has
    never been signed and addenda follow a final, so a draft's history is empty without a
    query; otherwise one plain query each (a third of the relationship loader's cost).
    """
    unloaded = inspect(report).unloaded
    for name, model in (("versions", ReportVersion), ("addenda", Addendum)):
        if name not in unloaded:
            continue
        rows: Sequence[Any] = []
        if report.status != "draft":
            rows = session.execute(
                select(model).where(model.report_id == report.id).order_by(model.number)
            ).scalars().all()
        set_committed_value(report, name, list(rows))


def study_of(session: Session, report: Report) -> Study:
    return studies.get_study(session, report.study_id)


def open_report_for(session: Session, study_id: str) -> Report | None:
    return session.execute(
        select(Report).where(Report.study_id == study_id,
                             Report.status.in_(("draft", "preliminary")))
    ).scalars().first()


# --- lifecycle --------------------------------------------------------------


def create_report(
    session: Session, life: Lifecycle, user: User, study_id: str,
    template_id: str | None = None,
) -> Report:
    """Start a report on a study with fields auto-filled; claims the study for its author."""
    study = studies.get_study(session, study_id)
    if study.status in ("final", "cancelled"):
        raise Conflict(f"study is {study.status}; add an addendum to its report instead")
    existing = open_report_for(session, study.id)
    if existing is not None:
        raise Conflict("this study already has an open report", report_id=existing.id)
    if user.role in (Role.RADIOLOGIST, Role.RESIDENT):
        studies.claim(session, study, user)
    context = context_for(session, study, user)
    snapshot, values = life.templates.start(study, context, template_id)
    report = Report(
        study_id=study.id,
        template_id=snapshot.get("id", "standard"),
        template_version=str(snapshot.get("version", "")),
        template_hash=snapshot.get("hash", ""),
        template_snapshot=snapshot,
        fields=values,
        current_field="findings" if "findings" in values else next(iter(values), "findings"),
        author_id=user.id,
        resident_id=user.id if user.role == Role.RESIDENT else None,
        transcriptionist_id=user.id if user.role == Role.TRANSCRIPTIONIST else None,
    )
    session.add(report)
    if study.status == "scheduled":
        study.status = "in_progress"
    session.flush()
    audit.record(session, _actor(user), "report.create", patient_id=study.patient_id,
                 study_id=study.id, report_id=report.id)
    return report


def _actor(user: User, channel: str = "api") -> audit.Actor:
    return audit.Actor(user.id, user.username, channel)


def _check_editable(report: Report, user: User) -> None:
    if report.status in ("final", "amended"):
        raise ReportAlreadySigned("the report is signed; add an addendum instead")
    if report.status == "preliminary" and user.role != Role.RADIOLOGIST:
        raise ReportAlreadySigned(
            "the report is preliminary and awaits an attending's co-sign; only an attending "
            "can edit it now"
        )


def update_fields(
    session: Session, report: Report, user: User, *, version: int,
    fields: dict[str, str], current_field: str | None = None, channel: str = "api",
) -> Report:
    """Edit field text with optimistic concurrency; a stale version gets 409, nothing written."""
    _check_editable(report, user)
    if version != report.version:
        raise StaleVersion(
            f"report changed since version {version}; current version is {report.version}",
            current_version=report.version,
        )
    known = set(field_ids(report.template_snapshot))
    unknown = sorted(set(fields) - known)
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}; this report has: "
                           f"{', '.join(sorted(known))}")
    if current_field is not None and current_field not in known:
        raise InvalidInput(f"unknown field {current_field!r}")
    for name, text in fields.items():
        if len(text) > MAX_FIELD_CHARS:
            raise InvalidInput(f"field {name!r} is longer than {MAX_FIELD_CHARS} characters")
    if fields:
        report.fields = {**report.fields, **fields}
    if current_field is not None:
        report.current_field = current_field
    if user.role == Role.TRANSCRIPTIONIST:
        report.transcriptionist_id = user.id
    report.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as e:
        session.rollback()
        raise StaleVersion("report was changed concurrently; reload and retry") from e
    study = study_of(session, report)
    audit.record(session, _actor(user, channel), "report.edit", patient_id=study.patient_id,
                 study_id=study.id, report_id=report.id, detail=",".join(sorted(fields)))
    return report


def sign_checks(session: Session, life: Lifecycle, report: Report) -> list[CheckIssue]:
    study = study_of(session, report)
    context = context_for(session, study, None)
    return life.templates.check(report.template_snapshot, report.fields, context)


def sign(
    session: Session, life: Lifecycle, report: Report, user: User, *,
    override_reason: str = "", channel: str = "api",
) -> Report:
    """Sign (resident → preliminary, attending → final) or sign a pending addendum."""
    if user.role not in (Role.RADIOLOGIST, Role.RESIDENT):
        raise Forbidden(f"role {user.role!r} cannot sign reports")
    load_history(session, report)
    study, others = studies.get_study_and_others(session, report.study_id)
    if report.status in ("final", "amended"):
        pending = [a for a in report.addenda if a.signed_at is None]
        if not pending:
            raise ReportAlreadySigned("the report is already final; add an addendum")
        if user.role != Role.RADIOLOGIST:
            raise Forbidden("only an attending radiologist can sign addenda")
        for addendum in pending:
            _sign_addendum(addendum, user)
        return _freeze(session, life, report, study, user, "amended", override_reason, channel,
                       context_for(session, study, None, others))
    if report.status == "preliminary" and user.role == Role.RESIDENT:
        raise ReportAlreadySigned("already signed as preliminary; awaiting an attending's co-sign")
    # One study context serves the checks and the frozen document (the study and the
    # patient's other studies, for the priors, come from one query).
    context = context_for(session, study, None, others)
    issues = life.templates.check(report.template_snapshot, report.fields, context)
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity == "warning"]
    if errors or (warnings and not override_reason.strip()):
        message = "; ".join(f"{i.field or 'report'}: {i.message}" for i in errors + warnings)
        raise SignBlocked(
            f"signing blocked: {message}"
            + ("" if errors else " (warnings can be overridden with a reason)"),
            issues=[i.as_dict() for i in issues],
        )
    if user.role == Role.RESIDENT:
        report.resident_id = user.id
        status = "preliminary"
    else:
        report.attending_id = user.id
        status = "final"
    return _freeze(session, life, report, study, user, status,
                   override_reason if warnings else "", channel, context)


def _sign_addendum(addendum: Addendum, user: User) -> None:
    addendum.signed_by_id = user.id
    addendum.signed_at = utcnow()


def _freeze(
    session: Session, life: Lifecycle, report: Report, study: Study, user: User,
    status: str, override_reason: str, channel: str, context: dict[str, Any] | None = None,
) -> Report:
    # One flush for the whole signature: the report and study updates (the report's with its
    # optimistic version check) go out when the frozen version is inserted; the version, the
    # hooks' rows (outbox) and the audit event are append-only rows inserted at once
    # (`insert_rows`), the audit event last, so that PostgreSQL's chain lock is held briefly.
    number = len(report.versions) + 1
    signed_at = utcnow()
    report.status = status
    report.updated_at = signed_at
    for addendum in report.addenda:
        if addendum.signed_at is not None and addendum.version_number is None:
            addendum.version_number = number
    version = ReportVersion(
        id=new_id(),
        report_id=report.id,
        number=number,
        status=status,
        fields=dict(report.fields),
        addenda_count=sum(1 for a in report.addenda if a.signed_at is not None),
        canonical_text="",
        content_hash="",
        signed_by_id=user.id,
        signed_role=user.role,
        signed_at=signed_at,
        override_reason=override_reason,
    )
    doc = _document(session, life, report, study, version, context, signer=user)
    version.canonical_text = doc.canonical_text()
    version.content_hash = seal(version)
    doc = replace(doc, content_hash=version.content_hash)
    # Every output of this version is built from the document stored with it; in this
    # process delivery also reuses the object itself (see signed_document).
    version.document = document_to_json(doc)
    session.info.setdefault(_SIGNED_DOCUMENTS, {})[(report.id, number)] = doc
    study.status = "preliminary" if status == "preliminary" else "final"
    study.claimed_by_id = None if status != "preliminary" else study.claimed_by_id
    insert_rows(session, [version])
    for hook in life.on_signed:
        hook(session, report, version)
    audit.record(session, _actor(user, channel), f"report.sign.{status}",
                 patient_id=study.patient_id, study_id=study.id, report_id=report.id,
                 detail=f"version {number} sha256 {version.content_hash}"
                 + (f"; override: {override_reason}" if override_reason else ""))
    session.expire(report, ["versions", "addenda"])
    return report


def seal(version: ReportVersion) -> str:
    """SHA-256 over everything a signature freezes: text, fields, status, signer, time."""
    payload = json.dumps(
        {
            "report_id": version.report_id,
            "number": version.number,
            "status": version.status,
            "fields": version.fields,
            "text": version.canonical_text,
            "signed_by": version.signed_by_id,
            "signed_role": version.signed_role,
            "signed_at": version.signed_at.isoformat(timespec="microseconds"),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def add_addendum(
    session: Session, life: Lifecycle, report: Report, user: User, *, text: str,
    sign_now: bool = True,
) -> Report:
    """Append an addendum to a final report; signing it makes a new (amended) version."""
    if report.status not in ("final", "amended"):
        raise Conflict("addenda follow a final report; edit the draft instead",
                       code="not_final")
    if user.role != Role.RADIOLOGIST:
        raise Forbidden("only an attending radiologist can add addenda")
    if not text.strip():
        raise InvalidInput("addendum text is empty")
    load_history(session, report)
    study = study_of(session, report)
    pending = [a for a in report.addenda if a.signed_at is None]
    if pending:
        raise Conflict("an unsigned addendum is pending; sign it first",
                       code="addendum_pending")
    addendum = Addendum(report_id=report.id, number=len(report.addenda) + 1,
                        text=text.strip(), author_id=user.id)
    session.add(addendum)
    session.flush()
    session.expire(report, ["addenda"])
    audit.record(session, _actor(user), "report.addendum", patient_id=study.patient_id,
                 study_id=study.id, report_id=report.id, detail=f"addendum {addendum.number}")
    if sign_now:
        return sign(session, life, report, user)
    return report


# --- documents --------------------------------------------------------------


def _person(user: User | None) -> PersonName | None:
    if user is None:
        return None
    return PersonName(family=user.family_name or user.username, given=user.given_name,
                      credentials=user.credentials, identifier=user.username)


def _document(
    session: Session, life: Lifecycle, report: Report, study: Study,
    version: ReportVersion, context: dict[str, Any] | None = None,
    signer: User | None = None,
) -> ReportDocument:
    patient = study.patient
    if context is None:
        context = context_for(session, study, None)
    sections = tuple(life.templates.sections(report.template_snapshot, version.fields, context))
    if signer is None or signer.id != version.signed_by_id:
        signer = session.get(User, version.signed_by_id)
    assert signer is not None
    signature = DocSignature(_person(signer), version.signed_role, version.signed_at)  # type: ignore[arg-type]
    resident_sig = None
    prior_versions = [v for v in report.versions if v.number < version.number]
    if version.signed_role == Role.RADIOLOGIST and report.resident_id:
        prelim = next((v for v in prior_versions if v.status == "preliminary"), None)
        if prelim is not None:
            resident_sig = DocSignature(_person(session.get(User, prelim.signed_by_id)),  # type: ignore[arg-type]
                                        "resident", prelim.signed_at)
    if version.status == "amended":
        # The responsible interpreter stays the attending of the final version.
        first_final = next((v for v in prior_versions if v.status == "final"), None)
        if first_final is not None:
            signature = DocSignature(_person(session.get(User, first_final.signed_by_id)),  # type: ignore[arg-type]
                                     first_final.signed_role, first_final.signed_at)
    addenda = tuple(
        DocAddendum(a.number, a.text,
                    DocSignature(_person(session.get(User, a.signed_by_id)),  # type: ignore[arg-type]
                                 "radiologist", a.signed_at))  # type: ignore[arg-type]
        for a in report.addenda
        if a.signed_at is not None and a.version_number is not None
        and a.version_number <= version.number
    )
    ordering = PersonName.from_hl7(study.ordering_provider, study.ordering_provider_id)
    return ReportDocument(
        report_id=report.id,
        version=version.number,
        status=version.status,  # type: ignore[arg-type]
        patient=DocPatient(
            mrn=patient.mrn, mrn_issuer=patient.mrn_issuer,
            name=PersonName(patient.family_name, patient.given_name, patient.middle_name),
            birth_date=patient.birth_date, sex=patient.sex,
        ),
        facility=DocFacility(study.facility.code, study.facility.name, study.facility.address,
                             study.facility.phone),
        study=DocStudy(
            accession=study.accession,
            procedure_code=study.procedure_code,
            procedure_description=study.procedure_description,
            modality=study.modality,
            body_part=study.body_part,
            study_instance_uid=study.study_instance_uid,
            placer_order_number=study.placer_order_number,
            filler_order_number=study.filler_order_number,
            requested_procedure_id=study.requested_procedure_id,
            priority=study.priority,
            reason=study.reason,
            ordering_provider=ordering,
            scheduled_at=study.scheduled_at,
            performed_at=study.performed_at,
            visit_number=study.visit_number,
            patient_class=study.patient_class or "O",
        ),
        sections=sections,
        title=(study.procedure_description or f"{study.modality} {study.body_part}").upper(),
        created_at=report.created_at,
        signature=signature,
        content_hash=version.content_hash,
        resident_signature=resident_sig,
        transcriptionist=_person(session.get(User, report.transcriptionist_id))
        if report.transcriptionist_id else None,
        addenda=addenda,
        previous_versions=tuple(v.number for v in prior_versions),
    )


_SIGNED_DOCUMENTS = "reports.signed_documents"


def signed_document(session: Session, version: ReportVersion) -> ReportDocument | None:
    """The document frozen when `version` was signed in this session (None if it was not)."""
    return session.info.get(_SIGNED_DOCUMENTS, {}).get((version.report_id, version.number))


def document(session: Session, life: Lifecycle, report: Report,
             version_number: int | None = None) -> ReportDocument:
    """The frozen document of a signed version (default: the latest)."""
    if not report.versions:
        raise Conflict("the report is not signed yet", code="not_signed")
    if version_number is None:
        version = report.versions[-1]
    else:
        version = next((v for v in report.versions if v.number == version_number), None)
        if version is None:
            raise NotFound(f"report has no signed version {version_number}")
    if version.document is not None:
        try:
            return stored_document(version)
        except ValueError as e:
            raise Conflict(str(e), code="document_mismatch") from e
    # Signed before documents were stored with their versions: rebuilt from the rows.
    return _document(session, life, report, study_of(session, report), version)


def stored_document(version: ReportVersion) -> ReportDocument:
    """The document stored with a signed version, checked against the version's seal
    (ValueError when there is none or it does not match; see `read_stored_document`)."""
    if version.document is None:
        raise ValueError("no document is stored with this version")
    return read_stored_document(version.document, version.report_id, version.number,
                                version.content_hash, version.canonical_text)


def read_stored_document(data: dict[str, Any], report_id: str, number: int,
                         content_hash: str, canonical_text: str) -> ReportDocument:
    """A stored document that must be the one of the sealed version given.

    ValueError when it is unreadable or is not that version's document: another report,
    version or content hash, or a text other than the sealed canonical text (outputs are
    built from the document, so it must say exactly what was signed)."""
    try:
        doc = document_from_json(data)
    except (KeyError, TypeError) as e:
        raise ValueError(f"stored document unreadable: {e!r}") from e
    if (doc.report_id, doc.version, doc.content_hash) != (report_id, number, content_hash):
        raise ValueError(f"stored document is of {doc.report_id} v{doc.version}, not of the "
                         f"sealed {report_id} v{number}")
    if doc.canonical_text() != canonical_text:
        raise ValueError("stored document text differs from the sealed text of its version")
    return doc


@dataclass(frozen=True)
class VerifyProblem:
    report_id: str
    version: int
    message: str


def verify_signed(session: Session) -> tuple[int, list[VerifyProblem]]:
    """Re-check every signed version's seal and stored document; return (checked, problems)."""
    problems: list[VerifyProblem] = []
    checked = 0
    rows = select(ReportVersion).options(undefer(ReportVersion.document))
    for version in session.execute(rows).scalars():
        checked += 1
        if seal(version) != version.content_hash:
            problems.append(VerifyProblem(version.report_id, version.number,
                                          "content does not match its signed SHA-256"))
        elif version.document is not None:
            try:
                stored_document(version)
            except ValueError as e:
                problems.append(VerifyProblem(version.report_id, version.number, str(e)))
    return checked, problems


def signed_versions(report: Report) -> Sequence[ReportVersion]:
    return report.versions


def signed_at(report: Report) -> datetime | None:
    return report.versions[-1].signed_at if report.versions else None
