"""The delivery worker: a thin loop around `deliver_batch`, one attempt per claimed row.

A sender thread claims a batch of due rows (one short write transaction) and reads the rows
and their frozen documents, taken from the in-process cache or read from the form stored
with each signed version (versions signed before documents were stored are rebuilt with the
batch's reports, studies and signers loaded together); on SQLite the reads, and a look for
due rows before claiming, are read-only transactions that leave the writer lock to the
signers, on PostgreSQL the reads share the claim's transaction. It builds each payload and
sends it with no transaction open, over connections it keeps open per destination, then
records every attempt, the rows' new states and the audit events of the batch in one second
short write transaction. Several
workers (threads, processes, app instances) share the outbox through leased claims
(reporting.delivery.outbox.claim); an earlier version of a report is never overtaken,
because a row is only claimable once every earlier version for its destination is delivered.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from reporting.audit import service as audit
from reporting.auth.models import User
from reporting.core.config import Destination, Settings
from reporting.core.db import (
    insert_rows,
    new_id,
    read_only,
    single_writer,
    transaction,
    utcnow,
)
from reporting.delivery import outbox, payloads
from reporting.delivery.dicom_sender import deliver_dicom
from reporting.delivery.document import ReportDocument
from reporting.delivery.fhir import build_diagnostic_report
from reporting.delivery.fhir_sender import deliver_fhir
from reporting.delivery.folder import deliver_folder
from reporting.delivery.models import SENDABLE, DeliveryAttempt, OutboxMessage
from reporting.delivery.outcome import AttemptOutcome
from reporting.hl7.sender import Hl7Connections
from reporting.reports import service as reports
from reporting.reports.models import Report, ReportVersion
from reporting.studies.models import Study

log = logging.getLogger(__name__)

DELIVERY_ACTOR = audit.Actor(user_id=None, username="system", channel="delivery")
Send = Callable[[], list[AttemptOutcome]]


def worker_name() -> str:
    """host:pid:random, unique per worker, shown in claimed_by."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _destination(settings: Settings, name: str) -> Destination | None:
    return next((d for d in settings.destinations if d.name == name), None)


@dataclass
class _Job:
    """One claimed row on its way through a batch."""

    outbox_id: str
    control_id: str
    destination: str
    kind: str
    report_id: str
    report_version: int
    created_at: datetime
    study_id: str | None
    patient_id: str | None
    dest: Destination | None
    doc: ReportDocument | None = None
    outcomes: list[AttemptOutcome] = field(default_factory=list)
    record: bool = True  # False: no attempt was made (already done, waiting, lease short)
    release: bool = False  # give the claim back without an attempt
    finished: datetime | None = None
    duration_ms: int = 0

    @property
    def outcome(self) -> AttemptOutcome:
        return self.outcomes[-1]


def _hl7_message(settings: Settings, job: _Job, dest: Destination, doc: ReportDocument) -> str:
    """The row's ORU: built once, then the cached bytes for every retry in this process."""
    key = (job.outbox_id, job.control_id)
    message = payloads.messages.get(key)
    if message is None:
        pdf = payloads.stored_pdf(settings, doc) if dest.include_pdf else None
        message = payloads.oru(settings, doc, control_id=job.control_id, now=job.created_at,
                               dest=dest, pdf=pdf)
        payloads.messages.put(key, message)
    return message


def _prepare(settings: Settings, job: _Job, dest: Destination, doc: ReportDocument,
             connections: Hl7Connections) -> Send:
    """Build the payload now (ValueError names a bad field) and return the send step."""
    if dest.kind == "hl7":
        message = _hl7_message(settings, job, dest, doc)
        return lambda: connections.send(dest, message, job.control_id)
    if dest.kind == "dicom":
        datasets = payloads.dicom_objects(settings, dest, doc)
        return lambda: [deliver_dicom(dest, datasets)]
    if dest.kind == "fhir":
        resource = build_diagnostic_report(doc, payloads.stored_pdf(settings, doc))
        return lambda: [deliver_fhir(dest, resource)]
    pdf = payloads.stored_pdf(settings, doc)
    return lambda: [deliver_folder(dest, doc, pdf)]


