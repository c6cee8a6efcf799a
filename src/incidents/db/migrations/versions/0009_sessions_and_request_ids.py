"""Console session generations, client request ids beside the server's, key names unique in
any letter case.

Keys whose names differ only in letter case keep working (keys are found by their secret,
not their name): every one but the oldest is renamed `<name>-<id>` before the index is made.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_NAME_INDEX = "uq_api_keys_name_lower"


def upgrade() -> None:
    # Sign-out ends every session of the account: sessions carry the generation they began in.
    op.add_column(
        "accounts",
        sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"),
    )
    # A plain ADD COLUMN: rebuilding the table would drop its append-only triggers.
    op.add_column("incident_events", sa.Column("client_request_id", sa.String(128)))
    _rename_look_alike_keys()
    op.create_index(KEY_NAME_INDEX, "api_keys", [sa.text("lower(name)")], unique=True)


def _rename_look_alike_keys() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name FROM api_keys ORDER BY id")).all()
    seen: set[str] = set()
    for key_id, name in rows:
        if name.lower() in seen:
            suffix = f"-{key_id}"
            bind.execute(
                sa.text("UPDATE api_keys SET name = :name WHERE id = :id"),
                {"name": name[: 64 - len(suffix)] + suffix, "id": key_id},
            )
        seen.add(name.lower())


def downgrade() -> None:
    op.drop_index(KEY_NAME_INDEX, table_name="api_keys")
    op.drop_column("incident_events", "client_request_id")
    op.drop_column("accounts", "session_generation")
