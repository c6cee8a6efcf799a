"""The bot's side of owners, dismissals and duplicates: /take, /mine, /dismiss, /dup, buttons."""

from __future__ import annotations

import pytest

from tests.telegram.conftest import ANNA, BORIS, OPS, PARTNERS, Chats
from tests.telegram.fake_bot_api import plain

URL = "/api/v1/incidents"


async def test_take_assigns_the_presser_and_the_card_shows_the_owner(chats: Chats) -> None:
    card = await chats.say(OPS, "/new Scooter #42 offline")
    [incident] = await chats.incidents()

    mark = len(chats.api.calls)
    await chats.press(card, "Take", user=BORIS)
    edit = await chats.api.wait_for("editMessageText", after=mark)

    assert (await chats.http.get(f"{URL}/{incident['id']}")).json()["assignee"] == "telegram:222"
    assert "owner: telegram:222" in plain(edit.text)
    await chats.say(OPS, "/new Locker 9 jammed")
    [second, _] = await chats.incidents()
    by_command = await chats.say(OPS, f"/take {second['id']}")
    assert "owner: telegram:111 (@anna)" in plain(by_command.text)


async def test_mine_lists_the_open_incidents_assigned_to_the_asker(chats: Chats) -> None:
    await chats.say(OPS, "/new First problem")
    await chats.say(OPS, "/new Second problem")
    await chats.say(OPS, "/new Third problem")
    first, second, third = sorted(i["id"] for i in await chats.incidents())
    await chats.say(OPS, f"/take {first}")
    await chats.say(OPS, f"/take {third}", user=BORIS)
    await chats.say(OPS, f"/take {second}")
    await chats.say(OPS, f"/resolve {second}")
    await chats.say(OPS, f"/close {second}")

    annas = plain((await chats.say(OPS, "/mine")).text)
    boris = plain((await chats.say(OPS, "/mine", user=BORIS)).text)
    await chats.http.patch(f"{URL}/{third}", json={"assignee": None})
    nobody = plain((await chats.say(OPS, "/mine", user=BORIS)).text)

    assert f"#{first}" in annas
    assert f"#{second}" not in annas  # closed
    assert f"#{third}" not in annas
    assert f"#{third}" in boris
    assert nobody == "Nothing open is assigned to you."


async def test_dismiss_closes_as_a_false_alarm_with_the_reason(chats: Chats) -> None:
    await chats.say(OPS, "/new Smoke at depot 3")
    [incident] = await chats.incidents()

    closed = await chats.say(OPS, f"/dismiss {incident['id']} Steam from the kettle")

    body = (await chats.http.get(f"{URL}/{incident['id']}")).json()
    assert (body["status"], body["resolution"]) == ("closed", "false_alarm")
    assert body["description"].endswith("\nSteam from the kettle")
    assert "closed (false alarm)" in plain(closed.text)
    assert closed.buttons == []


async def test_the_false_alarm_button_dismisses_an_open_incident(chats: Chats) -> None:
    card = await chats.say(OPS, "/new Alarm at gate 2")
    [incident] = await chats.incidents()
    assert card.buttons == ["Take", "False alarm"]

    mark = len(chats.api.calls)
    answer = await chats.press(card, "False alarm", user=BORIS)
    edit = await chats.api.wait_for("editMessageText", after=mark)

    assert answer.params["text"] == "Done."
    assert (await chats.http.get(f"{URL}/{incident['id']}")).json()["resolution"] == "false_alarm"
    assert edit.buttons == []