def _rebuild_documents(session: Session, life: reports.Lifecycle,
                       jobs: Sequence[_Job]) -> None:
    """Rebuild the documents the cache lacks, loading the batch's rows in a few queries."""
    report_ids = {j.report_id for j in jobs}
    loaded = {r.id: r for r in session.execute(
        select(Report).where(Report.id.in_(report_ids))
        .options(selectinload(Report.versions), selectinload(Report.addenda))).scalars()}
    session.execute(select(Study).where(
        Study.id.in_({r.study_id for r in loaded.values()}))).scalars().all()
    people: set[str] = set()
    for r in loaded.values():
        people.update(v.signed_by_id for v in r.versions)
        people.update(a.signed_by_id for a in r.addenda if a.signed_by_id)
        if r.transcriptionist_id:
            people.add(r.transcriptionist_id)
    if people:  # in the identity map now: the document's session.get calls need no query
        session.execute(select(User).where(User.id.in_(people))).scalars().all()
    for job in jobs:
        try:
            doc = reports.document(session, life, loaded[job.report_id], job.report_version)
        except ValueError as e:
            job.outcomes.append(AttemptOutcome("quarantine", "invalid", str(e)[:2000]))
            continue
        payloads.documents.put((job.report_id, job.report_version, doc.content_hash), doc)
        job.doc = doc


def _read_document(job: _Job, key: payloads.DocumentKey, stored: dict[str, Any],
                   canonical_text: str) -> None:
    """The document stored at signing; one that is unreadable or does not say what its
    version sealed is quarantined, never sent."""
    try:
        doc = reports.read_stored_document(stored, *key, canonical_text)
    except ValueError as e:
        job.outcomes.append(AttemptOutcome("quarantine", "invalid", str(e)[:2000]))
        return
    payloads.documents.put(key, doc)
    job.doc = doc


# The batch's statements, built once (building one costs about as much as running it);
# `ids` expands to the batch's outbox ids.
_CLAIMED_ROWS = (
    select(OutboxMessage, ReportVersion.content_hash, Study.id, Study.patient_id,
           ReportVersion.document, ReportVersion.canonical_text)
    .join(ReportVersion, (ReportVersion.report_id == OutboxMessage.report_id)
          & (ReportVersion.number == OutboxMessage.report_version))
    .join(Report, Report.id == OutboxMessage.report_id)
    .join(Study, Study.id == Report.study_id)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
)
_WAITING = select(OutboxMessage.id).where(OutboxMessage.id.in_(bindparam("ids", expanding=True)),
                                          outbox.earlier_undelivered())
_ROW_STATES = (
    select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.destination,
           OutboxMessage.report_id, OutboxMessage.report_version, OutboxMessage.kind,
           OutboxMessage.next_attempt_at, OutboxMessage.delivered_at)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
)
_STILL_SENDABLE = (
    select(OutboxMessage.id)
    .where(OutboxMessage.report_id.in_(bindparam("report_ids", expanding=True)),
           OutboxMessage.status.in_(SENDABLE)).limit(1)
)


def _load(session: Session, settings: Settings, life: reports.Lifecycle,
          outbox_ids: Sequence[str]) -> list[_Job]:
    """Read the claimed rows and their documents, in the caller's transaction (no writes)."""
    found = session.execute(_CLAIMED_ROWS, {"ids": list(outbox_ids)}).all()
    waiting = set(session.execute(_WAITING, {"ids": list(outbox_ids)}).scalars())
    by_id = {row.id: (row, content_hash, study_id, patient_id, stored, text)
             for row, content_hash, study_id, patient_id, stored, text in found}
    jobs: list[_Job] = []
    rebuild: list[_Job] = []
    for outbox_id in outbox_ids:
        if outbox_id not in by_id:
            continue
        row, content_hash, study_id, patient_id, stored, text = by_id[outbox_id]
        job = _Job(row.id, row.control_id, row.destination, row.kind, row.report_id,
                   row.report_version, row.created_at, study_id, patient_id,
                   _destination(settings, row.destination))
        jobs.append(job)
        if row.status == "delivered":
            job.record = False
            job.outcomes.append(AttemptOutcome("delivered", "already",
                                               "delivered before; not sent again"))
        elif row.status not in SENDABLE:
            job.record = False
            job.outcomes.append(AttemptOutcome(
                "quarantine", row.status, f"row is {row.status}; an admin retry sends it again"))
        elif row.id in waiting:
            # Not an attempt: an earlier version must reach this destination first.
            job.record, job.release = False, True
            job.outcomes.append(AttemptOutcome("retry", "waiting",
                                               "an earlier version is not delivered yet"))
        elif job.dest is None or not job.dest.enabled:
            job.outcomes.append(AttemptOutcome(
                "quarantine", "config", f"destination {row.destination!r} is not configured"))
        else:
            key = (row.report_id, row.report_version, content_hash)
            job.doc = payloads.documents.get(key)
            if job.doc is None and stored is not None:
                _read_document(job, key, stored, text)
            elif job.doc is None:
                rebuild.append(job)  # signed before documents were stored with versions
    if rebuild:
        _rebuild_documents(session, life, rebuild)
    return jobs


