"""How people actually write: replies, the /new prompt, captions, edits, Russian tags."""

from __future__ import annotations

from incidents.domain.notifications import EDITED_NOTE
from tests.telegram.conftest import BORIS, OPS, PARTNERS, Chats
from tests.telegram.fake_bot_api import plain


async def _events(chats: Chats, incident_id: int) -> list[dict[str, object]]:
    response = await chats.http.get(f"/api/v1/incidents/{incident_id}/events")
    events: list[dict[str, object]] = response.json()
    return events


async def test_a_reply_to_the_usage_hint_is_a_report_not_a_note_to_42(chats: Chats) -> None:
    for n in range(42):
        body = {"description": f"Older incident {n + 1}", "source": "partner"}
        assert (await chats.http.post("/api/v1/incidents", json=body)).status_code == 201
    hint = await chats.say(OPS, "/new")
    assert "/new Scooter #42" in plain(hint.text)
    assert hint.params["reply_markup"]["force_reply"] is True

    card = await chats.say(
        OPS, "Scooter #17 does not unlock at point 5", reply_to_message=chats.replying_to(hint)
    )

    assert plain(card.text).startswith("Incident #43 · new")
    incident = (await chats.http.get("/api/v1/incidents/43")).json()
    assert incident["description"] == "Scooter #17 does not unlock at point 5"
    assert incident["source"] == "operator"
    untouched = (await chats.http.get("/api/v1/incidents/42")).json()
    assert untouched["description"] == "Older incident 42"
    assert untouched["version"] == 1


async def test_a_reply_to_a_list_is_chatter(chats: Chats) -> None:
    await chats.say(OPS, "/new Locker 3 jammed")
    listing = await chats.say(OPS, "/list")
    await chats.say_unanswered(OPS, "ок, спасибо", reply_to_message=chats.replying_to(listing))
    help_ = await chats.say(OPS, "/help")
    await chats.say_unanswered(OPS, "thanks", reply_to_message=chats.replying_to(help_))
    [incident] = await chats.incidents()
    assert incident["description"] == "Locker 3 jammed"
    assert incident["version"] == 1


