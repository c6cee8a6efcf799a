"""Suggestions: the bot's offers to record untagged messages that read like reports.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.types import BigId, UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OFFERED = "state = 'pending'"


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("reply_id", sa.BigInteger(), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("file_id", sa.String(255), nullable=True),
        sa.Column("file_kind", sa.String(16), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("incident_id", BigId, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("settled_by", sa.String(200), nullable=True),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_suggestions")),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_suggestions_incident_id_incidents")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'recorded', 'declined', 'expired')",
            name=op.f("ck_suggestions_state"),
        ),
    )
    op.create_index(
        "ix_suggestions_pending",
        "suggestions",
        ["expires_at"],
        postgresql_where=sa.text(_OFFERED),
        sqlite_where=sa.text(_OFFERED),
    )


def downgrade() -> None:
    op.drop_index("ix_suggestions_pending", table_name="suggestions")
    op.drop_table("suggestions")
