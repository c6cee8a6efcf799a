"""Both ways to run the bot: `incidents bot` (long polling) and webhook mode in the API app."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from incidents.app import create_app
from incidents.db.migrate import upgrade_to_head
from incidents.domain.access import Actor, Role
from incidents.domain.actors import ActorId
from incidents.domain.incident import Status
from incidents.service import access, incidents
from incidents.telegram.bot import TelegramDoor
from tests.conftest import TickingClock
from tests.telegram.conftest import OPS, QUICK_BACKOFF, Chats, telegram_settings
from tests.telegram.fake_bot_api import TOKEN, FakeBotAPI, plain

SECRET = "s3cret-webhook-token"


async def test_webhook_mode_takes_updates_only_with_the_secret(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    fake_api.reset()
    settings = telegram_settings(
        database_url,
        fake_api.url,
        telegram_webhook_url="https://incidents.example.org/hooks/telegram",
        telegram_webhook_secret=SECRET,
    )
    app = create_app(settings, clock=clock)
    chats = Chats(fake_api, httpx.AsyncClient(), app.state.runtime)
    update = {"update_id": 1, **chats.message(OPS, "[monitoring] Scooter #9 offline")}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        registered = await fake_api.wait_for("setWebhook")
        assert registered.params["url"] == "https://incidents.example.org/hooks/telegram"
        assert registered.params["secret_token"] == SECRET
        assert "edited_message" in registered.params["allowed_updates"]
        assert registered.params["max_connections"] == "1"

        for wrong in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
            refused = await client.post("/hooks/telegram", json=update, headers=wrong)
            assert refused.status_code == 403
            assert refused.headers["content-type"] == "application/problem+json"
        assert fake_api.sent() == []

        mark = len(fake_api.calls)
        taken = await client.post(
            "/hooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert taken.status_code == 200
        reply = await fake_api.wait_for("sendMessage", after=mark)
        assert "Scooter #9 offline" in plain(reply.text)

        garbage = await client.post(
            "/hooks/telegram",
            json={"update_id": "x"},
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert garbage.status_code == 422
    await chats.http.aclose()


async def test_russian_replies(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    fake_api.reset()
    settings = telegram_settings(database_url, fake_api.url, language="ru")
    app = create_app(settings, clock=clock)
    door = TelegramDoor(settings, app.state.runtime, sender_interval=0.05)
    polling = asyncio.create_task(door.poll())
    chats = Chats(fake_api, httpx.AsyncClient(), app.state.runtime)
    try:
        reply = await chats.say(OPS, "/new Самокат #42 не на связи")
        assert plain(reply.text).startswith("Инцидент #1 · новый")
        assert "Источник: оператор" in plain(reply.text)
        assert reply.buttons == ["Взять", "Ложная тревога"]
        tagged = await chats.say(OPS, "[Мониторинг] Камера 5 не отвечает")
        assert "Источник: мониторинг" in plain(tagged.text)
        listing = plain((await chats.say(OPS, "/list")).text)
        assert "мониторинг — Камера 5" in listing
        assert "оператор — Самокат #42" in listing
        assert "Инцидента #77 нет" in (await chats.say(OPS, "/take 77")).text
        hint = await chats.say(OPS, "/new")
        assert plain(hint.text).startswith("Что случилось?")
        mark = len(fake_api.calls)
        operator = Actor(who=ActorId.key("ops"), role=Role.OPERATOR)
        await incidents.change_incident(
            app.state.runtime, actor=operator, incident_id=1, status=Status.IN_PROGRESS
        )
        told = await fake_api.wait_for("sendMessage", after=mark)
        assert plain(told.text).startswith("Инцидент #1: новый → в работе · key:ops")
    finally:
        await door.stop_polling()
        await asyncio.wait_for(polling, 10)
        await app.state.runtime.close()
        await chats.http.aclose()


@pytest.mark.slow  # a process started and waited on
async def test_incidents_bot_polls_and_stops_cleanly_on_sigterm(
    database_url: str, fake_api: FakeBotAPI
) -> None:
    fake_api.reset()
    await upgrade_to_head(database_url)
    env = {
        **os.environ,
        "INCIDENTS_DATABASE_URL": database_url,
        "INCIDENTS_TELEGRAM_TOKEN": TOKEN,
        "INCIDENTS_TELEGRAM_API_URL": fake_api.url,
        "INCIDENTS_TELEGRAM_CHATS": f"{OPS}:partner",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "incidents",
        "bot",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake_api.wait_for("getUpdates", timeout=30)
        chats = Chats(fake_api, None, None)
        reply = await chats.say(OPS, "/new Courier app is down")
        assert "Courier app is down" in plain(reply.text)
        assert "partner" in plain(reply.text)
        await chats.http.aclose()
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
    output = (await process.stdout.read()).decode() if process.stdout else ""
    assert code == 0, output
    assert TOKEN not in output


@pytest.mark.slow  # a process started and waited on
async def test_the_demo_script_plays_its_conversation() -> None:
    demo = Path(__file__).parents[2] / "examples" / "telegram_demo.py"
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(demo), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    text = output.decode()
    assert process.returncode == 0, text
    assert "Incident #1 · in progress" in text
    assert "Incident #1: in progress → resolved · key:ops-console" in text
    assert "Looks like a problem report. Record it?\n    [Record]  [No]" in text
    assert "Incident #3 · new" in text


async def test_api_processes_deliver_notifications_too(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    """With a token but no webhook, `incidents serve` still drains the outbox."""
    fake_api.reset()
    app = create_app(telegram_settings(database_url, fake_api.url), clock=clock)
    key = await access.issue_key(
        app.state.runtime, actor=Actor.system("tests"), name="ops", role=Role.OPERATOR
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {key.secret}"},
        ) as client,
    ):
        created = await client.post(
            "/api/v1/incidents", json={"description": "Kiosk 4 offline", "source": "partner"}
        )
        announced = await fake_api.wait_for("sendMessage")
        assert f"#{created.json()['id']}" in plain(announced.text)
        assert not any(call.method == "setWebhook" for call in fake_api.calls)


async def test_the_bot_starts_during_an_outage_and_answers_once_telegram_is_back(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    fake_api.reset()
    fake_api.failing = True
    settings = telegram_settings(database_url, fake_api.url)
    app = create_app(settings, clock=clock)
    door = TelegramDoor(settings, app.state.runtime, sender_interval=0.05, backoff=QUICK_BACKOFF)
    polling = asyncio.create_task(door.poll())
    chats = Chats(fake_api, httpx.AsyncClient(), app.state.runtime)
    try:
        await fake_api.wait_for("getMe", ok=False)
        update = await fake_api.push(chats.message(OPS, "[operator] Gate 2 does not open"))
        fake_api.failing = False
        card = await fake_api.wait_for("sendMessage", replying_to=update["message"]["message_id"])
        assert "Gate 2 does not open" in plain(card.text)
    finally:
        await door.stop_polling()
        await asyncio.wait_for(polling, 10)
        await app.state.runtime.close()
        await chats.http.aclose()
