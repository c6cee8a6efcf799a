"""Queries on webhook subscriptions and their deliveries: queue with the change, claim each
queue's head, settle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import webhook_deliveries as deliveries
from incidents.db.tables import webhooks
from incidents.domain.incident import Source
from incidents.domain.webhooks import Delivery, Parked, Subscription

# Claims take turns (PostgreSQL; SQLite serializes writers anyway), as the outbox's do.
_CLAIM_LOCK_ID = 0x1C1D_0B0D
_PENDING = and_(deliveries.c.sent_at.is_(None), deliveries.c.failed_at.is_(None))


@dataclass(frozen=True, slots=True)
class Queued:
    """A delivery to queue: to which subscription, about which incident, what it posts."""

    webhook_id: int
    incident_id: int
    type: str
    body: str


def _subscription(row: Row[Any]) -> Subscription:
    return Subscription(
        id=row.id,
        url=row.url,
        source=None if row.source is None else Source(row.source),
        description=row.description,
        created_by=row.created_by,
        created_at=row.created_at,
    )


async def insert_subscription(
    conn: AsyncConnection,
    *,
    url: str,
    source: Source | None,
    description: str,
    secret: str,
    created_by: str,
    now: datetime,
) -> Subscription:
    """A new subscription."""
    result = await conn.execute(
        webhooks.insert()
        .values(
            url=url,
            source=None if source is None else source.value,
            description=description,
            secret=secret,
            created_by=created_by,
            created_at=now,
        )
        .returning(*webhooks.c)
    )
    return _subscription(result.one())


async def active_subscriptions(conn: AsyncConnection) -> list[Subscription]:
    """Every subscription not ended, oldest first."""
    rows = await conn.execute(
        select(webhooks).where(webhooks.c.ended_at.is_(None)).order_by(webhooks.c.id)
    )
    return [_subscription(row) for row in rows]


async def any_active(conn: AsyncConnection) -> bool:
    """Whether any subscription is active (a cheap check before building deliveries)."""
    found = await conn.execute(select(webhooks.c.id).where(webhooks.c.ended_at.is_(None)).limit(1))
    return found.first() is not None


async def get_subscription(conn: AsyncConnection, webhook_id: int) -> Subscription | None:
    """An active subscription by id."""
    row = (
        await conn.execute(
            select(webhooks).where(webhooks.c.id == webhook_id, webhooks.c.ended_at.is_(None))
        )
    ).first()
    return None if row is None else _subscription(row)


async def end_subscription(conn: AsyncConnection, webhook_id: int, *, now: datetime) -> None:
    """End a subscription; what it had yet to deliver is dropped."""
    await conn.execute(webhooks.update().where(webhooks.c.id == webhook_id).values(ended_at=now))
    await conn.execute(deliveries.delete().where(deliveries.c.webhook_id == webhook_id, _PENDING))


async def enqueue_many(conn: AsyncConnection, queued: Sequence[Queued], *, now: datetime) -> None:
    """Add deliveries, due at once, in one statement (executemany)."""
    if not queued:
        return
    await conn.execute(
        deliveries.insert(),
        [
            {
                "webhook_id": item.webhook_id,
                "incident_id": item.incident_id,
                "type": item.type,
                "body": item.body,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
            for item in queued
        ],
    )


async def any_due(conn: AsyncConnection, *, now: datetime) -> bool:
    """Whether some pending delivery may be due (a read, before a claim takes a write lock)."""
    due = select(deliveries.c.id).where(_PENDING, deliveries.c.next_attempt_at <= now).limit(1)
    return (await conn.execute(due)).first() is not None


async def claim(
    conn: AsyncConnection, *, now: datetime, lease_until: datetime, limit: int
) -> list[Delivery]:
    """Lease up to `limit` due deliveries, each the head of its (subscription, incident)
    queue: a later delivery waits while an earlier one is pending (leased, backing off)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"SELECT pg_advisory_xact_lock({_CLAIM_LOCK_ID})"))
    heads = (
        select(func.min(deliveries.c.id))
        .where(_PENDING)
        .group_by(deliveries.c.webhook_id, deliveries.c.incident_id)
    )
    free = deliveries.c.locked_until.is_(None) | (deliveries.c.locked_until < now)
    chosen = (
        select(deliveries.c.id)
        .join(webhooks, webhooks.c.id == deliveries.c.webhook_id)
        .where(
            deliveries.c.id.in_(heads),
            webhooks.c.ended_at.is_(None),
            deliveries.c.next_attempt_at <= now,
            free,
        )
        .order_by(deliveries.c.id)
        .limit(limit)
    )
    ids = [row.id for row in await conn.execute(chosen)]
    if not ids:
        return []
    claimed = await conn.execute(
        deliveries.update()
        .where(deliveries.c.id.in_(ids), _PENDING, free)
        .values(locked_until=lease_until, attempts=deliveries.c.attempts + 1)
        .returning(deliveries.c.id)
    )
    taken = [row.id for row in claimed]
    rows = await conn.execute(
        select(deliveries, webhooks.c.url, webhooks.c.secret)
        .join(webhooks, webhooks.c.id == deliveries.c.webhook_id)
        .where(deliveries.c.id.in_(taken))
        .order_by(deliveries.c.id)
    )
    return [
        Delivery(
            id=row.id,
            subscription_id=row.webhook_id,
            incident_id=row.incident_id,
            url=row.url,
            secret=row.secret,
            body=row.body,
            created_at=row.created_at,
            attempts=row.attempts,
        )
        for row in rows
    ]


