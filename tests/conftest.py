"""Shared fixtures: databases (SQLite and a throwaway PostgreSQL), app, users, tokens."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from reporting.app import create_app
from reporting.auth import service as auth
from reporting.auth.models import Role, User
from reporting.core import migrate
from reporting.core.config import Settings
from reporting.core.db import make_engine, make_sessionmaker
from tests.support.postgres import PostgresCluster

ROOT = Path(__file__).resolve().parents[1]
ASR_DEVICE = os.environ.get("REPORTING_TEST_ASR_DEVICE", "cpu")
"""Device of the speech tests' shared models: `cuda` runs them on a GPU (tests/asr/test_gpu.py)."""
_db_counter = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    cluster.execute("CREATE DATABASE reporting_template")
    migrate.upgrade(cluster.sqlalchemy_url("reporting_template"))
    yield cluster
    cluster.stop()


def _fresh_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "reporting.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    name = f"t{next(_db_counter)}"
    cluster.execute(f"CREATE DATABASE {name} TEMPLATE reporting_template")
    return cluster.sqlalchemy_url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    return _fresh_url(request.param, request, tmp_path)


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty SQLite database (for tests that need only one backend)."""
    return _fresh_url("sqlite", request, tmp_path)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


def make_settings(db_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=db_url,
        hl7={"listen": ""},
        run_workers=False,
        asr={"model": "tiny.en", "preload": False},
        **overrides,
    )


@pytest.fixture
def factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.resolved_database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@dataclass
class Account:
    user: User
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


ROLE_USERS = {
    Role.RADIOLOGIST: ("attending", "Okafor", "Adaeze"),
    Role.RESIDENT: ("resident", "Novak", "Petr"),
    Role.TRANSCRIPTIONIST: ("typist", "Lee", "Dana"),
    Role.TEMPLATE_AUTHOR: ("author", "Ortiz", "Sam"),
    Role.ADMIN: ("admin", "Admin", "Ada"),
    Role.INTEGRATION: ("engine", "Engine", "Interface"),
}


ACCOUNT_SPECS = [(role, *names) for role, names in ROLE_USERS.items()] + [
    (Role.RADIOLOGIST, "attending2", "Chen", "Wei")
]


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    """Argon2 is slow on purpose: hash each test password once per test session."""
    return {username: auth.hash_password(f"{username}-password")
            for _, username, _, _ in ACCOUNT_SPECS}


@pytest.fixture
def accounts(factory: sessionmaker[Session], settings: Settings,
             password_hashes: dict[str, str]) -> dict[str, Account]:
    """One account per role (plus a second attending), keyed by username."""
    result = {}
    with factory() as session:
        for role, username, family, given in ACCOUNT_SPECS:
            user = User(username=username, role=role, password_hash=password_hashes[username],
                        family_name=family, given_name=given,
                        credentials="MD" if role in ("radiologist", "resident") else "")
            session.add(user)
            session.flush()
            result[username] = Account(user, f"{username}-password",
                                       auth.issue_token(settings, user))
        session.commit()
    return result


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as c:
        yield c


STUDY = {
    "facility": "NGH",
    "patient": {"mrn": "MRN1001", "name": "Garcia^Maria", "birth_date": "1961-04-02",
                "sex": "F"},
    "accession": "ACC1001",
    "procedure_code": "CTCHEST",
    "procedure_description": "CT CHEST WITHOUT CONTRAST",
    "modality": "CT",
    "body_part": "CHEST",
    "priority": "ROUTINE",
    "reason": "Cough.",
    "ordering_provider": "Rivera^Carmen",
}


def study_body(**overrides: Any) -> dict[str, Any]:
    body = {**STUDY, **overrides}
    return body