# The partners' chat sees every source here (a bound chat hears of its own source's only:
# tests/telegram/test_chat_binding.py).
@pytest.mark.parametrize("bot_settings", [{"telegram_chats": f"{OPS},{PARTNERS}:partner:all"}])
async def test_dup_merges_and_the_duplicates_chat_then_hears_the_original_once(
    chats: Chats,
) -> None:
    original = await chats.say(OPS, "/new Scooter #42 offline")
    report = chats.message(PARTNERS, "/new Scooter 42 does not answer")
    mark = len(chats.api.calls)
    await chats.api.push(report)
    await chats.api.wait_for("sendMessage", after=mark)
    dup_id, original_id = (i["id"] for i in await chats.incidents())
    assert dup_id > original_id

    merged = await chats.say(OPS, f"/dup {dup_id} {original_id}")
    await chats.notices_settled()

    assert f"closed (duplicate of #{original_id})" in plain(merged.text)
    told = [c for c in chats.api.sent() if int(c.params["chat_id"]) == PARTNERS]
    merged_notices = [c for c in told if "merged into" in plain(c.text)]
    assert [plain(c.text) for c in merged_notices] == [
        f"Incident #{dup_id} was merged into #{original_id}: its news follows there."
    ]
    assert (
        merged_notices[0].params["reply_parameters"]["message_id"]
        == (report["message"]["message_id"])
    )
    root = (await chats.http.get(f"{URL}/{original_id}")).json()
    assert (root["duplicates"], root["occurrences"]) == ([dup_id], 2)

    mark = len(chats.api.calls)
    await chats.press(original, "Take", user=BORIS)
    await chats.notices_settled()
    later = [
        c
        for c in chats.api.calls[mark:]
        if c.method == "sendMessage" and int(c.params["chat_id"]) == PARTNERS
    ]
    assert [plain(c.text).split(" · ")[0] for c in later] == [
        f"Incident #{original_id}: new → in progress"
    ]
    assert later[0].params["reply_parameters"]["message_id"] == report["message"]["message_id"]


async def test_dup_mistakes_are_answered_and_change_nothing(chats: Chats) -> None:
    await chats.say(OPS, "/new Seven")
    await chats.say(OPS, "/new Twelve")
    seven, twelve = sorted(i["id"] for i in await chats.incidents())
    await chats.say(OPS, f"/dup {twelve} {seven}")

    usage = await chats.say(OPS, "/dup 12")
    cycle = await chats.say(OPS, f"/dup {seven} {twelve}")
    missing = await chats.say(OPS, f"/dup {seven} 999999")

    assert "/dup 12 7" in plain(usage.text)
    assert f"#{twelve} is already a duplicate of #{seven}" in plain(cycle.text)
    assert "999999" in plain(missing.text)
    assert (await chats.http.get(f"{URL}/{seven}")).json()["status"] == "new"


async def test_a_chat_that_reported_both_hears_the_original_once(chats: Chats) -> None:
    original = await chats.say(OPS, "/new Scooter #42 offline")
    duplicate = await chats.say(OPS, "/new Scooter 42 again")
    dup_id, original_id = (i["id"] for i in await chats.incidents())

    await chats.http.patch(
        f"{URL}/{dup_id}",
        json={"status": "closed", "resolution": "duplicate", "duplicate_of": original_id},
    )
    await chats.notices_settled()
    mark = len(chats.api.calls)
    await chats.http.patch(f"{URL}/{original_id}", json={"status": "in_progress"})
    await chats.notices_settled()

    told = [c for c in chats.api.calls[mark:] if c.method == "sendMessage"]
    assert [plain(c.text).split(" · ")[0] for c in told] == [
        f"Incident #{original_id}: new → in progress"
    ]
    # Notices reply to the report itself, as the bot's card did.
    reports = [c.params["reply_parameters"]["message_id"] for c in (original, duplicate)]
    assert told[0].params["reply_parameters"]["message_id"] == reports[0]
    merged = [c for c in chats.api.sent() if "merged into" in plain(c.text)]
    assert len(merged) == 1
    assert merged[0].params["reply_parameters"]["message_id"] == reports[1]


async def test_mine_still_finds_what_was_taken_under_an_earlier_username(chats: Chats) -> None:
    await chats.say(OPS, "/new Door 4 stuck")
    [incident] = await chats.incidents()
    await chats.say(OPS, f"/take {incident['id']}")

    renamed = {**ANNA, "username": "anna_ops"}
    mine = plain((await chats.say(OPS, "/mine", user=renamed)).text)

    assert f"#{incident['id']}" in mine