async def test_replies_to_cards_and_notices_are_notes_once(chats: Chats) -> None:
    card = await chats.say(OPS, "[operator] Kiosk 9 frozen")
    [incident] = await chats.incidents()
    reply = chats.message(OPS, "Rebooted it", reply_to_message=chats.replying_to(card))
    answer = await chats.deliver(reply)
    assert f"#{incident['id']}" in answer.text
    await chats.redelivered(reply)  # neither noted nor answered again

    mark = len(chats.api.calls)
    await chats.http.patch(f"/api/v1/incidents/{incident['id']}", json={"status": "in_progress"})
    notice = await chats.api.wait_for("sendMessage", after=mark)
    await chats.notices_settled()
    await chats.say(OPS, "Works again", reply_to_message=chats.replying_to(notice))

    final = (await chats.http.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert final["description"] == "Kiosk 9 frozen\nRebooted it\nWorks again"
    notes = [e for e in await _events(chats, incident["id"]) if e["kind"] == "note_added"]
    assert len(notes) == 2


async def test_a_redelivered_command_moves_once(chats: Chats) -> None:
    await chats.say(OPS, "/new Gate 4 open")
    [incident] = await chats.incidents()
    take = chats.message(OPS, f"/take {incident['id']}")
    await chats.deliver(take)
    await chats.say(OPS, f"/resolve {incident['id']}")
    await chats.deliver(take, again=True)
    current = (await chats.http.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert current["status"] == "resolved"


async def test_the_prompt_answer_is_recorded_once_with_the_chats_source(chats: Chats) -> None:
    hint = await chats.say(PARTNERS, "/new")
    answer = chats.message(
        PARTNERS, "Пункт выдачи 7 закрыт", reply_to_message=chats.replying_to(hint)
    )
    card = await chats.deliver(answer)
    await chats.redelivered(answer)
    [incident] = await chats.incidents()
    assert incident["source"] == "partner"
    assert incident["description"] == "Пункт выдачи 7 закрыт"
    assert f"#{incident['id']}" in plain(card.text)


async def test_captions_report_and_keep_the_photo(chats: Chats) -> None:
    card = await chats.deliver(chats.photo(OPS, "[operator] Scooter #12 has a broken stand"))
    assert "A photo is attached" in plain(card.text)
    doc = await chats.deliver(chats.document(PARTNERS, "/new Delivery act is not signed"))
    assert "A file is attached" in plain(doc.text)
    await chats.say_unanswered(OPS, "", **_without_text(chats.photo(OPS, "nice sunset")))
    await chats.say_unanswered(OPS, "", **_without_text(chats.photo(OPS, None)))

    by_description = {i["description"]: i for i in await chats.incidents()}
    assert set(by_description) == {"Scooter #12 has a broken stand", "Delivery act is not signed"}
    assert by_description["Delivery act is not signed"]["source"] == "partner"
    shown = await chats.say(OPS, f"/show {by_description['Scooter #12 has a broken stand']['id']}")
    assert "A photo is attached" in plain(shown.text)


def _without_text(update: dict[str, object]) -> dict[str, object]:
    """The extra fields of a photo message, for `say_unanswered` (which sets the text)."""
    message = dict(update["message"])  # type: ignore[call-overload]
    return {key: message[key] for key in ("photo", "caption") if key in message}


async def test_an_edited_report_appends_the_correction(chats: Chats) -> None:
    assert "edited_message" in chats.api.allowed
    report = chats.message(OPS, "[partner] Locker 9 jammed")
    await chats.deliver(report)
    [incident] = await chats.incidents()
    edit = chats.edited(report, "[partner] Locker 9 jammed, door 3")
    answer = await chats.deliver(edit)
    assert f"#{incident['id']}" in answer.text
    mark = len(chats.api.calls)
    await chats.api.redeliver(edit)
    await chats.settled()
    assert len([c for c in chats.api.calls[mark:] if c.method == "sendMessage"]) == 1

    current = (await chats.http.get(f"/api/v1/incidents/{incident['id']}")).json()
    note = EDITED_NOTE.format(text="Locker 9 jammed, door 3")
    assert current["description"] == f"Locker 9 jammed\n{note}"
    assert current["source"] == "partner"
    assert [e["kind"] for e in await _events(chats, incident["id"])] == ["created", "note_added"]


async def test_an_edit_that_adds_a_tag_reports_then(chats: Chats) -> None:
    chatter = await chats.say_unanswered(OPS, "lift in building 2 again?")
    card = await chats.deliver(chats.edited(chatter, "[оператор] lift in building 2 is stuck"))
    [incident] = await chats.incidents()
    assert incident["description"] == "lift in building 2 is stuck"
    assert plain(card.text).startswith(f"Incident #{incident['id']}")
    edit = chats.edited(chatter, "/new lift 2 stuck", seconds_later=120)
    await chats.deliver(edit)
    current = (await chats.http.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert current["description"].endswith("\nedited: lift 2 stuck")
    assert len(await chats.incidents()) == 1


async def test_russian_tags_in_any_case(chats: Chats) -> None:
    for text in ("[Оператор] Самокат 41", "[ПАРТНЁР] Отчёт", "[партнер] Акт", "[мониторинг] Диск"):
        await chats.say(OPS, text)
    sources = {i["description"]: i["source"] for i in await chats.incidents()}
    assert sources == {
        "Самокат 41": "operator",
        "Отчёт": "partner",
        "Акт": "partner",
        "Диск": "monitoring",
    }


async def test_a_move_in_another_chat_is_told_where_it_was_reported(chats: Chats) -> None:
    report = chats.message(PARTNERS, "[partner] Pickup point 7 closed", user=BORIS)
    await chats.deliver(report)
    [incident] = await chats.incidents()

    mark = len(chats.api.calls)
    card = await chats.say(OPS, f"/take {incident['id']}")
    told = await chats.api.wait_for(
        "sendMessage", after=mark, replying_to=report["message"]["message_id"]
    )
    assert int(told.params["chat_id"]) == PARTNERS
    assert "new → in progress · telegram:111 (@anna)" in plain(told.text)

    # A button pressed in the partners' chat is answered there, and told in none other.
    mark = len(chats.api.calls)
    await chats.press(told, "Resolve", user=BORIS)
    await chats.settled()
    sent = [c for c in chats.api.calls[mark:] if c.method == "sendMessage"]
    assert [int(c.params["chat_id"]) for c in sent] == [OPS]  # the /help of `settled`
    assert int(card.params["chat_id"]) == OPS


async def test_an_edited_note_appends_the_correction_once(chats: Chats) -> None:
    card = await chats.say(OPS, "/new Barrier at gate 1 stuck")
    [incident] = await chats.incidents()
    note = chats.message(OPS, "Called the technican", reply_to_message=chats.replying_to(card))
    await chats.deliver(note)
    edit = chats.edited(note, "Called the technician")
    await chats.deliver(edit)
    await chats.api.redeliver(edit)
    await chats.settled()
    current = (await chats.http.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert current["description"].split("\n") == [
        "Barrier at gate 1 stuck",
        "Called the technican",
        "edited: Called the technician",
    ]


async def test_a_photo_answering_the_prompt_is_a_report_with_its_photo(chats: Chats) -> None:
    hint = await chats.say(OPS, "/new")
    answer = chats.photo(
        OPS, "Bench at point 4 is broken", reply_to_message=chats.replying_to(hint)
    )
    card = await chats.deliver(answer)
    assert "A photo is attached" in plain(card.text)
    [incident] = await chats.incidents()
    assert incident["description"] == "Bench at point 4 is broken"
