"""What machines send is kept: details cut to fit are marked, dedup keys are each source's
own, and Alertmanager notifications applied lately are remembered so a retry counts nothing.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.tables import Json
from incidents.db.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("status <> 'closed'")


def upgrade() -> None:
    op.add_column(
        "incidents",
        sa.Column("details_truncated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.drop_index("uq_incidents_dedup_key_open", table_name="incidents")
    op.create_index(
        "uq_incidents_source_dedup_key_open",
        "incidents",
        ["source", "dedup_key"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    op.create_table(
        "alertmanager_notifications",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("answer", Json, nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_alertmanager_notifications")),
    )
    op.create_index(
        op.f("ix_alertmanager_notifications_received_at"),
        "alertmanager_notifications",
        ["received_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_alertmanager_notifications_received_at"), table_name="alertmanager_notifications"
    )
    op.drop_table("alertmanager_notifications")
    op.drop_index("uq_incidents_source_dedup_key_open", table_name="incidents")
    # Open incidents of several sources may share a key by now: the oldest keeps it.
    op.execute(
        "UPDATE incidents SET dedup_key = NULL WHERE status <> 'closed' AND dedup_key IS NOT NULL "
        "AND id NOT IN (SELECT MIN(id) FROM incidents WHERE status <> 'closed' "
        "AND dedup_key IS NOT NULL GROUP BY dedup_key)"
    )
    op.create_index(
        "uq_incidents_dedup_key_open",
        "incidents",
        ["dedup_key"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("details_truncated")