async def mark_sent(conn: AsyncConnection, delivery_id: int, *, now: datetime) -> None:
    """Record an acknowledged delivery."""
    await conn.execute(
        deliveries.update()
        .where(deliveries.c.id == delivery_id)
        .values(sent_at=now, locked_until=None)
    )


async def mark_retry(
    conn: AsyncConnection, delivery_id: int, *, error: str, retry_at: datetime
) -> None:
    """Record a failed attempt, to be tried again at `retry_at`."""
    await conn.execute(
        deliveries.update()
        .where(deliveries.c.id == delivery_id)
        .values(locked_until=None, next_attempt_at=retry_at, last_error=error[:2000])
    )


async def mark_failed(
    conn: AsyncConnection, delivery_id: int, *, error: str, now: datetime
) -> None:
    """Park a delivery given up on: the next of its queue goes on."""
    await conn.execute(
        deliveries.update()
        .where(deliveries.c.id == delivery_id)
        .values(locked_until=None, failed_at=now, last_error=error[:2000])
    )


async def parked(conn: AsyncConnection, *, limit: int = 1000) -> list[Parked]:
    """Deliveries given up on, oldest first."""
    rows = await conn.execute(
        select(deliveries, webhooks.c.url)
        .join(webhooks, webhooks.c.id == deliveries.c.webhook_id)
        .where(deliveries.c.failed_at.is_not(None))
        .order_by(deliveries.c.id)
        .limit(limit)
    )
    return [
        Parked(
            id=row.id,
            subscription_id=row.webhook_id,
            url=row.url,
            incident_id=row.incident_id,
            type=row.type,
            attempts=row.attempts,
            created_at=row.created_at,
            failed_at=row.failed_at,
            last_error=row.last_error,
        )
        for row in rows
    ]


async def requeue(conn: AsyncConnection, delivery_id: int, *, now: datetime) -> bool:
    """Put a parked delivery back in its queue, due now with its tries counted anew; False
    when no parked delivery of an active subscription has that id."""
    active = select(webhooks.c.id).where(webhooks.c.ended_at.is_(None))
    result = await conn.execute(
        deliveries.update()
        .where(
            deliveries.c.id == delivery_id,
            deliveries.c.failed_at.is_not(None),
            deliveries.c.webhook_id.in_(active),
        )
        .values(failed_at=None, attempts=0, next_attempt_at=now, created_at=now)
    )
    return bool(result.rowcount)


async def pending_count(conn: AsyncConnection) -> int:
    """How many deliveries wait."""
    query = select(func.count()).select_from(deliveries).where(_PENDING)
    return int((await conn.execute(query)).scalar_one())


async def forget_before(conn: AsyncConnection, *, before: datetime) -> int:
    """Delete deliveries acknowledged before `before` (the trail keeps every change)."""
    statement = deliveries.delete().where(
        deliveries.c.sent_at.is_not(None), deliveries.c.sent_at < before
    )
    return (await conn.execute(statement)).rowcount
