"""Reports from chats: by tag, by /new, by forward; refusals; chatter; redelivery."""

from __future__ import annotations

from tests.telegram.conftest import ANNA, BORIS, EVE, OPS, PARTNERS, STRANGERS, Chats
from tests.telegram.fake_bot_api import plain


async def test_a_tagged_message_reports_with_that_source(chats: Chats) -> None:
    reply = await chats.say(OPS, "[monitoring] Scooter #42 not responding")

    [incident] = await chats.incidents()
    assert incident["source"] == "monitoring"
    assert incident["description"] == "Scooter #42 not responding"
    assert incident["created_by"] == "telegram:111 (@anna)"
    assert plain(reply.text).startswith(f"Incident #{incident['id']} · new")
    assert reply.params["reply_parameters"]["message_id"]
    assert reply.buttons == ["Take", "False alarm"]


async def test_new_uses_the_chats_default_source(chats: Chats) -> None:
    await chats.say(OPS, "/new Pickup point 7 is not answering")
    await chats.say(PARTNERS, "/new Report for March did not upload")

    by_description = {i["description"]: i["source"] for i in await chats.incidents()}
    assert by_description == {
        "Pickup point 7 is not answering": "operator",
        "Report for March did not upload": "partner",
    }


async def test_new_without_text_says_how(chats: Chats) -> None:
    reply = await chats.say(OPS, "/new")
    assert "/new Scooter #42 is offline" in reply.text
    assert await chats.incidents() == []


async def test_a_forward_in_private_credits_its_author(chats: Chats) -> None:
    origin = {
        "type": "user",
        "date": 1,
        "sender_user": {"id": 9, "is_bot": False, "first_name": "Petr", "username": "petr"},
    }
    await chats.say(ANNA["id"], "Locker 5 does not open", forward_origin=origin)

    [incident] = await chats.incidents()
    assert incident["description"] == "Locker 5 does not open\n\nForwarded from Petr (@petr)"


async def test_a_forward_from_a_hidden_user(chats: Chats) -> None:
    origin = {"type": "hidden_user", "date": 1, "sender_user_name": "Secret Courier"}
    await chats.say(BORIS["id"], "Bag left at point 3", user=BORIS, forward_origin=origin)
    [incident] = await chats.incidents()
    assert incident["description"].endswith("Forwarded from Secret Courier")
    assert incident["created_by"] == "telegram:222"


async def test_strangers_get_one_polite_refusal_and_nothing_is_recorded(chats: Chats) -> None:
    reply = await chats.say(STRANGERS, "/new Free scooters for everyone")
    assert "not connected" in reply.text
    private = await chats.say(EVE["id"], "[partner] let me in", user=EVE)
    assert "not connected" in private.text
    assert await chats.incidents() == []


async def test_chatter_is_ignored(chats: Chats) -> None:
    await chats.say_unanswered(OPS, "good morning everyone")
    await chats.say_unanswered(OPS, "[urgent] coffee machine")
    await chats.say_unanswered(STRANGERS, "just chatting")
    assert await chats.incidents() == []


async def test_a_redelivered_update_reports_and_answers_once(chats: Chats) -> None:
    update = chats.message(OPS, "[partner] Courier app crashes")
    mark = len(chats.api.calls)
    await chats.api.push(update)
    card = await chats.api.wait_for("sendMessage", after=mark)
    again = {**update, "update_id": update["update_id"] + 1000}
    await chats.api.push(again)
    await chats.settled()

    incidents = await chats.incidents()
    assert len(incidents) == 1
    assert plain(card.text).startswith(f"Incident #{incidents[0]['id']}")
    said = update["message"]["message_id"]
    assert len([c for c in chats.api.sent() if c.replies_to(said)]) == 1


async def test_user_text_is_escaped(chats: Chats) -> None:
    reply = await chats.say(OPS, "/new <b>bold</b> & <script>alert(1)</script>")
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in reply.text
    assert "<script>" not in reply.text


async def test_long_reports_fit_in_one_message(chats: Chats) -> None:
    reply = await chats.say(OPS, "/new " + "x" * 9000)
    assert len(plain(reply.text)) <= 4096
    [incident] = await chats.incidents()
    assert len(incident["description"]) == 9000


ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


async def test_anonymous_admins_are_credited_to_the_chat_they_speak_for(chats: Chats) -> None:
    for chat_id, title in ((OPS, "Ops room"), (PARTNERS, "Partners")):
        speaking = {"id": chat_id, "type": "supergroup", "title": title}
        await chats.say(
            chat_id, "[partner] Courier app crashes", user=ANONYMOUS_ADMIN, sender_chat=speaking
        )
    card = await chats.say(
        OPS,
        "/new Locker 4 jammed",
        user=ANONYMOUS_ADMIN,
        sender_chat={"id": OPS, "type": "supergroup", "title": "Ops room"},
    )
    assert "reported by telegram:-1001234567890 (Ops room)" in plain(card.text)

    by_reporter = sorted(i["created_by"] for i in await chats.incidents())
    assert by_reporter == [
        "telegram:-1001234567890 (Ops room)",
        "telegram:-1001234567890 (Ops room)",
        "telegram:-1009876543210 (Partners)",
    ]
    take = await chats.press(card, "Take", user=ANNA)
    assert take.params["text"] == "Done."


async def test_new_as_a_reply_records_the_message_it_answers(chats: Chats) -> None:
    said = await chats.api.push(chats.message(OPS, "Locker 9 at point 3 is on fire", user=BORIS))
    ask = chats.message(
        OPS,
        "/new",
        user=ANNA,
        reply_to_message={k: v for k, v in said["message"].items() if k != "reply_to_message"},
    )
    card = await chats.deliver(ask)
    await chats.redelivered(ask)

    [incident] = await chats.incidents()
    assert incident["description"] == "Locker 9 at point 3 is on fire"
    assert incident["created_by"] == "telegram:222"
    assert plain(card.text).startswith(f"Incident #{incident['id']} · new")
    events = (await chats.http.get(f"/api/v1/incidents/{incident['id']}/events")).json()
    assert events[0]["kind"] == "created"
    assert events[0]["actor"] == "telegram:111 (@anna)"
    assert events[0]["reported_by"] == "telegram:222"
    # Borís's message is the report now: his edit of it is a correction, as for any report.
    edit = chats.edited(said, "Locker 9 at point 3 is on fire, smoke everywhere")
    assert "Note added" in (await chats.deliver(edit)).text


async def test_new_as_a_reply_to_a_recorded_message_shows_its_incident(chats: Chats) -> None:
    said = await chats.api.push(chats.message(OPS, "[operator] Gate 4 open", user=BORIS))
    first = await chats.api.wait_for("sendMessage", replying_to=said["message"]["message_id"])
    shown = {k: v for k, v in said["message"].items() if k != "reply_to_message"}
    ask = chats.message(OPS, "/new", user=ANNA, reply_to_message=shown)
    card = await chats.deliver(ask)
    await chats.redelivered(ask)

    [incident] = await chats.incidents()
    assert plain(card.text).startswith(f"Incident #{incident['id']} · new")
    assert plain(first.text).startswith(f"Incident #{incident['id']} · new")
    assert incident["version"] == 1
