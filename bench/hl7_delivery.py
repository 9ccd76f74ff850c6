"""Benchmark: sign → HL7 ACK latency and sustained signed reports per second.

Run from the repository root: `PYTHONPATH=. python bench/hl7_delivery.py [--reports N]`.

Method (printed with the results): reports are created and signed through the service layer
in this process (one thread signing, each signature its own committed transaction with the
outbox rows); an in-process DeliveryWorker (4 sender threads, batches of 16) builds each
ORU^R01 from the frozen version and sends it over MLLP to the test peer (tests/hl7/peer.py,
a separate process answering AA). Latency is `delivered_at - signed_at` of each outbox row: from the
signature's timestamp to the worker recording the peer's AA. "unloaded" signs one report at
a time and waits for its ACK; "signing_only" signs N reports with no worker running;
"delivery_drain" then starts the worker on that backlog (delivered per second), with the
documents frozen at signing in the worker's cache (one process signs and delivers, as
`reporting serve` does); "delivery_drain_cold" does the same on a second backlog after
emptying the caches, as a worker in another process would find it (every document read from
the form stored with its version at signing);
"sustained" signs N reports back to back while the worker runs, and reports/s is N divided
by the time from the first signature to the last ACK; "paced" signs at a fixed rate (one
signature every 1/rate s, as radiologists' signatures arrive) and reports the latency at that
rate (back to back, latency is mostly the queue the signer builds ahead of the worker).
With --worker-process the same three measurements are repeated with the worker in its own
process (`reporting worker --threads 4 --poll 0.05`, the documented separate-worker
deployment: it finds no document cached and reads each stored one): "wp_unloaded",
"wp_sustained" and "wp_paced" sign in this process; "wp_two_signers" signs back to back in
two processes at once (as two API processes would), reports/s counted to the last ACK.
Runs on SQLite (WAL) and on a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reporting import services
from reporting.auth.models import Role, User
from reporting.core import migrate
from reporting.core.config import Settings
from reporting.core.db import make_engine, make_sessionmaker, transaction
from reporting.delivery import outbox, payloads
from reporting.delivery.models import OutboxMessage
from reporting.delivery.worker import DeliveryWorker
from reporting.reports import service as reports
from reporting.reports.models import Report, ReportVersion
from reporting.studies import service as studies
from reporting.studies.schemas import StudyIn
from tests.hl7.hl7_peer_control import PeerProcess
from tests.support.postgres import PostgresCluster


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def make_drafts(factory: sessionmaker[Session], life: reports.Lifecycle, n: int,
                offset: int) -> tuple[str, list[str]]:
    """Create an attending and n draft reports ready to sign; return (user id, report ids)."""
    ids = []
    with transaction(factory) as session:
        user = session.execute(select(User).where(User.username == "bench")).scalar_one_or_none()
        if user is None:
            user = User(username="bench", role=Role.RADIOLOGIST, password_hash="-",
                        family_name="Okafor", given_name="Adaeze", credentials="MD")
            session.add(user)
            session.flush()
        user_id = user.id
    for i in range(offset, offset + n):
        with transaction(factory) as session:
            user = session.get(User, user_id)
            assert user is not None
            study = studies.create_study(session, StudyIn(
                facility="NGH", accession=f"B{i:07d}",
                patient={"mrn": f"M{i:07d}", "name": "Garcia^Maria", "sex": "F",  # type: ignore[arg-type]
                         "birth_date": "1961-04-02"},
                procedure_code="CTCHEST", procedure_description="CT CHEST WITHOUT CONTRAST",
                modality="CT", body_part="CHEST", reason="Cough.",
                ordering_provider="Rivera^Carmen", scheduled_at="2026-11-20T21:30:00Z",  # type: ignore[arg-type]
                performed_at="2026-11-20T21:58:00Z"))  # type: ignore[arg-type]
            report = reports.create_report(session, life, user, study.id)
            fields = {f["id"]: "Normal." for f in report.template_snapshot.get("fields", [])
                      if f.get("required") and f.get("type", "text") == "text"}
            fields.update(findings="Lungs are clear.", impression="No acute disease.")
            known = set(report.fields)
            reports.update_fields(session, report, user, version=report.version,
                                  fields={k: v for k, v in fields.items() if k in known})
            ids.append(report.id)
    return user_id, ids


def sign(factory: sessionmaker[Session], life: reports.Lifecycle, user_id: str,
         report_id: str) -> None:
    with transaction(factory) as session:
        user = session.get(User, user_id)
        report = session.get(Report, report_id)
        assert user is not None
        assert report is not None
        reports.sign(session, life, report, user, override_reason="benchmark")


def latencies(factory: sessionmaker[Session], report_ids: list[str]) -> list[float]:
    with factory() as session:
        rows = session.execute(
            select(OutboxMessage.delivered_at, ReportVersion.signed_at)
            .join(ReportVersion, (ReportVersion.report_id == OutboxMessage.report_id)
                  & (ReportVersion.number == OutboxMessage.report_version))
            .where(OutboxMessage.report_id.in_(report_ids))
        ).all()
    return [(d - s).total_seconds() * 1000 for d, s in rows if d is not None]


def undelivered(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return len(session.execute(select(OutboxMessage.id)
                                   .where(OutboxMessage.status != "delivered")).all())


def wait_drained(factory: sessionmaker[Session], timeout: float, poll: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while undelivered(factory):
        if time.monotonic() > deadline:
            raise RuntimeError("deliveries did not drain in time")
        time.sleep(poll)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def bench_settings(url: str, data_dir: Path, port: int) -> Settings:
    return Settings(environment="test", data_dir=data_dir, database_url=url,
                    hl7={"listen": ""}, run_workers=False,  # type: ignore[arg-type]
                    destinations=[{"name": "ris", "kind": "hl7",  # type: ignore[list-item]
                                   "port": port, "timeout_seconds": 5}])


def start_worker_process(url: str, data_dir: Path, port: int,
                         threads: int) -> subprocess.Popen[str]:
    """`reporting worker` in its own process against the same database; returns once it runs."""
    env = {**os.environ, "REPORTING_ENVIRONMENT": "test", "REPORTING_DATA_DIR": str(data_dir),
           "REPORTING_DATABASE_URL": url, "REPORTING_HL7__LISTEN": "",
           "REPORTING_RUN_WORKERS": "false",
           "REPORTING_DESTINATIONS": json.dumps([{"name": "ris", "kind": "hl7", "port": port,
                                                  "timeout_seconds": 5}])}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from reporting.cli.main import app; app()", "worker",
         "--threads", str(threads), "--poll", "0.05"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "running" not in line:
        proc.kill()
        raise RuntimeError(f"worker process did not start: {line}{proc.stdout.read()}")
    return proc


def stop_worker_process(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _signer_process(url: str, data_dir: str, port: int, user_id: str, ids: list[str],
                    ready: Any, go: Any) -> None:
    """Sign `ids` back to back in a process of its own (an API process signing)."""
    settings = bench_settings(url, Path(data_dir), port)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    life = services.build_lifecycle(settings)
    life.on_signed.append(outbox.enqueue_hook(settings))
    sign(factory, life, user_id, ids[0])  # warm up: imports, template cache, connections
    ready.release()
    go.wait()
    for rid in ids[1:]:
        sign(factory, life, user_id, rid)
    engine.dispose()


def run_worker_process_phases(url: str, settings: Settings, data_dir: Path, port: int,
                              factory: sessionmaker[Session], life: reports.Lifecycle,
                              user_id: str, ids: dict[str, list[str]], threads: int,
                              rate: float) -> dict[str, Any]:
    """The measurements with the delivery worker in a separate process."""
    payloads.documents.clear()
    payloads.messages.clear()
    worker = start_worker_process(url, data_dir, port, threads)
    try:
        for rid in ids["unloaded"]:
            sign(factory, life, user_id, rid)
            wait_drained(factory, 30, poll=0.002)
        unloaded = latencies(factory, ids["unloaded"])
        started = time.perf_counter()
        for rid in ids["sustained"]:
            sign(factory, life, user_id, rid)
        sign_seconds = time.perf_counter() - started
        wait_drained(factory, 300, poll=0.02)
        elapsed = time.perf_counter() - started
        sustained = latencies(factory, ids["sustained"])
        paced_started = time.perf_counter()
        for i, rid in enumerate(ids["paced"]):
            delay = paced_started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sign(factory, life, user_id, rid)
        paced_sign_seconds = time.perf_counter() - paced_started
        wait_drained(factory, 300, poll=0.02)
        paced = latencies(factory, ids["paced"])
        # Two signing processes (their first report is a warm-up, signed before the clock).
        ctx = multiprocessing.get_context("spawn")
        ready, go = ctx.Semaphore(0), ctx.Event()
        halves = [ids["two"][0::2], ids["two"][1::2]]
        procs = [ctx.Process(target=_signer_process,
                             args=(url, str(settings.data_dir), port, user_id, half, ready, go))
                 for half in halves]
        for proc in procs:
            proc.start()
        for _ in procs:
            ready.acquire()
        wait_drained(factory, 60, poll=0.02)
        started = time.perf_counter()
        go.set()
        for proc in procs:
            proc.join()
        two_sign_seconds = time.perf_counter() - started
        wait_drained(factory, 300, poll=0.02)
        two_elapsed = time.perf_counter() - started
        timed = [rid for half in halves for rid in half[1:]]
        two = latencies(factory, timed)
    finally:
        stop_worker_process(worker)
    n = len(ids["sustained"])
    return {
        "wp_unloaded": {"reports": len(unloaded),
                        "p50_ms": round(statistics.median(unloaded), 1),
                        "p95_ms": round(percentile(unloaded, 0.95), 1),
                        "max_ms": round(max(unloaded), 1)},
        "wp_sustained": {"reports": len(sustained),
                         "reports_per_second": round(n / elapsed, 1),
                         "signing_per_second": round(n / sign_seconds, 1),
                         "p50_ms": round(statistics.median(sustained), 1),
                         "p95_ms": round(percentile(sustained, 0.95), 1)},
        "wp_paced": {"reports": len(paced), "offered_per_second": rate,
                     "signed_per_second": round(len(ids["paced"]) / paced_sign_seconds, 1),
                     "p50_ms": round(statistics.median(paced), 1),
                     "p95_ms": round(percentile(paced, 0.95), 1),
                     "max_ms": round(max(paced), 1)},
        "wp_two_signers": {"reports": len(two),
                           "reports_per_second": round(len(timed) / two_elapsed, 1),
                           "signing_per_second": round(len(timed) / two_sign_seconds, 1),
                           "p50_ms": round(statistics.median(two), 1),
                           "p95_ms": round(percentile(two, 0.95), 1)},
    }


def run_backend(name: str, url: str, peer: PeerProcess, data_dir: Path, n_latency: int,
                n_sustained: int, threads: int, batch: int, rate: float,
                worker_process: bool = False, only_worker_process: bool = False
                ) -> dict[str, Any]:
    migrate.upgrade(url)
    settings = bench_settings(url, data_dir, peer.port)
    engine = make_engine(url, pool_size=threads + 4) if not url.startswith("sqlite") \
        else make_engine(url)
    factory = make_sessionmaker(engine)
    life = services.build_lifecycle(settings)
    life.on_signed.append(outbox.enqueue_hook(settings))
    user_id, unloaded_ids = make_drafts(factory, life, n_latency, 0)
    result: dict[str, Any] = {"backend": name}
    if worker_process:
        base = n_latency + 4 * n_sustained
        wp_ids = {"unloaded": make_drafts(factory, life, n_latency, base)[1],
                  "sustained": make_drafts(factory, life, n_sustained, base + n_latency)[1],
                  "paced": make_drafts(factory, life, n_sustained,
                                       base + n_latency + n_sustained)[1],
                  "two": make_drafts(factory, life, n_sustained + 2,
                                     base + n_latency + 2 * n_sustained)[1]}
        load_before = load_average()
        result.update(run_worker_process_phases(url, settings, data_dir, peer.port, factory,
                                                life, user_id, wp_ids, threads, rate))
        result["load_average_worker_process_phases"] = [load_before, load_average()]
        if only_worker_process:
            engine.dispose()
            return result
    _, sustained_ids = make_drafts(factory, life, n_sustained, n_latency)
    _, backlog_ids = make_drafts(factory, life, n_sustained, n_latency + n_sustained)
    _, cold_ids = make_drafts(factory, life, n_sustained, n_latency + 2 * n_sustained)
    _, paced_ids = make_drafts(factory, life, n_sustained, n_latency + 3 * n_sustained)
    load_before = load_average()
    # Cold drain: a backlog signed elsewhere (no cached documents or messages), then delivered.
    for rid in cold_ids:
        sign(factory, life, user_id, rid)
    payloads.documents.clear()
    payloads.messages.clear()
    worker = DeliveryWorker(factory, settings, life, threads=threads, batch=batch,
                            poll_seconds=0.5)
    drain_started = time.perf_counter()
    with worker:
        wait_drained(factory, 300)
    cold_seconds = time.perf_counter() - drain_started
    # Drain: a backlog signed while no worker ran (e.g. after an outage), then delivered.
    sign_started = time.perf_counter()
    for rid in backlog_ids:
        sign(factory, life, user_id, rid)
    backlog_sign_seconds = time.perf_counter() - sign_started
    worker = DeliveryWorker(factory, settings, life, threads=threads, batch=batch,
                            poll_seconds=0.5)
    drain_started = time.perf_counter()
    with worker:
        wait_drained(factory, 300)
        drain_seconds = time.perf_counter() - drain_started
        for rid in unloaded_ids:
            sign(factory, life, user_id, rid)
            wait_drained(factory, 30)
        unloaded = latencies(factory, unloaded_ids)
        started = time.perf_counter()
        sign_started = time.perf_counter()
        for rid in sustained_ids:
            sign(factory, life, user_id, rid)
        sign_seconds = time.perf_counter() - sign_started
        wait_drained(factory, 300)
        elapsed = time.perf_counter() - started
        paced_started = time.perf_counter()
        for i, rid in enumerate(paced_ids):
            delay = paced_started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sign(factory, life, user_id, rid)
        paced_sign_seconds = time.perf_counter() - paced_started
        wait_drained(factory, 300)
    sustained = latencies(factory, sustained_ids)
    paced = latencies(factory, paced_ids)
    engine.dispose()
    return {
        **result,
        "load_average_before_after": [load_before, load_average()],
        "unloaded": {"reports": len(unloaded), "p50_ms": round(statistics.median(unloaded), 1),
                     "p95_ms": round(percentile(unloaded, 0.95), 1),
                     "max_ms": round(max(unloaded), 1)},
        "signing_only": {"reports": n_sustained,
                         "per_second": round(n_sustained / backlog_sign_seconds, 1)},
        "delivery_drain": {"reports": n_sustained,
                           "per_second": round(n_sustained / drain_seconds, 1)},
        "delivery_drain_cold": {"reports": n_sustained,
                                "per_second": round(n_sustained / cold_seconds, 1)},
        "sustained": {"reports": len(sustained),
                      "reports_per_second": round(n_sustained / elapsed, 1),
                      "signing_while_delivering_per_second": round(
                          n_sustained / sign_seconds, 1),
                      "p50_ms": round(statistics.median(sustained), 1),
                      "p95_ms": round(percentile(sustained, 0.95), 1)},
        "paced": {"reports": len(paced), "offered_per_second": rate,
                  "signed_per_second": round(n_sustained / paced_sign_seconds, 1),
                  "p50_ms": round(statistics.median(paced), 1),
                  "p95_ms": round(percentile(paced, 0.95), 1),
                  "max_ms": round(max(paced), 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--latency-reports", type=int, default=100)
    parser.add_argument("--reports", type=int, default=600, help="sustained-phase reports")
    parser.add_argument("--threads", type=int, default=4, help="worker sender threads")
    parser.add_argument("--batch", type=int, default=16, help="rows per claim")
    parser.add_argument("--rate", type=float, default=40.0,
                        help="signatures per second in the paced phase")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--worker-process", action="store_true",
                        help="also measure with `reporting worker` in its own process")
    parser.add_argument("--only-worker-process", action="store_true",
                        help="measure only the --worker-process phases")
    args = parser.parse_args()
    args.worker_process = args.worker_process or args.only_worker_process
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        peer = PeerProcess(work / "peer", mode="ack")
        (work / "peer").mkdir()
        peer.start()
        try:
            for backend in args.backends.split(","):
                if backend == "sqlite":
                    url = f"sqlite:///{work / 'bench.db'}"
                    results.append(run_backend(
                        "sqlite", url, peer, work / "sqlite", args.latency_reports, args.reports,
                        args.threads, args.batch, args.rate, args.worker_process,
                        args.only_worker_process))
                else:
                    cluster = PostgresCluster().start()
                    try:
                        cluster.execute("CREATE DATABASE bench")
                        results.append(run_backend(
                            "postgresql", cluster.sqlalchemy_url("bench"), peer, work / "pg",
                            args.latency_reports, args.reports, args.threads, args.batch,
                            args.rate, args.worker_process, args.only_worker_process))
                    finally:
                        cluster.stop()
        finally:
            peer.stop()
    print(json.dumps({
        "benchmark": "sign → HL7 ORU^R01 → AA over MLLP",
        "method": __doc__.split("\n\n", 2)[2].strip().replace("\n", " "),
        "cpu_cores": os.cpu_count(),
        "worker_threads": args.threads,
        "claim_batch": args.batch,
        "targets": {"p95_ms": 250, "reports_per_second": 200},
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
