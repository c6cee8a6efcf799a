"""Key changes announced (NOTIFY) so that each process's key cache hears of them, and a
full-text index (Russian and English stemming) for text search.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOTIFY_KEY_CHANGE = """
CREATE FUNCTION incidents_api_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('incidents_api_keys', OLD.lookup);
    RETURN NULL;
END
$$
"""


# Stored, so that a filter reads the vector instead of computing it row by row (rewrites the
# table once: minutes at a million incidents).
_SEARCH_VECTOR = (
    "ALTER TABLE incidents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('russian'::regconfig, search_text) "
    "|| to_tsvector('english'::regconfig, search_text)) STORED"
)
_FULL_TEXT_INDEX = "CREATE INDEX ix_incidents_search_vector ON incidents USING gin (search_vector)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_SEARCH_VECTOR)
    op.execute(_FULL_TEXT_INDEX)
    op.execute(_NOTIFY_KEY_CHANGE)
    # Not on last_used_at: that changes once a minute and matters to nobody's access.
    op.execute(
        "CREATE TRIGGER api_key_changed AFTER UPDATE OF name, role, source, lookup, "
        "secret_hash, revoked_at OR DELETE ON api_keys "
        "FOR EACH ROW EXECUTE FUNCTION incidents_api_key_changed()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER api_key_changed ON api_keys")
    op.execute("DROP FUNCTION incidents_api_key_changed()")
    op.execute("DROP INDEX ix_incidents_search_vector")
    op.execute("ALTER TABLE incidents DROP COLUMN search_vector")
