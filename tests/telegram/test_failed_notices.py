"""A notice that can never go out is parked after its tries, and its chat goes on: counted,
logged once, listed and queued again from the command line."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
from datetime import timedelta

import pytest

from incidents.service.outbox import pending_notices, queue_reply
from tests.conftest import TickingClock
from tests.serving import INCIDENTS
from tests.telegram.conftest import NOTIFY, OPS, Chats
from tests.telegram.fake_bot_api import Call, plain

DOOMED = "this note cannot be told"


async def until_settled(chats: Chats, clock: TickingClock, *, step: float = 3.0) -> None:
    """Let every notice out or park it, time moving past each backoff."""
    for _ in range(300):
        if not await pending_notices(chats.runtime):
            return
        clock.advance(timedelta(seconds=step))
        await asyncio.sleep(0.03)
    raise AssertionError("notices still pending")


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INCIDENTS_DATABASE_URL": database_url}
    return subprocess.run([*INCIDENTS, *args], capture_output=True, text=True, env=env, timeout=60)


def sent_to(calls: list[Call], chat_id: int) -> list[Call]:
    return [c for c in calls if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id]


async def test_a_notice_telegram_refuses_is_parked_after_three_tries_and_its_chat_goes_on(
    chats: Chats, clock: TickingClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="incidents.telegram.sender")
    doomed = await chats.http.post(
        "/api/v1/incidents", json={"description": "Kiosk 4 offline", "source": "partner"}
    )
    fine = await chats.http.post(
        "/api/v1/incidents", json={"description": "Kiosk 5 offline", "source": "partner"}
    )
    await chats.notices_settled()
    chats.api.refuse(DOOMED)
    mark = len(chats.api.calls)
    await chats.http.patch(doomed.headers["Location"], json={"description_append": DOOMED})
    await chats.http.patch(fine.headers["Location"], json={"status": "in_progress"})
    await until_settled(chats, clock)

    calls = sent_to(chats.api.calls[mark:], NOTIFY)
    tries = [c for c in calls if DOOMED in plain(c.text)]
    assert [c.ok for c in tries] == [False, False, False]
    [told] = [c for c in calls if c.ok]
    assert f"#{fine.json()['id']}" in plain(told.text)
    assert calls.index(told) == calls.index(tries[-1]) + 1  # waited for those 3 tries only
    given_up = [r for r in caplog.records if "given up" in r.getMessage()]
    assert len(given_up) == 1
    assert given_up[0].levelno == logging.WARNING

    metrics = (await chats.http.get("/metrics")).text
    assert 'incidents_notifications_failed_total{reason="bad_request"} 1.0' in metrics
    assert 'incidents_notifications_failed_total{reason="render"} 0.0' in metrics
    assert 'incidents_notifications_failed_total{reason="left_chat"} 0.0' in metrics


@pytest.mark.slow
async def test_a_failed_notice_is_listed_and_queued_again_from_the_command_line(
    chats: Chats, clock: TickingClock, database_url: str
) -> None:
    doomed = await chats.http.post(
        "/api/v1/incidents", json={"description": "Kiosk 7 offline", "source": "partner"}
    )
    await chats.notices_settled()
    chats.api.refuse(DOOMED)
    mark = len(chats.api.calls)
    await chats.http.patch(doomed.headers["Location"], json={"description_append": DOOMED})
    await until_settled(chats, clock)

    listed = await asyncio.to_thread(cli, database_url, "outbox", "failed")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if "bad_request" in line]
    notice_id = row.split()[0]
    assert "PEER_ID_INVALID" in row

    chats.api.refusing.clear()
    retried = await asyncio.to_thread(cli, database_url, "outbox", "retry", notice_id)
    assert retried.returncode == 0, retried.stderr
    clock.advance(timedelta(days=60))  # the command line queued it by the wall clock
    await until_settled(chats, clock)
    assert [c.ok for c in sent_to(chats.api.calls[mark:], NOTIFY) if DOOMED in c.text][-1]
    again = await asyncio.to_thread(cli, database_url, "outbox", "retry", notice_id)
    assert again.returncode == 1
    assert "no failed notice" in again.stderr


async def test_a_notice_that_cannot_be_rendered_is_parked_at_once(
    chats: Chats, clock: TickingClock
) -> None:
    await queue_reply(chats.runtime, chat_id=OPS, payload={}, incident_id=None, actor="tests")
    await queue_reply(
        chats.runtime, chat_id=OPS, payload={"text": "After it"}, incident_id=None, actor="t"
    )
    await until_settled(chats, clock)
    assert [c.text for c in sent_to(chats.api.calls, OPS)] == ["After it"]
    metrics = (await chats.http.get("/metrics")).text
    assert 'incidents_notifications_failed_total{reason="render"} 1.0' in metrics


async def test_a_telegram_owner_is_ascii_digits(chats: Chats) -> None:
    created = await chats.http.post(
        "/api/v1/incidents", json={"description": "Kiosk 6 offline", "source": "partner"}
    )
    location = created.headers["Location"]
    refused = await chats.http.patch(location, json={"assignee": "telegram:² (@x)"})
    assert refused.status_code == 422
    taken = await chats.http.patch(location, json={"assignee": "telegram:42 (@x)"})
    assert taken.status_code == 200