def _send(settings: Settings, jobs: Sequence[_Job], connections: Hl7Connections,
          claimed_at: float) -> None:
    """Build and send each ready job in order, with no transaction open."""
    for job in jobs:
        if job.outcomes or job.doc is None or job.dest is None:
            continue
        dest = job.dest
        margin = 2 * dest.timeout_seconds + 5
        if time.monotonic() - claimed_at > outbox.lease_seconds(settings, dest.name) - margin:
            # The lease could run out mid-send: hand the row back untried instead.
            job.record, job.release = False, True
            job.outcomes.append(AttemptOutcome("retry", "lease", "claim released untried"))
            continue
        started = time.perf_counter()
        try:
            send = _prepare(settings, job, dest, job.doc, connections)
        except ValueError as e:
            job.outcomes.append(AttemptOutcome("quarantine", "invalid", str(e)[:2000]))
            continue
        try:
            job.outcomes.extend(send())
        except Exception as e:  # a sender bug must never stop the worker
            log.exception("delivery %s to %s failed unexpectedly", job.outbox_id, dest.name)
            job.outcomes.append(AttemptOutcome("retry", "error", f"{type(e).__name__}: {e}"[:2000]))
        job.duration_ms = int((time.perf_counter() - started) * 1000)
        job.finished = utcnow()


_OUTBOX = OutboxMessage.__table__
_ROW_DONE = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(status=bindparam("new_status"), attempts=bindparam("new_attempts"),
            last_code=bindparam("code"), last_detail=bindparam("detail"), claimed_by=None,
            claimed_until=None, updated_at=bindparam("now"), delivered_at=bindparam("delivered"),
            next_attempt_at=bindparam("next_at"))
)
_ROW_RELEASE = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.claimed_by == bindparam("worker"))
    .values(claimed_by=None, claimed_until=None)
)


def _record(factory: sessionmaker[Session], jobs: Sequence[_Job], policy: outbox.RetryPolicy,
            worker: str) -> None:
    """Record every attempt of the batch, the rows' new states and their audit events.

    One short write transaction, with Core statements and no unit of work: it reads the
    rows' attempt counts, inserts the attempts, updates the rows and appends the audit
    events, last.
    """
    touched = [j for j in jobs if j.record or j.release]
    if not touched:
        return
    with transaction(factory) as session:
        current = {row.id: row for row in session.execute(
            _ROW_STATES, {"ids": [j.outbox_id for j in touched]})}
        now = utcnow()
        attempts: list[DeliveryAttempt] = []
        done: list[dict[str, Any]] = []
        released: list[dict[str, Any]] = []
        entries: list[audit.Entry] = []
        delivered_reports: set[str] = set()
        for job in touched:
            row = current.get(job.outbox_id)
            if row is None:
                continue
            if job.release:
                released.append({"row_id": row.id, "worker": worker})
                continue
            finished = job.finished or now
            for i, outcome in enumerate(job.outcomes):
                last = i == len(job.outcomes) - 1
                # Tries of one send finished in this order; keep it visible in `at`.
                at = finished - timedelta(microseconds=len(job.outcomes) - 1 - i)
                attempts.append(DeliveryAttempt(
                    id=new_id(), outbox_id=row.id, at=at, verdict=outcome.verdict,
                    code=outcome.code[:64], detail=outcome.detail[:4000],
                    duration_ms=job.duration_ms if last else 0, worker=worker[:64]))
            outcome = job.outcome
            tried = row.attempts + len(job.outcomes)
            max_attempts = job.dest.max_attempts if job.dest else 1
            next_at, delivered = row.next_attempt_at, row.delivered_at
            if outcome.verdict == "delivered":
                status, delivered = "delivered", now
                delivered_reports.add(row.report_id)
            elif outcome.verdict == "quarantine":
                status = "quarantined"
            elif tried >= max_attempts:
                status = "failed"
            else:
                status = "retrying"
                next_at = now + timedelta(seconds=policy.delay(tried))
            done.append({"row_id": row.id, "new_status": status, "new_attempts": tried,
                         "code": outcome.code[:64], "detail": outcome.detail[:4000],
                         "now": now, "delivered": delivered, "next_at": next_at})
            if status != "retrying":
                payloads.messages.pop((job.outbox_id, job.control_id))
                entries.append(audit.Entry(
                    DELIVERY_ACTOR, f"delivery.{status}", patient_id=job.patient_id,
                    study_id=job.study_id, report_id=row.report_id,
                    outcome="success" if status == "delivered" else "failure",
                    detail=f"{row.destination} v{row.report_version} {row.kind}: "
                           f"{outcome.code}"))
        insert_rows(session, attempts)
        if done:
            session.execute(_ROW_DONE, done)
        if released:
            session.execute(_ROW_RELEASE, released)
        if delivered_reports and session.execute(
            _STILL_SENDABLE, {"report_ids": sorted(delivered_reports)}).first() is not None:
            # A later version of a delivered report may have been waiting for it.
            outbox.wake_after_commit(session)
        # Last, right before the commit: on PostgreSQL the chain lock is held until then.
        audit.record_many(session, entries)


