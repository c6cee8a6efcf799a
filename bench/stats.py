"""`python -m bench.stats`: GET /api/v1/stats over 100,000 incidents on PostgreSQL, against the
database's own time for the same statements (EXPLAIN ANALYZE of each, as the endpoint sends it).

Fills a scratch database (dropped and made again) with 100,000 incidents over a year and
their events (report, take, resolve, close; some dismissed as false alarms), serves it with
`incidents serve`, and prints per period the endpoint's latency (median of repeated calls,
over HTTP) beside the sum of the statements' execution times as PostgreSQL reports them. The
endpoint sends the counts and the spans side by side on two connections, so it can answer in
less than that sum: the longer of the two is its floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event

from bench import server
from bench.fill import RECOUNT
from bench.scratch import POSTGRES, fresh_postgres
from incidents.db.engine import COSTLY_WORK_MEM, Database
from incidents.db.migrate import upgrade_to_head
from incidents.domain.access import Actor, Role
from incidents.domain.actors import ActorId
from incidents.domain.stats import period_of, time_zone
from incidents.service import stats
from incidents.service.runtime import Runtime

NAME = "incidents_bench_stats"
# A year, as issue 27 asks of the stats: 100,000 incidents answer within 300 ms.
SPAN_DAYS = 365
CALLS = 15
COLUMNS = ("id", "description", "status", "source", "version", "created_by", "created_at",
           "updated_at", "occurrences", "last_seen_at", "search_text", "resolution",
           "first_taken_at", "first_resolved_at")  # fmt: skip
EVENT_COLUMNS = ("incident_id", "kind", "actor", "created_at", "data")
SOURCES = ("monitoring", "monitoring", "monitoring", "operator", "operator", "partner")
ACTOR = "key:ops-desk"
Event = tuple[int, str, str, datetime, str]


def _incidents(count: int, now: datetime) -> Iterator[tuple[tuple[Any, ...], list[Event]]]:
    """Each incident's row and its events: most taken, resolved and closed; a few dismissed."""
    rng = random.Random(20)
    step = timedelta(days=SPAN_DAYS) / count
    for n in range(count):
        incident_id = n + 1
        created = now - step * (count - n)
        events: list[Event] = [(incident_id, "created", ACTOR, created, "{}")]
        for before, after, minutes, extra in _moves(rng):
            at = events[-1][3] + timedelta(minutes=minutes)
            if at > now:
                break  # still under way: only what happened so far
            data = json.dumps({"from": before, "to": after, **extra})
            events.append((incident_id, "status_changed", ACTOR, at, data))
        last = json.loads(events[-1][4]) if len(events) > 1 else {"to": "new"}
        ended = "fixed" if last["to"] in ("resolved", "closed") else None
        # Kept on the row where the moves are written (migration 0017), as the registry does.
        firsts = {json.loads(e[4])["to"]: e[3] for e in reversed(events[1:])}
        row = (incident_id, f"Incident {incident_id}", last["to"], rng.choice(SOURCES), len(events),
               ACTOR, created, events[-1][3], 1, created, f"incident {incident_id}",
               last.get("resolution", ended), firsts.get("in_progress"),
               firsts.get("resolved"))  # fmt: skip
        yield row, events


def _moves(rng: random.Random) -> list[tuple[str, str, float, dict[str, str]]]:
    """An incident's moves after its report: (from, to, minutes after the last, extra data)."""
    if rng.random() < 0.05:
        return [("new", "closed", rng.uniform(1, 30), {"resolution": "false_alarm"})]
    if rng.random() < 0.03:
        return []
    moves: list[tuple[str, str, float, dict[str, str]]] = [
        ("new", "in_progress", rng.expovariate(1 / 20), {})
    ]
    if rng.random() < 0.9:
        moves.append(("in_progress", "resolved", rng.expovariate(1 / 180), {}))
        if rng.random() < 0.9:
            moves.append(("resolved", "closed", rng.uniform(10, 600), {}))
    return moves


