"""Concurrent appends to the audit chain on a real PostgreSQL never fork it.

Several connections append at once, each holding the chain lock for a moment before it
commits, so the others wait for the lock: each must link to the hash committed while it
waited (the lock and the last-hash read are one call, migration 0005).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from reporting.audit import service as audit
from reporting.core.db import make_engine, make_sessionmaker, transaction
from tests.conftest import _fresh_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _fresh_url("postgres", request, tmp_path)


def test_concurrent_appends_keep_one_unbroken_chain(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_size=6)
    factory = make_sessionmaker(engine)
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            actor = audit.Actor(f"u{n}", f"user{n}")
            for i in range(8):
                with transaction(factory) as session:
                    audit.record_many(session, [audit.Entry(actor, "report.read",
                                                            detail=f"{n}.{i}.{k}")
                                                for k in range(1 + i % 2)])
                    time.sleep(0.01)  # hold the chain lock: the others queue for it
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with factory() as session:
        check = audit.verify_chain(session)
        links = [e.prev_hash for e in audit.search(session, limit=1000)]
    engine.dispose()
    assert check.ok, check
    assert check.events == 5 * (4 * 1 + 4 * 2)
    assert len(set(links)) == len(links), "two events link to the same predecessor: a fork"
