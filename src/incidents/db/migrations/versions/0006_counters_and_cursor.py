"""Incident counters kept by triggers, and the index keyset pages walk.

Counters per (status, source, shard) make an exact total a sum over a few rows instead of a
scan. Triggers on `incidents` keep them in the writing transaction, so every write path
(API, bot, monitoring intake, plain SQL) keeps them exact without knowing about them.

SQLite drops a table's triggers when batch mode recreates it: a later migration that
recreates `incidents` on SQLite must create these triggers again (`create_triggers`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Must match db/tables.py COUNTER_SHARDS (and _BACKFILL); fixed here so this revision never
# changes meaning.
SHARDS = 16

_UPSERT = """
    INSERT INTO incident_counters (status, source, shard, count)
    VALUES ({row}.status, {row}.source, {row}.id % {shards}, {delta})
    ON CONFLICT (status, source, shard) DO UPDATE SET count = incident_counters.count + {delta}
"""


def _bump(row: str, delta: int) -> str:
    return _UPSERT.format(row=row, shards=SHARDS, delta=delta).strip()


_CHANGED = "OLD.status IS DISTINCT FROM NEW.status OR OLD.source IS DISTINCT FROM NEW.source"

# Two transactions moving incidents of one shard in opposite directions (in_progress <->
# resolved) would lock the same two counter rows in opposite orders and deadlock: on
# PostgreSQL an update always touches the smaller (status, source) first.
_POSTGRES = [
    f"""
    CREATE FUNCTION incident_counters_track() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_bump("NEW", 1)};
        ELSIF TG_OP = 'DELETE' THEN
            {_bump("OLD", -1)};
        ELSIF (OLD.status, OLD.source) < (NEW.status, NEW.source) THEN
            {_bump("OLD", -1)};
            {_bump("NEW", 1)};
        ELSE
            {_bump("NEW", 1)};
            {_bump("OLD", -1)};
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER incident_counters_insert_delete AFTER INSERT OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incident_counters_track()
    """,
    f"""
    CREATE TRIGGER incident_counters_update AFTER UPDATE OF status, source ON incidents
    FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION incident_counters_track()
    """,
]

# SQLite serializes writers, so the order of the two bumps cannot deadlock.
_SQLITE = [
    f"""
    CREATE TRIGGER incident_counters_insert AFTER INSERT ON incidents
    BEGIN {_bump("NEW", 1)}; END
    """,
    f"""
    CREATE TRIGGER incident_counters_delete AFTER DELETE ON incidents
    BEGIN {_bump("OLD", -1)}; END
    """,
    f"""
    CREATE TRIGGER incident_counters_update AFTER UPDATE OF status, source ON incidents
    WHEN OLD.status IS NOT NEW.status OR OLD.source IS NOT NEW.source
    BEGIN {_bump("OLD", -1)}; {_bump("NEW", 1)}; END
    """,
]

_BACKFILL = """
    INSERT INTO incident_counters (status, source, shard, count)
    SELECT status, source, id % 16, count(*) FROM incidents GROUP BY status, source, id % 16
"""


def create_triggers() -> None:
    """Create the counting triggers for the dialect migrations run on."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES if postgres else _SQLITE:
        op.execute(statement)


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER incident_counters_update ON incidents")
        op.execute("DROP TRIGGER incident_counters_insert_delete ON incidents")
        op.execute("DROP FUNCTION incident_counters_track()")
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER incident_counters_{name}")


def upgrade() -> None:
    op.create_table(
        "incident_counters",
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("status", "source", "shard", name=op.f("pk_incident_counters")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # No write may slip between the backfill and the triggers taking over.
        op.execute("LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE")
    op.execute(_BACKFILL)
    create_triggers()


def downgrade() -> None:
    _drop_triggers()
    op.drop_table("incident_counters")
