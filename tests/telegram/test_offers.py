"""Untagged reports: the bot offers to record them, one tap records, No or silence deletes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from incidents.service import suggestions
from tests.conftest import TickingClock
from tests.telegram.conftest import ANNA, BORIS, OPS, PARTNERS, Chats
from tests.telegram.fake_bot_api import BOT_USER, Call, plain

OFFER = "Looks like a problem report. Record it?"
TTL = timedelta(minutes=10)  # INCIDENTS_TELEGRAM_SUGGEST_TTL's default


async def offered(
    chats: Chats, text: str, *, chat: int = OPS, user: dict[str, Any] = ANNA
) -> tuple[dict[str, Any], Call]:
    """Post `text` and return its update and the bot's offer, which replies to it."""
    update = chats.message(chat, text, user=user)
    offer = await chats.deliver(update)
    assert offer.text == OFFER
    assert offer.buttons == ["Record", "No"]
    assert offer.params["disable_notification"] == "true"  # a quiet reply
    return update, offer


def offers_to(chats: Chats, message_id: int, *, after: int = 0) -> list[Call]:
    """The offers the bot made in reply to a message."""
    sent = chats.api.calls[after:]
    return [
        c
        for c in sent
        if c.method == "sendMessage" and c.text == OFFER and c.replies_to(message_id)
    ]


async def events(chats: Chats, incident_id: int) -> list[dict[str, Any]]:
    response = await chats.http.get(f"/api/v1/incidents/{incident_id}/events")
    found: list[dict[str, Any]] = response.json()
    return found


async def test_record_by_another_person_makes_the_message_a_report(chats: Chats) -> None:
    update, offer = await offered(chats, "самокат 4512 не в сети у Курской")
    said = update["message"]["message_id"]
    mark = len(chats.api.calls)

    answer = await chats.press(offer, "Record", user=BORIS)

    assert answer.params["text"] == "Done."
    card = await chats.api.wait_for("editMessageText", after=mark)
    assert card.message_id == offer.message_id  # the offer became the card
    assert plain(card.text).startswith("Incident #1 · new")
    assert "reported by telegram:111 (@anna)" in plain(card.text)
    assert card.buttons == ["Take", "False alarm"]
    [incident] = await chats.incidents()
    assert incident["description"] == "самокат 4512 не в сети у Курской"
    assert incident["source"] == "operator"
    assert incident["created_by"] == "telegram:111 (@anna)"
    [created] = await events(chats, incident["id"])
    assert created["kind"] == "created"
    assert created["actor"] == "telegram:222"  # who pressed
    assert created["reported_by"] == "telegram:111 (@anna)"

    # Tied as a tagged report is: a reply to the card is a note, notices reply to the report.
    noted = await chats.say(OPS, "Курьер выехал", reply_to_message=chats.replying_to(card))
    assert "#1" in noted.text
    mark = len(chats.api.calls)
    patched = await chats.http.patch("/api/v1/incidents/1", json={"status": "in_progress"})
    assert patched.status_code == 200
    notice = await chats.api.wait_for("sendMessage", after=mark, replying_to=said)
    assert "#1" in notice.text


async def test_a_chats_default_source_and_english(chats: Chats) -> None:
    _, offer = await offered(chats, "terminal 7 is down again", chat=PARTNERS)
    await chats.press(offer, "Record")
    [incident] = await chats.incidents()
    assert incident["source"] == "partner"
    assert incident["description"] == "terminal 7 is down again"


async def test_no_deletes_the_offer_and_an_edit_never_brings_it_back(chats: Chats) -> None:
    update, offer = await offered(chats, "точка на Лесной опять не отвечает")
    said = update["message"]["message_id"]
    mark = len(chats.api.calls)

    answer = await chats.press(offer, "No", user=BORIS)

    assert answer.params["text"] == "Not recorded."
    deleted = await chats.api.wait_for("deleteMessage", after=mark)
    assert int(deleted.params["message_id"]) == offer.message_id
    assert offer.message_id not in chats.api.messages[OPS]
    mark = len(chats.api.calls)
    await chats.api.push(chats.edited(update, "точка на Лесной опять не отвечает, терминал 7 тоже"))
    await chats.settled()
    assert offers_to(chats, said, after=mark) == []
    assert await chats.incidents() == []


