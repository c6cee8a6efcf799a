"""Exact incident totals from the counter rows the triggers keep, without scanning incidents."""

from __future__ import annotations

from dataclasses import MISSING, Field, fields
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.incidents import IncidentFilter, count_incidents
from incidents.db.tables import incident_counters
from incidents.domain.incident import Status

# The filter fields the counters are keyed by. Any other field that is set (text search,
# a dedup key, ...) has no counter, and the total falls back to a plain count(*).
COUNTED_FIELDS = frozenset({"statuses", "sources", "resolutions"})


def has_counter(flt: IncidentFilter) -> bool:
    """Whether the counters can answer `flt`: it filters on status, source, resolution only."""
    return all(
        getattr(flt, field.name) == _default_of(field)
        for field in fields(flt)
        if field.name not in COUNTED_FIELDS
    )


def _default_of(field: Field[Any]) -> Any:
    if field.default_factory is not MISSING:
        return field.default_factory()
    return field.default


def _where(flt: IncidentFilter) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if flt.statuses:
        clauses.append(incident_counters.c.status.in_([s.value for s in flt.statuses]))
    if flt.sources:
        clauses.append(incident_counters.c.source.in_([s.value for s in flt.sources]))
    if flt.resolutions:
        clauses.append(incident_counters.c.resolution.in_([r.value for r in flt.resolutions]))
    return and_(true(), *clauses)


async def total_of(conn: AsyncConnection, flt: IncidentFilter) -> int:
    """How many incidents match `flt`: a sum of counters when they can say, else count(*)."""
    if not has_counter(flt):
        return await count_incidents(conn, flt)
    query = select(func.coalesce(func.sum(incident_counters.c.count), 0)).where(_where(flt))
    return int((await conn.execute(query)).scalar_one())


async def incidents_by_status(conn: AsyncConnection) -> dict[Status, int]:
    """The number of incidents in each status (zero for statuses nobody is in)."""
    query = select(incident_counters.c.status, func.sum(incident_counters.c.count)).group_by(
        incident_counters.c.status
    )
    counts = dict.fromkeys(Status, 0)
    for status, count in await conn.execute(query):
        counts[Status(status)] = int(count)
    return counts
