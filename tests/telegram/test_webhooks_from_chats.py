"""What people do in the chats is delivered to webhook subscribers like any other change."""

from __future__ import annotations

import asyncio
import time

from incidents.domain.access import Actor
from incidents.service import webhooks
from incidents.service.webhook_sender import Pacing, WebhookSender
from tests.api.webhook_receiver import Receiver, verify
from tests.telegram.conftest import BORIS, OPS, Chats


async def test_a_chat_report_and_its_moves_are_delivered(chats: Chats) -> None:
    receiver = Receiver()
    await receiver.start()
    try:
        made = await webhooks.subscribe(
            chats.runtime, actor=Actor.system("tests"), url=receiver.url, source=None
        )
        card = await chats.say(OPS, "[operator] Scooter #42 offline")
        [incident] = await chats.incidents()
        answer = await chats.press(card, "Take", user=BORIS)
        assert answer.params["text"] == "Done."
        await chats.say(OPS, f"/note {incident['id']} Technician on the way")

        sender = WebhookSender(chats.runtime, Pacing())
        deadline = time.monotonic() + 15
        while len(receiver.acknowledged()) < 3:
            assert time.monotonic() < deadline, receiver.got
            await sender.deliver_due()
            await asyncio.sleep(0.02)
    finally:
        await receiver.stop()

    got = receiver.acknowledged()
    assert [r.document["type"] for r in got] == ["incident.created"] + ["incident.changed"] * 2
    assert [[e["kind"] for e in r.document["data"]["events"]] for r in got] == [
        ["created"],
        ["status_changed", "assigned"],
        ["note_added"],
    ]
    assert got[1].document["data"]["events"][0]["actor"] == "telegram:222"
    assert all(verify(made.secret, r.headers, r.body) for r in got)