async def fill(dsn: str, count: int, now: datetime) -> None:
    """Make the scratch database afresh, migrate it and COPY `count` incidents into it."""
    await fresh_postgres(NAME)
    await upgrade_to_head(dsn.replace("postgresql://", "postgresql+asyncpg://", 1))
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            made = list(_incidents(count, now))
            await conn.copy_records_to_table(
                "incidents", records=[row for row, _ in made], columns=COLUMNS
            )
            await conn.copy_records_to_table(
                "incident_events",
                records=[e for _, events in made for e in events],
                columns=EVENT_COLUMNS,
            )
            await conn.execute(RECOUNT)
            await conn.execute("SELECT setval('incidents_id_seq', (SELECT max(id) FROM incidents))")
        await conn.execute("VACUUM (ANALYZE) incidents, incident_events, incident_counters")
    finally:
        await conn.close()


def _get(url: str, key: str) -> float:
    """One GET; its wall time in milliseconds."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})  # noqa: S310
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        answer.read()
        assert answer.status == 200, answer.status
    return (time.perf_counter() - started) * 1000


async def database_time(sqlalchemy_url: str, since: date, until: date) -> tuple[float, int]:
    """The statements the endpoint sends for the period, each run under EXPLAIN ANALYZE: the
    sum of PostgreSQL's execution times (ms), and how many statements there are."""
    database = Database.from_url(sqlalchemy_url)
    runtime = Runtime(database=database)
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        read = statement.lstrip().upper().startswith(("SELECT", "WITH"))
        if read and "SET_CONFIG" not in statement.upper():  # not the transaction's settings
            sent.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    zone = time_zone("UTC")
    period = period_of(since=since, until=until, zone=zone, today=until)
    await stats.overview(
        runtime, actor=Actor(who=ActorId.key("bench"), role=Role.ADMIN), period=period
    )
    event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    total = 0.0
    async with database.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.execute(f"SET work_mem = '{COSTLY_WORK_MEM}'")  # as the endpoint has it
        for statement, parameters in sent:
            explained = f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {statement}"
            plan = await driver.fetchval(explained, *parameters)
            found = json.loads(plan) if isinstance(plan, str) else plan
            total += float(found[0]["Execution Time"])
    await database.dispose()
    return total, len(sent)


def main() -> None:
    """Fill, serve, measure, print."""
    parser = argparse.ArgumentParser(prog="python -m bench.stats", description=__doc__)
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args()
    dsn = f"{POSTGRES}/{NAME}"
    sqlalchemy_url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    now = datetime.now(UTC)
    started = time.perf_counter()
    asyncio.run(fill(dsn, args.incidents, now))
    print(f"filled {args.incidents:,} incidents in {time.perf_counter() - started:.1f} s")
    today = now.date()
    periods = {
        "default (30 days)": (today - timedelta(days=29), today),
        f"all {SPAN_DAYS} days": (today - timedelta(days=SPAN_DAYS - 1), today),
        "one day": (today - timedelta(days=1), today - timedelta(days=1)),
    }
    key = server.make_key(dsn)
    with (
        tempfile.TemporaryDirectory() as scratch,
        server.serving(dsn, workers=1, log=Path(scratch) / "serve.log") as served,
    ):
        print(f"{'period':<20} {'endpoint p50':>13} {'min':>9} {'max':>9} {'database':>10}")
        for name, (since, until) in periods.items():
            url = f"{served.url}/api/v1/stats?since={since}&until={until}"
            _get(url, key)  # warm up
            times = [_get(url, key) for _ in range(CALLS)]
            db_ms, statements = asyncio.run(database_time(sqlalchemy_url, since, until))
            print(
                f"{name:<20} {statistics.median(times):>10.1f} ms {min(times):>6.1f} ms "
                f"{max(times):>6.1f} ms {db_ms:>7.1f} ms ({statements} statements)"
            )


if __name__ == "__main__":
    main()
