"""Background delivery inside the app: the outbox hook on signing and the worker's lifetime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from reporting.core.config import Settings
from reporting.delivery import outbox
from reporting.delivery.worker import DeliveryWorker

log = logging.getLogger(__name__)


def wire(app: FastAPI) -> None:
    """Register the outbox hook on the app's lifecycle and the worker's readiness probe."""
    settings: Settings = app.state.settings
    app.state.lifecycle.on_signed.append(outbox.enqueue_hook(settings))
    app.state.delivery_worker = None

    def probe() -> str:
        worker: DeliveryWorker | None = app.state.delivery_worker
        if worker is None:
            return "ok (not running in this process)"
        return "ok" if worker.alive else "error: delivery worker stopped"

    app.state.readiness["delivery_worker"] = probe


@asynccontextmanager
async def working(app: FastAPI, *, start: bool) -> AsyncIterator[None]:
    """Run the delivery worker while the app runs (when `start` and settings.run_workers)."""
    settings: Settings = app.state.settings
    if not (start and settings.run_workers):
        yield
        return
    worker = DeliveryWorker(app.state.sessionmaker, settings, app.state.lifecycle)
    worker.start()
    app.state.delivery_worker = worker
    try:
        yield
    finally:
        app.state.delivery_worker = None
        await asyncio.to_thread(worker.stop)
