"""What Telegram tells of chats themselves: a group upgraded to a supergroup (its new id takes
the old one's place), and the bot kicked from a chat, leaving it, or added again."""

from __future__ import annotations

from dataclasses import dataclass, field

from incidents.db import chat_changes, failed_notices
from incidents.domain.notifications import ChatPresence
from incidents.service.runtime import Runtime


@dataclass(frozen=True, slots=True)
class ChatState:
    """Upgraded groups (old id -> new id) and the chats the bot is not in, as last read."""

    moves: dict[int, int] = field(default_factory=dict)
    absent: frozenset[int] = frozenset()

    def address(self, chat_id: int | None) -> int | None:
        """Where a message for `chat_id` goes now."""
        return None if chat_id is None else self.moves.get(chat_id, chat_id)

    def origin_of(self, chat_id: int) -> int | None:
        """The old id of the group that is `chat_id` now, if it was upgraded."""
        return next((old for old, new in self.moves.items() if new == chat_id), None)


async def chat_state(runtime: Runtime) -> ChatState:
    """Upgraded groups and the chats the bot is not in, as the database knows them."""
    async with runtime.database.reads() as conn:
        moves = await chat_changes.moves(conn)
        absent = await chat_changes.absent_chats(conn)
    return ChatState(moves, frozenset(absent))


async def chat_moved(runtime: Runtime, *, old: int, new: int) -> bool:
    """Chat `old` was upgraded and is `new` now, for good: its queued notices (in order),
    threads, links and offers go there. False when this was known already."""
    if old == new:
        return False
    async with runtime.database.transaction() as tx:
        first = await chat_changes.record_move(
            tx.connection, old=old, new=new, now=runtime.clock.now()
        )
        await chat_changes.readdress(tx.connection, old=old, new=new)
        await tx.commit()
    return first


async def presence_changed(runtime: Runtime, chat_id: int, presence: ChatPresence) -> int:
    """Record whether the bot is in `chat_id`; out of it, the chat's pending notices are
    parked (failed, not retried; the sender parks those for the announcement chat as it
    claims them). Returns how many were parked."""
    now = runtime.clock.now()
    async with runtime.database.transaction() as tx:
        await chat_changes.set_presence(tx.connection, chat_id, presence, now=now)
        parked = 0
        if presence is not ChatPresence.MEMBER:
            error = f"the bot is not in chat {chat_id} ({presence.value})"
            parked = await failed_notices.park_chat(tx.connection, [chat_id], error=error, now=now)
        await tx.commit()
    return parked
