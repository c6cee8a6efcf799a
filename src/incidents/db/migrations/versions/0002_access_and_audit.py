"""API keys, the append-only audit trail, idempotency keys, incidents.created_by.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.tables import Json
from incidents.db.types import BigId, UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_APPEND_ONLY = """
CREATE TRIGGER incident_events_no_{verb} BEFORE {verb} ON incident_events
BEGIN SELECT RAISE(ABORT, 'incident_events is append-only'); END
"""
_POSTGRES_APPEND_ONLY = [
    """
    CREATE FUNCTION incident_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'incident_events is append-only'; END $$
    """,
    """
    CREATE TRIGGER incident_events_append_only BEFORE UPDATE OR DELETE ON incident_events
    FOR EACH ROW EXECUTE FUNCTION incident_events_append_only()
    """,
    """
    CREATE TRIGGER incident_events_no_truncate BEFORE TRUNCATE ON incident_events
    FOR EACH STATEMENT EXECUTE FUNCTION incident_events_append_only()
    """,
]


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("created_by", sa.String(200), nullable=False, server_default="system:unknown")
        )
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("created_by", server_default=None)

    op.create_table(
        "incident_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_events_incident_id_incidents"),
        ),
    )
    op.create_index(
        op.f("ix_incident_events_incident_id_id"), "incident_events", ["incident_id", "id"]
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_APPEND_ONLY:
            op.execute(statement)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(_SQLITE_APPEND_ONLY.format(verb=verb))

    op.create_table(
        "api_keys",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=True),
        sa.Column("lookup", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
        sa.UniqueConstraint("lookup", name=op.f("uq_api_keys_lookup")),
        sa.CheckConstraint(
            "role IN ('reporter', 'operator', 'admin')", name=op.f("ck_api_keys_role")
        ),
        sa.CheckConstraint(
            "source IS NULL OR source IN ('operator', 'monitoring', 'partner')",
            name=op.f("ck_api_keys_source"),
        ),
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("incident_id", BigId, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client", "key", name=op.f("pk_idempotency_keys")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_idempotency_keys_incident_id_incidents"),
        ),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("api_keys")
    op.drop_table("incident_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION incident_events_append_only()")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("created_by")
