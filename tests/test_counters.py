"""The counters behind X-Total-Count equal count(*) at all times, whatever writes the table."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Connection, text

from incidents.db.counters import has_counter
from incidents.db.engine import Database, create_engine
from incidents.db.incidents import IncidentFilter
from incidents.db.migrate import alembic_config, upgrade_to_head
from incidents.domain.incident import Resolution, Source, Status
from incidents.service.runtime import Runtime
from tests.conftest import report

URL = "/api/v1/incidents"
# One statement, so PostgreSQL answers both halves from one snapshot even under writes.
SNAPSHOT = text(
    "SELECT 'rows', status, source, COALESCE(resolution, ''), count(*) FROM incidents "
    "GROUP BY status, source, COALESCE(resolution, '') "
    "UNION ALL "
    "SELECT 'counters', status, source, resolution, sum(count) FROM incident_counters "
    "GROUP BY status, source, resolution"
)
Tally = dict[tuple[str, str, str], int]


async def _tallies(runtime: Runtime) -> tuple[Tally, Tally]:
    """(count(*) per status and source, counter sums per status and source), at one instant."""
    tallies: dict[str, Tally] = {"rows": {}, "counters": {}}
    async with runtime.database.engine.connect() as conn:
        for kind, status, source, resolution, count in await conn.execute(SNAPSHOT):
            if count:
                tallies[kind][(status, source, resolution)] = int(count)
    return tallies["rows"], tallies["counters"]


async def _assert_counters_exact(runtime: Runtime) -> Tally:
    rows, counted = await _tallies(runtime)
    assert counted == rows
    return rows


def _subsets(values: list[str]) -> list[tuple[str, ...]]:
    return [c for n in range(len(values) + 1) for c in itertools.combinations(values, n)]


async def _assert_every_total_exact(client: httpx.AsyncClient, rows: Tally) -> None:
    """Every combination of status and source filters answers the true count, and each
    resolution filter."""
    for statuses in _subsets([s.value for s in Status]):
        for sources in _subsets([s.value for s in Source]):
            params: list[tuple[str, str | int | float | bool | None]] = [("limit", 1)]
            params += [("status", s) for s in statuses] + [("source", s) for s in sources]
            response = await client.get(URL, params=params)
            assert response.status_code == 200, response.text
            expected = sum(
                n
                for (status, source, _), n in rows.items()
                if (not statuses or status in statuses) and (not sources or source in sources)
            )
            assert response.headers["X-Total-Count"] == str(expected), params
    for resolutions in _subsets([r.value for r in Resolution])[1:]:
        response = await client.get(URL, params=[("resolution", r) for r in resolutions])
        expected = sum(n for (_, _, r), n in rows.items() if r in resolutions)
        assert response.headers["X-Total-Count"] == str(expected), resolutions


# A dismissal: closed early, as a false alarm.
DISMISS = {"status": "closed", "resolution": "false_alarm"}


async def _walk(client: httpx.AsyncClient, incident_id: int, moves: list[str]) -> None:
    for status in moves:
        body = DISMISS if status == "dismissed" else {"status": status}
        response = await client.patch(f"{URL}/{incident_id}", json=body)
        assert response.status_code == 200, response.text


async def _watch(runtime: Runtime, done: asyncio.Event) -> int:
    """Compare counters with count(*) over and over while writes run; how many checks ran."""
    checks = 0
    while not done.is_set():
        await _assert_counters_exact(runtime)
        checks += 1
        await asyncio.sleep(0.005)
    return checks


async def test_totals_stay_exact_under_concurrent_creates_and_moves(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    runtime: Runtime = app.state.runtime
    shuffle = random.Random(7).shuffle
    sources = [s.value for s in Source]
    done = asyncio.Event()
    watcher = asyncio.create_task(_watch(runtime, done))

    created = await asyncio.gather(
        *(report(client, f"flood {n}", sources[n % 3]) for n in range(48))
    )
    await _assert_counters_exact(runtime)

    # Opposite moves on one shard (in_progress <-> resolved) at once, plus more creates.
    paths = [
        ["in_progress"],
        ["in_progress", "resolved"],
        ["in_progress", "resolved", "in_progress"],
        ["in_progress", "resolved", "closed"],
        ["dismissed"],
        ["in_progress", "dismissed"],
    ]
    work: list[Awaitable[object]] = [
        _walk(client, incident["id"], paths[n % 6]) for n, incident in enumerate(created)
    ]
    work += [report(client, f"late {n}", sources[n % 3]) for n in range(24)]
    shuffle(work)
    await asyncio.gather(*work)
    done.set()

    assert await watcher > 0
    rows = await _assert_counters_exact(runtime)
    assert sum(rows.values()) == 72
    await _assert_every_total_exact(client, rows)
    metrics = (await client.get("/metrics")).text
    closed = sum(n for (status, _, _), n in rows.items() if status == "closed")
    assert f'incidents_by_status{{status="closed"}} {float(closed)}' in metrics


async def test_plain_sql_writes_keep_the_counters_exact(app: FastAPI) -> None:
    runtime: Runtime = app.state.runtime
    now = datetime(2026, 11, 23, tzinfo=UTC)
    async with runtime.database.engine.begin() as conn:
        for n in range(20):
            await conn.execute(
                text(
                    "INSERT INTO incidents (description, search_text, status, source, version,"
                    " created_by, created_at, updated_at, occurrences, last_seen_at)"
                    " VALUES (:d, :d, 'new', 'partner', 1, 'sql', :t, :t, 1, :t)"
                ),
                {"d": f"by hand {n}", "t": now},
            )
        await conn.execute(text("UPDATE incidents SET source = 'operator' WHERE id % 3 = 0"))
        await conn.execute(text("UPDATE incidents SET status = 'closed' WHERE id % 4 = 0"))
        await conn.execute(
            text("UPDATE incidents SET resolution = 'false_alarm' WHERE status = 'closed'")
        )
        await conn.execute(text("UPDATE incidents SET description = 'same counts'"))
        await conn.execute(text("DELETE FROM incidents WHERE id % 5 = 0"))
    rows = await _assert_counters_exact(runtime)
    assert sum(rows.values()) == 16


# The revision before the counters' migration (0006).
BEFORE_COUNTERS = "0005"


def _migrate(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if revision == BEFORE_COUNTERS:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


async def test_the_migration_counts_incidents_already_there(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_migrate, BEFORE_COUNTERS)
            await conn.commit()
        async with engine.begin() as conn:
            for n in range(30):
                await conn.execute(
                    text(
                        "INSERT INTO incidents (description, search_text, status, source,"
                        " version, created_by, created_at, updated_at, occurrences, last_seen_at)"
                        " VALUES (:d, :d, :s, :o, 1, 'old', :t, :t, 1, :t)"
                    ),
                    {
                        "d": f"old {n}",
                        "s": ["new", "closed"][n % 2],
                        "o": ["operator", "monitoring", "partner"][n % 3],
                        "t": datetime(2025, 1, 1, tzinfo=UTC),
                    },
                )
    finally:
        await engine.dispose()
    await upgrade_to_head(database_url)
    runtime = Runtime(database=Database.from_url(database_url))
    try:
        rows = await _assert_counters_exact(runtime)
        assert sum(rows.values()) == 30
    finally:
        await runtime.close()


@dataclass(frozen=True, slots=True)
class _FilterWithSearch(IncidentFilter):
    """A filter as it will look once a text search is added."""

    q: str | None = None
    tags: tuple[str, ...] = ()


def test_only_status_source_and_resolution_filters_are_answered_by_counters() -> None:
    assert has_counter(IncidentFilter())
    assert has_counter(IncidentFilter(resolutions=(Resolution.FALSE_ALARM,)))
    assert not has_counter(IncidentFilter(assignees=(None,)))
    assert has_counter(IncidentFilter(statuses=(Status.NEW, Status.NEW), sources=(Source.PARTNER,)))
    assert has_counter(_FilterWithSearch(statuses=(Status.NEW,)))
    assert not has_counter(_FilterWithSearch(q="scooter"))
    assert not has_counter(_FilterWithSearch(tags=("berlin",)))
