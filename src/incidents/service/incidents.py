"""Incident use cases: create, read, list and change."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from incidents.db import queries
from incidents.db.queries import IncidentFilter
from incidents.domain.errors import IncidentNotFound, VersionMismatch
from incidents.domain.incident import (
    Incident,
    Source,
    Status,
    append_note,
    check_transition,
    clean_text,
)
from incidents.service.context import Registry


@dataclass(frozen=True, slots=True)
class IncidentPage:
    """One page of a list, with the total that matches its filter."""

    items: list[Incident]
    total: int


async def create_incident(registry: Registry, *, description: str, source: Source) -> Incident:
    """Record a new incident in status `new`."""
    description = clean_text(description, field="description")
    async with registry.database.transaction(write=True) as tx:
        incident = await queries.insert_incident(
            tx.connection,
            description=description,
            source=source,
            status=Status.NEW,
            now=registry.clock.now(),
        )
        await tx.commit()
    return incident


async def get_incident(registry: Registry, incident_id: int) -> Incident:
    """One incident by id; raises IncidentNotFound."""
    async with registry.database.transaction(write=False) as tx:
        incident = await queries.get_incident(tx.connection, incident_id)
    if incident is None:
        raise IncidentNotFound(incident_id)
    return incident


async def list_incidents(
    registry: Registry,
    *,
    statuses: tuple[Status, ...] = (),
    sources: tuple[Source, ...] = (),
    limit: int,
    offset: int,
) -> IncidentPage:
    """A page of incidents, newest first, and how many match in all."""
    flt = IncidentFilter(statuses=statuses, sources=sources)
    async with registry.database.transaction(write=False) as tx:
        items = await queries.list_incidents(tx.connection, flt, limit=limit, offset=offset)
        total = await queries.count_incidents(tx.connection, flt)
    return IncidentPage(items=items, total=total)


async def change_incident(
    registry: Registry,
    incident_id: int,
    *,
    status: Status | None = None,
    note: str | None = None,
    expected_versions: Collection[int] | None = None,
) -> Incident:
    """Move an incident to `status` and/or append `note`, atomically.

    Raises IncidentNotFound, VersionMismatch when the incident is at none of
    `expected_versions` (None: any version will do), and
    IllegalTransition. Asking for the status it already has changes nothing.
    """
    if note is not None:
        note = clean_text(note, field="description_append")
    async with registry.database.transaction(write=True) as tx:
        current = await queries.get_incident(tx.connection, incident_id, for_update=True)
        if current is None:
            raise IncidentNotFound(incident_id)
        if expected_versions is not None and current.version not in expected_versions:
            raise VersionMismatch(incident_id, current.version)
        target = current.status if status is None else status
        check_transition(current.status, target)
        if target == current.status and note is None:
            return current
        description = (
            current.description if note is None else append_note(current.description, note)
        )
        changed = await queries.update_incident(
            tx.connection, current, description=description, status=target, now=registry.clock.now()
        )
        await tx.commit()
    return changed


async def incidents_by_status(registry: Registry) -> dict[Status, int]:
    """How many incidents are in each status."""
    async with registry.database.transaction(write=False) as tx:
        return await queries.incidents_by_status(tx.connection)
