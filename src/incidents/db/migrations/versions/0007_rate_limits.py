"""Rate-limit buckets shared by every server process, and the index that ages the outbox out.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.String(200), nullable=False),
        sa.Column("tat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_rate_limits")),
    )
    op.create_index(op.f("ix_outbox_created_at"), "outbox", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_created_at"), table_name="outbox")
    op.drop_table("rate_limits")
