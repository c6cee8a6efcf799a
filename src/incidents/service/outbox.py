"""Notification delivery: claim due notifications, then record how each went."""

from __future__ import annotations

from datetime import datetime

from incidents.db import chats, outbox
from incidents.db.engine import Transaction, UniqueViolation
from incidents.domain.access import Actor
from incidents.domain.incident import Incident
from incidents.domain.notifications import (
    LEASE,
    Notice,
    NoticeKind,
    Thread,
    is_chat_actor,
    retry_delay,
)
from incidents.service.context import Registry


async def announce(
    tx: Transaction,
    kind: NoticeKind,
    incident: Incident,
    actor: Actor,
    *,
    note: str | None = None,
    now: datetime,
) -> None:
    """Queue a chat notification of a change made outside chats, in the change's transaction.

    Queued whether or not this process runs a bot: any bot process may deliver it, and a
    notification with no chat to go to is settled without a message.
    """
    if not is_chat_actor(actor.name):
        await outbox.enqueue(
            tx.connection, kind=kind, incident_id=incident.id, actor=actor.name, note=note, now=now
        )


async def claim_notices(registry: Registry, *, limit: int = 20) -> list[Notice]:
    """Lease due notifications for delivery; another sender will not get them meanwhile."""
    now = registry.clock.now()
    async with registry.database.transaction(write=True) as tx:
        notices = await outbox.claim(tx.connection, now=now, lease_until=now + LEASE, limit=limit)
        await tx.commit()
    return notices


async def notice_sent(registry: Registry, notice: Notice, *, posted: Thread | None) -> None:
    """Record a delivered notification; an announcement becomes the incident's chat thread."""
    try:
        async with registry.database.transaction(write=True) as tx:
            await outbox.mark_sent(tx.connection, notice.id, now=registry.clock.now())
            if posted is not None and notice.thread is None:
                await chats.insert_thread(tx.connection, notice.incident.id, posted)
            await tx.commit()
    except UniqueViolation:
        # The incident got a thread meanwhile: keep that one, still record the delivery.
        await notice_sent(registry, notice, posted=None)


async def notice_failed(registry: Registry, notice: Notice, *, error: str) -> None:
    """Record a failed delivery; it is retried later with backoff."""
    now = registry.clock.now()
    async with registry.database.transaction(write=True) as tx:
        await outbox.mark_failed(
            tx.connection,
            notice.id,
            error=error,
            retry_at=now + retry_delay(notice.attempts),
            now=now,
        )
        await tx.commit()


async def pending_notices(registry: Registry) -> int:
    """How many notifications wait for delivery."""
    async with registry.database.transaction(write=False) as tx:
        return await outbox.pending_count(tx.connection)
