"""Reminders: incidents nobody takes, or nobody moves, are pushed back into their chats."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from incidents.db import queries
from incidents.db import reminders as stored
from incidents.db.engine import Transaction
from incidents.domain import events
from incidents.domain.access import Actor
from incidents.domain.reminders import (
    REMINDED_STATUSES,
    REMINDERS_COMPONENT,
    ReminderPolicy,
    waiting_since,
)
from incidents.service.alerts import in_transaction_with_retry
from incidents.service.context import Registry
from incidents.service.outbox import announce_reminder

REMINDERS_ACTOR = Actor.system(REMINDERS_COMPONENT)


@dataclass(frozen=True, slots=True)
class Reminded:
    """A reminder queued: about which incident, and which of its series."""

    incident_id: int
    number: int


async def check_reminders(registry: Registry, *, policy: ReminderPolicy) -> list[Reminded]:
    """Queue every reminder due now. Safe in several processes at once: each reminder is
    claimed by one conditional write, and only the process that claimed it queues it."""
    queued = []
    for status in REMINDED_STATUSES:
        wait = policy.interval(status)
        if wait is None:
            continue
        async with registry.database.transaction(write=False) as tx:
            ids = await stored.due_ids(
                tx.connection, status=status, wait=wait, now=registry.clock.now()
            )
        for incident_id in ids:
            reminded = await in_transaction_with_retry(
                registry, partial(_remind, registry, incident_id, policy)
            )
            if reminded is not None:
                queued.append(reminded)
    return queued


async def _remind(
    registry: Registry, incident_id: int, policy: ReminderPolicy, tx: Transaction
) -> Reminded | None:
    incident = await queries.get_incident(tx.connection, incident_id, for_update=True)
    if incident is None:
        return None
    wait = policy.interval(incident.status)
    if wait is None:
        return None  # it moved on meanwhile, to a status nobody is reminded of
    now = registry.clock.now()
    since = waiting_since(incident)
    number = await stored.claim(
        tx.connection, incident.id, status=incident.status, waiting_since=since, wait=wait, now=now
    )
    if number is None:
        return None
    waited = int((now - since).total_seconds())
    happened = events.reminded(incident.status, number=number, waited_seconds=waited)
    [event_id] = await queries.insert_events(
        tx.connection,
        incident.id,
        [happened],
        actor=REMINDERS_ACTOR.name,
        request=REMINDERS_ACTOR,
        now=now,
    )
    await announce_reminder(
        tx,
        incident,
        REMINDERS_ACTOR,
        number=number,
        waited_seconds=waited,
        event_id=event_id,
        now=now,
    )
    return Reminded(incident.id, number)
