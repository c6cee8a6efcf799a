"""Reminders and digests: each incident's series of reminders, the days digested, and the
audit trail indexed by time (the overview and the digest count moves by when they happened).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.types import BigId, UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("waiting_since", UTCDateTime(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("next_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_reminders")),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_reminders_incident_id_incidents")
        ),
        sa.CheckConstraint("sent >= 1", name=op.f("ck_reminders_sent")),
    )
    op.create_table(
        "digests",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_digests")),
    )
    op.create_index(
        op.f("ix_incident_events_created_at"), "incident_events", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_events_created_at"), table_name="incident_events")
    op.drop_table("digests")
    op.drop_table("reminders")
