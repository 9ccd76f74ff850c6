"""The CLI in a real subprocess against a real SQLite database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def cli(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REPORTING_DATA_DIR": str(tmp_path / "var")}
    env.pop("REPORTING_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "reporting.cli.main", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    assert cli(tmp_path, "migrate").returncode == 0
    return tmp_path


def test_users_create_and_passwd(migrated: Path) -> None:
    r = cli(migrated, "users", "create", "--username", "drx", "--role", "radiologist",
            "--name", "Xavier Doe", "--password-stdin", stdin="long-password\n")
    assert r.returncode == 0, r.stderr
    dup = cli(migrated, "users", "create", "--username", "drx", "--role", "radiologist",
              "--password-stdin", stdin="long-password\n")
    assert dup.returncode == 1 and "already exists" in dup.stderr
    bad = cli(migrated, "users", "create", "--username", "y", "--role", "wizard",
              "--password-stdin", stdin="long-password\n")
    assert bad.returncode == 1 and "unknown role" in bad.stderr
    assert cli(migrated, "users", "passwd", "drx", "--password-stdin",
               stdin="another-password\n").returncode == 0


def test_demo_then_verify_and_tamper(migrated: Path) -> None:
    r = cli(migrated, "demo")
    assert r.returncode == 0, r.stderr
    assert "drokafor" in r.stdout and "demo-radiologist" in r.stdout
    again = cli(migrated, "demo", "--if-empty")
    assert "skipped" in again.stdout
    ok = cli(migrated, "reports", "verify")
    assert ok.returncode == 0 and "0 broken" in ok.stdout
    assert cli(migrated, "audit", "verify").returncode == 0
    db = sqlite3.connect(migrated / "var" / "reporting.db")
    tampered_id = db.execute(
        "SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 3").fetchone()[0]
    db.execute("UPDATE audit_events SET username = 'mallory' WHERE id = ?", (tampered_id,))
    db.execute("DROP TRIGGER report_versions_no_update")
    db.execute("UPDATE report_versions SET canonical_text = 'x' WHERE number = 1 "
               "AND id = (SELECT id FROM report_versions LIMIT 1)")
    db.commit()
    db.close()
    broken = cli(migrated, "audit", "verify")
    assert broken.returncode == 1
    assert f"BROKEN at event {tampered_id}" in broken.stdout
    bad = cli(migrated, "reports", "verify")
    assert bad.returncode == 1 and "1 broken" in bad.stdout
