"""Watch the bot work without a real token: a scripted conversation against a fake Bot API.

Runs the real aiogram bot, long polling the fake Bot API server the test suite uses, on a
throw-away SQLite database, and prints the conversation as a chat would show it.

    .venv/bin/python examples/telegram_demo.py [--language ru]

The language is INCIDENTS_LANGUAGE (from the environment or ./.env, as the service reads it)
unless --language names one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.telegram.*

# The fake Bot API and chat members of the tests: nothing beyond what `make run` installs.
from pydantic import ValidationError
from tests.telegram.conversation import ANNA, BORIS, NOTIFY, OPS, Conversation
from tests.telegram.fake_bot_api import TOKEN, Call, FakeBotAPI, plain

from incidents.db.migrate import upgrade_to_head
from incidents.domain.access import Actor, Role
from incidents.domain.actors import ActorId
from incidents.domain.incident import Status
from incidents.service import incidents
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from incidents.telegram.bot import TelegramDoor

SCRIPT = [
    (ANNA, "[monitoring] Scooter #42 is not responding"),
    (BORIS, "/new Pickup point 7 does not answer the phone"),
    (ANNA, "/list"),
]


def show(who: str, text: str) -> None:
    """Print one chat bubble."""
    print(f"\n{who}:")
    for line in text.splitlines() or [""]:
        print(f"    {line}")


def show_bot(call: Call) -> None:
    """Print what the bot sent, with its buttons."""
    text = plain(str(call.params.get("text", "")))
    if call.buttons:
        text += "\n" + "  ".join(f"[{label}]" for label in call.buttons)
    show(f"bot ({call.method})", text)


async def converse(chats: Conversation, runtime: Runtime) -> None:
    """Play the script: reports, a button, a note, a change made elsewhere, and an untagged
    report recorded in one tap."""
    cards = []
    for user, text in SCRIPT:
        show(user["first_name"], text)
        reply = await chats.say(OPS, text, user=user)
        show_bot(reply)
        cards.append(reply)

    show(BORIS["first_name"], "(presses Take under the first card)")
    mark = len(chats.api.calls)
    answer = await chats.press(cards[0], cards[0].buttons[0], user=BORIS)
    show_bot(await chats.api.wait_for("editMessageText", after=mark))
    show("bot (answerCallbackQuery)", str(answer.params.get("text", "")))

    first = int(plain(cards[0].text).split("#", 1)[1].split()[0])
    show(ANNA["first_name"], f"/note {first} Courier is on the way")
    show_bot(await chats.say(OPS, f"/note {first} Courier is on the way", user=ANNA))

    print("\n-- meanwhile an operator resolves it in the API --")
    mark = len(chats.api.calls)
    operator = Actor(who=ActorId.key("ops-console"), role=Role.OPERATOR)
    await incidents.change_incident(
        runtime, actor=operator, incident_id=first, status=Status.RESOLVED
    )
    show_bot(await chats.api.wait_for("sendMessage", after=mark))

    untagged = "Terminal 7 at Lesnaya is down again"
    show(ANNA["first_name"], untagged)
    offer = await chats.say(OPS, untagged, user=ANNA)
    show_bot(offer)
    show(BORIS["first_name"], "(presses Record)")
    mark = len(chats.api.calls)
    await chats.press(offer, offer.buttons[0], user=BORIS)
    show_bot(await chats.api.wait_for("editMessageText", after=mark))


async def main(language: str) -> None:
    """Start the fake API and the bot, play the conversation, stop both."""
    fake = FakeBotAPI()
    await fake.start()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/demo.db"
        await upgrade_to_head(url)
        settings = Settings(
            _env_file=None,
            database_url=url,
            telegram_token=TOKEN,
            telegram_api_url=fake.url,
            telegram_chats=f"{OPS}:operator",
            telegram_notify_chat=NOTIFY,
            language=language,
        )
        runtime = Runtime.open(settings)
        door = TelegramDoor(settings, runtime, sender_interval=0.1)
        polling = asyncio.create_task(door.poll())
        try:
            await fake.wait_for("getUpdates")
            await converse(Conversation(fake), runtime)
        finally:
            await door.stop_polling()
            await polling
            await runtime.close()
    await fake.stop()


def language_setting() -> str:
    """INCIDENTS_LANGUAGE as the service reads it (the environment, then ./.env)."""
    try:
        return Settings().language
    except ValidationError:  # another setting is wrong: the language alone still counts
        given = os.environ.get("INCIDENTS_LANGUAGE", "en")
        return given if given in ("en", "ru") else "en"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=["en", "ru"], default=language_setting())
    asyncio.run(main(parser.parse_args().language))
