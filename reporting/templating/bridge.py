"""The reports domain's view of templating: start a report, render it, check it.

Implements ``reporting.reports.service.TemplateEngine`` over a ``TemplateLibrary``.
Reports store a snapshot of the template they were created with, so later
edits to template files never change an existing report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reporting.core.db import utcnow
from reporting.delivery.document import DocSection
from reporting.reports.service import CheckIssue, StandardLayout
from reporting.studies.models import Study
from reporting.templating.checks import check_report
from reporting.templating.context import build_context
from reporting.templating.library import TemplateLibrary
from reporting.templating.model import Template, TemplateSnapshot


def field_dicts(template: Template) -> list[dict[str, Any]]:
    """The template's fields as plain dicts (stored in the report, served to clients)."""
    return [
        {
            "id": f.id, "label": f.label, "section": f.section, "type": f.type,
            "options": [{"value": o.value, "label": o.label} for o in f.options],
            "units": f.units, "required": f.required, "radlex": f.radlex,
            "spoken_names": list(f.spoken_names),
        }
        for f in template.fields
    ]


def template_context(context: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Map the reports domain's study context onto the template context."""
    study = dict(context.get("study") or {})
    return build_context(
        patient=context.get("patient") or {},
        study=study,
        facility=context.get("facility") or {},
        radiologist=context.get("radiologist"),
        priors=context.get("priors") or [],
        now=now or utcnow(),
    )


@dataclass
class LibraryTemplates:
    """TemplateEngine backed by the shipped (hot-reloaded) template library."""

    library: TemplateLibrary

    def _template(self, snapshot: dict[str, Any]) -> Template | None:
        if not snapshot.get("source"):
            return None
        return TemplateSnapshot.from_dict(snapshot).template()

    def start(self, study: Study, context: dict[str, Any],
              template_id: str | None) -> tuple[dict[str, Any], dict[str, str]]:
        self.library.reload_if_changed()
        if template_id:
            template = self.library.get(template_id)
        else:
            template = self.library.select({
                "procedure_code": study.procedure_code, "modality": study.modality,
                "body_part": study.body_part, "patient_sex": study.patient.sex,
                "procedure_description": study.procedure_description,
            })
        snapshot: dict[str, Any] = {
            **TemplateSnapshot.of(template).to_dict(),
            "id": template.id,
            "title": template.title,
            "hash": template.content_hash,
            "fields": field_dicts(template),
        }
        values = template.default_values(template_context(context))
        return snapshot, values

    def sections(self, snapshot: dict[str, Any], values: dict[str, str],
                 context: dict[str, Any]) -> list[DocSection]:
        template = self._template(snapshot)
        if template is None:
            return StandardLayout().sections(snapshot, values, context)
        rendered = template.render_sections(values, template_context(context))
        return [DocSection(s.id, s.heading, s.text, s.loinc_code) for s in rendered]

    def check(self, snapshot: dict[str, Any], values: dict[str, str],
              context: dict[str, Any]) -> list[CheckIssue]:
        template = self._template(snapshot)
        if template is None:
            return StandardLayout().check(snapshot, values, context)
        return [CheckIssue(i.field, i.severity, i.code, i.message)
                for i in check_report(template, values, template_context(context))]
