"""When the registry was last backed up: one row per finished `incidents backup`.

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.types import BigId, UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "backups",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("schema_revision", sa.String(32), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backups")),
    )
    op.create_index(op.f("ix_backups_finished_at"), "backups", ["finished_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_backups_finished_at"), table_name="backups")
    op.drop_table("backups")
