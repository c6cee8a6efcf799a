"""What clients were told, and the check that the database holds exactly that, whole."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from incidents.db import tables
from incidents.db.engine import create_engine
from tests.reliability.harness import Tally

# The move a worker makes next from each status (one status_changed event each).
NEXT = {"new": "in_progress", "in_progress": "resolved", "resolved": "closed"}
REOPEN = {"resolved": "in_progress"}
# Taking an incident also makes the taker its owner: that event comes in the same version.
RIDES_ALONG = frozenset({"assigned"})


@dataclass
class Ledger:
    """Every write a client sent, and which of them were acknowledged (got a 2xx)."""

    # Idempotency-Key -> the incident id the create was acknowledged with (None: not yet).
    creates: dict[str, int | None] = field(default_factory=dict)
    # Incident id -> (version, status) of each acknowledged change.
    changes: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    # Incident id -> the status its worker believes it has.
    known: dict[int, str] = field(default_factory=dict)
    acknowledged: int = 0
    tally: Tally = field(default_factory=Tally)

    @staticmethod
    def description(key: str) -> str:
        return f"Durability probe {key}"

    async def create(self, http: httpx.AsyncClient, key: str) -> int | None:
        """Report an incident under Idempotency-Key `key`; its id once acknowledged."""
        self.creates.setdefault(key, None)
        try:
            response = await http.post(
                "/api/v1/incidents",
                json={"description": self.description(key), "source": "monitoring"},
                headers={"Idempotency-Key": key},
            )
        except httpx.TransportError:
            self.tally.failed()
            return None
        self.tally.saw(response)
        assert response.status_code == 201, response.text
        incident = response.json()
        assert self.creates[key] in (None, incident["id"]), "one key, two incidents"
        self.creates[key] = incident["id"]
        self.known[incident["id"]] = incident["status"]
        self.acknowledged += 1
        return int(incident["id"])

    async def change(self, http: httpx.AsyncClient, incident_id: int, rng: random.Random) -> bool:
        """Move an incident one step on; False when the server could not be reached."""
        status = self.known[incident_id]
        moves = [NEXT.get(status), REOPEN.get(status)]
        target = rng.choice([m for m in moves if m is not None] or [None])
        if target is None:
            return True
        try:
            response = await http.patch(f"/api/v1/incidents/{incident_id}", json={"status": target})
        except httpx.TransportError:
            self.tally.failed()
            return False
        self.tally.saw(response)
        # 409: an unacknowledged change did happen before a kill; the next sync learns it.
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200:
            body = response.json()
            self.changes[incident_id].append((body["version"], body["status"]))
            self.known[incident_id] = body["status"]
            self.acknowledged += 1
        return True


async def drive(
    ledger: Ledger, http: httpx.AsyncClient, *, worker: int, round_: int, stop: asyncio.Event
) -> None:
    """One client: report incidents and move its own ones on, until stopped or cut off."""
    rng = random.Random(f"{round_}-{worker}")
    own: list[int] = []
    for n in range(1_000_000):
        if stop.is_set():
            return
        if not own or rng.random() < 0.35:
            created = await ledger.create(http, f"r{round_}-w{worker}-{n}")
            if created is None:
                return
            own.append(created)
        elif not await ledger.change(http, rng.choice(own), rng):
            return


async def retry_unacknowledged(ledger: Ledger, http: httpx.AsyncClient) -> int:
    """Send every unacknowledged create again with its key; how many were retried."""
    pending = [key for key, incident in ledger.creates.items() if incident is None]
    for key in pending:
        assert await ledger.create(http, key) is not None
    return len(pending)


async def sync_from_server(ledger: Ledger, http: httpx.AsyncClient) -> int:
    """Check each acknowledged write through the API; learn each incident's status.

    Returns how many acknowledged writes are missing (must be 0).
    """
    gate = asyncio.Semaphore(8)

    async def check(incident_id: int) -> int:
        async with gate:
            return await _check_incident(ledger, http, incident_id)

    return sum(await asyncio.gather(*(check(i) for i in list(ledger.known))))


async def _check_incident(ledger: Ledger, http: httpx.AsyncClient, incident_id: int) -> int:
    got = await http.get(f"/api/v1/incidents/{incident_id}")
    ledger.tally.saw(got)
    if got.status_code == 404:
        return 1 + len(ledger.changes[incident_id])
    assert got.status_code == 200, got.text
    incident = got.json()
    trail = await http.get(f"/api/v1/incidents/{incident_id}/events", params={"limit": 200})
    ledger.tally.saw(trail)
    assert trail.status_code == 200, trail.text
    events = [event for event in trail.json() if event["kind"] not in RIDES_ALONG]
    assert events[0]["kind"] == "created"
    lost = 0
    for version, status in ledger.changes[incident_id]:
        # Change number k made version k+1 and wrote event k+1.
        missing = incident["version"] < version or len(events) < version
        if missing or events[version - 1].get("to") != status:
            lost += 1
    ledger.known[incident_id] = incident["status"]
    return lost


async def check_database(url: str, ledger: Ledger) -> tuple[int, int]:
    """Every incident in the database is whole; returns (duplicates, half-written incidents).

    Whole: one `created` event, then one `status_changed` event per later version, the last
    one ending at the incident's status, and one outbox row per change (all made by a key).
    """
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(tables.incidents))).mappings().all()
            trails = defaultdict(list)
            for event in (
                await conn.execute(
                    select(tables.incident_events).order_by(tables.incident_events.c.id)
                )
            ).mappings():
                trails[event["incident_id"]].append(event)
            counts = select(tables.outbox.c.incident_id, func.count()).group_by(
                tables.outbox.c.incident_id
            )
            outbox: dict[int, int] = {row[0]: row[1] for row in await conn.execute(counts)}
            claims = (await conn.execute(select(tables.idempotency_keys))).mappings().all()
    finally:
        await engine.dispose()
    half_written = sum(not _whole(row, trails[row["id"]], outbox.get(row["id"], 0)) for row in rows)
    by_description = Counter(row["description"] for row in rows)
    duplicates = sum(n - 1 for n in by_description.values() if n > 1)
    expected = {Ledger.description(key) for key in ledger.creates}
    assert set(by_description) == expected, "incidents nobody reported, or reports missing"
    assert all(claim["incident_id"] is not None for claim in claims), "a claim without result"
    return duplicates, half_written


def _whole(incident: Any, trail: list[Any], outbox_rows: int) -> bool:
    trail = [event for event in trail if event["kind"] not in RIDES_ALONG]
    if len(trail) != incident["version"] or outbox_rows != incident["version"]:
        return False
    if trail[0]["kind"] != "created" or any(e["kind"] != "status_changed" for e in trail[1:]):
        return False
    return len(trail) == 1 or trail[-1]["data"]["to"] == incident["status"]
