"""Forum supergroups: every answer, card, prompt, offer and notice goes to the topic of the
message it belongs to, also when that message is gone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.telegram.conftest import OPS, PARTNERS, Chats
from tests.telegram.fake_bot_api import plain

FORUM = -1007770000000
TOPIC = 42  # "Scooters"
OTHER = 43  # "Lockers"


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    return {"telegram_chats": f"{OPS},{PARTNERS}:partner,{FORUM}"}


def _in(topic: int) -> dict[str, Any]:
    return {"message_thread_id": topic, "is_topic_message": True}


async def test_everything_goes_to_the_messages_topic(chats: Chats) -> None:
    api = chats.api
    api.open_topic(FORUM, TOPIC)
    api.open_topic(FORUM, OTHER)

    report = await api.push(chats.message(FORUM, "[operator] Scooter 12 stuck", **_in(TOPIC)))
    card = await api.wait_for("sendMessage", replying_to=report["message"]["message_id"])
    assert card.topic == TOPIC
    hint = await chats.say(FORUM, "/new", **_in(OTHER))
    assert hint.topic == OTHER
    answer = chats.message(
        FORUM, "Locker 5 jammed", reply_to_message=chats.replying_to(hint), **_in(OTHER)
    )
    second = await chats.deliver(answer)
    assert second.topic == OTHER
    listing = await chats.say(FORUM, "/list", **_in(TOPIC))
    assert listing.topic == TOPIC
    offer = await chats.say(FORUM, "terminal 7 is down again at point 4", **_in(OTHER))
    assert offer.topic == OTHER
    general = await chats.say(FORUM, "/help")
    assert general.topic is None

    by_text = {i["description"]: i["id"] for i in await chats.incidents()}
    scooter, locker = by_text["Scooter 12 stuck"], by_text["Locker 5 jammed"]
    mark = len(api.calls)
    for incident_id in (scooter, locker):
        patch = {"status": "in_progress"}
        assert (await chats.http.patch(f"/api/v1/incidents/{incident_id}", json=patch)).is_success
    await chats.notices_settled()
    notices = {
        plain(c.text).split(":")[0]: c.topic
        for c in api.calls[mark:]
        if c.method == "sendMessage" and int(c.params["chat_id"]) == FORUM
    }
    assert notices == {f"Incident #{scooter}": TOPIC, f"Incident #{locker}": OTHER}

    # The report is deleted: its news still goes to its topic, not to General.
    api.delete_by_people(FORUM, report["message"]["message_id"])
    mark = len(api.calls)
    note = {"description_append": "Technician on the way"}
    assert (await chats.http.patch(f"/api/v1/incidents/{scooter}", json=note)).is_success
    await chats.notices_settled()
    [notice] = [c for c in api.calls[mark:] if c.method == "sendMessage" and c.ok]
    assert notice.topic == TOPIC
    assert "Technician on the way" in plain(notice.text)
    refused = [(c.method, c.error) for c in api.calls if not c.ok and c.method != "getUpdates"]
    assert refused == [("sendMessage", "Bad Request: message to be replied not found")]


async def test_a_reply_to_a_card_in_a_topic_is_a_note_answered_there(chats: Chats) -> None:
    chats.api.open_topic(FORUM, TOPIC)
    card = await chats.say(FORUM, "[operator] Gate 2 open", **_in(TOPIC))
    reply = chats.message(
        FORUM, "Closed it", reply_to_message=chats.replying_to(card), **_in(TOPIC)
    )
    noted = await chats.deliver(reply)
    assert "Note added" in noted.text
    assert noted.topic == TOPIC
