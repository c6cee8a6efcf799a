"""Moving incidents from the chat: buttons, commands, notes, and what goes wrong."""

from __future__ import annotations

from incidents.telegram.texts import MESSAGE_LIMIT
from tests.telegram.conftest import BORIS, OPS, Chats
from tests.telegram.fake_bot_api import plain


async def test_buttons_through_a_full_lifecycle(chats: Chats) -> None:
    card = await chats.say(OPS, "[operator] Scooter #42 offline")
    [incident] = await chats.incidents()
    url = f"/api/v1/incidents/{incident['id']}"

    for label, status, labels_after in [
        ("Take", "in_progress", ["Resolve", "False alarm"]),
        ("Resolve", "resolved", ["Reopen", "Close", "False alarm"]),
        ("Reopen", "in_progress", ["Resolve", "False alarm"]),
        ("Resolve", "resolved", ["Reopen", "Close", "False alarm"]),
        ("Close", "closed", []),
    ]:
        mark = len(chats.api.calls)
        answer = await chats.press(card, label, user=BORIS)
        assert answer.params["text"] == "Done."
        edit = await chats.api.wait_for("editMessageText", after=mark)
        assert (await chats.http.get(url)).json()["status"] == status
        assert edit.buttons == labels_after
        card = edit

    events = (await chats.http.get(f"{url}/events")).json()
    assert [e["actor"] for e in events[1:]] == ["telegram:222"] * 6  # the take assigned too
    assert "closed" in plain(card.text)


async def test_a_stale_button_shows_the_current_state(chats: Chats) -> None:
    card = await chats.say(OPS, "/new Pickup point 7 silent")
    [incident] = await chats.incidents()
    await chats.http.patch(f"/api/v1/incidents/{incident['id']}", json={"status": "in_progress"})

    mark = len(chats.api.calls)
    answer = await chats.press(card, "Take")

    assert "changed meanwhile" in answer.params["text"]
    edit = await chats.api.wait_for("editMessageText", after=mark)
    assert "in progress" in plain(edit.text)
    assert edit.buttons == ["Resolve", "False alarm"]
    events = (await chats.http.get(f"/api/v1/incidents/{incident['id']}/events")).json()
    assert [e["kind"] for e in events] == ["created", "status_changed", "assigned"]


async def test_commands_move_and_annotate(chats: Chats) -> None:
    await chats.say(OPS, "/new Terminal 3 offline")
    [incident] = await chats.incidents()
    number = incident["id"]

    taken = await chats.say(OPS, f"/take {number}")
    assert "in progress" in plain(taken.text)
    noted = await chats.say(OPS, f"/note {number} Technician on the way")
    assert f"#{number}" in noted.text
    await chats.say(OPS, f"/resolve #{number}")
    reopened = await chats.say(OPS, f"/reopen {number}")
    assert reopened.buttons == ["Resolve", "False alarm"]
    await chats.say(OPS, f"/resolve {number}")
    closed = await chats.say(OPS, f"/close {number}")
    assert "closed" in plain(closed.text)
    assert closed.buttons == []

    final = (await chats.http.get(f"/api/v1/incidents/{number}")).json()
    assert final["description"] == "Terminal 3 offline\nTechnician on the way"
    assert final["status"] == "closed"


async def test_list_and_show(chats: Chats) -> None:
    await chats.say(OPS, "/new First problem")
    await chats.say(OPS, "/new Second problem")
    first, second = sorted(i["id"] for i in await chats.incidents())
    await chats.say(OPS, f"/take {first}")

    everything = plain((await chats.say(OPS, "/list")).text)
    assert everything.index(f"#{second}") < everything.index(f"#{first}")
    only_taken = plain((await chats.say(OPS, "/list in_progress")).text)
    assert f"#{first}" in only_taken
    assert f"#{second}" not in only_taken
    assert "No open incidents." in (await chats.say(OPS, "/list closed")).text

    shown = await chats.say(OPS, f"/show {first}")
    text = plain(shown.text)
    assert "First problem" in text
    assert "new → in progress" in text
    assert shown.buttons == ["Resolve", "False alarm"]


async def test_replying_to_the_bots_card_adds_a_note(chats: Chats) -> None:
    card = await chats.say(OPS, "/new Scooter #7 battery")
    [incident] = await chats.incidents()
    reply_to = {
        "message_id": card.message_id,
        "date": 1,
        "chat": {"id": OPS, "type": "supergroup"},
        "from": card.result["from"],
        "text": card.result["text"],
    }

    answer = await chats.say(OPS, "Replaced the battery", reply_to_message=reply_to)

    assert f"#{incident['id']}" in answer.text
    current = (await chats.http.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert current["description"] == "Scooter #7 battery\nReplaced the battery"


async def test_bad_arguments_get_a_short_useful_reply(chats: Chats) -> None:
    await chats.say(OPS, "/new Something")
    [incident] = await chats.incidents()
    number = incident["id"]

    assert "/take 42" in (await chats.say(OPS, "/take")).text
    assert "/show 42" in (await chats.say(OPS, "/show abc")).text
    assert "/note 42" in (await chats.say(OPS, f"/note {number}")).text
    assert "There is no incident #999999" in (await chats.say(OPS, "/take 999999")).text
    refused = plain((await chats.say(OPS, f"/close {number}")).text)
    assert "new" in refused
    assert "in progress" in refused
    assert "Unknown status" in (await chats.say(OPS, "/list nonsense")).text
    assert (await chats.http.get(f"/api/v1/incidents/{number}")).json()["status"] == "new"


async def test_show_of_a_huge_incident_fits_in_one_message(chats: Chats) -> None:
    created = await chats.http.post(
        "/api/v1/incidents", json={"description": "<&>" * 3333, "source": "partner"}
    )
    for n in range(6):
        await chats.http.patch(
            created.headers["Location"], json={"description_append": f"{n}" * 10_000}
        )

    shown = await chats.say(OPS, f"/show {created.json()['id']}")

    assert len(plain(shown.text)) <= MESSAGE_LIMIT
    assert "&lt;&amp;&gt;" in shown.text


async def test_a_note_does_not_make_the_buttons_stale(chats: Chats) -> None:
    card = await chats.say(OPS, "/new Scooter #8 offline")
    [incident] = await chats.incidents()
    await chats.say(OPS, f"/note {incident['id']} Battery swapped")

    answer = await chats.press(card, "Take")

    assert answer.params["text"] == "Done."
    current = (await chats.http.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert current["status"] == "in_progress"


async def test_help_is_valid_html(chats: Chats) -> None:
    reply = await chats.say(OPS, "/help")
    assert "/new &lt;text&gt;" in reply.text
    assert "<text>" not in reply.text
