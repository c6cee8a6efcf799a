"""Outgoing webhook use cases: subscribe, list, unsubscribe; queue a delivery of each change
in its transaction; claim and settle deliveries; list and requeue the parked ones."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from incidents.db import webhooks as store
from incidents.db.engine import Transaction
from incidents.domain.access import Actor, Permission, require
from incidents.domain.errors import DeliveryNotFound, SourceNotAllowed, WebhookNotFound
from incidents.domain.incident import Source
from incidents.domain.webhooks import (
    LEASE,
    Delivery,
    HookType,
    Parked,
    Subscription,
    Written,
    body,
    check_description,
    check_url,
    new_secret,
)
from incidents.service.runtime import Runtime

# Random bytes in a signing secret (Standard Webhooks asks for 24 to 64).
SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class Subscribed:
    """A new subscription and its signing secret, shown this once."""

    subscription: Subscription
    secret: str


def _visible(actor: Actor, subscription: Subscription) -> bool:
    """A bound admin sees only the subscriptions to its own source."""
    return actor.bound_source is None or subscription.source == actor.bound_source


async def subscribe(
    runtime: Runtime,
    *,
    actor: Actor,
    url: str,
    source: Source | None,
    description: str = "",
) -> Subscribed:
    """Subscribe `url` to the changes of `source`'s incidents (None: every source's).

    Admins only; an admin bound to a source subscribes to that source alone.
    """
    require(actor, Permission.MANAGE_ACCESS)
    if actor.bound_source is not None and source != actor.bound_source:
        asked = "every source's" if source is None else f"`{source.value}`"
        raise SourceNotAllowed(
            actor.bound_source.value,
            "*" if source is None else source.value,
            what=f"webhooks of {asked} incidents",
        )
    url = check_url(url)
    description = check_description(description)
    secret = new_secret(secrets.token_bytes(SECRET_BYTES))
    async with runtime.database.transaction() as tx:
        made = await store.insert_subscription(
            tx.connection,
            url=url,
            source=source,
            description=description,
            secret=secret,
            created_by=actor.name,
            now=runtime.clock.now(),
        )
        await tx.commit()
    return Subscribed(made, secret)


async def list_subscriptions(runtime: Runtime, *, actor: Actor) -> list[Subscription]:
    """The active subscriptions the admin may see, without their secrets."""
    require(actor, Permission.MANAGE_ACCESS)
    async with runtime.database.reads() as conn:
        found = await store.active_subscriptions(conn)
    return [subscription for subscription in found if _visible(actor, subscription)]


async def unsubscribe(runtime: Runtime, *, actor: Actor, webhook_id: int) -> None:
    """End a subscription: nothing more is sent to it. Raises WebhookNotFound."""
    require(actor, Permission.MANAGE_ACCESS)
    async with runtime.database.transaction() as tx:
        found = await store.get_subscription(tx.connection, webhook_id)
        if found is None or not _visible(actor, found):
            raise WebhookNotFound(webhook_id)
        await store.end_subscription(tx.connection, webhook_id, now=runtime.clock.now())
        await tx.commit()


async def any_subscription(runtime: Runtime) -> bool:
    """Whether any subscription is active."""
    async with runtime.database.reads() as conn:
        return await store.any_active(conn)


async def tell_hooks(tx: Transaction, written: Sequence[Written]) -> None:
    """Queue one delivery of each written change to every subscription that wants it, in
    the change's transaction: one read of the subscriptions, one statement for all."""
    if not written:
        return
    subscriptions = await store.active_subscriptions(tx.connection)
    if not subscriptions:
        return
    queued = []
    for change in written:
        wanting = [s for s in subscriptions if s.wants(change.incident)]
        if not wanting:
            continue
        posted = body(change)
        kind = HookType.CREATED if change.created else HookType.CHANGED
        queued += [store.Queued(s.id, change.incident.id, kind.value, posted) for s in wanting]
    await store.enqueue_many(tx.connection, queued, now=written[0].at)


async def claim_deliveries(runtime: Runtime, *, limit: int = 50) -> list[Delivery]:
    """Lease due deliveries, the head of each queue; another sender will not get them."""
    now = runtime.clock.now()
    # Most rounds find nothing: a read says so without the claim's write lock.
    async with runtime.database.reads() as conn:
        if not await store.any_due(conn, now=now):
            return []
    async with runtime.database.transaction() as tx:
        claimed = await store.claim(tx.connection, now=now, lease_until=now + LEASE, limit=limit)
        await tx.commit()
    return claimed


async def delivered(runtime: Runtime, delivery: Delivery) -> None:
    """Record an acknowledged delivery."""
    async with runtime.database.transaction() as tx:
        await store.mark_sent(tx.connection, delivery.id, now=runtime.clock.now())
        await tx.commit()


async def retry_later(
    runtime: Runtime, delivery: Delivery, *, error: str, after: timedelta
) -> None:
    """Record a failed attempt, tried again `after` from now."""
    async with runtime.database.transaction() as tx:
        retry_at = runtime.clock.now() + after
        await store.mark_retry(tx.connection, delivery.id, error=error, retry_at=retry_at)
        await tx.commit()


async def give_up(runtime: Runtime, delivery: Delivery, *, error: str) -> None:
    """Park a delivery: listed by `incidents outbox failed`, the queue goes on without it."""
    async with runtime.database.transaction() as tx:
        await store.mark_failed(tx.connection, delivery.id, error=error, now=runtime.clock.now())
        await tx.commit()


async def parked_deliveries(runtime: Runtime) -> list[Parked]:
    """Deliveries given up on, oldest first."""
    async with runtime.database.reads() as conn:
        return await store.parked(conn)


async def requeue_delivery(runtime: Runtime, delivery_id: int) -> None:
    """Try a parked delivery again from now on. Raises DeliveryNotFound."""
    async with runtime.database.transaction() as tx:
        if not await store.requeue(tx.connection, delivery_id, now=runtime.clock.now()):
            raise DeliveryNotFound(delivery_id)
        await tx.commit()


async def pending_deliveries(runtime: Runtime) -> int:
    """How many deliveries wait."""
    async with runtime.database.reads() as conn:
        return await store.pending_count(conn)
