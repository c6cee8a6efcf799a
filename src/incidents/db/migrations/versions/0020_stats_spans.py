"""The overview's figures without row-by-row work on PostgreSQL: the spans from the report to
the first take and to the first resolve as stored generated columns, read with the source and
the resolution from one index of a period's reports (in place of 0017's `ix_incidents_stats`),
and an index of the moves to resolved and to closed (when, which incident) that the per-day
counts read instead of the trail's rows and JSON. SQLite is left as it is (it computes the
spans in the statement).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Seconds as double precision: date_part, not extract (whose numeric result costs more than
# the rest of the statement). Stored: written with the row, rewritten with it (the table is
# rewritten once here: about a minute at a million incidents).
_SPANS = (
    "ALTER TABLE incidents "
    "ADD COLUMN take_seconds double precision GENERATED ALWAYS AS "
    "(date_part('epoch', first_taken_at - created_at)) STORED, "
    "ADD COLUMN resolve_seconds double precision GENERATED ALWAYS AS "
    "(date_part('epoch', first_resolved_at - created_at)) STORED"
)
_SPANS_INDEX = (
    "CREATE INDEX ix_incidents_spans ON incidents (created_at) "
    "INCLUDE (source, resolution, take_seconds, resolve_seconds)"
)
# As db/tables.MOVED_TO and MOVE_INDEXES declare them.
_MOVED_TO = ("resolved", "closed")
_MOVES_INDEX = (
    "CREATE INDEX ix_incident_events_moved_to_{0} ON incident_events (created_at, incident_id) "
    "WHERE kind IN ('status_changed', 'resolved') AND (data ->> 'to') = '{0}'"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_SPANS)
    op.execute(_SPANS_INDEX)
    op.execute("DROP INDEX ix_incidents_stats")
    for status in _MOVED_TO:
        op.execute(_MOVES_INDEX.format(status))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for status in _MOVED_TO:
        op.execute(f"DROP INDEX ix_incident_events_moved_to_{status}")
    op.execute(
        "CREATE INDEX ix_incidents_stats ON incidents "
        "(created_at, source, first_taken_at, first_resolved_at, resolution)"
    )
    op.execute("DROP INDEX ix_incidents_spans")
    op.execute("ALTER TABLE incidents DROP COLUMN take_seconds, DROP COLUMN resolve_seconds")
