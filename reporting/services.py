"""Wiring of the domains into the app: template engine, sign hooks, background services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from reporting.core.config import Settings
from reporting.reports.service import Lifecycle
from reporting.templating.bridge import LibraryTemplates
from reporting.templating.library import TemplateLibrary


def template_library(settings: Settings) -> TemplateLibrary:
    """The shipped (or configured) templates and macros, re-read when files change."""
    return TemplateLibrary(settings.resolved_templates_dir, settings.resolved_macros_dir,
                           min_interval=2.0)


def build_lifecycle(settings: Settings, library: TemplateLibrary | None = None) -> Lifecycle:
    """The report lifecycle with templates (and, via wire(), the outbox hooks)."""
    return Lifecycle(templates=LibraryTemplates(library or template_library(settings)))


def wire(app: FastAPI) -> None:
    """Connect domains that must not import each other (templates, outbox) to the reports."""
    settings: Settings = app.state.settings
    app.state.templates = template_library(settings)
    app.state.lifecycle = build_lifecycle(settings, app.state.templates)
    app.state.readiness = {}
    from reporting.asr.manager import AsrManager
    from reporting.dictation.router import learning_hook

    app.state.asr = AsrManager(settings.asr, settings.data_dir)
    app.state.lifecycle.on_edited.append(learning_hook)
    app.state.readiness["speech_model"] = lambda: (
        "ok" if app.state.asr.loaded else "ok (loads at first dictation)"
        if not settings.asr.preload else "loading")
    from reporting.delivery import tasks as delivery

    delivery.wire(app)


@asynccontextmanager
async def running(app: FastAPI, *, start_background: bool) -> AsyncIterator[None]:
    """Start and stop the background services (HL7 listener, delivery worker, ASR warm-up)."""
    from reporting.delivery import tasks as delivery
    from reporting.hl7 import intake

    warm_up = None
    if start_background and app.state.settings.asr.preload:
        warm_up = asyncio.create_task(asyncio.to_thread(_warm_up, app.state.asr))
    async with (intake.serving(app, start=start_background),
                delivery.working(app, start=start_background)):
        yield
    if warm_up is not None:
        with contextlib.suppress(Exception):
            await warm_up
    if getattr(app.state, "owns_asr", True):
        app.state.asr.close()


def _warm_up(manager: Any) -> None:
    """Load the speech model and run one decode so the first dictation is fast."""
    try:
        manager.load()
        manager.warm_up()
    except Exception:  # the server still serves; dictation reports the error itself
        logging.getLogger("reporting").exception("speech model could not be loaded")
