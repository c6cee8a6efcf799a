"""Monitoring intake: dedup keys, occurrences, details, search text, heartbeats.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.tables import OptionalJson
from incidents.db.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status <> 'closed'")
_FILL_BATCH = 1000


def _fill_search_text() -> None:
    """Case-fold every existing description, as the code does for new ones (in batches)."""
    bind = op.get_bind()
    incidents = sa.table(
        "incidents",
        sa.column("id", sa.BigInteger()),
        sa.column("description", sa.Text()),
        sa.column("search_text", sa.Text()),
    )
    unfilled = (
        sa.select(incidents.c.id, incidents.c.description)
        .where(incidents.c.search_text.is_(None))
        .order_by(incidents.c.id)
        .limit(_FILL_BATCH)
    )
    fill = (
        incidents.update()
        .where(incidents.c.id == sa.bindparam("row_id"))
        .values(search_text=sa.bindparam("folded"))
    )
    while rows := bind.execute(unfilled).all():
        bind.execute(fill, [{"row_id": r.id, "folded": r.description.casefold()} for r in rows])


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # On SQLite the second batch rebuilds `incidents`, which other tables refer to: the
    # migration runner switches foreign key checks off for it and checks them afterwards.
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("dedup_key", sa.String(255), nullable=True))
        batch.add_column(sa.Column("occurrences", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("details", OptionalJson, nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    op.execute("UPDATE incidents SET last_seen_at = created_at")
    _fill_search_text()
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("occurrences", existing_type=sa.Integer(), server_default=None)
        batch.alter_column("last_seen_at", existing_type=UTCDateTime(), nullable=False)
        batch.alter_column("search_text", existing_type=sa.Text(), nullable=False)
        batch.create_check_constraint(op.f("ck_incidents_occurrences"), "occurrences >= 1")

    op.create_index(op.f("ix_incidents_dedup_key"), "incidents", ["dedup_key"])
    op.create_index(
        "uq_incidents_dedup_key_open",
        "incidents",
        ["dedup_key"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_incidents_search_text_trgm",
            "incidents",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )

    op.create_table(
        "heartbeats",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("alerted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_heartbeats")),
        sa.CheckConstraint("timeout_seconds >= 1", name=op.f("ck_heartbeats_timeout_seconds")),
    )
    op.create_index(op.f("ix_heartbeats_due_at"), "heartbeats", ["due_at"])


def downgrade() -> None:
    op.drop_table("heartbeats")
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm stays: other schemas in the database may use it.
        op.drop_index("ix_incidents_search_text_trgm", table_name="incidents")
    op.drop_index("uq_incidents_dedup_key_open", table_name="incidents")
    op.drop_index(op.f("ix_incidents_dedup_key"), table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint(op.f("ck_incidents_occurrences"), type_="check")
        for column in ("search_text", "details", "last_seen_at", "occurrences", "dedup_key"):
            batch.drop_column(column)
