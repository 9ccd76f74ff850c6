"""Engine, sessions and the declarative base shared by every domain's models."""

from __future__ import annotations

import fcntl
import functools
import itertools
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event, exc
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


# --- SQLite writer lock ---------------------------------------------------------------
#
# SQLite lets one writer in at a time; every transaction here but a `read_only` one starts
# with BEGIN IMMEDIATE, so the others wait in SQLite's busy handler, which sleeps (up to
# 100 ms a try) instead of waking when the lock frees. Writers queue on a lock of ours
# instead, taken before BEGIN IMMEDIATE and released once the DBAPI connection commits,
# rolls back or closes: threads of one process on a threading.Lock (woken at once),
# processes on an flock() of a file next to the database (`<db>-writer.lock`; tried again
# after 0.1 ms, doubling up to 2 ms). After WRITER_LOCK_TIMEOUT a writer goes on without it
# and SQLite's busy handler decides, as before.

WRITER_LOCK_TIMEOUT = 30.0
_WRITER_POLL = 0.002
_WRITER_FIRST_POLL = 0.0001
_writer_locks: dict[str, WriterLock] = {}
_writer_locks_guard = threading.Lock()
_writer_owner = threading.local()


class WriterLock:
    """One SQLite database's writer lock: a thread lock plus (for files) a cross-process flock."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._reset()

    def _reset(self) -> None:
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = os.getpid()
        self._flocked = False

    def locked(self) -> bool:
        """Whether a thread of this process holds it."""
        return self._threads.locked()

    def acquire(self, timeout: float = WRITER_LOCK_TIMEOUT) -> bool:
        """Take the lock (threads, then processes); False if it could not be had in time."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        if self.path is None:
            return True
        try:
            if self._fd is None or self._pid != os.getpid():
                # A forked child opens its own description (an inherited one is the parent's).
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            pause = _WRITER_FIRST_POLL
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    self._flocked = True
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break  # the other process's writer is slow: SQLite's handler decides
                    time.sleep(pause)
                    pause = min(pause * 2, _WRITER_POLL)
        except OSError:
            pass  # no lock file (read-only directory): threads still queue, processes don't
        return True

    def release(self) -> None:
        """Give the lock back (the flock first, so the next process can go)."""
        if self._flocked and self._fd is not None:
            self._flocked = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


def _after_fork_in_child() -> None:
    # The child has only the forking thread: locks held by other threads would never free.
    for lock in list(_writer_locks.values()):
        lock._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)


def sqlite_writer_lock(key: str) -> WriterLock:
    """The process-wide writer lock of one SQLite database (keyed by its path)."""
    with _writer_locks_guard:
        lock = _writer_locks.get(key)
        if lock is None:
            path = None if key.startswith("engine:") else f"{key}-writer.lock"
            lock = _writer_locks[key] = WriterLock(path)
        return lock