async def test_an_offer_nobody_answers_is_deleted_when_its_time_is_up(
    chats: Chats, clock: TickingClock
) -> None:
    _, offer = await offered(chats, "Отчёт за вчера так и не выгрузился")
    clock.advance(TTL - timedelta(seconds=5))
    assert await suggestions.expire_due(chats.runtime) == 0
    mark = len(chats.api.calls)
    chats.api.failing = True  # Telegram is down when its time comes: deleted once it is back

    clock.advance(timedelta(seconds=5))

    failed = await chats.api.wait_for("deleteMessage", after=mark, ok=False)
    assert int(failed.params["message_id"]) == offer.message_id
    chats.api.failing = False
    clock.advance(timedelta(minutes=1))  # past the retry's backoff
    deleted = await chats.api.wait_for("deleteMessage", after=mark)
    assert int(deleted.params["message_id"]) == offer.message_id
    await chats.notices_settled()
    assert offer.message_id not in chats.api.messages[OPS]
    assert await chats.incidents() == []
    # A press that was under way meanwhile records nothing.
    late = await chats.press(offer, "Record")
    assert late.params["text"] == "This offer is closed."
    assert await chats.incidents() == []


async def test_a_redelivered_press_records_nothing_twice(chats: Chats) -> None:
    _, offer = await offered(chats, "Terminal 5 keeps rebooting")
    press = chats.pressing(offer, "Record", user=BORIS)
    mark = len(chats.api.calls)
    await chats.api.push(press)
    await chats.api.wait_for("answerCallbackQuery", after=mark)
    await chats.api.wait_for("editMessageText", after=mark)

    mark = len(chats.api.calls)
    await chats.api.redeliver(press)  # Telegram did not see it confirmed
    await chats.api.wait_for("answerCallbackQuery", after=mark, ok=False)  # answered before
    again = await chats.press(offer, "Record")  # and someone else, a moment later
    assert again.params["text"] == "Done."

    [incident] = await chats.incidents()
    assert len(await events(chats, incident["id"])) == 1
    assert sum(1 for c in chats.api.sent() if plain(c.text).startswith("Incident #")) == 0


async def test_a_pending_offer_records_the_message_as_edited(chats: Chats) -> None:
    update, offer = await offered(chats, "Самокат 3381 не в сети")
    await chats.api.push(chats.edited(update, "Самокат 3381 не в сети уже второй час"))
    await chats.settled()
    await chats.press(offer, "Record")
    [incident] = await chats.incidents()
    assert incident["description"] == "Самокат 3381 не в сети уже второй час"


async def test_chatter_edited_into_a_report_is_offered_once(chats: Chats) -> None:
    update = await chats.say_unanswered(OPS, "Доброе утро, коллеги")
    said = update["message"]["message_id"]
    offer = await chats.deliver(chats.edited(update, "Доброе утро, терминал 7 не работает"))
    assert offer.text == OFFER
    mark = len(chats.api.calls)
    await chats.api.push(chats.edited(update, "Доброе утро, терминал 7 не работает совсем"))
    await chats.settled()
    assert offers_to(chats, said, after=mark) == []


async def test_what_is_never_offered(chats: Chats) -> None:
    report = "terminal 7 is down again"
    forwarded = {"type": "user", "date": 1, "sender_user": BORIS}
    await chats.say_unanswered(OPS, report, forward_origin=forwarded)
    alerts = {"id": 999, "is_bot": True, "first_name": "Alerts"}
    await chats.say_unanswered(OPS, report, user=alerts)
    await chats.say_unanswered(OPS, f"/status {report}")
    help_ = await chats.say(OPS, "/help")
    await chats.say_unanswered(OPS, report, reply_to_message=chats.replying_to(help_))
    await chats.say_unanswered(ANNA["id"], report)  # a private chat
    await chats.say_unanswered(OPS, "спасибо, заработало")
    await chats.say_unanswered(OPS, "Кто-нибудь знает, почему терминал 7 не работает?")
    card = await chats.say(OPS, f"[operator] {report}")
    assert plain(card.text).startswith("Incident #1")
    assert "Record" not in card.buttons
    note = await chats.say(OPS, "still down", reply_to_message=chats.replying_to(card))
    assert "#1" in note.text

    update, _ = await offered(chats, "scooter 4512 offline near Kurskaya")
    mark = len(chats.api.calls)
    await chats.api.redeliver(update)  # already answered: not offered twice
    await chats.settled()
    assert offers_to(chats, update["message"]["message_id"], after=mark) == []
    assert BOT_USER["id"] != ANNA["id"]


async def test_an_offer_answered_by_a_tag_meanwhile_records_nothing_twice(chats: Chats) -> None:
    update, offer = await offered(chats, "касса на точке Арбат зависла")
    card = await chats.deliver(chats.edited(update, "[operator] касса на точке Арбат зависла"))
    assert plain(card.text).startswith("Incident #1")
    answer = await chats.press(offer, "Record", user=BORIS)
    assert answer.params["text"] == "Done."
    [incident] = await chats.incidents()
    assert incident["created_by"] == "telegram:111 (@anna)"
    assert len(await events(chats, incident["id"])) == 1
