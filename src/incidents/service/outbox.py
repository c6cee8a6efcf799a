"""Notification delivery: queue notices with their change, claim them in order, settle them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from incidents.db import chats, outbox
from incidents.db.engine import Transaction, UniqueViolation
from incidents.domain.access import Actor
from incidents.domain.incident import Incident, Status
from incidents.domain.notifications import (
    LEASE,
    FailureReason,
    Link,
    LinkRole,
    Notice,
    NoticeKind,
    Thread,
    is_chat_actor,
    parked,
    retry_delay,
)
from incidents.service.runtime import Runtime


async def announce_created(
    tx: Transaction, incident: Incident, actor: Actor, *, event_id: int, now: datetime
) -> None:
    """Queue the announcement of an incident reported outside chats, in its transaction.

    Queued whether or not this process runs a bot: any bot process may deliver it, and an
    announcement with no chat to go to is settled without a message.
    """
    await announce_created_many(tx, [(incident, actor, event_id)], now=now)


async def announce_created_many(
    tx: Transaction, created: Sequence[tuple[Incident, Actor, int]], *, now: datetime
) -> None:
    """Queue the announcements of incidents reported outside chats, (incident, reporter, its
    `created` event) each, in one statement."""
    await outbox.enqueue_many(
        tx.connection,
        [
            outbox.Queued(
                kind=NoticeKind.CREATED,
                incident_id=incident.id,
                chat_id=None,
                actor=actor.name,
                status=incident.status,
                note=incident.description,
                event_id=event_id,
            )
            for incident, actor, event_id in created
        ],
        now=now,
    )


async def announce_change(
    tx: Transaction,
    incident: Incident,
    actor: Actor,
    *,
    moved_from: Status | None,
    note: str | None,
    event_id: int,
    origin_chat: int | None = None,
    now: datetime,
) -> None:
    """Queue a notice of one change (its event `event_id`) to every chat following the incident.

    A chat follows an incident it reported, or was told of; the chat the change was made in
    (`origin_chat`) is answered there already.
    """
    await _tell_followers(
        tx,
        incident,
        NoticeKind.CHANGED,
        actor,
        skip_chat=origin_chat,
        moved_from=moved_from,
        note=note,
        event_id=event_id,
        now=now,
    )


async def _followers(
    tx: Transaction, incident: Incident, *, own_only: bool = False
) -> list[int | None]:
    """The chats to tell of a change (None: the announcement chat, whose thread is on its way).

    An incident reported outside chats whose announcement has not gone out yet is followed by
    the announcement chat all the same: the notice waits for it there.
    """
    threads = await chats.threads_of(tx.connection, incident.id, own_only=own_only)
    return _chats_to_tell(incident, threads)


def _chats_to_tell(incident: Incident, threads: dict[int, int]) -> list[int | None]:
    """The chats following `incident` (its `threads`), or the announcement chat when none
    does and it was reported outside chats."""
    chat_ids: list[int | None] = list(threads)
    if not chat_ids and not is_chat_actor(incident.created_by):
        chat_ids.append(None)
    return chat_ids


async def announce_moves(
    tx: Transaction, moves: Sequence[tuple[Incident, Actor, Status, int]], *, now: datetime
) -> None:
    """Queue a notice of each status move monitoring made, (incident after, mover, status
    before, its event) each, to every chat that follows the incident: one statement for all."""
    threads = await chats.threads_of_many(tx.connection, [move[0].id for move in moves])
    await outbox.enqueue_many(
        tx.connection,
        [
            outbox.Queued(
                kind=NoticeKind.CHANGED,
                incident_id=incident.id,
                chat_id=chat_id,
                actor=actor.name,
                status=incident.status,
                moved_from=moved_from,
                event_id=event_id,
            )
            for incident, actor, moved_from, event_id in moves
            for chat_id in _chats_to_tell(incident, threads[incident.id])
        ],
        now=now,
    )


async def _tell_followers(
    tx: Transaction,
    incident: Incident,
    kind: NoticeKind,
    actor: Actor,
    *,
    event_id: int,
    now: datetime,
    skip_chat: int | None = None,
    own_only: bool = False,
    moved_from: Status | None = None,
    note: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Queue one notice of `kind` to every chat that follows `incident` but `skip_chat`."""
    for chat_id in await _followers(tx, incident, own_only=own_only):
        if chat_id is not None and chat_id == skip_chat:
            continue
        await outbox.enqueue(
            tx.connection,
            kind=kind,
            incident_id=incident.id,
            chat_id=chat_id,
            actor=actor.name,
            status=incident.status,
            moved_from=moved_from,
            note=note,
            payload=payload,
            event_id=event_id,
            now=now,
        )


