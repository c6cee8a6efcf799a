"""Queries on the outbox: enqueue in the change's transaction, claim in order, settle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Row, and_, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db import chats, failed_notices
from incidents.db import incidents as incident_store
from incidents.db.tables import outbox
from incidents.domain.incident import Status
from incidents.domain.notifications import (
    FailureReason,
    Notice,
    NoticeKind,
    Thread,
)

# Claims take turns (PostgreSQL; SQLite serializes writers anyway): a sender must see every
# pending row of a chat, leased or not, to send that chat's messages in order.
_CLAIM_LOCK_ID = 0x1C1D_0B0C


@dataclass(frozen=True, slots=True)
class Queued:
    """A notification to queue."""

    kind: NoticeKind
    incident_id: int | None
    chat_id: int | None
    actor: str
    status: Status | None = None
    moved_from: Status | None = None
    note: str | None = None
    payload: dict[str, Any] | None = None
    event_id: int | None = None


async def enqueue(
    conn: AsyncConnection,
    *,
    kind: NoticeKind,
    incident_id: int | None,
    chat_id: int | None,
    actor: str,
    now: datetime,
    status: Status | None = None,
    moved_from: Status | None = None,
    note: str | None = None,
    payload: dict[str, Any] | None = None,
    event_id: int | None = None,
) -> None:
    """Add a notification, due at once."""
    queued = Queued(kind, incident_id, chat_id, actor, status, moved_from, note, payload, event_id)
    await enqueue_many(conn, [queued], now=now)


async def enqueue_many(conn: AsyncConnection, queued: Sequence[Queued], *, now: datetime) -> None:
    """Add notifications, due at once, in one statement."""
    if not queued:
        return
    await conn.execute(
        outbox.insert(),
        [
            {
                "kind": item.kind.value,
                "incident_id": item.incident_id,
                "chat_id": item.chat_id,
                "actor": item.actor,
                "to_status": None if item.status is None else item.status.value,
                "from_status": None if item.moved_from is None else item.moved_from.value,
                "note": item.note,
                "payload": item.payload,
                "event_id": item.event_id,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
            for item in queued
        ],
    )


async def claim(
    conn: AsyncConnection,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    announce_chat: int | None,
) -> list[Notice]:
    """Lease up to `limit` due notifications, keeping each chat's in the order queued.

    A chat's notification waits while an earlier one to that chat is pending (leased,
    backing off, or not yet due): notices arrive in the order the changes happened, and a
    change notice never overtakes the announcement it replies to. Rows for the announcement
    chat (chat_id NULL) share the order of `announce_chat`'s own.
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"SELECT pg_advisory_xact_lock({_CLAIM_LOCK_ID})"))
    pending = and_(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
    chat = (
        outbox.c.chat_id
        if announce_chat is None
        else func.coalesce(outbox.c.chat_id, literal(announce_chat, BigInteger))
    )
    heads = await conn.execute(select(func.min(outbox.c.id)).where(pending).group_by(chat))
    chosen: list[int] = []
    for (head,) in heads:
        # The head's chat, then its pending rows from the head on, while each may go now.
        row = (await conn.execute(select(outbox).where(outbox.c.id == head))).one()
        same_chat = chat == (row.chat_id if row.chat_id is not None else announce_chat)
        if row.chat_id is None and announce_chat is None:
            same_chat = outbox.c.chat_id.is_(None)
        rows = await conn.execute(
            select(outbox).where(pending, same_chat).order_by(outbox.c.id).limit(limit)
        )
        for queued in rows:
            held = queued.locked_until is not None and queued.locked_until >= now
            if held or queued.next_attempt_at > now:
                break
            chosen.append(queued.id)
    chosen = sorted(chosen)[:limit]
    if not chosen:
        return []
    claimed = await conn.execute(
        outbox.update()
        .where(outbox.c.id.in_(chosen))
        .values(locked_until=lease_until, attempts=outbox.c.attempts + 1)
        .returning(*outbox.c)
    )
    return [await _notice(conn, row, announce_chat) for row in sorted(claimed, key=lambda r: r.id)]


async def _notice(conn: AsyncConnection, row: Row[Any], announce_chat: int | None) -> Notice:
    incident = None
    reply_to = None
    if row.incident_id is not None:
        incident = await incident_store.get_incident(conn, row.incident_id)
        assert incident is not None, "outbox rows refer to incidents by foreign key"
        chat = announce_chat if row.chat_id is None else row.chat_id
        if chat is not None:
            reply_to = (await chats.threads_of(conn, row.incident_id)).get(chat)
    topic = await _topic_of(conn, announce_chat if row.chat_id is None else row.chat_id, reply_to)
    return Notice(
        id=row.id,
        kind=NoticeKind(row.kind),
        incident=incident,
        chat_id=row.chat_id,
        actor=row.actor,
        at=row.created_at,
        status=None if row.to_status is None else Status(row.to_status),
        moved_from=None if row.from_status is None else Status(row.from_status),
        note=row.note,
        reply_to=reply_to,
        attempts=row.attempts,
        payload=row.payload,
        event_id=row.event_id,
        topic=topic,
    )


async def _topic_of(conn: AsyncConnection, chat: int | None, message_id: int | None) -> int | None:
    """The forum topic of a thread's first message: the incident's news goes there."""
    if chat is None or message_id is None:
        return None
    link = await chats.link_of(conn, Thread(chat, message_id))
    return None if link is None else link.topic


async def release(conn: AsyncConnection, notice_ids: Sequence[int]) -> None:
    """Hand back claimed notifications untried (an earlier one to their chat failed)."""
    if notice_ids:
        await conn.execute(
            outbox.update()
            .where(outbox.c.id.in_(notice_ids))
            .values(locked_until=None, attempts=outbox.c.attempts - 1)
        )


async def mark_sent(conn: AsyncConnection, notice_id: int, *, now: datetime) -> None:
    """Record a delivered notification."""
    await conn.execute(
        outbox.update().where(outbox.c.id == notice_id).values(sent_at=now, locked_until=None)
    )


async def mark_failed(
    conn: AsyncConnection,
    notice_id: int,
    *,
    error: str,
    retry_at: datetime,
    now: datetime,
    give_up: bool = False,
    reason: FailureReason | None = None,
) -> None:
    """Record a failed attempt: retry at `retry_at`, or give up when `give_up` (counted by
    `reason`; none: a passing failure that lasted too long)."""
    values: dict[str, Any] = {
        "locked_until": None,
        "next_attempt_at": retry_at,
        "last_error": error[:2000],
    }
    if give_up:
        reason = reason or FailureReason.EXHAUSTED
        values.update(failed_at=now, failure=reason.value)
    await conn.execute(outbox.update().where(outbox.c.id == notice_id).values(**values))
    if give_up:
        assert reason is not None
        await failed_notices.count(conn, reason)


async def pending_count(conn: AsyncConnection) -> int:
    """How many notifications wait for delivery."""
    query = (
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
    )
    return int((await conn.execute(query)).scalar_one())


async def forget_before(conn: AsyncConnection, *, before: datetime, now: datetime) -> int:
    """Delete notifications queued before `before`, except any a sender holds right now."""
    held = outbox.c.locked_until.is_not(None) & (outbox.c.locked_until > now)
    statement = outbox.delete().where(outbox.c.created_at < before, ~held)
    return (await conn.execute(statement)).rowcount


async def enqueue_held(
    conn: AsyncConnection, queued: Queued, *, now: datetime, held_until: datetime
) -> int:
    """Add a notification claimed at once by its writer until `held_until` (a chat answer
    the door sends itself); returns its id."""
    statement = (
        outbox.insert()
        .values(
            kind=queued.kind.value,
            incident_id=queued.incident_id,
            chat_id=queued.chat_id,
            actor=queued.actor,
            payload=queued.payload,
            created_at=now,
            attempts=1,
            next_attempt_at=now,
            locked_until=held_until,
        )
        .returning(outbox.c.id)
    )
    return int((await conn.execute(statement)).scalar_one())
