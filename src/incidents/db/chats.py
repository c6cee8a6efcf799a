"""Queries on chat messages tied to incidents: reports, notes, the bot's cards and threads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, exc, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import chat_messages, incidents
from incidents.domain.notifications import THREAD_STARTERS, Attachment, Link, LinkRole, Thread


def _to_link(row: Row[Any]) -> Link:
    return Link(
        message=Thread(row.chat_id, row.message_id),
        incident_id=row.incident_id,
        role=LinkRole(row.role),
        file=None if row.file_id is None else Attachment(row.file_kind, row.file_id),
        edit_date=row.edit_date,
        topic=row.message_thread_id,
    )


async def link_of(conn: AsyncConnection, message: Thread) -> Link | None:
    """What a chat message is tied to, if anything."""
    query = select(chat_messages).where(
        chat_messages.c.chat_id == message.chat_id,
        chat_messages.c.message_id == message.message_id,
    )
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else _to_link(row)


async def insert_link(conn: AsyncConnection, link: Link, *, now: datetime) -> None:
    """Tie a chat message to an incident; raises UniqueViolation when it is tied already."""
    statement = chat_messages.insert().values(
        chat_id=link.message.chat_id,
        message_id=link.message.message_id,
        incident_id=link.incident_id,
        role=link.role.value,
        file_id=None if link.file is None else link.file.file_id,
        file_kind=None if link.file is None else link.file.kind,
        edit_date=link.edit_date,
        message_thread_id=link.topic,
        created_at=now,
    )
    try:
        await conn.execute(statement)
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error


async def record_edit(conn: AsyncConnection, message: Thread, *, edit_date: int) -> None:
    """Remember the latest edit of a message that has been applied."""
    await conn.execute(
        chat_messages.update()
        .where(
            chat_messages.c.chat_id == message.chat_id,
            chat_messages.c.message_id == message.message_id,
        )
        .values(edit_date=edit_date)
    )


async def threads_of(
    conn: AsyncConnection, incident_id: int, *, own_only: bool = False
) -> dict[int, int]:
    """Where an incident's thread starts in each chat that follows it: chat id -> message id.

    A chat that reported (or was told of) a duplicate folded into the incident follows it
    too, once, at the duplicate's thread when the incident has none of its own there.
    """
    return (await threads_of_many(conn, [incident_id], own_only=own_only))[incident_id]


async def threads_of_many(
    conn: AsyncConnection, incident_ids: Sequence[int], *, own_only: bool = False
) -> dict[int, dict[int, int]]:
    """`threads_of` each of `incident_ids`, in a few statements for all."""
    root_of = {incident_id: incident_id for incident_id in incident_ids}
    if not own_only:
        for chunk in _chunks(list(incident_ids)):
            folded = select(incidents.c.id, incidents.c.duplicate_of).where(
                incidents.c.duplicate_of.in_(chunk)
            )
            for duplicate, root in await conn.execute(folded):
                root_of[duplicate] = root
    starts: list[tuple[int, bool, Any, int, int]] = []
    for chunk in _chunks(list(root_of)):
        query = select(
            chat_messages.c.incident_id,
            chat_messages.c.created_at,
            chat_messages.c.chat_id,
            chat_messages.c.message_id,
        ).where(
            chat_messages.c.incident_id.in_(chunk),
            chat_messages.c.role.in_([role.value for role in THREAD_STARTERS]),
        )
        for about, created_at, chat_id, message_id in await conn.execute(query):
            root = root_of[about]
            starts.append((root, about != root, created_at, chat_id, message_id))
    threads: dict[int, dict[int, int]] = {incident_id: {} for incident_id in incident_ids}
    # The incident's own threads first, then its duplicates', each oldest first.
    for root, _, _, chat_id, message_id in sorted(starts, key=lambda start: start[:3]):
        threads[root].setdefault(chat_id, message_id)
    return threads


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), 500):
        yield items[start : start + 500]


async def files_of(conn: AsyncConnection, incident_id: int) -> list[Attachment]:
    """The photos and documents chat messages brought to an incident, oldest first."""
    query = (
        select(chat_messages.c.file_kind, chat_messages.c.file_id)
        .where(chat_messages.c.incident_id == incident_id, chat_messages.c.file_id.is_not(None))
        .order_by(chat_messages.c.created_at)
    )
    return [Attachment(kind, file_id) for kind, file_id in await conn.execute(query)]
