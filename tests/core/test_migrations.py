"""The Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

import reporting.app  # noqa: F401  (imports every domain's models)
from reporting.core import migrate
from reporting.core.db import Base
from tests.support.postgres import PostgresCluster


def test_migrations_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


@pytest.mark.postgres
def test_postgres_upgrades_and_downgrades_the_audit_chain_function(
        pg_cluster: PostgresCluster) -> None:
    pg_cluster.execute("CREATE DATABASE migrations_roundtrip")
    url = pg_cluster.sqlalchemy_url("migrations_roundtrip")
    engine = create_engine(url)

    def has_function() -> bool:
        with engine.connect() as connection:
            found = connection.execute(text(
                "SELECT count(*) FROM pg_proc WHERE proname = 'audit_chain_head'")).scalar_one()
            return bool(found == 1)

    try:
        migrate.upgrade(url, "0004")
        assert not has_function()
        migrate.upgrade(url)
        assert has_function()
        with engine.begin() as connection:  # an empty chain has no head yet
            assert connection.execute(text("SELECT audit_chain_head(1)")).scalar_one() is None
        command.downgrade(migrate.alembic_config(url), "0004")
        assert not has_function()
    finally:
        engine.dispose()
