"""The process-wide SQLite writer lock: writers queue on it and it is always released."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from reporting.core.db import make_engine, make_sessionmaker, read_only, sqlite_writer_lock


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "lock.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    engine.dispose()
    return path


def test_lock_held_for_the_transaction_and_released_on_commit_and_rollback(
        db_path: Path) -> None:
    engine = make_engine(f"sqlite:///{db_path}")
    lock = sqlite_writer_lock(str(db_path.resolve()))
    assert not lock.locked()
    with engine.begin() as conn:
        assert lock.locked()
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    assert not lock.locked()
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
    assert not lock.locked()
    # A connection closed mid-transaction (pool disposal, invalidation) gives it back too.
    conn = engine.connect()
    conn.begin()
    assert lock.locked()
    conn.invalidate()
    conn.close()
    assert not lock.locked()
    engine.dispose()


def test_writers_of_one_process_queue_instead_of_failing(db_path: Path) -> None:
    """A writer waits on the lock while another holds the database, then proceeds."""
    engine = make_engine(f"sqlite:///{db_path}", pool_size=4)
    order: list[str] = []
    holding = threading.Event()

    def slow_writer() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES ('slow')"))
            holding.set()
            time.sleep(0.3)
            order.append("slow commits")

    def fast_writer() -> None:
        holding.wait(5)
        with engine.begin() as conn:
            order.append("fast begins")
            conn.execute(text("INSERT INTO t (v) VALUES ('fast')"))

    threads = [threading.Thread(target=slow_writer), threading.Thread(target=fast_writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert order == ["slow commits", "fast begins"]
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT v FROM t")).scalars()) == ["fast", "slow"]
    assert not sqlite_writer_lock(str(db_path.resolve())).locked()
    engine.dispose()


def test_nested_transaction_in_one_thread_does_not_wait_for_itself(db_path: Path) -> None:
    """A second connection of the thread that holds the lock skips it (no self-deadlock)."""
    engine = make_engine(f"sqlite:///{db_path}", pool_size=4)
    lock = sqlite_writer_lock(str(db_path.resolve()))
    with engine.begin() as outer:
        outer.execute(text("INSERT INTO t (v) VALUES ('outer')"))
        started = time.monotonic()
        inner = engine.connect()
        try:
            raw = inner.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA busy_timeout=200")  # not through SQLAlchemy: no BEGIN yet
            with pytest.raises(OperationalError, match="locked"):
                inner.begin()
        finally:
            inner.close()
        assert time.monotonic() - started < 5
        assert lock.locked()
    assert not lock.locked()
    engine.dispose()


_HOLDER = """
import sys, time
from sqlalchemy import text
from reporting.core.db import make_engine
engine = make_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(text("INSERT INTO t (v) VALUES ('other process')"))
    print("held", flush=True)
    time.sleep(0.5)
    print(repr(time.time()), flush=True)
"""


def test_writers_of_other_processes_queue_on_the_lock_file(db_path: Path) -> None:
    """Another process's transaction holds `<db>-writer.lock`; ours starts when it commits."""
    url = f"sqlite:///{db_path}"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, url], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        lock_file = Path(f"{db_path.resolve()}-writer.lock")
        fd = os.open(lock_file, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        engine = make_engine(url)
        with engine.begin() as conn:
            began = time.time()
            conn.execute(text("INSERT INTO t (v) VALUES ('this process')"))
        committed = float(holder.stdout.readline())
        # We began after the other process committed (and promptly: no busy-handler sleep).
        assert committed <= began < committed + 0.5
        with engine.connect() as conn:
            assert sorted(conn.execute(text("SELECT v FROM t")).scalars()) == [
                "other process", "this process"]
        engine.dispose()
    finally:
        holder.wait(10)


def test_a_reader_neither_waits_for_nor_blocks_a_writer(db_path: Path) -> None:
    """`read_only` reads the last committed state while another thread holds the lock."""
    engine = make_engine(f"sqlite:///{db_path}", pool_size=4)
    factory = make_sessionmaker(engine)
    lock = sqlite_writer_lock(str(db_path.resolve()))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('committed')"))
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES ('uncommitted')"))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with read_only(factory) as session:
            seen = list(session.execute(text("SELECT v FROM t")).scalars())
            assert lock.locked()  # still the writer's
        assert time.monotonic() - started < 0.2
        assert seen == ["committed"]
    finally:
        release.set()
        thread.join(10)
    with read_only(factory) as session:
        assert sorted(session.execute(text("SELECT v FROM t")).scalars()) == [
            "committed", "uncommitted"]
    assert not lock.locked()
    engine.dispose()
