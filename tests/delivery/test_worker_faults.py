"""The worker against a real MLLP peer process that NAKs, stalls, drops and dies.

Across the faults every signed version arrives, each report's final before its addendum,
a resend carries the same MSH-10 and the same bytes, AE quarantines until an admin retry,
and two workers on one PostgreSQL never send a leased row twice.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reporting.app import create_app
from reporting.audit import service as audit
from reporting.audit.models import AuditEvent
from reporting.core.config import Settings
from reporting.core.db import transaction
from reporting.delivery import outbox
from reporting.delivery.models import DeliveryAttempt, OutboxMessage
from reporting.delivery.worker import DeliveryWorker, deliver_batch
from reporting.hl7.sender import Hl7Connections
from tests.conftest import _fresh_url, make_settings
from tests.delivery.flow import add_addendum, signed_report, wait_for
from tests.hl7.hl7_peer_control import PeerProcess

FAST = outbox.RetryPolicy(base_seconds=0.05, ceiling_seconds=0.3)


def _settings(db_url: str, tmp_path: Path, port: int, timeout: float) -> Settings:
    return make_settings(db_url, tmp_path, destinations=[
        {"name": "ris", "kind": "hl7", "port": port, "timeout_seconds": timeout,
         "max_attempts": 100}])


def msh10(message: bytes) -> str:
    return message.split(b"\r", 1)[0].split(b"|")[9].decode()


def rows(client: TestClient) -> list[OutboxMessage]:
    with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        return list(session.execute(select(OutboxMessage)).scalars())


def codes(client: TestClient) -> list[str]:
    with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        return list(session.execute(select(DeliveryAttempt.code)).scalars())


def statuses(client: TestClient) -> dict[tuple[str, int], str]:
    return {(r.report_id, r.report_version): r.status for r in rows(client)}


def test_fault_matrix_nothing_lost_in_order(sqlite_url: str, tmp_path: Path, peer: PeerProcess,
                                            accounts_factory: Any) -> None:
    settings = _settings(sqlite_url, tmp_path, peer.port, timeout=1.0)
    app = create_app(settings, start_background=False)
    with TestClient(app) as client:
        accounts = accounts_factory(app)
        worker = DeliveryWorker(app.state.sessionmaker, settings, app.state.lifecycle,
                                threads=2, poll_seconds=0.1, policy=FAST)
        with worker:
            # AR: refused for now → retried with the same control id.
            peer.set_mode("nak-ar")
            a = signed_report(client, accounts)
            wait_for(lambda: len(peer.received()) >= 2, 10, "AR retries")
            # Half an ACK, then a close; then an ACK slower than the read timeout.
            peer.set_mode("drop-mid")
            wait_for(lambda: "dropped" in codes(client), 10, "drop-mid retries")
            peer.set_mode("slow")
            wait_for(lambda: "timeout" in codes(client), 10, "a slow answer timing out")
            # The peer crashes; reports signed meanwhile wait, then the peer comes back.
            peer.kill()
            peer.set_mode("ack")
            add_addendum(client, accounts, a["id"])
            b = signed_report(client, accounts)
            add_addendum(client, accounts, b["id"])
            time.sleep(0.5)
            assert statuses(client)[(a["id"], 1)] == "retrying"
            peer.start()
            wait_for(lambda: set(statuses(client).values()) == {"delivered"}, 20,
                     "every version delivered")

            # AE: quarantined, its addendum held back, then an admin retry sends both.
            peer.set_mode("nak-ae")
            c = signed_report(client, accounts)
            wait_for(lambda: statuses(client).get((c["id"], 1)) == "quarantined", 10,
                     "quarantine on AE")
            add_addendum(client, accounts, c["id"])
            time.sleep(0.4)
            assert statuses(client)[(c["id"], 2)] == "pending"
            peer.set_mode("ack")
            quarantined = client.get("/api/deliveries?status=quarantined",
                                     headers=accounts["admin"].headers).json()
            assert [d["last_code"] for d in quarantined] == ["AE"]
            r = client.post(f"/api/deliveries/{quarantined[0]['id']}/retry",
                            headers=accounts["admin"].headers)
            assert r.status_code == 200, r.text
            wait_for(lambda: set(statuses(client).values()) == {"delivered"}, 10,
                     "delivery after the admin retry")

        received = peer.received()
        by_row = {(r.report_id, r.report_version): r for r in rows(client)}
        assert len(by_row) == 6
        ids = [msh10(m) for m in received]
        for (report_id, version), row in by_row.items():
            sent = [m for m in received if msh10(m) == row.control_id]
            assert sent, f"v{version} of {report_id} never reached the peer"
            assert len(set(sent)) == 1, "a retry must resend exactly the same bytes"
            if version == 2:
                final = by_row[(report_id, 1)].control_id
                last_final = max(i for i, c in enumerate(ids) if c == final)
                first_addendum = min(i for i, c in enumerate(ids) if c == row.control_id)
                assert last_final < first_addendum, "an addendum overtook its final"
                assert b"ADDENDUM" in sent[0] or b"Discussed" in sent[0]
        first = by_row[(a["id"], 1)]
        assert ids.count(first.control_id) >= 5  # AR, AR, drop-mid x2, slow, ..., AA
        with app.state.sessionmaker() as session:
            attempts = list(session.execute(
                select(DeliveryAttempt).where(DeliveryAttempt.outbox_id == first.id)
                .order_by(DeliveryAttempt.at)).scalars())
        seen = [x.code for x in attempts]
        assert seen[:2] == ["AR", "AR"]
        assert {"dropped", "timeout", "connection_refused"} <= set(seen)
        assert seen[-1] == "AA"
        assert attempts[-1].verdict == "delivered"
        assert [x.code for x in attempts if x.verdict == "quarantine"] == []
        c_attempts = client.get(f"/api/reports/{c['id']}/deliveries",
                                headers=accounts["admin"].headers).json()
        assert [h["code"] for h in c_attempts[0]["history"]] == ["AE", "AA"]


def test_failed_after_max_attempts(sqlite_url: str, tmp_path: Path, peer: PeerProcess,
                                   accounts_factory: Any) -> None:
    settings = make_settings(sqlite_url, tmp_path, destinations=[
        {"name": "ris", "kind": "hl7", "port": peer.port, "timeout_seconds": 1.0,
         "max_attempts": 3}])
    app = create_app(settings, start_background=False)
    peer.set_mode("nak-ar")
    with TestClient(app) as client:
        accounts = accounts_factory(app)
        report = signed_report(client, accounts)
        with DeliveryWorker(app.state.sessionmaker, settings, app.state.lifecycle, threads=1,
                            poll_seconds=0.05, policy=FAST):
            wait_for(lambda: statuses(client)[(report["id"], 1)] == "failed", 10, "failed")
        row = rows(client)[0]
        assert row.attempts == 3
        assert len(peer.received()) == 3


def test_connection_reused_across_batches_and_renewed_after_peer_restart(
        sqlite_url: str, tmp_path: Path, peer: PeerProcess, accounts_factory: Any) -> None:
    settings = _settings(sqlite_url, tmp_path, peer.port, timeout=2.0)
    dest = settings.destinations[0]
    app = create_app(settings, start_background=False)
    factory = app.state.sessionmaker

    def claim_and_deliver(conns: Hl7Connections, expected: int) -> list[str]:
        with transaction(factory) as session:
            ids = outbox.claim(session, settings, "t/0", limit=16)
        assert len(ids) == expected  # one claim takes the whole batch
        outcomes = deliver_batch(factory, settings, ids, life=app.state.lifecycle,
                                 policy=FAST, worker="t/0", connections=conns)
        return [outcomes[i].code for i in ids]

    def attempts(report_id: str) -> list[DeliveryAttempt]:
        with factory() as session:
            return list(session.execute(
                select(DeliveryAttempt).join(OutboxMessage)
                .where(OutboxMessage.report_id == report_id)
                .order_by(DeliveryAttempt.at)).scalars())

    with TestClient(app) as client, Hl7Connections() as conns:
        accounts = accounts_factory(app)
        first = [signed_report(client, accounts) for _ in range(3)]
        assert claim_and_deliver(conns, 3) == ["AA", "AA", "AA"]
        conn = conns.connection(dest)
        assert (conn.connects, conn.exchanges) == (1, 3), "one connection for the batch"

        # The peer restarts: the closed connection is noticed before writing, so the next
        # batch goes out on a new connection with no failed try.
        peer.restart()
        after = [signed_report(client, accounts) for _ in range(2)]
        assert claim_and_deliver(conns, 2) == ["AA", "AA"]
        assert (conn.connects, conn.exchanges) == (2, 2)
        assert [len(attempts(r["id"])) for r in after] == [1, 1]

        # The peer takes a message on the open connection and hangs up without answering:
        # it is sent again at once on a new connection, and both tries are recorded.
        peer.set_mode("drop")
        dropped = signed_report(client, accounts)
        assert claim_and_deliver(conns, 1) == ["dropped"]
        tries = attempts(dropped["id"])
        assert [(a.verdict, a.code) for a in tries] == [("retry", "dropped")] * 2
        assert "sent again on a new connection" in tries[0].detail
        assert conn.connects == 3
        peer.set_mode("ack")
        time.sleep(FAST.delay(2) + 0.05)
        assert claim_and_deliver(conns, 1) == ["AA"]
        assert [a.code for a in attempts(dropped["id"])] == ["dropped", "dropped", "AA"]

        assert set(statuses(client).values()) == {"delivered"}
        with factory() as session:
            assert session.get(OutboxMessage, tries[0].outbox_id).attempts == 3  # type: ignore[union-attr]
            assert audit.verify_chain(session).ok
            delivered_events = session.execute(select(AuditEvent.report_id).where(
                AuditEvent.action == "delivery.delivered")).scalars().all()
        assert sorted(delivered_events) == sorted(r["id"] for r in [*first, *after, dropped])
        sent = [msh10(m) for m in peer.received()]
        control = {r.report_id: r.control_id for r in rows(client)}
        assert sent.count(control[dropped["id"]]) == 3
        assert all(sent.count(control[r["id"]]) == 1 for r in [*first, *after])


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _fresh_url("postgres", request, tmp_path)


@pytest.mark.postgres
def test_two_workers_on_postgres_never_send_twice(pg_url: str, tmp_path: Path,
                                                  peer: PeerProcess,
                                                  accounts_factory: Any) -> None:
    # Answers take 0.3 s, so rows stay leased while the other worker polls hard.
    peer.set_mode("slow")
    settings = _settings(pg_url, tmp_path, peer.port, timeout=5.0)
    peer.stop()
    peer.delay = 0.3
    peer.start()
    app = create_app(settings, start_background=False)
    with TestClient(app) as client:
        accounts = accounts_factory(app)
        for _ in range(8):
            signed_report(client, accounts)
        # Claims racing from many threads take disjoint rows.
        claimed: list[list[str]] = []
        lock = threading.Lock()

        def grab(name: str) -> None:
            with transaction(app.state.sessionmaker) as session:
                got = outbox.claim(session, settings, name, limit=3)
            with lock:
                claimed.append(got)

        threads = [threading.Thread(target=grab, args=(f"t{i}",)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        flat = [i for c in claimed for i in c]
        assert len(flat) == len(set(flat)) == 8
        with transaction(app.state.sessionmaker) as session:
            for row in session.execute(select(OutboxMessage)).scalars():
                row.claimed_by = row.claimed_until = None
        # Batches of 2 over 3 threads: one worker can lease at most 6 of the 8 rows at once.
        workers = [DeliveryWorker(app.state.sessionmaker, settings, app.state.lifecycle,
                                  threads=3, batch=2, poll_seconds=0.02, policy=FAST,
                                  name=f"w{i}")
                   for i in range(2)]
        for w in workers:
            w.start()
        try:
            wait_for(lambda: set(statuses(client).values()) == {"delivered"}, 20,
                     "all delivered")
        finally:
            for w in workers:
                w.stop()
        ids = [msh10(m) for m in peer.received()]
        assert sorted(ids) == sorted(r.control_id for r in rows(client))
        assert len(ids) == len(set(ids)) == 8
        with app.state.sessionmaker() as session:
            senders = set(session.execute(select(DeliveryAttempt.worker)).scalars())
            # Batched audit appends from both workers keep one unbroken chain.
            assert audit.verify_chain(session).ok
        assert {s.split("/")[0] for s in senders} == {"w0", "w1"}
