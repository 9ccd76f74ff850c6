"""PostgreSQL pooled connections: pinged after sitting idle, not on every checkout.

Real PostgreSQL; the server ends the pooled connection's backend (as a restart or an idle
timeout would) and the engine's next transaction is watched.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, exc, text

from reporting.core import db
from tests.conftest import _fresh_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _fresh_url("postgres", request, tmp_path)


def _kill_backend(url: str, pid: int) -> None:
    other = db.make_engine(url)
    with other.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        conn.commit()
    other.dispose()
    time.sleep(0.1)


def _backend_pid(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _pings(engine: Any) -> list[str]:
    seen: list[str] = []
    ping = engine.dialect.do_ping

    def counting(dbapi_conn: Any) -> bool:
        seen.append("ping")
        return ping(dbapi_conn)

    engine.dialect.do_ping = counting
    return seen


def test_a_connection_in_use_a_moment_ago_is_not_pinged(pg_url: str) -> None:
    engine = db.make_engine(pg_url, pool_size=1)
    pings = _pings(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: statements.append(statement))
    for _ in range(5):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    assert pings == []  # a new connection, then four checkouts right after a checkin
    assert statements == ["SELECT 1"] * 5
    engine.dispose()


def test_an_idle_connection_the_server_closed_is_replaced_before_use(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.2)
    engine = db.make_engine(pg_url, pool_size=1)
    pings = _pings(engine)
    first = _backend_pid(engine)
    _kill_backend(pg_url, first)
    time.sleep(0.25)  # idle past the threshold: the checkout pings, finds it dead
    second = _backend_pid(engine)  # no error: the pool reconnected
    assert second != first
    assert pings == ["ping"]
    engine.dispose()


def test_a_connection_closed_within_the_window_fails_one_transaction_only(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 60.0)
    engine = db.make_engine(pg_url, pool_size=1)
    first = _backend_pid(engine)
    _kill_backend(pg_url, first)
    with pytest.raises(exc.DBAPIError) as failed:
        _backend_pid(engine)
    assert failed.value.connection_invalidated
    assert _backend_pid(engine) != first  # the next transaction reconnects
    engine.dispose()
