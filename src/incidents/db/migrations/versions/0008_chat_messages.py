"""Chat messages tied to incidents (replacing chat threads); change notices that carry their
change and its audit event and go to each following chat; queued replies.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.tables import OptionalJson
from incidents.db.types import BigId, UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES = "role IN ('report', 'note', 'command', 'card', 'announcement', 'notice', 'prompt')"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("incident_id", existing_type=BigId, nullable=True)
        batch.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("from_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("to_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("payload", OptionalJson, nullable=True))
        batch.add_column(sa.Column("event_id", BigId, nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbox_event_id_incident_events"), "incident_events", ["event_id"], ["id"]
        )
    # Notices queued before this revision go where they would have: the incident's thread.
    op.execute(
        "UPDATE outbox SET chat_id = (SELECT t.chat_id FROM chat_threads t "
        "WHERE t.incident_id = outbox.incident_id) WHERE kind = 'changed'"
    )
    op.create_table(
        "chat_messages",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("incident_id", BigId, nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("file_id", sa.String(255), nullable=True),
        sa.Column("file_kind", sa.String(16), nullable=True),
        sa.Column("edit_date", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_chat_messages")),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_chat_messages_incident_id_incidents")
        ),
        sa.CheckConstraint(_ROLES, name=op.f("ck_chat_messages_role")),
    )
    op.create_index(op.f("ix_chat_messages_incident_id"), "chat_messages", ["incident_id"])
    # A thread began at a person's report, or at the bot's announcement of an incident
    # reported elsewhere.
    op.execute(
        "INSERT INTO chat_messages (chat_id, message_id, incident_id, role, created_at) "
        "SELECT t.chat_id, t.message_id, t.incident_id, "
        "CASE WHEN i.created_by LIKE 'telegram:%' THEN 'report' ELSE 'announcement' END, "
        "i.created_at FROM chat_threads t JOIN incidents i ON i.id = t.incident_id"
    )
    op.drop_table("chat_threads")


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE incident_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("fk_outbox_event_id_incident_events"), type_="foreignkey")
        batch.drop_column("event_id")
        batch.drop_column("payload")
        batch.drop_column("to_status")
        batch.drop_column("from_status")
        batch.drop_column("chat_id")
        batch.alter_column("incident_id", existing_type=BigId, nullable=False)
    op.create_table(
        "chat_threads",
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_chat_threads")),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_chat_threads_incident_id_incidents")
        ),
        sa.UniqueConstraint(
            "chat_id", "message_id", name=op.f("uq_chat_threads_chat_id_message_id")
        ),
    )
    op.execute(
        "INSERT INTO chat_threads (incident_id, chat_id, message_id) "
        "SELECT incident_id, MIN(chat_id), MIN(message_id) FROM chat_messages "
        "WHERE role IN ('report', 'announcement') GROUP BY incident_id"
    )
    op.drop_table("chat_messages")
