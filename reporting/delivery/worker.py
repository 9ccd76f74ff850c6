"""The delivery worker: a thin loop around `deliver`, which makes one attempt for one row.

`deliver` reads the row and the frozen signed version in a short transaction, builds the
payload, sends it with no transaction open, then records the attempt and the row's new
state in a second short transaction. Several workers (threads, processes, app instances)
share the outbox through leased claims (reporting.delivery.outbox.claim).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reporting.audit import service as audit
from reporting.core.config import Destination, Settings
from reporting.core.db import transaction, utcnow
from reporting.delivery import outbox, payloads
from reporting.delivery.dicom_sender import deliver_dicom
from reporting.delivery.document import ReportDocument
from reporting.delivery.fhir import build_diagnostic_report
from reporting.delivery.fhir_sender import deliver_fhir
from reporting.delivery.folder import deliver_folder
from reporting.delivery.models import SENDABLE, DeliveryAttempt, OutboxMessage
from reporting.delivery.outcome import AttemptOutcome
from reporting.hl7.sender import deliver_hl7
from reporting.reports import service as reports
from reporting.reports.models import Report
from reporting.studies.models import Study

log = logging.getLogger(__name__)

DELIVERY_ACTOR = audit.Actor(user_id=None, username="system", channel="delivery")
Send = Callable[[], AttemptOutcome]


def worker_name() -> str:
    """host:pid:random, unique per worker, shown in claimed_by."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _destination(settings: Settings, name: str) -> Destination | None:
    return next((d for d in settings.destinations if d.name == name), None)


def _prepare(settings: Settings, row: OutboxMessage, dest: Destination,
             doc: ReportDocument) -> Send:
    """Build the payload now (ValueError names a bad field) and return the send step."""
    if dest.kind == "hl7":
        pdf = payloads.stored_pdf(settings, doc) if dest.include_pdf else None
        message = payloads.oru(settings, doc, control_id=row.control_id, now=row.created_at,
                               dest=dest, pdf=pdf)
        return lambda: deliver_hl7(dest, message, row.control_id)
    if dest.kind == "dicom":
        datasets = payloads.dicom_objects(settings, dest, doc)
        return lambda: deliver_dicom(dest, datasets)
    if dest.kind == "fhir":
        resource = build_diagnostic_report(doc, payloads.stored_pdf(settings, doc))
        return lambda: deliver_fhir(dest, resource)
    pdf = payloads.stored_pdf(settings, doc)
    return lambda: deliver_folder(dest, doc, pdf)


def deliver(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    outbox_id: str,
    life: reports.Lifecycle | None = None,
    policy: outbox.RetryPolicy | None = None,
    worker: str = "",
) -> AttemptOutcome:
    """Make one attempt to deliver outbox row `outbox_id`, record it, and return its outcome."""
    life = life or reports.Lifecycle()
    policy = policy or outbox.RetryPolicy()
    with transaction(factory) as session:
        row = outbox.get(session, outbox_id)
        if row.status == "delivered":
            return AttemptOutcome("delivered", "already", "delivered before; not sent again")
        if row.status not in SENDABLE:
            return AttemptOutcome("quarantine", row.status,
                                  f"row is {row.status}; an admin retry sends it again")
        if session.execute(
            select(OutboxMessage.id).where(
                OutboxMessage.report_id == row.report_id,
                OutboxMessage.destination == row.destination,
                OutboxMessage.report_version < row.report_version,
                OutboxMessage.status != "delivered",
            ).limit(1)
        ).first() is not None:
            # Not an attempt: an earlier version must reach this destination first.
            row.claimed_by = None
            row.claimed_until = None
            return AttemptOutcome("retry", "waiting", "an earlier version is not delivered yet")
        dest = _destination(settings, row.destination)
        send: Send | None = None
        outcome: AttemptOutcome | None = None
        if dest is None or not dest.enabled:
            outcome = AttemptOutcome("quarantine", "config",
                                     f"destination {row.destination!r} is not configured")
        else:
            try:
                report = reports.get_report(session, row.report_id)
                doc = reports.document(session, life, report, row.report_version)
                send = _prepare(settings, row, dest, doc)
            except ValueError as e:
                outcome = AttemptOutcome("quarantine", "invalid", str(e)[:2000])
    started = time.perf_counter()
    if send is not None:
        try:
            outcome = send()
        except Exception as e:  # a sender bug must never stop the worker
            log.exception("delivery %s to %s failed unexpectedly", outbox_id, row.destination)
            outcome = AttemptOutcome("retry", "error", f"{type(e).__name__}: {e}"[:2000])
    assert outcome is not None
    duration_ms = int((time.perf_counter() - started) * 1000)
    _record(factory, settings, outbox_id, outcome, policy, worker, duration_ms)
    return outcome


