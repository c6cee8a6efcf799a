"""Alert use cases: trigger and resolve incidents by dedup key, as monitoring does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from incidents.db import audit as trail
from incidents.db import incidents as incident_store
from incidents.db.engine import Transaction, UniqueViolation
from incidents.domain import audit
from incidents.domain.access import Actor, Permission, require, require_source
from incidents.domain.alerts import AlertOutcome, check_dedup_key, check_details
from incidents.domain.incident import (
    Incident,
    Resolution,
    Source,
    Status,
    clean_text,
    resolves_automatically,
    status_when_it_fires_again,
)
from incidents.service.outbox import announce_change, announce_created
from incidents.service.runtime import Runtime

# Status moves that follow from an alert are the registry's, not the reporter's.
EVENTS_ACTOR = Actor.system("events")
# An insert that collides re-reads the winner's row; a third collision would need the
# winner's incident closed in between, and a fourth is a bug.
ATTEMPTS = 4

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Handled:
    """What an alert did, and the incident it did it to (None: no open incident had the key)."""

    outcome: AlertOutcome
    incident: Incident | None


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger as the use case applies it: cleaned, with who reports and who moves status."""

    dedup_key: str
    summary: str
    source: Source
    details: dict[str, Any] | None
    reporter: Actor
    mover: Actor


async def in_transaction_with_retry(
    runtime: Runtime, work: Callable[[Transaction], Awaitable[T]]
) -> T:
    """Run `work` in a write transaction, again when an insert loses a unique-key race."""
    for _ in range(ATTEMPTS):
        try:
            async with runtime.database.transaction() as tx:
                result = await work(tx)
                await tx.commit()
                return result
        except UniqueViolation:
            continue
    raise RuntimeError(f"an insert collided {ATTEMPTS} times in a row")


async def trigger_alert(
    runtime: Runtime,
    *,
    actor: Actor,
    dedup_key: str,
    summary: str,
    source: Source | None = None,
    details: dict[str, Any] | None = None,
) -> Handled:
    """Report that the problem `dedup_key` names is there.

    No open incident with the key: a new one (`created`). An open one counts one more
    occurrence (`occurred_again`); a resolved one goes back to in_progress (`reopened`).
    Without `source`, the one `actor` is bound to, else monitoring.
    """
    require(actor, Permission.REPORT)
    # Left out, the source is the one the key is bound to: a bound key needs not repeat it.
    source = source or actor.bound_source or Source.MONITORING
    require_source(actor, source)
    trigger = Trigger(
        dedup_key=check_dedup_key(dedup_key),
        summary=clean_text(summary, field="summary"),
        source=source,
        details=check_details(details),
        reporter=actor,
        mover=EVENTS_ACTOR,
    )
    return await in_transaction_with_retry(
        runtime, lambda tx: apply_trigger(tx, trigger, now=runtime.clock.now())
    )


async def resolve_alert(runtime: Runtime, *, actor: Actor, dedup_key: str) -> Handled:
    """Report that the problem `dedup_key` names is gone: its open incident is resolved."""
    require(actor, Permission.REPORT)
    key = check_dedup_key(dedup_key)
    async with runtime.database.transaction() as tx:
        handled = await apply_resolve(
            tx, key, reporter=actor, mover=EVENTS_ACTOR, now=runtime.clock.now()
        )
        await tx.commit()
    return handled


async def apply_trigger(tx: Transaction, trigger: Trigger, *, now: datetime) -> Handled:
    """Apply a trigger inside `tx`; raises UniqueViolation when a concurrent one inserted."""
    conn = tx.connection
    current = await incident_store.find_open_incident(conn, trigger.dedup_key)
    if current is None:
        # The key of a duplicate counts toward the open incident it was folded into.
        root = await incident_store.find_duplicate_root(conn, trigger.dedup_key)
        if root is not None:
            current = await incident_store.get_incident(conn, root, for_update=True)
            bound = trigger.reporter.bound_source
            if current is not None and bound is not None and bound != current.source:
                current = None  # a key bound elsewhere reports anew rather than fail
    if current is None:
        incident = await incident_store.insert_incident(
            conn,
            description=trigger.summary,
            source=trigger.source,
            status=Status.NEW,
            created_by=trigger.reporter.name,
            now=now,
            dedup_key=trigger.dedup_key,
            details=trigger.details,
        )
        created = await _write(
            tx, incident, audit.created(), trigger.reporter, trigger.reporter, now
        )
        await announce_created(tx, incident, trigger.reporter, event_id=created, now=now)
        return Handled(AlertOutcome.CREATED, incident)
    require_source(trigger.reporter, current.source)
    target = status_when_it_fires_again(current.status)
    incident = await incident_store.record_occurrence(
        conn,
        current,
        status=target,
        details=trigger.details,
        now=now,
        resolution=current.resolution if target == current.status else None,
    )
    if target == current.status:
        again = audit.occurred_again(incident.occurrences)
        await _write(tx, incident, again, trigger.reporter, trigger.reporter, now)
        return Handled(AlertOutcome.OCCURRED_AGAIN, incident)
    happened = audit.reopened(
        current.status, target, incident.occurrences, reported_by=trigger.reporter.name
    )
    event_id = await _write(tx, incident, happened, trigger.mover, trigger.reporter, now)
    await announce_change(
        tx,
        incident,
        trigger.mover,
        moved_from=current.status,
        note=None,
        event_id=event_id,
        now=now,
    )
    return Handled(AlertOutcome.REOPENED, incident)


async def apply_resolve(
    tx: Transaction,
    dedup_key: str,
    *,
    reporter: Actor,
    mover: Actor,
    now: datetime,
) -> Handled:
    """Resolve the open incident with `dedup_key` inside `tx`, if it is not resolved yet."""
    current = await incident_store.find_open_incident(tx.connection, dedup_key)
    if current is None:
        return Handled(AlertOutcome.NOTHING_OPEN, None)
    require_source(reporter, current.source)
    if not resolves_automatically(current.status):
        return Handled(AlertOutcome.ALREADY_RESOLVED, current)
    incident = await incident_store.update_incident(
        tx.connection,
        current,
        description=current.description,
        status=Status.RESOLVED,
        now=now,
        resolution=Resolution.FIXED,
    )
    happened = audit.resolved(current.status, reported_by=reporter.name)
    event_id = await _write(tx, incident, happened, mover, reporter, now)
    await announce_change(
        tx, incident, mover, moved_from=current.status, note=None, event_id=event_id, now=now
    )
    return Handled(AlertOutcome.RESOLVED, incident)


async def _write(
    tx: Transaction,
    incident: Incident,
    event: audit.NewEvent,
    actor: Actor,
    reporter: Actor,
    now: datetime,
) -> int:
    # The reporter's request id ties the event to its request, whoever the actor is.
    [written] = await trail.insert_events(
        tx.connection,
        incident.id,
        [event],
        actor=actor.name,
        request=reporter,
        now=now,
    )
    return written
