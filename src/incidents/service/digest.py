"""The morning digest: gathered on demand, and queued once a day for the notification chat."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from incidents.db import digests, outbox
from incidents.domain.access import Actor, Permission, require
from incidents.domain.digest import Digest, due_day, first_settled_day
from incidents.domain.notifications import NoticeKind
from incidents.service.runtime import Runtime

DIGEST_ACTOR = Actor.system("digest")


async def current_digest(runtime: Runtime, *, actor: Actor, zone: ZoneInfo) -> Digest:
    """The digest as it would read now (`/digest`), of the actor's source alone when bound."""
    require(actor, Permission.READ)
    sources = () if actor.bound_source is None else (actor.bound_source,)
    async with runtime.database.reads() as conn:
        return await digests.gather_digest(
            conn, now=runtime.clock.now(), zone=zone, sources=sources
        )


async def queue_due_digest(runtime: Runtime, *, at: time, zone: ZoneInfo) -> Digest | None:
    """Queue today's digest for the notification chat once its hour has come; None when it is
    not due or was queued already (by this or another process, before or after a restart).

    The first call ever settles the days before it: a deployment's first start after the
    hour sends nothing that day."""
    now = runtime.clock.now()
    day = due_day(now, at=at, zone=zone)
    async with runtime.database.reads() as conn:
        begun = await digests.any_settled(conn)
        if begun and (day is None or await digests.was_queued(conn, day)):
            return None
    if not begun:
        # Digests begin with the first process that looks: a first start after the hour owes
        # no digest for that day (a restart after a missed hour does, below).
        async with runtime.database.transaction() as tx:
            settled = first_settled_day(now, at=at, zone=zone)
            await digests.claim(tx.connection, settled, now=now)
            await tx.commit()
        return None
    assert day is not None
    async with runtime.database.transaction() as tx:
        if not await digests.claim(tx.connection, day, now=now):
            return None
        digest = await digests.gather_digest(tx.connection, now=now, zone=zone)
        await outbox.enqueue(
            tx.connection,
            kind=NoticeKind.DIGEST,
            incident_id=None,
            chat_id=None,
            actor=DIGEST_ACTOR.name,
            payload=digest.to_payload(),
            now=now,
        )
        await tx.commit()
    return digest
