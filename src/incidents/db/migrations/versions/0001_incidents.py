"""Incidents table.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.types import BigId, UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.CheckConstraint(
            "status IN ('new', 'in_progress', 'resolved', 'closed')",
            name=op.f("ck_incidents_status"),
        ),
        sa.CheckConstraint(
            "source IN ('operator', 'monitoring', 'partner')", name=op.f("ck_incidents_source")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_incidents_version")),
    )
    op.create_index(op.f("ix_incidents_status_created_at"), "incidents", ["status", "created_at"])
    op.create_index(op.f("ix_incidents_created_at_id"), "incidents", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("incidents")
