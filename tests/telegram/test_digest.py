"""The morning digest: once a day in the notification chat, whatever the number of processes,
late after a restart, at the hour of the registry's time zone; and /digest on demand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from incidents.service.digest import queue_due_digest
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from tests.conftest import TickingClock, add_account
from tests.telegram.conftest import NOTIFY, OPS, Chats
from tests.telegram.fake_bot_api import Call, plain

NINE = time(9, 0)
UTC_ZONE = ZoneInfo("UTC")
URL = "/api/v1/incidents"


def digests_in(chats: Chats) -> list[Call]:
    return [call for call in chats.api.sent() if plain(call.text).startswith("Digest · ")]


async def test_one_digest_a_day_with_any_number_of_processes(
    chats: Chats, clock: TickingClock, database_url: str
) -> None:
    clock.current = datetime(2026, 11, 23, 8, 59, tzinfo=UTC)
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is None

    other = Runtime.open(Settings(database_url=database_url, _env_file=None), clock=clock)
    try:
        for day in (23, 24):
            clock.current = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
            rounds = await asyncio.gather(
                queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE),
                queue_due_digest(other, at=NINE, zone=UTC_ZONE),
                queue_due_digest(other, at=NINE, zone=UTC_ZONE),
            )
            assert len([digest for digest in rounds if digest is not None]) == 1
            clock.advance(timedelta(hours=3))
            assert await queue_due_digest(other, at=NINE, zone=UTC_ZONE) is None
    finally:
        await other.close()
    await chats.notices_settled()
    sent = digests_in(chats)
    assert [plain(call.text).splitlines()[0] for call in sent] == [
        "Digest · 23.11.2026",
        "Digest · 24.11.2026",
    ]
    assert {int(call.params["chat_id"]) for call in sent} == {NOTIFY}


async def test_a_process_that_was_down_at_the_hour_sends_it_when_it_starts(
    chats: Chats, clock: TickingClock
) -> None:
    clock.current = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)  # running the day before
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is None
    clock.current = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # down at nine, back at 13:30
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is not None
    await chats.notices_settled()
    assert len(digests_in(chats)) == 1


async def test_a_first_start_after_the_hour_sends_none_that_day(
    chats: Chats, clock: TickingClock
) -> None:
    clock.current = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # a new registry, after nine
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is None
    clock.current = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is None
    clock.current = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the next morning: it comes
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is not None
    await chats.notices_settled()
    assert [plain(call.text).splitlines()[0] for call in digests_in(chats)] == [
        "Digest · 24.11.2026"
    ]


async def test_the_hour_is_the_registry_time_zones(chats: Chats, clock: TickingClock) -> None:
    new_york = ZoneInfo("America/New_York")  # UTC-5 in November: nine is 14:00 UTC
    clock.current = datetime(2026, 11, 23, 13, 59, tzinfo=UTC)
    assert await queue_due_digest(chats.runtime, at=NINE, zone=new_york) is None
    clock.current = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 23:00 on the 23rd in New York
    digest = await queue_due_digest(chats.runtime, at=NINE, zone=new_york)
    assert digest is not None
    assert digest.day.isoformat() == "2026-11-23"
    clock.current = datetime(2026, 11, 24, 13, 59, tzinfo=UTC)
    assert await queue_due_digest(chats.runtime, at=NINE, zone=new_york) is None
    clock.current = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert await queue_due_digest(chats.runtime, at=NINE, zone=new_york) is not None


async def test_what_the_digest_tells(chats: Chats, clock: TickingClock) -> None:
    clock.current = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # yesterday
    ids = []
    for n, source in enumerate(["operator", "monitoring", "partner", "operator", "operator"]):
        created = await chats.http.post(URL, json={"description": f"Problem {n}", "source": source})
        ids.append(created.json()["id"])
        clock.advance(timedelta(minutes=10))
    await add_account(chats.runtime, "olga")
    await chats.http.patch(
        f"{URL}/{ids[0]}", json={"status": "in_progress", "assignee": "user:olga"}
    )
    await chats.http.patch(f"{URL}/{ids[0]}", json={"status": "resolved"})
    await chats.http.patch(
        f"{URL}/{ids[1]}", json={"status": "closed", "resolution": "false_alarm"}
    )
    await chats.http.patch(
        f"{URL}/{ids[2]}",
        json={"status": "closed", "resolution": "duplicate", "duplicate_of": ids[3]},
    )
    clock.current = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    for n in range(3):  # today: six open in all
        await chats.http.post(URL, json={"description": f"Today {n}", "source": "partner"})
    await chats.notices_settled()
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is None  # before nine

    clock.current = datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC)
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is not None
    await chats.notices_settled()
    [digest] = digests_in(chats)
    text = plain(digest.text)
    assert "Open: 6" in text
    assert "new: 5 (operator 2, partner 3)" in text
    assert "resolved: 1 (operator 1)" in text
    oldest = text.split("Oldest open:\n")[1].split("\n\n")[0].splitlines()
    assert len(oldest) == 5
    assert oldest[0].startswith(f"#{ids[0]} · resolved · 23 h · olga")
    assert oldest[1].startswith(f"#{ids[3]} · new · 22 h 30 min · nobody — Problem 3")
    assert (
        "Yesterday (22.11.2026): reported 5, resolved 1, dismissed 2 "
        "(false alarm 1, duplicate 1)." in text
    )

    mark = len(chats.api.calls)
    asked = await chats.say(OPS, "/digest")
    assert plain(asked.text).splitlines()[:3] == text.splitlines()[:3]
    assert chats.api.calls[mark:]


async def test_the_digest_isolates_bidirectional_controls_per_field(
    chats: Chats, clock: TickingClock
) -> None:
    clock.current = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    rlo = "\u202e"
    created = await chats.http.post(
        URL, json={"description": f"Locker {rlo}3 jammed", "source": "operator"}
    )
    assert created.status_code == 201, created.text
    await chats.notices_settled()
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is None  # before nine
    clock.current = datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC)
    assert await queue_due_digest(chats.runtime, at=NINE, zone=UTC_ZONE) is not None
    await chats.notices_settled()
    [digest] = digests_in(chats)
    text = plain(digest.text)
    [line] = [line for line in text.splitlines() if f"#{created.json()['id']} ·" in line]
    # The reversal is held inside the summary: the number, status, age and owner before it
    # stay outside any isolate, so nothing the summary opens reaches them.
    head, _, summary = line.partition(" — ")
    assert "\u2068" not in head, repr(line)
    assert rlo not in head, repr(line)
    assert summary == f"\u2068Locker {rlo}3 jammed\u2069", repr(line)
