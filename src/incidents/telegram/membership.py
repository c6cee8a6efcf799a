"""What Telegram says of the chats themselves: a group upgraded to a supergroup (a new id for
good), and the bot kicked, leaving, or added again (`my_chat_member`)."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import ChatMemberUpdated, Message

from incidents.domain.notifications import ChatPresence
from incidents.service import chat_changes
from incidents.service.runtime import Runtime
from incidents.telegram.policy import ChatPolicy

log = logging.getLogger(__name__)


def warn_of_move(old: int, new: int) -> None:
    """Tell the admin, once, that the settings still name a chat by its old id."""
    log.warning(
        "Telegram chat %s was upgraded to a supergroup and is chat %s now; the bot follows it "
        "(stored in the database), but put %s in place of %s in INCIDENTS_TELEGRAM_CHATS "
        "(and INCIDENTS_TELEGRAM_NOTIFY_CHAT if it is that chat)",
        old,
        new,
        new,
        old,
    )


async def follow_move(runtime: Runtime, policy: ChatPolicy, *, old: int, new: int) -> None:
    """Chat `old` is `new` now: admit it as `old` was, move what is stored, warn once."""
    policy.follow(old, new)
    if await chat_changes.chat_moved(runtime, old=old, new=new):
        warn_of_move(old, new)


async def migrated_to(message: Message, runtime: Runtime, policy: ChatPolicy) -> None:
    """The service message in the old group: it became supergroup `migrate_to_chat_id`."""
    assert message.migrate_to_chat_id is not None
    await follow_move(runtime, policy, old=message.chat.id, new=message.migrate_to_chat_id)


async def migrated_from(message: Message, runtime: Runtime, policy: ChatPolicy) -> None:
    """The service message in the new supergroup: it was group `migrate_from_chat_id`."""
    assert message.migrate_from_chat_id is not None
    await follow_move(runtime, policy, old=message.migrate_from_chat_id, new=message.chat.id)


async def my_membership(update: ChatMemberUpdated, runtime: Runtime, policy: ChatPolicy) -> None:
    """The bot was added to a chat, kicked from it or left it: notices and offers follow."""
    chat_id = update.chat.id
    if not policy.serves(chat_id) and not await _moved_here(runtime, policy, chat_id):
        return  # a chat the registry does not serve: nothing of it is kept
    presence = ChatPresence.of(update.new_chat_member.status)
    parked = await chat_changes.presence_changed(runtime, chat_id, presence)
    if presence is ChatPresence.MEMBER:
        log.info("the bot is in chat %s again", chat_id)
    else:
        log.warning(
            "the bot is out of chat %s (%s): %s queued notices parked, none sent there until "
            "it is added again",
            chat_id,
            presence.value,
            parked,
        )


async def _moved_here(runtime: Runtime, policy: ChatPolicy, chat_id: int) -> bool:
    """Whether `chat_id` is a served group upgraded, known only to the database (learned from
    a 400 by the sender, or by another process): served from now on as its old id."""
    old = (await chat_changes.chat_state(runtime)).origin_of(chat_id)
    if old is None or not policy.serves(old):
        return False
    policy.follow(old, chat_id)
    return True


def build_membership_router() -> Router:
    """A fresh router for upgrades and the bot's own membership."""
    router = Router(name="membership")
    router.message.register(migrated_to, F.migrate_to_chat_id)
    router.message.register(migrated_from, F.migrate_from_chat_id)
    router.my_chat_member.register(my_membership)
    return router
