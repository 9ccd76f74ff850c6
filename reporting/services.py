"""Wiring of the domains into the app: template engine, sign hooks, background services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI


def wire(app: FastAPI) -> None:
    """Connect domains that must not import each other (templates, outbox) to the reports."""
    app.state.readiness = {}


@asynccontextmanager
async def running(app: FastAPI, *, start_background: bool) -> AsyncIterator[None]:
    """Start and stop the background services (HL7 listener, delivery worker, ASR warm-up)."""
    yield
