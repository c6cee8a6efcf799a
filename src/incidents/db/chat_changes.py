"""Queries on what Telegram tells of chats themselves: a group's new id after its upgrade to
a supergroup, and whether the bot is in a chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exc, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import chat_absences, chat_messages, chat_moves, outbox, suggestions
from incidents.domain.notifications import ChatPresence


async def moves(conn: AsyncConnection) -> dict[int, int]:
    """Every upgraded group's old id -> the id it has now."""
    rows = await conn.execute(select(chat_moves.c.old_chat_id, chat_moves.c.new_chat_id))
    return {int(old): int(new) for old, new in rows}


async def record_move(conn: AsyncConnection, *, old: int, new: int, now: datetime) -> bool:
    """Remember that chat `old` is `new` now; False when that was known already.

    A second process learning the same move gets False.
    """
    try:
        async with conn.begin_nested():
            await conn.execute(
                chat_moves.insert().values(old_chat_id=old, new_chat_id=new, moved_at=now)
            )
    except exc.IntegrityError:
        return False
    # A group moved before to `old` (never twice in Telegram, but cheap to keep right).
    await conn.execute(
        chat_moves.update().where(chat_moves.c.new_chat_id == old).values(new_chat_id=new)
    )
    return True


async def readdress(conn: AsyncConnection, *, old: int, new: int) -> None:
    """Put `new` in `old`'s place: queued notices (their order kept: ids stay), the chat's
    threads and links, its offers and whether the bot is there.

    A message id the new chat uses already keeps its row under the old id (a supergroup
    numbers its messages afresh): the new chat's own message is the one people can answer.
    """
    pending = and_(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
    await conn.execute(outbox.update().where(outbox.c.chat_id == old, pending).values(chat_id=new))
    for table in (chat_messages, suggestions):
        taken = select(table.c.message_id).where(table.c.chat_id == new).scalar_subquery()
        await conn.execute(
            table.update()
            .where(table.c.chat_id == old, table.c.message_id.not_in(taken))
            .values(chat_id=new)
        )
    absent = await conn.execute(
        select(chat_absences.c.presence).where(chat_absences.c.chat_id == new)
    )
    if absent.first() is None:
        await conn.execute(
            chat_absences.update().where(chat_absences.c.chat_id == old).values(chat_id=new)
        )


async def absent_chats(conn: AsyncConnection) -> set[int]:
    """The chats the bot is not in."""
    return set((await conn.execute(select(chat_absences.c.chat_id))).scalars())


async def set_presence(
    conn: AsyncConnection, chat_id: int, presence: ChatPresence, *, now: datetime
) -> None:
    """Record whether the bot is in `chat_id` (a member: its absence row goes)."""
    await conn.execute(chat_absences.delete().where(chat_absences.c.chat_id == chat_id))
    if presence is not ChatPresence.MEMBER:
        await conn.execute(
            chat_absences.insert().values(chat_id=chat_id, presence=presence.value, since=now)
        )