def deliver_batch(
    factory: sessionmaker[Session],
    settings: Settings,
    outbox_ids: Sequence[str],
    *,
    life: reports.Lifecycle | None = None,
    policy: outbox.RetryPolicy | None = None,
    worker: str = "",
    connections: Hl7Connections | None = None,
    claimed_at: float | None = None,
) -> dict[str, AttemptOutcome]:
    """Make one attempt for each of `outbox_ids` (in order), record them, return the outcomes.

    A try on an HL7 connection the peer had closed is resent at once on a new connection;
    both tries are recorded. Rows not found are left out of the result.
    """
    life = life or reports.Lifecycle()
    with read_only(factory) as session:
        jobs = _load(session, settings, life, outbox_ids)
    return _send_and_record(factory, settings, jobs, policy or outbox.RetryPolicy(), worker,
                            connections, time.monotonic() if claimed_at is None else claimed_at)


def _send_and_record(factory: sessionmaker[Session], settings: Settings, jobs: list[_Job],
                     policy: outbox.RetryPolicy, worker: str,
                     connections: Hl7Connections | None,
                     claimed_at: float) -> dict[str, AttemptOutcome]:
    own = connections is None
    conns = Hl7Connections() if connections is None else connections
    try:
        _send(settings, jobs, conns, claimed_at)
    finally:
        if own:
            conns.close()
    _record(factory, jobs, policy, worker)
    return {j.outbox_id: j.outcome for j in jobs}


def _claim_and_load(factory: sessionmaker[Session], settings: Settings,
                    life: reports.Lifecycle, worker: str,
                    limit: int) -> tuple[list[str], list[_Job]]:
    """Claim due rows and read them with their documents.

    Where writers queue for one lock (SQLite), only the claim is a write transaction: the
    look for due rows before it and the reads after it are readers, which leave the lock to
    the signers. Elsewhere (PostgreSQL, whose claim skips locked rows instead of waiting)
    the claim and the reads are one transaction: fewer round trips.
    """
    if not single_writer(factory):
        with transaction(factory) as session:
            ids = outbox.claim(session, settings, worker, limit=limit)
            return ids, _load(session, settings, life, ids) if ids else []
    with read_only(factory) as session:
        if not outbox.any_due(session):
            return [], []
    with transaction(factory) as session:
        ids = outbox.claim(session, settings, worker, limit=limit)
    if not ids:
        return [], []
    with read_only(factory) as session:
        return ids, _load(session, settings, life, ids)


def claim_and_deliver(
    factory: sessionmaker[Session],
    settings: Settings,
    worker: str,
    *,
    limit: int,
    life: reports.Lifecycle | None = None,
    policy: outbox.RetryPolicy | None = None,
    connections: Hl7Connections | None = None,
) -> dict[str, AttemptOutcome]:
    """Claim up to `limit` due rows, read them, then deliver them."""
    life = life or reports.Lifecycle()
    _, jobs = _claim_and_load(factory, settings, life, worker, limit)
    if not jobs:
        return {}
    return _send_and_record(factory, settings, jobs, policy or outbox.RetryPolicy(), worker,
                            connections, time.monotonic())


def deliver(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    outbox_id: str,
    life: reports.Lifecycle | None = None,
    policy: outbox.RetryPolicy | None = None,
    worker: str = "",
    connections: Hl7Connections | None = None,
) -> AttemptOutcome:
    """Make one attempt to deliver outbox row `outbox_id`, record it, and return its outcome."""
    outcomes = deliver_batch(factory, settings, [outbox_id], life=life, policy=policy,
                             worker=worker, connections=connections)
    if outbox_id not in outcomes:
        raise outbox.DeliveryNotFound(f"no delivery {outbox_id!r}")
    return outcomes[outbox_id]


