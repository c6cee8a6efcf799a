"""Owner, resolution and duplicates of incidents; counters keyed by resolution too.

The counters gain a `resolution` key ('' while open), so a list filtered by resolution keeps an
exact total without a scan. Their triggers are made again here (batch mode on SQLite drops a
rebuilt table's triggers), and the counts are rebuilt from the incidents under a lock.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from incidents.db.types import BigId

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 16
WITH_RESOLUTION = ("status", "source", "resolution")
WITHOUT_RESOLUTION = ("status", "source")


_UPSERT = (
    "INSERT INTO incident_counters ({names}, shard, count) "
    "VALUES ({values}, {row}.id % {shards}, {delta}) "
    "ON CONFLICT ({names}, shard) DO UPDATE SET count = incident_counters.count + {delta}"
)
_RECOUNT = (
    "INSERT INTO incident_counters ({names}, shard, count) "
    "SELECT {grouped}, id % {shards}, count(*) FROM incidents GROUP BY {grouped}, id % {shards}"
)


def _value(row: str, column: str) -> str:
    return f"COALESCE({row}.resolution, '')" if column == "resolution" else f"{row}.{column}"


def _bump(keys: Sequence[str], row: str, delta: int) -> str:
    names = ", ".join(keys)
    values = ", ".join(_value(row, key) for key in keys)
    # Column names and numbers of this module only: nothing from outside reaches the SQL.
    return _UPSERT.format(names=names, values=values, row=row, shards=SHARDS, delta=delta)


def _distinct(keys: Sequence[str], postgres: bool) -> str:
    differs = "IS DISTINCT FROM" if postgres else "IS NOT"
    return " OR ".join(f"OLD.{key} {differs} NEW.{key}" for key in keys)


def _postgres(keys: Sequence[str]) -> list[str]:
    # Opposite moves would lock two counter rows in opposite orders: the smaller key first.
    old = ", ".join(_value("OLD", key) for key in keys)
    new = ", ".join(_value("NEW", key) for key in keys)
    return [
        f"""
        CREATE FUNCTION incident_counters_track() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN {_bump(keys, "NEW", 1)};
            ELSIF TG_OP = 'DELETE' THEN {_bump(keys, "OLD", -1)};
            ELSIF ({old}) < ({new}) THEN {_bump(keys, "OLD", -1)}; {_bump(keys, "NEW", 1)};
            ELSE {_bump(keys, "NEW", 1)}; {_bump(keys, "OLD", -1)};
            END IF;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER incident_counters_insert_delete AFTER INSERT OR DELETE ON incidents
        FOR EACH ROW EXECUTE FUNCTION incident_counters_track()
        """,
        f"""
        CREATE TRIGGER incident_counters_update AFTER UPDATE OF {", ".join(keys)} ON incidents
        FOR EACH ROW WHEN ({_distinct(keys, True)}) EXECUTE FUNCTION incident_counters_track()
        """,
    ]


def _sqlite(keys: Sequence[str]) -> list[str]:
    return [
        f"CREATE TRIGGER incident_counters_insert AFTER INSERT ON incidents "
        f"BEGIN {_bump(keys, 'NEW', 1)}; END",
        f"CREATE TRIGGER incident_counters_delete AFTER DELETE ON incidents "
        f"BEGIN {_bump(keys, 'OLD', -1)}; END",
        f"CREATE TRIGGER incident_counters_update AFTER UPDATE OF {', '.join(keys)} ON incidents "
        f"WHEN {_distinct(keys, False)} "
        f"BEGIN {_bump(keys, 'OLD', -1)}; {_bump(keys, 'NEW', 1)}; END",
    ]


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER incident_counters_update ON incidents")
        op.execute("DROP TRIGGER incident_counters_insert_delete ON incidents")
        op.execute("DROP FUNCTION incident_counters_track()")
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS incident_counters_{name}")


def _count_again(keys: Sequence[str]) -> None:
    """Make the counters keyed by `keys`, fill them from the incidents, and keep them so."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_table("incident_counters")
    op.create_table(
        "incident_counters",
        *(sa.Column(key, sa.String(16), nullable=False) for key in keys),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*keys, "shard", name=op.f("pk_incident_counters")),
    )
    if postgres:
        # No write may slip between the count and the triggers taking over.
        op.execute("LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE")
    grouped = ", ".join(_value("incidents", key) for key in keys)
    op.execute(_RECOUNT.format(names=", ".join(keys), grouped=grouped, shards=SHARDS))
    for statement in _postgres(keys) if postgres else _sqlite(keys):
        op.execute(statement)


def upgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("assignee", sa.String(200), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(16), nullable=True))
        batch.add_column(sa.Column("duplicate_of", BigId, nullable=True))
        batch.create_foreign_key(
            op.f("fk_incidents_duplicate_of_incidents"), "incidents", ["duplicate_of"], ["id"]
        )
        batch.create_check_constraint(
            op.f("ck_incidents_resolution"),
            "resolution IS NULL OR resolution IN ('fixed', 'false_alarm', 'duplicate')",
        )
        batch.create_check_constraint(
            op.f("ck_incidents_duplicate_of"),
            "duplicate_of IS NULL OR (resolution = 'duplicate' AND status = 'closed' "
            "AND duplicate_of <> id)",
        )
    # Incidents that ended before resolutions existed were fixed, as far as anyone said.
    op.execute("UPDATE incidents SET resolution = 'fixed' WHERE status IN ('resolved', 'closed')")
    op.create_index(op.f("ix_incidents_assignee"), "incidents", ["assignee"])
    op.create_index(op.f("ix_incidents_duplicate_of"), "incidents", ["duplicate_of"])
    _count_again(WITH_RESOLUTION)


def downgrade() -> None:
    _drop_triggers()
    op.drop_index(op.f("ix_incidents_duplicate_of"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_assignee"), table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint(op.f("ck_incidents_duplicate_of"), type_="check")
        batch.drop_constraint(op.f("ck_incidents_resolution"), type_="check")
        batch.drop_constraint(op.f("fk_incidents_duplicate_of_incidents"), type_="foreignkey")
        batch.drop_column("duplicate_of")
        batch.drop_column("resolution")
        batch.drop_column("assignee")
    _count_again(WITHOUT_RESOLUTION)
