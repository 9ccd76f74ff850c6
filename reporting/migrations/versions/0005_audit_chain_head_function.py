"""audit chain head function (PostgreSQL): the chain lock and the last hash in one call

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 21:20:00
"""

from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Appends to the audit chain are serialised by a transaction-scoped advisory lock, and the
# new event links to the last hash read *after* the lock is granted. A plain statement
# would read with the snapshot taken when it started, before the wait for the lock; the
# queries of a VOLATILE function take a fresh snapshot each (READ COMMITTED), so the read
# sees every append committed before the lock was granted. One round trip instead of two.
CREATE = """
CREATE OR REPLACE FUNCTION audit_chain_head(lock_key bigint) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1);
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head(bigint)")
