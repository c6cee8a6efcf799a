"""Migration 0010: incidents that ended before it were fixed, and the counters keep exact."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from incidents.db.engine import create_engine
from incidents.db.migrate import upgrade_to_head
from tests.test_migrations import _downgrade_to

# The revision before owners, resolutions and duplicates.
BEFORE = "0009"
COUNTED = sa.text(
    "SELECT status, resolution, sum(count) FROM incident_counters "
    "GROUP BY status, resolution HAVING sum(count) > 0 ORDER BY status"
)


async def test_ended_incidents_become_fixed_and_are_counted_by_resolution(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_downgrade_to(BEFORE))
            for n, status in enumerate(["new", "in_progress", "resolved", "closed", "closed"]):
                await connection.execute(
                    sa.text(
                        "INSERT INTO incidents (description, status, source, version, created_by,"
                        " created_at, updated_at, occurrences, last_seen_at, search_text)"
                        " VALUES (:d, :s, 'operator', 1, 'key:old', :at, :at, 1, :at, :d)"
                    ),
                    {"d": f"old {n}", "s": status, "at": at},
                )
            await connection.commit()
        await upgrade_to_head(database_url)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    sa.text("SELECT status, resolution, assignee, duplicate_of FROM incidents")
                )
            ).all()
            counted = [tuple(row) for row in await connection.execute(COUNTED)]
            await connection.execute(
                sa.text("UPDATE incidents SET resolution = 'false_alarm' WHERE status = 'new'")
            )
            moved = [tuple(row) for row in await connection.execute(COUNTED)]
    finally:
        await engine.dispose()

    ended = {status: resolution for status, resolution, _, _ in rows}
    assert ended == {
        "new": None,
        "in_progress": None,
        "resolved": "fixed",
        "closed": "fixed",
    }
    assert all(row[2] is None and row[3] is None for row in rows)
    assert counted == [
        ("closed", "fixed", 2),
        ("in_progress", "", 1),
        ("new", "", 1),
        ("resolved", "fixed", 1),
    ]
    assert ("new", "false_alarm", 1) in moved
    assert ("new", "", 1) not in moved
