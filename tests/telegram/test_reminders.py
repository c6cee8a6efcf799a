"""Reminders: an incident nobody takes (or nobody moves) is pushed back into its chat thread,
every interval, at most four times, once per interval however many processes look."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from incidents.domain.reminders import MAX_REMINDERS, ReminderPolicy
from incidents.service.reminders import check_reminders
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from tests.conftest import TickingClock
from tests.telegram.conftest import ANNA, NOTIFY, OPS, Chats
from tests.telegram.fake_bot_api import Call, plain

POLICY = ReminderPolicy(new_after=timedelta(minutes=15), in_progress_after=timedelta(hours=4))
URL = "/api/v1/incidents"


def reminders_in(chats: Chats, after: int = 0) -> list[Call]:
    """The reminders the bot sent among calls[after:]."""
    return [
        call
        for call in chats.api.sent()
        if call in chats.api.calls[after:]
        and ("has waited" in call.text or "with no change" in call.text)
    ]


async def report(chats: Chats) -> tuple[int, Call]:
    """Report through the API; its id and its announcement in the notification chat."""
    mark = len(chats.api.calls)
    created = await chats.http.post(
        URL, json={"description": "Locker 9 jammed", "source": "partner"}
    )
    announced = await chats.api.wait_for("sendMessage", after=mark)
    return int(created.json()["id"]), announced


async def remind(chats: Chats) -> int:
    """Run one round of the reminder check and wait until what it queued is sent."""
    queued = await check_reminders(chats.runtime, policy=POLICY)
    await chats.notices_settled()
    return len(queued)


async def test_a_new_incident_is_reminded_every_interval_at_most_four_times(
    chats: Chats, clock: TickingClock
) -> None:
    incident_id, announced = await report(chats)
    assert await remind(chats) == 0  # not yet

    clock.advance(timedelta(minutes=15))
    mark = len(chats.api.calls)
    assert await remind(chats) == 1
    [first] = reminders_in(chats, mark)
    assert int(first.params["chat_id"]) == NOTIFY
    assert first.params["reply_parameters"]["message_id"] == announced.message_id
    assert plain(first.text).startswith(f"#{incident_id} has waited 15 min. Take it?")
    assert "Locker 9 jammed" in plain(first.text)
    assert first.buttons[0] == "Take"
    assert await remind(chats) == 0  # once per interval

    for _ in range(MAX_REMINDERS + 2):
        clock.advance(timedelta(minutes=15))
        await remind(chats)
    sent = reminders_in(chats)
    assert len(sent) == MAX_REMINDERS
    assert "has waited 1 h. Take it?" in plain(sent[-1].text)

    trail = (await chats.http.get(f"{URL}/{incident_id}/events")).json()
    reminded = [e for e in trail if e["kind"] == "reminded"]
    assert [e["actor"] for e in reminded] == ["system:reminders"] * MAX_REMINDERS
    assert [e["number"] for e in reminded] == [1, 2, 3, 4]
    # A reminder is no change: the incident's version (and ETag) stays.
    assert (await chats.http.get(f"{URL}/{incident_id}")).json()["version"] == 1


async def test_a_reminder_replies_in_the_chat_that_reported_it(
    chats: Chats, clock: TickingClock
) -> None:
    update = chats.message(OPS, "/new Scooter #42 offline")
    mark = len(chats.api.calls)
    await chats.api.push(update)
    await chats.api.wait_for("sendMessage", after=mark)
    clock.advance(timedelta(minutes=16))
    mark = len(chats.api.calls)
    assert await remind(chats) == 1
    [reminder] = reminders_in(chats, mark)
    assert int(reminder.params["chat_id"]) == OPS
    assert reminder.params["reply_parameters"]["message_id"] == update["message"]["message_id"]

    taken = await chats.press(reminder, "Take")
    assert taken.params["text"] == "Done."
    [incident] = await chats.incidents()
    assert incident["status"] == "in_progress"


async def test_taking_it_before_the_reminder_goes_out_cancels_it(
    chats: Chats, clock: TickingClock
) -> None:
    incident_id, _ = await report(chats)
    chats.api.failing = True  # the reminder waits in the outbox
    clock.advance(timedelta(minutes=15))
    mark = len(chats.api.calls)
    assert len(await check_reminders(chats.runtime, policy=POLICY)) == 1
    await chats.api.wait_for("sendMessage", after=mark, ok=False)
    taken = await chats.http.patch(f"{URL}/{incident_id}", json={"status": "in_progress"})
    assert taken.status_code == 200

    chats.api.failing = False
    clock.advance(timedelta(seconds=5))  # past the backoff
    mark = len(chats.api.calls)
    await chats.notices_settled()
    told = [plain(c.text) for c in chats.api.sent()[-5:] if c in chats.api.calls[mark:]]
    assert reminders_in(chats) == []
    assert any("new → in progress" in text for text in told)


async def test_an_outage_delays_a_reminder_without_losing_or_doubling_it(
    chats: Chats, clock: TickingClock
) -> None:
    incident_id, _ = await report(chats)
    chats.api.failing = True
    clock.advance(timedelta(minutes=15))
    mark = len(chats.api.calls)
    assert await check_reminders(chats.runtime, policy=POLICY)
    await chats.api.wait_for("sendMessage", after=mark, ok=False)
    assert await check_reminders(chats.runtime, policy=POLICY) == []  # queued, not again
    await asyncio.sleep(0.2)

    chats.api.failing = False
    clock.advance(timedelta(seconds=5))
    await chats.notices_settled()
    [reminder] = reminders_in(chats)
    assert f"#{incident_id} has waited 15 min" in plain(reminder.text)


async def test_two_processes_queue_one_reminder_per_interval(
    chats: Chats, clock: TickingClock, database_url: str
) -> None:
    await report(chats)
    await report(chats)
    other = Runtime.open(Settings(database_url=database_url, _env_file=None), clock=clock)
    try:
        for _ in range(2):
            clock.advance(timedelta(minutes=15))
            rounds = await asyncio.gather(
                check_reminders(chats.runtime, policy=POLICY),
                check_reminders(other, policy=POLICY),
                check_reminders(other, policy=POLICY),
            )
            assert sum(len(found) for found in rounds) == 2
    finally:
        await other.close()
    await chats.notices_settled()
    assert len(reminders_in(chats)) == 4


async def test_an_incident_in_progress_with_no_change_reminds_its_owner(
    chats: Chats, clock: TickingClock
) -> None:
    card = await chats.say(OPS, "/new Courier app is down")
    await chats.press(card, "Take", user=ANNA)
    await chats.notices_settled()
    clock.advance(timedelta(minutes=30))
    assert await remind(chats) == 0  # taken: no reminder to take it

    clock.advance(timedelta(hours=4))
    mark = len(chats.api.calls)
    assert await remind(chats) == 1
    [reminder] = reminders_in(chats, mark)
    assert plain(reminder.text).startswith("@anna, #")
    assert "in progress for 4 h with no change" in plain(reminder.text)
    assert reminder.buttons[0] == "Resolve"

    # A note is a change: the wait starts again.
    [incident] = await chats.incidents()
    await chats.http.patch(f"{URL}/{incident['id']}", json={"description_append": "On it"})
    clock.advance(timedelta(hours=1))
    assert await remind(chats) == 0
    clock.advance(timedelta(hours=3))
    assert await remind(chats) == 1


async def test_zero_turns_reminders_off(chats: Chats, clock: TickingClock) -> None:
    await report(chats)
    clock.advance(timedelta(days=1))
    off = ReminderPolicy(timedelta(0), timedelta(0))
    assert not off.active
    assert await check_reminders(chats.runtime, policy=off) == []
