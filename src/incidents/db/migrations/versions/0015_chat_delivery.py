"""Delivery that never stalls a chat: why a notice was given up, how many were (by reason),
groups upgraded to supergroups (their new ids), and chats the bot is not in.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("failure", sa.String(32), nullable=True))
    op.create_table(
        "chat_moves",
        sa.Column("old_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("new_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("moved_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("old_chat_id", name=op.f("pk_chat_moves")),
    )
    op.create_table(
        "chat_absences",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("presence", sa.String(16), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chat_absences")),
        sa.CheckConstraint(
            "presence IN ('left', 'kicked')", name=op.f("ck_chat_absences_presence")
        ),
    )
    op.create_table(
        "notification_failures",
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("reason", name=op.f("pk_notification_failures")),
    )


def downgrade() -> None:
    op.drop_table("notification_failures")
    op.drop_table("chat_absences")
    op.drop_table("chat_moves")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("failure")
