"""`python -m bench.webhooks`: what a webhook subscription costs a create.

Per database (SQLite, PostgreSQL) it reports N incidents (2,000 by default) through the
create use case, 8 at a time, with 0, 1 and 5 subscriptions that want them, and prints the
creates per second; then the database's own rate for the bare rows of a create (the
incident, its event, its announcement and, with subscriptions, one delivery each), one
transaction per create, no service around it. No sender runs: what is measured is the cost
of queueing the deliveries in the change's transaction, not of posting them.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.scratch import fresh_postgres
from incidents.db.migrate import upgrade_to_head
from incidents.domain.access import Actor
from incidents.domain.incident import Source
from incidents.service import incidents, webhooks
from incidents.service.runtime import Runtime
from incidents.settings import Settings

NAME = "incidents_bench_webhooks"
CONCURRENCY = 8
SUBSCRIPTIONS = (0, 1, 5)
BENCH = Actor.system("bench")

_INCIDENT = (
    "INSERT INTO incidents (description, search_text, status, source, version, created_by, "
    "created_at, updated_at, occurrences, last_seen_at) "
    "VALUES ({0}, {0}, 'new', 'operator', 1, 'key:bench', {1}, {1}, 1, {1})"
)
_EVENT = (
    "INSERT INTO incident_events (incident_id, kind, actor, created_at, data) "
    "VALUES ({0}, 'created', 'key:bench', {1}, '{{}}')"
)
_NOTICE = (
    "INSERT INTO outbox (kind, incident_id, actor, created_at, attempts, next_attempt_at) "
    "VALUES ('created', {0}, 'key:bench', {1}, 0, {1})"
)
_DELIVERY = (
    "INSERT INTO webhook_deliveries (webhook_id, incident_id, type, body, created_at, "
    "attempts, next_attempt_at) VALUES ({0}, {1}, 'incident.created', {2}, {3}, 0, {3})"
)
# About the size of a created incident's body.
BODY = "x" * 900


async def _creates_per_second(database_url: str, count: int, subscribed: int) -> float:
    """Creates per second through the use case with `subscribed` subscriptions."""
    runtime = Runtime.open(Settings(database_url=database_url, _env_file=None))
    try:
        for n in range(subscribed):
            await webhooks.subscribe(
                runtime, actor=BENCH, url=f"http://127.0.0.1:9/hook-{n}", source=None
            )
        numbers = iter(range(count))

        async def worker() -> None:
            for n in numbers:
                await incidents.create_incident(
                    runtime, actor=BENCH, description=f"Scooter {n} offline", source=Source.OPERATOR
                )

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return count / (time.perf_counter() - started)
    finally:
        await runtime.close()


async def _postgres_alone(dsn: str, count: int, subscribed: int) -> float:
    """Bare rows per create on asyncpg, one transaction each, 8 connections at a time."""
    pool = await asyncpg.create_pool(dsn, min_size=CONCURRENCY, max_size=CONCURRENCY)
    assert pool is not None
    try:
        hooks = [
            await pool.fetchval(
                "INSERT INTO webhooks (url, description, secret, created_by, created_at) "
                "VALUES ('http://127.0.0.1:9/', '', 'whsec_', 'bench', now()) RETURNING id"
            )
            for _ in range(subscribed)
        ]
        numbers = iter(range(count))

        async def worker() -> None:
            for n in numbers:
                async with pool.acquire() as conn, conn.transaction():
                    now = datetime.now(UTC)
                    made = await conn.fetchval(
                        _INCIDENT.format("$1", "$2") + " RETURNING id", f"bare {n}", now
                    )
                    await conn.execute(_EVENT.format("$1", "$2"), made, now)
                    await conn.execute(_NOTICE.format("$1", "$2"), made, now)
                    if hooks:
                        await conn.executemany(
                            _DELIVERY.format("$1", "$2", "$3", "$4"),
                            [(hook, made, BODY, now) for hook in hooks],
                        )

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return count / (time.perf_counter() - started)
    finally:
        await pool.close()


def _sqlite_alone(path: Path, count: int, subscribed: int) -> float:
    """Bare rows per create on sqlite3 (WAL), one transaction each."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        now = datetime.now(UTC).isoformat()
        hooks = []
        for _ in range(subscribed):
            hooks.append(
                conn.execute(
                    "INSERT INTO webhooks (url, description, secret, created_by, created_at) "
                    "VALUES ('http://127.0.0.1:9/', '', 'whsec_', 'bench', ?)",
                    (now,),
                ).lastrowid
            )
        started = time.perf_counter()
        for n in range(count):
            conn.execute("BEGIN IMMEDIATE")
            made = conn.execute(_INCIDENT.format("?", "?2"), (f"bare {n}", now)).lastrowid
            conn.execute(_EVENT.format("?", "?2"), (made, now))
            conn.execute(_NOTICE.format("?", "?2"), (made, now))
            conn.executemany(
                _DELIVERY.format("?1", "?2", "?3", "?4"), [(h, made, BODY, now) for h in hooks]
            )
            conn.execute("COMMIT")
        return count / (time.perf_counter() - started)
    finally:
        conn.close()


async def _fresh_postgres() -> str:
    url = (await fresh_postgres(NAME)).replace("postgresql://", "postgresql+asyncpg://", 1)
    await upgrade_to_head(url)
    return url


async def _fresh_sqlite(folder: Path, name: str) -> str:
    url = f"sqlite+aiosqlite:///{folder}/{name}.db"
    await upgrade_to_head(url)
    return url


async def _measure(folder: Path, count: int) -> None:
    print(f"Creates per second, {count} incidents, {CONCURRENCY} at a time:")
    print(f"  {'database':<11} {'subscriptions':>13} {'use case':>9} {'bare rows':>10}")
    for subscribed in SUBSCRIPTIONS:
        url = await _fresh_sqlite(folder, f"case-{subscribed}")
        case = await _creates_per_second(url, count, subscribed)
        bare_url = await _fresh_sqlite(folder, f"bare-{subscribed}")
        bare = _sqlite_alone(Path(bare_url.split("///", 1)[1]), count, subscribed)
        print(f"  {'SQLite':<11} {subscribed:>13} {case:>9.0f} {bare:>10.0f}")
    for subscribed in SUBSCRIPTIONS:
        url = await _fresh_postgres()
        case = await _creates_per_second(url, count, subscribed)
        url = await _fresh_postgres()
        bare = await _postgres_alone(url.replace("+asyncpg", ""), count, subscribed)
        print(f"  {'PostgreSQL':<11} {subscribed:>13} {case:>9.0f} {bare:>10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creates", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder:
        asyncio.run(_measure(Path(folder), args.creates))


if __name__ == "__main__":
    main()
