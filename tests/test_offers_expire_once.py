"""Offers nobody answered expire once, however many processes take them back at the same time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from incidents.domain.notifications import ChatOrigin, Thread
from incidents.service import suggestions
from incidents.service.outbox import pending_notices
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from tests.conftest import TickingClock

CHAT = -1001234567890
OFFERS = 30


async def test_two_processes_expire_each_offer_once(database_url: str, clock: TickingClock) -> None:
    settings = Settings(database_url=database_url, _env_file=None)
    first, second = Runtime.open(settings, clock=clock), Runtime.open(settings, clock=clock)
    try:
        for message_id in range(1, OFFERS + 1):
            origin = ChatOrigin(CHAT, message_id)
            text = f"terminal {message_id} is down"
            offered = await suggestions.offer(
                first, origin=origin, author="telegram:111", text=text, ttl=timedelta(minutes=10)
            )
            assert offered
            await suggestions.posted(first, Thread(CHAT, message_id), reply_id=1000 + message_id)
        again = ChatOrigin(CHAT, 1)
        assert not await suggestions.offer(
            second, origin=again, author="telegram:111", text="again", ttl=timedelta(minutes=10)
        )
        assert await suggestions.expire_due(first) == 0

        clock.advance(timedelta(minutes=10))
        counts = await asyncio.gather(*(suggestions.expire_due(r) for r in (first, second) * 3))

        assert sum(counts) == OFFERS
        assert await pending_notices(first) == OFFERS  # one deletion queued for each
    finally:
        await first.close()
        await second.close()
