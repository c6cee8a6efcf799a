"""Incident use cases: report, read, list, change, and read the trail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from incidents.db import audit, chats, counters, idempotency, pages
from incidents.db import incidents as incident_store
from incidents.db.engine import UniqueViolation
from incidents.db.incidents import IncidentFilter
from incidents.domain.access import (
    Actor,
    Permission,
    assignee_meant,
    require,
    require_incident_source,
    require_source,
    visible_sources,
)
from incidents.domain.audit import Event
from incidents.domain.cursor import Position
from incidents.domain.errors import (
    IdempotencyConflict,
    IncidentNotFound,
    InvalidInput,
    VersionMismatch,
)
from incidents.domain.incident import (
    Incident,
    Resolution,
    Source,
    Status,
    check_storable,
    clean_text,
    search_words,
)
from incidents.domain.notifications import ChatOrigin, Link, LinkRole
from incidents.service.changes import (
    KEEP,
    Keep,
    Wanted,
    apply_change,
    decide_change,
    write_change_at_once,
    write_report,
    write_report_at_once,
)
from incidents.service.costly import DEEP_OFFSET
from incidents.service.duplicates import RootMoved, check_duplicate_request, lock
from incidents.service.owners import known_owner
from incidents.service.runtime import Runtime

# Idempotency keys are kept at least this long (and purged a little after).
IDEMPOTENCY_TTL = timedelta(hours=24)
# Offsets go this deep; the cursor goes further (a deep offset reads every row before it).
MAX_OFFSET = 10_000
# A change folding into a target that moves meanwhile starts again; a third move is a bug.
ATTEMPTS = 3


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, with the total that matches its filter and where the next starts."""

    items: list[T]
    total: int
    next: Position | None = None
    # False: `total` is a lower bound (a text search with more matches than it counts).
    exact: bool = True


@dataclass(frozen=True, slots=True)
class Reported:
    """The outcome of a report: the incident, and whether an earlier request created it."""

    incident: Incident
    replayed: bool = False


async def create_incident(
    runtime: Runtime,
    *,
    actor: Actor,
    description: str,
    source: Source,
    idempotency_key: str | None = None,
    origin: ChatOrigin | None = None,
) -> Reported:
    """Record a new incident in status `new`, with its `created` event.

    With an idempotency key, a retry of the same request by the same actor returns the
    incident the first one created; the same key with another body raises IdempotencyConflict.
    From a chat (`origin`, the message it was reported with), a message reports at most once
    and its chat follows the incident; reported elsewhere, the incident is announced.
    """
    require(actor, Permission.REPORT)
    require_source(actor, source)
    description = clean_text(description, field="description")
    # The first try may lose a race for the key to a concurrent request; the second then
    # finds that request's committed claim.
    for _ in range(2):
        try:
            return await _create_once(runtime, actor, description, source, idempotency_key, origin)
        except UniqueViolation:
            continue
    raise RuntimeError("idempotency key claimed twice without a committed claim")


async def _create_once(
    runtime: Runtime,
    actor: Actor,
    description: str,
    source: Source,
    key: str | None,
    origin: ChatOrigin | None,
) -> Reported:
    now = runtime.clock.now()
    driver = runtime.database.driver
    if driver is not None and key is None and origin is None:
        # Nothing to look up first: one statement writes the whole report.
        async with driver.connection() as conn:
            reported = await write_report_at_once(
                conn, description=description, source=source, actor=actor, now=now
            )
        return Reported(reported)
    fingerprint = _fingerprint(description, source)
    async with runtime.database.transaction() as tx:
        conn = tx.connection
        message = None if origin is None else origin.message
        if message is not None:
            earlier = await chats.link_of(conn, message)
            if earlier is not None and earlier.incident_id is not None:
                incident = await incident_store.get_incident(conn, earlier.incident_id)
                assert incident is not None, "links refer to incidents by foreign key"
                return Reported(incident, replayed=True)
        if key is not None:
            await idempotency.purge(conn, before=now - IDEMPOTENCY_TTL)
            prior = await idempotency.find_claim(conn, client=actor.name, key=key)
            if prior is not None:
                if prior.fingerprint != fingerprint:
                    raise IdempotencyConflict(key)
                # The claim and its result commit together: a visible claim has its incident.
                assert prior.incident_id is not None
                incident = await incident_store.get_incident(conn, prior.incident_id)
                assert incident is not None, "claims refer to incidents by foreign key"
                return Reported(incident, replayed=True)
            await idempotency.claim(
                conn, client=actor.name, key=key, fingerprint=fingerprint, now=now
            )
        incident = await write_report(
            tx,
            description=description,
            source=source,
            reporter=actor.name,
            actor=actor,
            origin=origin,
            now=now,
        )
        if key is not None:
            await idempotency.record_result(
                conn, client=actor.name, key=key, incident_id=incident.id
            )
        await tx.commit()
    return Reported(incident)


