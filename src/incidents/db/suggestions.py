"""Queries on suggestions: offer once per message, answer or expire only pending ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, exc, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import suggestions
from incidents.domain.notifications import Attachment, Thread
from incidents.domain.suggestions import Suggestion, SuggestionState

_PENDING = SuggestionState.PENDING.value


def _to_suggestion(row: Row[Any]) -> Suggestion:
    return Suggestion(
        message=Thread(row.chat_id, row.message_id),
        author=row.author,
        text=row.text,
        file=None if row.file_id is None else Attachment(row.file_kind, row.file_id),
        state=SuggestionState(row.state),
        expires_at=row.expires_at,
        reply_id=row.reply_id,
        incident_id=row.incident_id,
    )


def _of(message: Thread) -> Any:
    return (suggestions.c.chat_id == message.chat_id) & (
        suggestions.c.message_id == message.message_id
    )


async def insert(conn: AsyncConnection, offer: Suggestion, *, now: datetime) -> None:
    """Record an offer; raises UniqueViolation when the message was offered before."""
    statement = suggestions.insert().values(
        chat_id=offer.message.chat_id,
        message_id=offer.message.message_id,
        author=offer.author,
        text=offer.text,
        file_id=None if offer.file is None else offer.file.file_id,
        file_kind=None if offer.file is None else offer.file.kind,
        state=offer.state.value,
        created_at=now,
        expires_at=offer.expires_at,
    )
    try:
        await conn.execute(statement)
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error


async def get(
    conn: AsyncConnection, message: Thread, *, for_update: bool = False
) -> Suggestion | None:
    """The offer about a message, row-locked on PostgreSQL when `for_update`."""
    query = select(suggestions).where(_of(message))
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else _to_suggestion(row)


async def set_reply(conn: AsyncConnection, message: Thread, *, reply_id: int) -> None:
    """Remember the bot's message that makes the offer."""
    await conn.execute(suggestions.update().where(_of(message)).values(reply_id=reply_id))


async def revise(conn: AsyncConnection, message: Thread, *, text: str) -> None:
    """Take an edit's text for a pending offer (an answered one keeps what it had)."""
    await conn.execute(
        suggestions.update().where(_of(message), suggestions.c.state == _PENDING).values(text=text)
    )


async def settle(
    conn: AsyncConnection,
    message: Thread,
    *,
    state: SuggestionState,
    by: str,
    now: datetime,
    incident_id: int | None = None,
) -> bool:
    """Answer a pending offer; False when it was answered (or expired) already."""
    changed = await conn.execute(
        suggestions.update()
        .where(_of(message), suggestions.c.state == _PENDING)
        .values(state=state.value, settled_by=by, settled_at=now, incident_id=incident_id)
    )
    return bool(changed.rowcount)


async def any_due(conn: AsyncConnection, *, now: datetime) -> bool:
    """Whether a pending offer is past its time (a read, so idle rounds write nothing)."""
    query = (
        select(suggestions.c.chat_id)
        .where(suggestions.c.state == _PENDING, suggestions.c.expires_at <= now)
        .limit(1)
    )
    return (await conn.execute(query)).first() is not None


async def expire_due(conn: AsyncConnection, *, now: datetime, by: str) -> list[Suggestion]:
    """Expire every pending offer past its time; returns them. Each expires once: a
    concurrent round's update waits for this one and then finds them no longer pending."""
    expired = await conn.execute(
        suggestions.update()
        .where(suggestions.c.state == _PENDING, suggestions.c.expires_at <= now)
        .values(state=SuggestionState.EXPIRED.value, settled_by=by, settled_at=now)
        .returning(*suggestions.c)
    )
    return [_to_suggestion(row) for row in expired]
