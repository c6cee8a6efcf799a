"""Housekeeping: forget what no longer matters, so tables stay the size of their purpose."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from incidents.db import outbox, ratelimits, replays, webhooks
from incidents.domain.alerts import REPLAY_RETENTION
from incidents.domain.notifications import RETENTION
from incidents.service.runtime import Runtime

log = logging.getLogger(__name__)

# How often each server process tidies up (any process may; the deletes are idempotent).
PERIOD_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Tidied:
    """How many rows one round forgot."""

    buckets: int
    notices: int


async def tidy(runtime: Runtime) -> Tidied:
    """Forget drained rate-limit buckets, and notifications and acknowledged webhook
    deliveries older than their retention."""
    now = runtime.clock.now()
    async with runtime.database.transaction() as tx:
        buckets = await ratelimits.forget_drained(tx.connection, now=now.timestamp())
        notices = await outbox.forget_before(tx.connection, before=now - RETENTION, now=now)
        await replays.forget_before(tx.connection, before=now - REPLAY_RETENTION)
        # Acknowledged webhook deliveries age out as notices do; parked ones stay listed.
        await webhooks.forget_before(tx.connection, before=now - RETENTION)
        await tx.commit()
    tidied = Tidied(buckets=buckets, notices=notices)
    if notices:
        log.info("forgot %d notification(s) queued over %s ago", notices, RETENTION)
    return tidied
