"""Reminders: incidents nobody takes, or nobody moves, are pushed back into their chats."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from incidents.db import audit as trail
from incidents.db import incidents
from incidents.db import reminders as stored
from incidents.db.engine import Transaction
from incidents.domain import audit
from incidents.domain.access import Actor
from incidents.domain.reminders import (
    REMINDED_STATUSES,
    REMINDERS_COMPONENT,
    ReminderPolicy,
    waiting_since,
)
from incidents.service.alerts import in_transaction_with_retry
from incidents.service.outbox import announce_reminder
from incidents.service.runtime import Runtime

REMINDERS_ACTOR = Actor.system(REMINDERS_COMPONENT)


@dataclass(frozen=True, slots=True)
class Reminded:
    """A reminder queued: about which incident, and which of its series."""

    incident_id: int
    number: int


async def check_reminders(runtime: Runtime, *, policy: ReminderPolicy) -> list[Reminded]:
    """Queue every reminder due now. Safe in several processes at once: each reminder is
    claimed by one conditional write, and only the process that claimed it queues it."""
    queued = []
    for status in REMINDED_STATUSES:
        wait = policy.interval(status)
        if wait is None:
            continue
        async with runtime.database.reads() as conn:
            ids = await stored.due_ids(conn, status=status, wait=wait, now=runtime.clock.now())
        for incident_id in ids:
            reminded = await in_transaction_with_retry(
                runtime, partial(_remind, runtime, incident_id, policy)
            )
            if reminded is not None:
                queued.append(reminded)
    return queued


async def _remind(
    runtime: Runtime, incident_id: int, policy: ReminderPolicy, tx: Transaction
) -> Reminded | None:
    incident = await incidents.get_incident(tx.connection, incident_id, for_update=True)
    if incident is None:
        return None
    wait = policy.interval(incident.status)
    if wait is None:
        return None  # it moved on meanwhile, to a status nobody is reminded of
    now = runtime.clock.now()
    since = waiting_since(incident)
    number = await stored.claim(
        tx.connection, incident.id, status=incident.status, waiting_since=since, wait=wait, now=now
    )
    if number is None:
        return None
    # In whole intervals: "15 min", not "15 min 2 s" (more after a pause: the real wait).
    waited = int(((now - since) // wait) * wait.total_seconds())
    happened = audit.reminded(incident.status, number=number, waited_seconds=waited)
    [event_id] = await trail.insert_events(
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