def _record(factory: sessionmaker[Session], settings: Settings, outbox_id: str,
            outcome: AttemptOutcome, policy: outbox.RetryPolicy, worker: str,
            duration_ms: int) -> None:
    with transaction(factory) as session:
        row = outbox.get(session, outbox_id)
        now = utcnow()
        session.add(DeliveryAttempt(outbox_id=row.id, at=now, verdict=outcome.verdict,
                                    code=outcome.code[:64], detail=outcome.detail[:4000],
                                    duration_ms=duration_ms, worker=worker[:64]))
        row.attempts += 1
        row.last_code = outcome.code[:64]
        row.last_detail = outcome.detail[:4000]
        row.claimed_by = None
        row.claimed_until = None
        row.updated_at = now
        dest = _destination(settings, row.destination)
        max_attempts = dest.max_attempts if dest else 1
        if outcome.verdict == "delivered":
            row.status = "delivered"
            row.delivered_at = now
        elif outcome.verdict == "quarantine":
            row.status = "quarantined"
        elif row.attempts >= max_attempts:
            row.status = "failed"
        else:
            row.status = "retrying"
            row.next_attempt_at = now + timedelta(seconds=policy.delay(row.attempts))
        if row.status != "retrying":
            study_id, patient_id = _study_and_patient(session, row.report_id)
            audit.record(session, DELIVERY_ACTOR, f"delivery.{row.status}",
                         patient_id=patient_id, study_id=study_id, report_id=row.report_id,
                         outcome="success" if row.status == "delivered" else "failure",
                         detail=f"{row.destination} v{row.report_version} {row.kind}: "
                                f"{outcome.code}")
        if row.status == "delivered":
            # A later version of this report may have been waiting for this one.
            outbox.wake_after_commit(session)


def _study_and_patient(session: Session, report_id: str) -> tuple[str | None, str | None]:
    found = session.execute(
        select(Study.id, Study.patient_id).join(Report, Report.study_id == Study.id)
        .where(Report.id == report_id)
    ).first()
    return (found[0], found[1]) if found else (None, None)


@dataclass
class WorkerStats:
    attempts: int = 0
    delivered: int = 0


class DeliveryWorker:
    """Polls the outbox and delivers due rows with `threads` parallel senders."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        life: reports.Lifecycle | None = None,
        *,
        threads: int = 4,
        poll_seconds: float = 1.0,
        policy: outbox.RetryPolicy | None = None,
        name: str | None = None,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.life = life or reports.Lifecycle()
        self.threads = max(1, threads)
        self.poll_seconds = poll_seconds
        self.policy = policy or outbox.RetryPolicy()
        self.name = name or worker_name()
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def run_once(self, worker: str | None = None, limit: int = 1) -> int:
        """Claim up to `limit` due rows and deliver them; return how many were tried."""
        worker = worker or self.name
        with transaction(self.factory) as session:
            ids = outbox.claim(session, self.settings, worker, limit=limit)
        for outbox_id in ids:
            outcome = deliver(self.factory, self.settings, outbox_id=outbox_id, life=self.life,
                              policy=self.policy, worker=worker)
            with self._lock:
                self.stats.attempts += 1
                self.stats.delivered += outcome.ok
        return len(ids)

    def _loop(self, index: int) -> None:
        worker = f"{self.name}/{index}"
        while not self._stop.is_set():
            try:
                tried = self.run_once(worker)
            except Exception:  # the database may be away for a moment; keep going
                log.exception("delivery worker %s: claim failed", worker)
                tried = 0
            if tried:
                continue
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def start(self) -> DeliveryWorker:
        """Start the sender threads (returns at once)."""
        if self._threads:
            raise RuntimeError("delivery worker already started")
        self._stop.clear()
        outbox.register_waker(self._wake)
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, args=(i,), name=f"delivery-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        log.info("delivery worker %s started with %d threads", self.name, self.threads)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the attempts in flight finish."""
        self._stop.set()
        self._wake.set()
        outbox.unregister_waker(self._wake)
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def wake(self) -> None:
        self._wake.set()

    @property
    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def __enter__(self) -> DeliveryWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
