"""Chats are bound like keys: a partner chat reads, lists, changes, hears of and gets digests
about only partner incidents; an operator chat sees every source; `:all` / `:own` say
otherwise per chat (INCIDENTS_TELEGRAM_CHATS)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.telegram.conftest import NOTIFY, OPS, PARTNERS, Chats
from tests.telegram.fake_bot_api import BOT_USER, plain


async def _report(chats: Chats, description: str, source: str) -> int:
    body = {"description": description, "source": source}
    response = await chats.http.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    await chats.notices_settled()
    return int(response.json()["id"])


async def _incident(chats: Chats, incident_id: int) -> dict[str, Any]:
    response = await chats.http.get(f"/api/v1/incidents/{incident_id}")
    result: dict[str, Any] = response.json()
    return result


def _forged(chat_id: int, data: str) -> dict[str, Any]:
    """A button press carrying callback data nobody was shown in that chat."""
    return {
        "callback_query": {
            "id": f"forged-{time.monotonic_ns()}",
            "from": {"id": 111, "is_bot": False, "first_name": "Anna", "username": "anna"},
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "supergroup", "title": "partners"},
                "from": BOT_USER,
                "text": "a card",
            },
        }
    }


async def test_a_partner_chat_sees_and_touches_only_partner_incidents(chats: Chats) -> None:
    monitoring = await _report(chats, "Payment gateway answers 502", "monitoring")
    partner = await _report(chats, "Report for March did not upload", "partner")

    refused = await chats.say(PARTNERS, f"/show {monitoring}")
    assert "works with partner incidents only" in plain(refused.text)
    assert "Payment gateway" not in refused.text
    shown = await chats.say(PARTNERS, f"/show {partner}")
    assert "Report for March" in plain(shown.text)
    listing = plain((await chats.say(PARTNERS, "/list")).text)
    assert f"#{partner}" in listing
    assert f"#{monitoring}" not in listing
    for command in (f"/note {monitoring} mine now", f"/take {monitoring}", f"/dup {monitoring} 2"):
        reply = await chats.say(PARTNERS, command)
        assert "works with partner incidents only" in plain(reply.text), command
    mark = len(chats.api.calls)
    await chats.api.push(_forged(PARTNERS, f"inc:{monitoring}:take:new"))
    alert = await chats.api.wait_for("answerCallbackQuery", after=mark)
    assert "works with partner incidents only" in alert.params["text"]
    digest = plain((await chats.say(PARTNERS, "/digest")).text)
    assert "Report for March" in digest
    assert "Payment gateway" not in digest

    untouched = await _incident(chats, monitoring)
    assert (untouched["version"], untouched["status"]) == (1, "new")
    # The operators' chat sees every source.
    assert "Payment gateway" in plain((await chats.say(OPS, f"/show {monitoring}")).text)
    everything = plain((await chats.say(OPS, "/list")).text)
    assert f"#{monitoring}" in everything
    assert f"#{partner}" in everything


async def test_a_partner_chat_hears_nothing_of_another_sources_incident(chats: Chats) -> None:
    monitoring = await _report(chats, "Payment gateway answers 502", "monitoring")
    await chats.say(PARTNERS, "/new Courier app shows no orders")
    [own] = [i["id"] for i in await chats.incidents(source="partner")]
    # An operator folds the partners' report into monitoring's: the partners hear of the fold
    # (their own incident), not of what happens to monitoring's incident after.
    fold = {"status": "closed", "resolution": "duplicate", "duplicate_of": monitoring}
    assert (await chats.http.patch(f"/api/v1/incidents/{own}", json=fold)).status_code == 200
    await chats.notices_settled()
    mark = len(chats.api.calls)
    patch = {"status": "in_progress", "description_append": "Gateway vendor called"}
    response = await chats.http.patch(f"/api/v1/incidents/{monitoring}", json=patch)
    assert response.status_code == 200
    await chats.notices_settled()

    later = [c for c in chats.api.calls[mark:] if c.method == "sendMessage" and c.ok]
    assert [int(c.params["chat_id"]) for c in later if "Gateway vendor" in c.text] == [NOTIFY]
    partners = [plain(c.text) for c in chats.api.sent() if int(c.params["chat_id"]) == PARTNERS]
    assert not [text for text in partners if "Gateway vendor" in text]
    assert [text for text in partners if f"merged into #{monitoring}" in text]


@pytest.mark.parametrize(
    "bot_settings", [{"telegram_chats": f"{OPS}:operator:own,{PARTNERS}:partner:all"}]
)
async def test_each_chat_may_say_otherwise(chats: Chats) -> None:
    monitoring = await _report(chats, "Payment gateway answers 502", "monitoring")
    assert "Payment gateway" in plain((await chats.say(PARTNERS, f"/show {monitoring}")).text)
    refused = plain((await chats.say(OPS, f"/show {monitoring}")).text)
    assert "works with operator incidents only" in refused
