"""The request path's statements on the driver (PostgreSQL) answer exactly as the SQLAlchemy
queries they stand in for, which SQLite runs: the same incidents, pages and totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from incidents.db import counters, pages
from incidents.db import incidents as store
from incidents.db.engine import Database
from incidents.db.incidents import IncidentFilter
from incidents.domain.access import Actor, Role
from incidents.domain.actors import ActorId
from incidents.domain.cursor import Position
from incidents.domain.incident import Resolution, Source, Status
from incidents.service import incidents as service
from incidents.service.runtime import Runtime
from tests.conftest import TickingClock

DESCRIPTIONS = [
    "Самокат #42 не отвечает",
    "Scooter #7 offline in Berlin",
    "Parcel locker 50% jammed",
    "Charging station a_b offline",
    "Два самоката сломаны",
    "Payment terminal offline",
]

FILTERS = [
    IncidentFilter(),
    IncidentFilter(statuses=(Status.NEW,)),
    IncidentFilter(statuses=(Status.NEW, Status.CLOSED), sources=(Source.PARTNER,)),
    IncidentFilter(resolutions=(Resolution.FALSE_ALARM,)),
    IncidentFilter(words=("offline",)),
    IncidentFilter(words=("offline", "berlin")),
    IncidentFilter(words=("50%",)),
    IncidentFilter(words=("a_b",)),
    IncidentFilter(words=("самокат",)),
    IncidentFilter(assignees=("user:olga", None)),
    IncidentFilter(assignees=("telegram:42",)),
    IncidentFilter(dedup_key="nothing"),
]


@pytest.fixture
async def runtime(database_url: str) -> Runtime:
    return Runtime(Database.from_url(database_url), TickingClock())


async def _fill(runtime: Runtime) -> None:
    actor = Actor(who=ActorId.key("tests"), role=Role.ADMIN)
    sources = list(Source)
    made = []
    for n, text in enumerate(DESCRIPTIONS):
        reported = await service.create_incident(
            runtime, actor=actor, description=text, source=sources[n % len(sources)]
        )
        made.append(reported.incident.id)
    await service.change_incident(
        runtime, actor=actor, incident_id=made[1], status=Status.IN_PROGRESS, assignee="telegram:42"
    )
    await service.change_incident(
        runtime,
        actor=actor,
        incident_id=made[2],
        status=Status.CLOSED,
        resolution=Resolution.FALSE_ALARM,
        note="Test alert.",
    )
    await service.change_incident(
        runtime,
        actor=actor,
        incident_id=made[4],
        status=Status.CLOSED,
        resolution=Resolution.DUPLICATE,
        duplicate_of=made[0],
    )


async def test_driver_statements_answer_as_the_sqlalchemy_queries(runtime: Runtime) -> None:
    try:
        await _fill(runtime)
        driver = runtime.database.driver
        async with runtime.database.reads() as conn:
            for flt in FILTERS:
                for after in (None, Position(datetime.now(UTC) + timedelta(days=1), 10**6)):
                    expected = await store.list_incidents(conn, flt, limit=4, offset=1, after=after)
                    total, exact = await counters.total_of(conn, flt)
                    if driver is None:
                        continue  # SQLite: the SQLAlchemy queries are the request path
                    async with driver.connection() as raw:
                        found, found_total, found_exact = await pages.fetch_page(
                            raw, flt, limit=4, offset=1, after=after
                        )
                        assert found == expected, flt
                        assert (found_total, found_exact) == (total, exact), flt
                        for incident in expected:
                            assert await store.fetch_incident(raw, incident.id) == incident
            # Every read the service makes agrees with the rows themselves.
            for incident_id in range(1, len(DESCRIPTIONS) + 1):
                stored = await store.get_incident(conn, incident_id)
                actor = Actor(who=ActorId.key("tests"), role=Role.ADMIN)
                read = await service.get_incident(runtime, actor=actor, incident_id=incident_id)
                assert stored is not None
                assert read == replace(stored)
    finally:
        await runtime.database.dispose()
