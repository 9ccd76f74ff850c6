"""REST: /api/templates, /api/macros and macro expansion into a report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from reporting.api.deps import CommitRoute, SessionDep, actor_of, require
from reporting.audit import service as audit
from reporting.auth.models import User
from reporting.reports import service as reports
from reporting.reports.router import report_out
from reporting.reports.schemas import ReportOut
from reporting.templating import service as macros
from reporting.templating.bridge import field_dicts
from reporting.templating.library import TemplateLibrary
from reporting.templating.model import Template

router = APIRouter(prefix="/api", tags=["templates"], route_class=CommitRoute)


def library(request: Request) -> TemplateLibrary:
    lib: TemplateLibrary = request.app.state.templates
    return lib


def template_out(t: Template, *, full: bool = False) -> dict[str, Any]:
    app = t.applicability
    out: dict[str, Any] = {
        "id": t.id, "title": t.title, "version": t.version, "content_hash": t.content_hash,
        "modalities": list(app.modalities), "body_parts": list(app.body_parts),
        "procedure_codes": list(app.procedure_codes), "sex": list(app.sex),
        "fallback": app.fallback,
        "sections": [{"id": s.id, "heading": s.heading, "loinc": s.loinc} for s in t.sections],
    }
    if full:
        out["fields"] = field_dicts(t)
    return out


@router.get("/templates")
def list_templates(request: Request,
                   _user: Annotated[User, require("templates:read")]) -> list[dict[str, Any]]:
    lib = library(request)
    lib.reload_if_changed()
    return [template_out(t) for t in lib.templates()]


@router.get("/templates/{template_id}")
def get_template(template_id: str, request: Request,
                 _user: Annotated[User, require("templates:read")]) -> dict[str, Any]:
    return template_out(library(request).get(template_id), full=True)


@router.post("/templates/reload")
def reload_templates(request: Request,
                     _user: Annotated[User, require("templates:reload")]) -> dict[str, Any]:
    lib = library(request)
    changed = lib.reload_if_changed(force=True)
    return {"changed": changed, "templates": len(lib.templates()),
            "errors": [str(e) for e in lib.errors]}


class MacroBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1, max_length=20000)
    aliases: list[str] = Field(default_factory=list)
    scope: dict[str, list[str]] = Field(default_factory=dict)
    field: str | None = None


@router.get("/macros")
def list_macros(
    request: Request, session: SessionDep, user: Annotated[User, require("templates:read")],
    report_id: str | None = None, modality: str | None = None,
    template_id: str | None = None,
) -> list[dict[str, Any]]:
    report = reports.get_report(session, report_id) if report_id else None
    found = macros.macros_for(session, library(request), user, report=report,
                              modality=modality, template_id=template_id)
    return [m.to_dict() for m in found]


@router.post("/macros", status_code=201)
def create_macro(body: MacroBody, session: SessionDep,
                 user: Annotated[User, require("macros:personal")]) -> dict[str, Any]:
    return macros.save_personal(session, user, body.model_dump()).to_dict()


@router.put("/macros/{name}")
def replace_macro(name: str, body: MacroBody, session: SessionDep,
                  user: Annotated[User, require("macros:personal")]) -> dict[str, Any]:
    return macros.save_personal(session, user, body.model_dump(), name=name).to_dict()


@router.delete("/macros/{name}", status_code=204)
def delete_macro(name: str, session: SessionDep,
                 user: Annotated[User, require("macros:personal")]) -> None:
    macros.delete_personal(session, user, name)


class ExpandBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="name, alias or spoken form")
    field: str | None = Field(default=None, max_length=64)
    cursor: int | None = Field(default=None, ge=0)


@router.post("/reports/{report_id}/macros")
def expand_macro(
    report_id: str, body: ExpandBody, request: Request, session: SessionDep,
    user: Annotated[User, require("reports:edit")],
) -> ReportOut:
    report = reports.get_report(session, report_id)
    inserted = macros.expand_into_report(
        session, library(request), report, user, body.name,
        field=body.field, cursor=body.cursor,
    )
    study = reports.study_of(session, report)
    audit.record(session, actor_of(user), "report.macro", patient_id=study.patient_id,
                 study_id=study.id, report_id=report.id, detail=inserted.macro.name)
    return report_out(session, report)