def _fingerprint(description: str, source: Source) -> str:
    canonical = json.dumps({"description": description, "source": source.value}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def get_incident(runtime: Runtime, *, actor: Actor, incident_id: int) -> Incident:
    """One incident by id; raises IncidentNotFound."""
    require(actor, Permission.READ)
    if runtime.database.driver is not None:
        async with runtime.database.driver.connection() as driver:
            incident = await incident_store.fetch_incident(driver, incident_id)
    elif runtime.database.reader is not None:
        with runtime.database.reader.reading() as reader:
            incident = incident_store.read_incident(reader, incident_id)
    else:
        async with runtime.database.reads() as conn:
            incident = await incident_store.get_incident(conn, incident_id)
    if incident is None:
        raise IncidentNotFound(incident_id)
    require_incident_source(actor, incident)
    return incident


async def require_own_incident(runtime: Runtime, *, actor: Actor, incident_id: int) -> None:
    """Raise SourceNotAllowed when `actor` is bound and the incident is another source's;
    a missing incident passes (the use case says so in its turn). Unbound actors read nothing."""
    if actor.bound_source is None:
        return
    async with runtime.database.reads() as conn:
        incident = await incident_store.get_incident(conn, incident_id)
    if incident is not None:
        require_incident_source(actor, incident)


async def list_incidents(
    runtime: Runtime,
    *,
    actor: Actor,
    statuses: tuple[Status, ...] = (),
    sources: tuple[Source, ...] = (),
    dedup_key: str | None = None,
    search: str | None = None,
    limit: int,
    offset: int = 0,
    after: Position | None = None,
    resolutions: tuple[Resolution, ...] = (),
    assignees: tuple[str, ...] = (),
) -> Page[Incident]:
    """A page of incidents, newest first (past `after` if given), and how many match in all.

    `search` keeps incidents whose description contains each of its words, in any case;
    `assignees` are actor names, `me` (the actor) or `none` (unassigned).
    """
    require(actor, Permission.READ)
    visible = visible_sources(actor, sources)
    if visible is None:
        return Page(items=[], total=0)
    # PostgreSQL refuses a NUL even in a value to compare with: bad input, not a 500.
    flt = IncidentFilter(
        statuses=statuses,
        sources=visible,
        dedup_key=None if dedup_key is None else check_storable(dedup_key, field="dedup_key"),
        words=search_words(search or ""),
        resolutions=resolutions,
        assignees=tuple(assignee_meant(actor, name) for name in assignees),
    )
    check_offset(offset)
    costly = bool(flt.words) or offset > DEEP_OFFSET
    with runtime.costly.admitted() if costly else nullcontext():
        items, total, exact = await _read_page(
            runtime, flt, limit=limit, offset=offset, after=after, costly=costly
        )
    if len(items) <= limit:
        return Page(items=items, total=total, exact=exact)
    del items[limit:]
    after_last = Position(items[-1].created_at, items[-1].id)
    return Page(items=items, total=total, next=after_last, exact=exact)


def check_offset(offset: int) -> None:
    """Refuse an offset past MAX_OFFSET: the cursor reaches any depth at the same cost."""
    if offset > MAX_OFFSET:
        raise InvalidInput(
            "offset",
            f"offset goes up to {MAX_OFFSET}; to read further, follow the cursor: each page's "
            "`X-Next-Cursor` header (or its `Link: rel=next`) gives the `cursor` of the next.",
        )


async def _read_page(
    runtime: Runtime,
    flt: IncidentFilter,
    *,
    limit: int,
    offset: int,
    after: Position | None,
    costly: bool,
) -> tuple[list[Incident], int, bool]:
    """The page's rows (one more than `limit`: is there a next?), the total, and whether it
    is exact; a costly read runs under the costly deadline."""
    database = runtime.database
    if database.driver is not None:
        timeout = database.options.costly_timeout_ms
        opened = database.driver.costly(timeout) if costly else database.driver.connection()
        async with opened as driver:
            return await pages.fetch_page(driver, flt, limit=limit + 1, offset=offset, after=after)
    async with database.costly_reads() if costly else database.reads() as conn:
        items = await incident_store.list_incidents(
            conn, flt, limit=limit + 1, offset=offset, after=after
        )
        total, exact = await counters.total_of(conn, flt)
    return items, total, exact


async def change_incident(
    runtime: Runtime,
    *,
    actor: Actor,
    incident_id: int,
    status: Status | None = None,
    note: str | None = None,
    expected_versions: Collection[int] | None = None,
    expected_status: Status | None = None,
    origin: ChatOrigin | None = None,
    role: LinkRole = LinkRole.COMMAND,
    assignee: str | Keep | None = KEEP,
    resolution: Resolution | None = None,
    duplicate_of: int | None = None,
) -> Incident:
    """Move an incident to `status`, append `note`, hand it to `assignee`, atomically.

    A `resolution` of false_alarm or duplicate closes it early (a duplicate folds into
    `duplicate_of`'s root). Raises IncidentNotFound, VersionMismatch when the incident is at
    none of `expected_versions` (None: any version will do) or not in `expected_status`,
    IllegalTransition, DuplicateConflict and InvalidInput.
    Asking for what it already is changes nothing. Asked in a chat (`origin`), the
    person's message changes the incident at most once (it is tied to it as `role`), and
    every other chat following the incident is told.
    """
    require(actor, Permission.CHANGE)
    # The binding answers first: nothing else about another source's incident is told.
    await require_own_incident(runtime, actor=actor, incident_id=incident_id)
    if note is not None:
        note = clean_text(note, field="description_append")
    if isinstance(assignee, str):
        assignee = await known_owner(runtime, actor, assignee)
    check_duplicate_request(incident_id, resolution, duplicate_of)
    wanted = Wanted(status=status, note=note, assignee=assignee, resolution=resolution)
    expected = Expected(expected_versions, expected_status)
    driver = runtime.database.driver
    if driver is not None and duplicate_of is None and origin is None:
        # Read, decide, then one conditional write; a change that came between is read anew.
        for _ in range(ATTEMPTS):
            async with driver.connection() as conn:
                changed = await _change_at_once(runtime, conn, actor, incident_id, wanted, expected)
            if changed is not None:
                return changed
        # Still racing: take the row lock below, as folds do.
    for _ in range(ATTEMPTS):
        try:
            return await _change_once(
                runtime,
                actor,
                incident_id,
                wanted,
                expected,
                origin,
                role,
                duplicate_of,
            )
        except RootMoved:
            continue
    raise RuntimeError("duplicate targets kept moving")


@dataclass(frozen=True, slots=True)
class Expected:
    """What the caller believes the incident is at: versions (None: any) and status."""

    versions: Collection[int] | None
    status: Status | None


async def _change_at_once(
    runtime: Runtime,
    driver: Any,
    actor: Actor,
    incident_id: int,
    wanted: Wanted,
    expected: Expected,
) -> Incident | None:
    """One optimistic try on the driver (PostgreSQL); None when another change came first."""
    current = await incident_store.fetch_incident(driver, incident_id)
    if current is None:
        raise IncidentNotFound(incident_id)
    require_incident_source(actor, current)
    _check_expected(current, expected)
    decision = decide_change(current, wanted, actor=actor)
    if decision is None:
        return current
    return await write_change_at_once(
        driver, current, decision, actor=actor, now=runtime.clock.now()
    )


def _check_expected(current: Incident, expected: Expected) -> None:
    """Raise VersionMismatch unless `current` is at a version and status the caller expects."""
    stale_version = expected.versions is not None and current.version not in expected.versions
    moved = expected.status is not None and current.status != expected.status
    if stale_version or moved:
        raise VersionMismatch(current.id, current.version)


async def _change_once(
    runtime: Runtime,
    actor: Actor,
    incident_id: int,
    wanted: Wanted,
    expected: Expected,
    origin: ChatOrigin | None,
    role: LinkRole,
    duplicate_of: int | None,
) -> Incident:
    message = None if origin is None else origin.message
    async with runtime.database.transaction() as tx:
        locked = await lock(tx, incident_id, duplicate_of, actor=actor)
        current = locked.current
        if message is not None and await chats.link_of(tx.connection, message) is not None:
            return current  # a redelivered message: done the first time
        _check_expected(current, expected)
        changed = await apply_change(
            tx,
            current,
            wanted,
            actor=actor,
            origin=origin,
            now=runtime.clock.now(),
            root=locked.root,
        )
        if message is not None:
            assert origin is not None
            link = Link(message, incident_id, role, origin.file, topic=origin.topic)
            await chats.insert_link(tx.connection, link, now=runtime.clock.now())
        await tx.commit()
    return changed


async def list_events(
    runtime: Runtime, *, actor: Actor, incident_id: int, limit: int, offset: int
) -> Page[Event]:
    """A page of an incident's audit trail, oldest first; raises IncidentNotFound."""
    require(actor, Permission.READ)
    async with runtime.database.reads() as conn:
        incident = await incident_store.get_incident(conn, incident_id)
        if incident is None:
            raise IncidentNotFound(incident_id)
        require_incident_source(actor, incident)
        items = await audit.list_events(conn, incident_id, limit=limit, offset=offset)
        total = await audit.count_events(conn, incident_id)
    return Page(items=items, total=total)


async def incidents_by_status(runtime: Runtime) -> dict[Status, int]:
    """How many incidents are in each status (for metrics: no actor needed)."""
    async with runtime.database.reads() as conn:
        return await counters.incidents_by_status(conn)


async def count_by_status(
    runtime: Runtime,
    *,
    actor: Actor,
    sources: tuple[Source, ...] = (),
    search: str | None = None,
) -> dict[Status, int]:
    """How many incidents of `sources` matching `search` are in each status."""
    require(actor, Permission.READ)
    visible = visible_sources(actor, sources)
    if visible is None:
        return dict.fromkeys(Status, 0)
    flt = IncidentFilter(sources=visible, words=search_words(search or ""))
    async with runtime.database.reads() as conn:
        return await incident_store.incidents_by_status(conn, flt)