class Doorbell:
    """Tells the sender whose turn it is to claim that a commit enqueued rows.

    Only the sender holding the claim turn waits on it. A ring nobody waits for is kept
    for the next wait, so no commit goes unnoticed; `clear` drops the rings that the claim
    about to run will find anyway.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._rung = False
        self._closed = False

    def set(self) -> None:
        """Ring: the waiting sender wakes (or the next wait returns at once)."""
        with self._cond:
            self._rung = True
            self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait for a ring, at most `timeout` seconds; consume it. False if none came."""
        with self._cond:
            if not self._rung and not self._closed:
                self._cond.wait(timeout)
            rung = self._rung
            self._rung = self._closed
            return rung

    def clear(self) -> None:
        with self._cond:
            self._rung = self._closed

    def close(self) -> None:
        """Wake every sender, now and from now on (for stopping)."""
        with self._cond:
            self._closed = self._rung = True
            self._cond.notify_all()

    def open(self) -> None:
        with self._cond:
            self._closed = self._rung = False


@dataclass
class WorkerStats:
    attempts: int = 0
    delivered: int = 0
    batches: int = 0


class DeliveryWorker:
    """Polls the outbox and delivers due rows with `threads` parallel senders.

    The senders take turns to claim: one at a time looks for work and claims up to `batch`
    rows, then hands the turn on and sends its batch while the next one waits for work.
    The turn holder claims at once while the last claim was full (a backlog); otherwise it
    waits for a commit's ring (then lingers, so that the signatures arriving meanwhile go
    in the same batch) or for its poll. So claims are spaced by the linger or the poll
    under load, batches grow with the load (two transactions per batch, not per message),
    an idle worker polls once per interval instead of once per sender, and a slow
    destination holds up only the sender that is sending to it. Each sender keeps its own
    open connection per HL7 destination.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        life: reports.Lifecycle | None = None,
        *,
        threads: int = 4,
        batch: int = 16,
        poll_seconds: float = 1.0,
        policy: outbox.RetryPolicy | None = None,
        name: str | None = None,
        linger_seconds: float = 0.02,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.life = life or reports.Lifecycle()
        self.threads = max(1, threads)
        self.batch = max(1, batch)
        self.poll_seconds = poll_seconds
        # After a ring, the turn holder waits this long before claiming so that the
        # signatures arriving meanwhile go in one batch; it adds at most this much to each
        # report's latency.
        self.linger_seconds = max(0.0, linger_seconds)
        self.policy = policy or outbox.RetryPolicy()
        self.name = name or worker_name()
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self._wake = Doorbell()
        self._turn = threading.Lock()
        self._backlog = True  # at start, claim at once: rows may have waited for us
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def run_once(self, worker: str | None = None, limit: int = 1,
                 connections: Hl7Connections | None = None) -> int:
        """Claim up to `limit` due rows and deliver them; return how many were claimed."""
        outcomes = claim_and_deliver(self.factory, self.settings, worker or self.name,
                                     limit=limit, life=self.life, policy=self.policy,
                                     connections=connections)
        self._count(outcomes)
        return len(outcomes)

    def _count(self, outcomes: dict[str, AttemptOutcome]) -> None:
        if outcomes:
            with self._lock:
                self.stats.batches += 1
                self.stats.attempts += len(outcomes)
                self.stats.delivered += sum(o.ok for o in outcomes.values())

    def _await_work(self) -> None:
        """Return when the turn holder should claim."""
        if self._backlog:
            return
        if self._wake.wait(self.poll_seconds) and self.linger_seconds:
            self._stop.wait(self.linger_seconds)
            self._wake.clear()  # the claim finds what rang meanwhile (rings follow commits)

    def _loop(self, index: int) -> None:
        worker = f"{self.name}/{index}"
        with Hl7Connections() as connections:
            while True:
                with self._turn:
                    if self._stop.is_set():
                        return
                    self._await_work()
                    if self._stop.is_set():
                        return
                    try:
                        ids, jobs = _claim_and_load(self.factory, self.settings, self.life,
                                                    worker, self.batch)
                    except Exception:  # the database may be away for a moment; keep going
                        log.exception("delivery worker %s: claim failed", worker)
                        ids, jobs = [], []
                    self._backlog = len(ids) == self.batch
                if not jobs:
                    continue
                try:
                    self._count(_send_and_record(self.factory, self.settings, jobs,
                                                 self.policy, worker, connections,
                                                 time.monotonic()))
                except Exception:  # recorded nothing: the leases run out and rows go again
                    log.exception("delivery worker %s: recording a batch failed", worker)

    def start(self) -> DeliveryWorker:
        """Start the sender threads (returns at once)."""
        if self._threads:
            raise RuntimeError("delivery worker already started")
        self._stop.clear()
        self._wake.open()
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
        self._wake.close()
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
