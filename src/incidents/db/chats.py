"""Queries on chat threads: which chat message an incident lives in."""

from __future__ import annotations

from sqlalchemy import exc, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import chat_threads
from incidents.domain.notifications import Thread


async def incident_of_message(conn: AsyncConnection, thread: Thread) -> int | None:
    """The incident reported with (or announced in) a chat message, if any."""
    query = select(chat_threads.c.incident_id).where(
        chat_threads.c.chat_id == thread.chat_id, chat_threads.c.message_id == thread.message_id
    )
    return (await conn.execute(query)).scalar_one_or_none()


async def thread_of(conn: AsyncConnection, incident_id: int) -> Thread | None:
    """The chat message an incident lives in, if any."""
    query = select(chat_threads.c.chat_id, chat_threads.c.message_id).where(
        chat_threads.c.incident_id == incident_id
    )
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else Thread(chat_id=row.chat_id, message_id=row.message_id)


async def insert_thread(conn: AsyncConnection, incident_id: int, thread: Thread) -> None:
    """Tie an incident to a chat message; raises UniqueViolation when either has one."""
    statement = chat_threads.insert().values(
        incident_id=incident_id, chat_id=thread.chat_id, message_id=thread.message_id
    )
    try:
        await conn.execute(statement)
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error
