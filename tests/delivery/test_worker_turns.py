"""The worker's senders take turns to claim (real worker, SQLite, a real MLLP peer process).

An idle worker polls once per interval, not once per sender; signatures that arrive while
the turn holder lingers go out in one batch; a full batch hands the turn on at once, so a
backlog is shared by the senders.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from reporting.app import create_app
from reporting.delivery import outbox
from reporting.delivery.models import DeliveryAttempt, OutboxMessage
from reporting.delivery.worker import DeliveryWorker
from tests.conftest import make_settings
from tests.delivery.flow import signed_report, wait_for
from tests.hl7.hl7_peer_control import PeerProcess

FAST = outbox.RetryPolicy(base_seconds=0.05, ceiling_seconds=0.3)


def _app(sqlite_url: str, tmp_path: Path, port: int) -> Any:
    settings = make_settings(sqlite_url, tmp_path, destinations=[
        {"name": "ris", "kind": "hl7", "port": port, "timeout_seconds": 3.0}])
    return settings, create_app(settings, start_background=False)


def _delivered(app: Any) -> int:
    with app.state.sessionmaker() as session:
        return len(session.execute(select(OutboxMessage.id)
                                   .where(OutboxMessage.status == "delivered")).all())


def test_an_idle_worker_polls_once_per_interval_not_once_per_sender(
        sqlite_url: str, tmp_path: Path, peer: PeerProcess) -> None:
    settings, app = _app(sqlite_url, tmp_path, peer.port)
    looks: list[float] = []

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT outbox.id, outbox.destination"):
            looks.append(time.monotonic())

    with TestClient(app), DeliveryWorker(app.state.sessionmaker, settings, app.state.lifecycle,
                                         threads=4, poll_seconds=0.1, policy=FAST):
        time.sleep(1.0)
    # Four senders polling on their own would look ~40 times; taking turns, ~10.
    assert 5 <= len(looks) <= 16, len(looks)


def test_signatures_arriving_while_the_turn_holder_lingers_go_in_one_batch(
        sqlite_url: str, tmp_path: Path, peer: PeerProcess, accounts_factory: Any) -> None:
    settings, app = _app(sqlite_url, tmp_path, peer.port)
    with TestClient(app) as client:
        accounts = accounts_factory(app)
        worker = DeliveryWorker(app.state.sessionmaker, settings, app.state.lifecycle,
                                threads=4, poll_seconds=30, linger_seconds=2.0, policy=FAST)
        with worker:
            time.sleep(0.2)  # its first look found nothing; it waits for a ring now
            for _ in range(4):  # the first commit rings; the rest arrive during the linger
                signed_report(client, accounts)
            wait_for(lambda: _delivered(app) == 4, 10, "four deliveries")
        assert (worker.stats.batches, worker.stats.delivered) == (1, 4)


def test_a_full_batch_hands_the_turn_on_so_senders_share_a_backlog(
        sqlite_url: str, tmp_path: Path, peer: PeerProcess, accounts_factory: Any) -> None:
    settings, app = _app(sqlite_url, tmp_path, peer.port)
    with TestClient(app) as client:
        accounts = accounts_factory(app)
        for _ in range(6):  # signed while no worker runs: a backlog
            signed_report(client, accounts)
        peer.stop()
        peer.delay = 0.2
        peer.start()
        peer.set_mode("slow")  # 0.2 s an answer: a batch of 2 keeps a sender busy
        worker = DeliveryWorker(app.state.sessionmaker, settings, app.state.lifecycle,
                                threads=3, batch=2, poll_seconds=30, policy=FAST, name="w")
        with worker:
            wait_for(lambda: _delivered(app) == 6, 15, "the backlog delivered")
        with app.state.sessionmaker() as session:
            senders = set(session.execute(select(DeliveryAttempt.worker)).scalars())
        # Each full claim handed the turn on at once (no poll of 30 s in between).
        assert senders == {"w/0", "w/1", "w/2"}
        assert worker.stats.batches == 3
