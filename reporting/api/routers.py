"""Every router of the product, included in one place."""

from __future__ import annotations

from fastapi import APIRouter


def all_routers() -> list[APIRouter]:
    from reporting.audit.router import router as audit
    from reporting.auth.router import router as auth
    from reporting.delivery.outputs_router import router as outputs
    from reporting.delivery.router import router as deliveries
    from reporting.dictation.router import router as dictation
    from reporting.hl7.router import router as hl7
    from reporting.reports.router import router as reports
    from reporting.studies.router import router as studies
    from reporting.templating.router import router as templating
    from reporting.web.router import router as web

    return [auth, studies, reports, templating, dictation, outputs, deliveries, hl7, audit, web]