class _LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that releases the writer lock when its transaction ends."""

    writer_lock: WriterLock | None = None
    holds_writer_lock = False

    def acquire_writer(self) -> None:
        lock = self.writer_lock
        held: set[int] = getattr(_writer_owner, "locks", set())
        # A thread that already holds the lock through another connection would wait for
        # itself: it goes on without it (SQLite's busy handler then decides, as before).
        if lock is None or id(lock) in held:
            return
        if lock.acquire():
            self.holds_writer_lock = True
            held.add(id(lock))
            _writer_owner.locks = held

    def release_writer(self) -> None:
        if self.holds_writer_lock and self.writer_lock is not None:
            self.holds_writer_lock = False
            getattr(_writer_owner, "locks", set()).discard(id(self.writer_lock))
            self.writer_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer()


def _sqlite_lock_key(url: str, engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return f"engine:{id(engine)}:{url}"
    return os.path.realpath(database)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and a writer lock."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30,
                               "factory": _LockingConnection}, **kwargs
        )
        writer_lock = sqlite_writer_lock(_sqlite_lock_key(url, engine))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself so transactions are real.
            dbapi_conn.isolation_level = None
            if isinstance(dbapi_conn, _LockingConnection):
                dbapi_conn.writer_lock = writer_lock
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            if conn.get_execution_options().get(READ_ONLY):
                # A reader (see `read_only`): WAL gives it a snapshot; no lock to wait for.
                conn.exec_driver_sql("BEGIN")
                return
            # IMMEDIATE takes the write lock up front: no deadlocked upgrades. The process's
            # writers queue on the Python lock first (released at commit/rollback/close).
            dbapi_conn = conn.connection.dbapi_connection
            locking = isinstance(dbapi_conn, _LockingConnection)
            if locking:
                dbapi_conn.acquire_writer()
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if locking:
                    dbapi_conn.release_writer()
                raise

        return engine
    engine = create_engine(url, **kwargs)
    _ping_after_idle(engine, PING_AFTER_IDLE)
    return engine


# A pooled connection idle this long is pinged before use (a round trip); one returned to
# the pool more recently is used as it is.
PING_AFTER_IDLE = 1.0


def _ping_after_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection that sat idle before handing it out (a server restart or
    an idle timeout may have closed it); the pool then replaces a dead one.

    Like `pool_pre_ping`, but a connection checked in less than `seconds` ago goes out
    unchecked: under load that saves a round trip per transaction. A connection the server
    closed within that window fails its first statement instead; the pool is then
    invalidated, that transaction fails (nothing of it is written) and the next one
    reconnects.
    """
    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_conn: Any, record: Any) -> None:
        if dbapi_conn is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as e:
            raise exc.DisconnectionError(f"pooled connection is gone: {e}") from e


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work outside a request: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def insert_rows(session: Session, rows: Sequence[Base]) -> None:
    """INSERT append-only rows now, in order, with Core statements, outside the unit of work.

    For rows that are written once and never updated (signed versions, outbox rows,
    delivery attempts, audit events): the unit of work costs about 0.2 ms a row, this about
    0.05 ms. Consecutive rows of one model that set the same columns go in one statement
    (one round trip on PostgreSQL). The objects are not added to the session; attributes
    left unset take their column's default in the database, and the ids are set on them.
    """
    def shape(row: Base) -> tuple[type[Base], frozenset[str]]:
        return type(row), frozenset(k for k, v in row.__dict__.items() if v is not None)

    for (model, _), group in itertools.groupby(rows, key=shape):
        batch = list(group)
        statement, columns, keys = _insert_plan(model)
        values = [{column: row.__dict__[attr] for attr, column in columns
                   if row.__dict__.get(attr) is not None} for row in batch]
        result = session.execute(statement, values if len(values) > 1 else values[0])
        for row, ids in zip(batch, result.all(), strict=True):
            for attr, value in zip(keys, ids, strict=True):
                setattr(row, attr, value)


@functools.cache
def _insert_plan(model: type[Base]) -> tuple[Any, tuple[tuple[str, str], ...], tuple[str, ...]]:
    """A model's INSERT … RETURNING its primary key, its (attribute, column) pairs and its
    primary-key attributes."""
    mapper = sa_inspect(model)
    columns = tuple((attr.key, attr.columns[0].key) for attr in mapper.column_attrs)
    keys = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
    statement = mapper.local_table.insert().returning(*mapper.primary_key,
                                                      sort_by_parameter_order=True)
    return statement, columns, keys


READ_ONLY = "reporting_read_only"


@contextmanager
def read_only(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that only reads: on SQLite it neither waits for nor holds the writer lock.

    Every other transaction on SQLite begins IMMEDIATE and queues for the writer lock, reads
    included; a reader here reads a consistent snapshot (WAL) while a writer works. Writing
    in it is a mistake (SQLite would have to upgrade the lock); it is rolled back at the end.
    On PostgreSQL it is an ordinary transaction.
    """
    session = factory()
    try:
        session.connection(execution_options={READ_ONLY: True})
        yield session
    finally:
        session.rollback()
        session.close()


def single_writer(factory: sessionmaker[Session]) -> bool:
    """Whether the database lets one writer in at a time (SQLite: writers queue on a lock)."""
    bind = factory.kw["bind"]
    return bool(bind is not None and bind.dialect.name == "sqlite")


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
