"""Who the bot listens to: webhook requests with the secret only, and private chats that
are their sender's own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from incidents.api.webhook import WebhookWithoutSecret
from incidents.app import create_app
from tests.conftest import TickingClock
from tests.domain.test_bidi import still_open
from tests.serving import INCIDENTS
from tests.telegram.conftest import ANNA, OPS, Chats, telegram_settings
from tests.telegram.fake_bot_api import TOKEN, FakeBotAPI

SECRET = "s3cret-webhook-token"
HOOK = "https://incidents.example.org/hooks/telegram"


def test_serve_refuses_webhook_mode_without_a_secret(database_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "INCIDENTS_DATABASE_URL": database_url,
        "INCIDENTS_TELEGRAM_TOKEN": TOKEN,
        "INCIDENTS_TELEGRAM_WEBHOOK_URL": HOOK,
        "INCIDENTS_TELEGRAM_WEBHOOK_SECRET": "",
    }
    ran = subprocess.run(
        [*INCIDENTS, "serve", "--port", "1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode != 0
    [line] = [line for line in ran.stderr.splitlines() if line.startswith("error:")]
    assert "INCIDENTS_TELEGRAM_WEBHOOK_SECRET" in line
    assert "Traceback" not in ran.stderr


def test_the_app_refuses_webhook_mode_without_a_secret(database_url: str) -> None:
    settings = telegram_settings(database_url, "http://127.0.0.1:9", telegram_webhook_url=HOOK)
    with pytest.raises(WebhookWithoutSecret, match="INCIDENTS_TELEGRAM_WEBHOOK_SECRET"):
        create_app(settings)


async def test_the_secret_is_checked_before_the_body(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    fake_api.reset()
    settings = telegram_settings(
        database_url, fake_api.url, telegram_webhook_url=HOOK, telegram_webhook_secret=SECRET
    )
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    garbage: list[dict[str, Any]] = [
        {"content": b"not json at all"},
        {"content": b"[" * 30_000},
        {"json": [1, 2, 3]},
        {"json": {"update_id": "x"}},
        {"content": b"\xff\xfe"},
        {"content": b"[" * 100_000},  # over the body limit: 413 with the secret
    ]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for body in garbage:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                refused = await http.post("/hooks/telegram", headers=headers, **body)
                assert refused.status_code == 403, (body, refused.text)
                assert refused.headers["content-type"] == "application/problem+json"
                assert refused.headers["X-Content-Type-Options"] == "nosniff"
            with_secret = await http.post(
                "/hooks/telegram", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, **body
            )
            assert with_secret.status_code in (413, 422), (body, with_secret.text)
            assert with_secret.headers["content-type"] == "application/problem+json"
    await app.state.runtime.close()


async def test_a_private_chat_whose_id_is_not_the_senders_is_refused(chats: Chats) -> None:
    forged = chats.message(-2002, "/new Scooter #42 is offline", user=ANNA)
    forged["message"]["chat"] = {"id": -2002, "type": "private", "first_name": "Anna"}
    mark = len(chats.api.calls)
    await chats.api.push(forged)
    refusal = await chats.api.wait_for("sendMessage", after=mark)
    assert "not connected" in refusal.text
    assert await chats.incidents() == []
    # Anna's own private chat (its id is hers) still works.
    reply = await chats.say(ANNA["id"], "/new Scooter #42 is offline")
    assert "Scooter #42" in reply.text
    assert len(await chats.incidents()) == 1


async def test_bot_messages_isolate_bidirectional_controls(chats: Chats) -> None:
    card = await chats.say(OPS, "/new \u2069\u202eevil override")
    [incident] = await chats.incidents()
    shown = await chats.say(OPS, f"/show {incident['id']}")
    noted = await chats.say(OPS, f"/note {incident['id']} \u2067unclosed")
    for message in (card, shown, noted):
        for line in message.text.splitlines():
            assert still_open(line) == [], message.text
