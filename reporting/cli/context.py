"""What CLI commands share: settings, a session factory, the lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy.orm import Session, sessionmaker

from reporting.core.config import Settings
from reporting.core.db import make_engine, make_sessionmaker, transaction


@cache
def settings() -> Settings:
    s = Settings()
    s.data_dir.mkdir(parents=True, exist_ok=True)
    return s


@cache
def session_factory() -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(settings().resolved_database_url))


@contextmanager
def unit_of_work() -> Iterator[Session]:
    with transaction(session_factory()) as session:
        yield session
