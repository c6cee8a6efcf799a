"""`python -m bench.alertmanager`: one Alertmanager notification of N alerts (5,000 by
default) applied by `incidents serve` over HTTP, on SQLite and on PostgreSQL, against the
database's own time for the same writes.

Per database and size it prints the time to answer a notification that opens every alert,
one that counts each again (after the retry window), one that resolves them all, and a
copy sent again within the window (answered from memory); then the time the database takes
to insert the same rows (incidents, their `created` events, their announcements) in one
transaction with no service around it. Alertmanager gives up on a notification after 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from tests.api.test_alertmanager import NOT_YET, notification

from bench import server
from bench.scratch import fresh_postgres

NAME = "incidents_bench_alertmanager"
PATH = "/api/v1/integrations/alertmanager"


def _group(count: int, status: str, run: str) -> dict[str, Any]:
    alerts = [
        {
            "status": status,
            "labels": {"alertname": "ScooterOffline", "instance": f"scooter-{n}", "job": "fleet"},
            "annotations": {"summary": f"Scooter {n} offline", "description": "No reports."},
            "startsAt": "2026-12-07T09:00:00Z",
            "endsAt": NOT_YET if status == "firing" else "2026-12-07T09:30:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
            "fingerprint": f"{run}{n:012x}",
        }
        for n in range(count)
    ]
    return notification(status, alerts)


def _post(client: httpx.Client, body: dict[str, Any]) -> float:
    started = time.perf_counter()
    answer = client.post(PATH, json=body, timeout=120)
    answer.raise_for_status()
    return time.perf_counter() - started


def _through_http(database_url: str, count: int, log: Path) -> dict[str, float]:
    key = server.make_key(database_url)
    figures: dict[str, float] = {}
    with server.serving(database_url, workers=1, log=log) as served:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=served.url, headers=headers) as client:
            firing, resolved = _group(count, "firing", "a"), _group(count, "resolved", "a")
            figures["open all"] = _post(client, firing)
            figures["sent again (retry)"] = _post(client, firing)
            # Another run's keys, so the count is not answered from memory.
            figures["open all (2nd group)"] = _post(client, _group(count, "firing", "b"))
            figures["resolve all"] = _post(client, resolved)
    return figures


async def _database_alone(database_url: str, count: int) -> float:
    """The same rows inserted by the database alone, in one transaction (PostgreSQL)."""
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    now = datetime.now(UTC)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            ids = await conn.fetch(
                "INSERT INTO incidents (description, search_text, status, source, version, "
                "created_by, created_at, updated_at, dedup_key, occurrences, last_seen_at, "
                "details) SELECT d, d, 'new', 'monitoring', 1, 'key:bench', $1, $1, k, 1, $1, "
                "$4::jsonb FROM unnest($2::text[], $3::text[]) AS t(d, k) RETURNING id",
                now,
                [f"Scooter {n} offline" for n in range(count)],
                [f"c{n:012x}" for n in range(count)],
                json.dumps({"labels": {"alertname": "ScooterOffline"}}),
            )
            numbers = [row["id"] for row in ids]
            events = await conn.fetch(
                "INSERT INTO incident_events (incident_id, kind, actor, created_at, data) "
                "SELECT i, 'created', 'key:bench', $1, '{}' FROM unnest($2::bigint[]) AS t(i) "
                "RETURNING id, incident_id",
                now,
                numbers,
            )
            await conn.execute(
                "INSERT INTO outbox (kind, incident_id, actor, event_id, created_at, attempts, "
                "next_attempt_at) SELECT 'created', i, 'key:bench', e, $1, 0, $1 "
                "FROM unnest($2::bigint[], $3::bigint[]) AS t(i, e)",
                now,
                [row["incident_id"] for row in events],
                [row["id"] for row in events],
            )
        return time.perf_counter() - started
    finally:
        await conn.close()


async def _scratch_postgres() -> str:
    dsn = await fresh_postgres(NAME)
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-am-") as folder:
        log = Path(folder) / "serve.log"
        sqlite = f"sqlite+aiosqlite:///{folder}/bench.db"
        postgres = asyncio.run(_scratch_postgres())
        print(f"One Alertmanager notification of {args.alerts} alerts, over HTTP (seconds):")
        for name, url in (("SQLite", sqlite), ("PostgreSQL", postgres)):
            for step, seconds in _through_http(url, args.alerts, log).items():
                print(f"  {name:<10} {step:<22} {seconds:6.2f}")
        alone = asyncio.run(_database_alone(postgres, args.alerts))
        print(f"  PostgreSQL alone: the same {args.alerts} incidents, events and notices "
              f"inserted in one transaction: {alone:.2f} s")  # fmt: skip
        print(f"Alertmanager's notify timeout: {timedelta(seconds=10).total_seconds():.0f} s")


if __name__ == "__main__":
    main()