async def announce_merged(
    tx: Transaction,
    incident: Incident,
    actor: Actor,
    *,
    into: int,
    event_id: int,
    origin_chat: int | None = None,
    now: datetime,
) -> None:
    """Tell every chat that follows `incident` it was merged into `into` (its event
    `event_id`), in its transaction.

    From then on those chats follow `into` (see `chats.threads_of`): they hear its changes.
    """
    await _tell_followers(
        tx,
        incident,
        NoticeKind.MERGED,
        actor,
        skip_chat=origin_chat,
        own_only=True,
        payload={"into": into},
        event_id=event_id,
        now=now,
    )


async def announce_reminder(
    tx: Transaction,
    incident: Incident,
    actor: Actor,
    *,
    number: int,
    waited_seconds: int,
    event_id: int,
    now: datetime,
) -> None:
    """Queue a reminder that `incident` waits, to every chat that follows it, in its
    transaction; the sender drops it if the incident moved before it went out."""
    payload = {"version": incident.version, "number": number, "waited_seconds": waited_seconds}
    await _tell_followers(
        tx, incident, NoticeKind.REMINDER, actor, payload=payload, event_id=event_id, now=now
    )


async def queue_reply(
    runtime: Runtime,
    *,
    chat_id: int,
    payload: dict[str, Any],
    incident_id: int | None,
    actor: str,
) -> None:
    """Queue an answer in a chat that Telegram did not take; the sender delivers it later."""
    async with runtime.database.transaction() as tx:
        await outbox.enqueue(
            tx.connection,
            kind=NoticeKind.REPLY,
            incident_id=incident_id,
            chat_id=chat_id,
            actor=actor,
            payload=payload,
            now=runtime.clock.now(),
        )
        await tx.commit()


async def claim_notices(
    runtime: Runtime, *, announce_chat: int | None = None, limit: int = 20
) -> list[Notice]:
    """Lease due notifications for delivery, in order; another sender will not get them."""
    now = runtime.clock.now()
    async with runtime.database.transaction() as tx:
        notices = await outbox.claim(
            tx.connection,
            now=now,
            lease_until=now + LEASE,
            limit=limit,
            announce_chat=announce_chat,
        )
        await tx.commit()
    return notices


async def notice_sent(
    runtime: Runtime,
    notice: Notice,
    *,
    posted: Thread | None,
    role: LinkRole | None = None,
) -> None:
    """Record a delivered notification, and what the message it posted is (`role`)."""
    now = runtime.clock.now()
    try:
        async with runtime.database.transaction() as tx:
            await outbox.mark_sent(tx.connection, notice.id, now=now)
            if posted is not None and role is not None:
                incident_id = None if notice.incident is None else notice.incident.id
                # A queued answer went where it says; a notice to its incident's thread's topic.
                said = (
                    (notice.payload or {}).get("topic") if notice.kind is NoticeKind.REPLY else None
                )
                link = Link(posted, incident_id, role, topic=said or notice.topic)
                await chats.insert_link(tx.connection, link, now=now)
            await tx.commit()
    except UniqueViolation:
        # That message is tied to something already: keep that, still record the delivery.
        await notice_sent(runtime, notice, posted=None, role=None)


async def notice_failed(
    runtime: Runtime,
    notice: Notice,
    *,
    error: str,
    reason: FailureReason | None = None,
    retry_after: timedelta = timedelta(0),
) -> bool:
    """Record a failed delivery (`reason` None: a passing failure); retried later, in its
    chat's order, or given up as the domain says. True when given up.

    The next try waits the backoff, and at least `retry_after` (Telegram's flood control).
    """
    now = runtime.clock.now()
    give_up = parked(reason, attempts=notice.attempts)
    async with runtime.database.transaction() as tx:
        await outbox.mark_failed(
            tx.connection,
            notice.id,
            error=error,
            retry_at=now + max(retry_delay(notice.attempts), retry_after),
            now=now,
            give_up=give_up,
            reason=reason,
        )
        await tx.commit()
    return give_up


async def release_notices(runtime: Runtime, notices: Sequence[Notice]) -> None:
    """Hand claimed notifications back untried, to be claimed again in order."""
    async with runtime.database.transaction() as tx:
        await outbox.release(tx.connection, [notice.id for notice in notices])
        await tx.commit()


async def pending_notices(runtime: Runtime) -> int:
    """How many notifications wait for delivery."""
    async with runtime.database.reads() as conn:
        return await outbox.pending_count(conn)
