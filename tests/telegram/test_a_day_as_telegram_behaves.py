"""A day of chats as Telegram really behaves (issue 26), on each database, by polling and by
webhook: a group upgraded to a supergroup (told by its service message) and another (told only
by a 400), a forum with topics whose report is deleted, flood control, the bot kicked and added
back, replies the instant a notice appears, a redelivered report, an anonymous admin, /new as a
reply, a partner-bound chat. What must hold is counted at the end."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from incidents.app import create_app
from incidents.domain.access import Actor, Role
from incidents.service import access
from incidents.service.chat_changes import chat_state
from incidents.service.outbox import pending_notices
from incidents.service.runtime import Runtime
from incidents.telegram.bot import TelegramDoor
from tests.conftest import TickingClock
from tests.telegram.conftest import (
    BORIS,
    OPS,
    PARTNERS,
    QUICK_BACKOFF,
    Chats,
    eventually,
    telegram_settings,
)
from tests.telegram.fake_bot_api import Call, FakeBotAPI, plain

pytestmark = pytest.mark.slow

OLGA: dict[str, Any] = {"id": 444, "is_bot": False, "first_name": "Ольга", "username": "olga"}
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
FIELD = -4001234  # a basic group of field engineers, upgraded by its service message
FIELD_NEW = -1004001234
DESK = -4005678  # a basic group of the service desk, upgraded without a word
DESK_NEW = -1004005678
FORUM = -1007770000000  # a forum supergroup
SCOOTERS, LOCKERS = 42, 43  # its topics
SECRET = "webhook-secret-for-the-day"
NOTICE = re.compile(r"^Incident #(\d+): (.+?) · ")


def _in(topic: int) -> dict[str, Any]:
    return {"message_thread_id": topic, "is_topic_message": True}


class Webhook:
    """Telegram delivering by webhook: each update posted to the app, one at a time, in order
    (max_connections=1), never waiting inside the fake's answer to a call."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task[None]] = []

    def wrap(self, api: FakeBotAPI) -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
        push = api.push

        async def deliver(update: dict[str, Any]) -> None:
            async with self.lock:
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                answered = await self.client.post("/hooks/telegram", json=update, headers=headers)
                assert answered.status_code == 200, answered.text

        async def pushed(update: dict[str, Any]) -> dict[str, Any]:
            update = await push(update)  # recorded by the fake as Telegram would
            self.tasks.append(asyncio.create_task(deliver(dict(update))))
            return update

        return pushed

    async def drain(self) -> None:
        await asyncio.gather(*self.tasks)


@pytest.fixture(params=["polling", "webhook"])
async def day(
    request: pytest.FixtureRequest,
    database_url: str,
    fake_api: FakeBotAPI,
    clock: TickingClock,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Chats]:
    """The bot by polling or by webhook, and an operator API client on the same database."""
    fake_api.reset()
    extra: dict[str, Any] = {
        "telegram_chats": f"{OPS},{PARTNERS}:partner,{FIELD},{DESK}:partner,{FORUM}",
        "telegram_users": "111,222,444",
    }
    webhook = request.param == "webhook"
    if webhook:
        extra["telegram_webhook_url"] = "https://incidents.example.org/hooks/telegram"
        extra["telegram_webhook_secret"] = SECRET
    settings = telegram_settings(database_url, fake_api.url, **extra)
    app = create_app(settings, clock=clock)
    runtime: Runtime = app.state.runtime
    key = await access.issue_key(
        runtime, actor=Actor.system("tests"), name="ops-console", role=Role.OPERATOR
    )
    headers = {"Authorization": f"Bearer {key.secret}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as http:
        if webhook:
            hook = Webhook(http)
            monkeypatch.setattr(fake_api, "push", hook.wrap(fake_api))
            async with app.router.lifespan_context(app):
                await fake_api.wait_for("setWebhook")
                yield Chats(fake_api, http, runtime)
                await hook.drain()
        else:
            door = TelegramDoor(settings, runtime, sender_interval=0.05, backoff=QUICK_BACKOFF)
            polling = asyncio.create_task(door.poll())
            await fake_api.wait_for("getUpdates")
            yield Chats(fake_api, http, runtime)
            await door.stop_polling()
            await asyncio.wait_for(polling, 10)
    await runtime.close()


class Ledger:
    """What the day did, and what it should have left behind."""

    def __init__(self, chats: Chats, clock: TickingClock) -> None:
        self.chats, self.clock = chats, clock
        self.reports: list[str] = []
        self.ids: dict[str, int] = {}
        self.sent: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, Call] = {}
        # chat -> [(incident, what it says, topic)], in the order the changes were made
        self.expected: dict[int, list[tuple[int, str, int | None]]] = {}

    async def report(self, name: str, update: dict[str, Any], description: str) -> Call:
        self.reports.append(description)
        card = await self.chats.deliver(update)
        found = re.search(r"#(\d+)", plain(card.text))
        assert found is not None, card.text
        self.ids[name], self.sent[name], self.cards[name] = int(found.group(1)), update, card
        return card

    async def change(
        self,
        name: str,
        body: dict[str, Any],
        *,
        told: list[tuple[int, str, int | None]],
        settle: bool = True,
    ) -> None:
        """A change over the API, the notices it should make, and (`settle`) every notice
        out."""
        url = f"/api/v1/incidents/{self.ids[name]}"
        response = await self.chats.http.patch(url, json=body)
        assert response.status_code == 200, response.text
        for chat_id, what, topic in told:
            self.expected.setdefault(chat_id, []).append((self.ids[name], what, topic))
        if settle:
            await self.settle()

    async def settle(self, *, step: float = 3.0) -> None:
        """Every notice out (or parked), time moving past each backoff."""
        for _ in range(500):
            if not await pending_notices(self.chats.runtime):
                return
            self.clock.advance(timedelta(seconds=step))
            await asyncio.sleep(0.03)
        raise AssertionError("notices still pending")


def notices(calls: list[Call]) -> dict[int, list[tuple[int, str, int | None]]]:
    """Every change notice each chat got, in order: (incident, what it says, topic)."""
    found: dict[int, list[tuple[int, str, int | None]]] = {}
    for call in calls:
        if call.method != "sendMessage" or not call.ok:
            continue
        match = NOTICE.match(plain(call.text))
        if match is not None:
            entry = (int(match.group(1)), match.group(2), call.topic)
            found.setdefault(int(call.params["chat_id"]), []).append(entry)
    return found


async def morning(day: Ledger) -> None:
    """Reports in every chat, in every way, one redelivered."""
    c = day.chats
    c.api.open_topic(FORUM, SCOOTERS)
    c.api.open_topic(FORUM, LOCKERS)
    await day.report(
        "conveyor", c.message(OPS, "[operator] Conveyor 2 stopped"), "Conveyor 2 stopped"
    )
    await day.report(
        "march",
        c.message(PARTNERS, "[партнёр] Отчёт за март не загрузился", user=OLGA),
        "Отчёт за март не загрузился",
    )
    field = {"id": FIELD, "type": "group", "title": "field team"}
    await day.report(
        "router", c.message(FIELD, "/new Router in van 3 down", chat=field), "Router in van 3 down"
    )
    desk = {"id": DESK, "type": "group", "title": "service desk"}
    await day.report(
        "printer",
        c.message(DESK, "[partner] Принтер у стойки 4 зажевал бумагу", user=BORIS, chat=desk),
        "Принтер у стойки 4 зажевал бумагу",
    )
    card = await day.report(
        "scooter",
        c.message(FORUM, "[operator] Самокат 12 застрял", **_in(SCOOTERS)),
        "Самокат 12 застрял",
    )
    assert card.topic == SCOOTERS
    card = await day.report(
        "locker", c.message(FORUM, "[operator] Locker 5 jammed", **_in(LOCKERS)), "Locker 5 jammed"
    )
    assert card.topic == LOCKERS
    ops_room = {"id": OPS, "type": "supergroup", "title": "Ops room"}
    card = await day.report(
        "lift",
        c.message(OPS, "/new Lift 3 stuck", user=ANONYMOUS_ADMIN, sender_chat=ops_room),
        "Lift 3 stuck",
    )
    assert "reported by telegram:-1001234567890 (Ops room)" in plain(card.text)
    said = await c.api.push(c.message(PARTNERS, "Курьерское приложение падает", user=BORIS))
    shown = {k: v for k, v in said["message"].items() if k != "reply_to_message"}
    await day.report(
        "app",
        c.message(PARTNERS, "/new", user=OLGA, reply_to_message=shown),
        "Курьерское приложение падает",
    )
    # Telegram delivers a report again (its update was not confirmed before a crash).
    await c.redelivered(day.sent["conveyor"])
    await c.redelivered(day.sent["app"])
    await day.settle()


async def upgrades(day: Ledger) -> None:
    """One group upgraded with its service message, another learned only from a 400."""
    c = day.chats
    # The field team's chat is under flood control when it is upgraded: its queued notices
    # move to the new id, in order.
    c.api.flood(FIELD, retry_after=2)
    mark = len(c.api.calls)
    await day.change(
        "router",
        {"status": "in_progress"},
        told=[(FIELD_NEW, "new → in progress", None)],
        settle=False,
    )
    await c.api.wait_for("sendMessage", after=mark, ok=False)
    await day.change(
        "router",
        {"description_append": "Заменили кабель"},
        told=[(FIELD_NEW, "note added", None)],
        settle=False,
    )
    await c.api.upgrade(FIELD, FIELD_NEW)

    async def moved() -> bool:
        return (await chat_state(c.runtime)).moves.get(FIELD) == FIELD_NEW

    await eventually(moved)
    await day.settle()
    # The desk's chat is upgraded without a word: the first notice meets a 400.
    await c.api.upgrade(DESK, DESK_NEW, tell=False)
    await day.change(
        "printer",
        {"status": "in_progress"},
        told=[(DESK_NEW, "new → in progress", None)],
        settle=False,
    )
    await day.change(
        "printer", {"description_append": "Бумагу заменили"}, told=[(DESK_NEW, "note added", None)]
    )
    card = await c.say(FIELD_NEW, "/new Антенна на фургоне 5 сломана")
    day.reports.append("Антенна на фургоне 5 сломана")
    assert "Антенна" in plain(card.text)


async def forum(day: Ledger) -> None:
    """Notices in their topics, also after the report is deleted."""
    c = day.chats
    await day.change(
        "scooter", {"status": "in_progress"}, told=[(FORUM, "new → in progress", SCOOTERS)]
    )
    await day.change(
        "locker", {"status": "in_progress"}, told=[(FORUM, "new → in progress", LOCKERS)]
    )
    c.api.delete_by_people(FORUM, day.sent["scooter"]["message"]["message_id"])
    await day.change(
        "scooter", {"description_append": "Техник едет"}, told=[(FORUM, "note added", SCOOTERS)]
    )
    await day.change(
        "scooter", {"status": "resolved"}, told=[(FORUM, "in progress → resolved", SCOOTERS)]
    )


async def flood_and_quick_replies(day: Ledger) -> None:
    """A 429 with retry_after in the partners' chat; a reply the instant a notice appears."""
    c = day.chats
    c.api.flood(PARTNERS, retry_after=1)
    mark = len(c.api.calls)
    await day.change(
        "march", {"status": "in_progress"}, told=[(PARTNERS, "new → in progress", None)]
    )
    await day.change("app", {"status": "in_progress"}, told=[(PARTNERS, "new → in progress", None)])
    to_partners = [
        x
        for x in c.api.calls[mark:]
        if x.method == "sendMessage" and int(x.params["chat_id"]) == PARTNERS
    ]
    assert not to_partners[0].ok
    assert to_partners[1].at - to_partners[0].at >= 1.0, "retry_after obeyed"

    replied: list[Call] = []

    async def reply_at_once(call: Call) -> None:
        if replied or "Conveyor" in call.text or "in progress" not in call.text:
            return
        if int(call.params["chat_id"]) != OPS:
            return
        replied.append(call)
        shown = {**c.replying_to(call), "chat": call.result["chat"]}
        await c.api.push(c.message(OPS, "On my way", user=BORIS, reply_to_message=shown))

    c.api.at_once.append(reply_at_once)
    c.api.answer_late = 0.5
    await day.change("conveyor", {"status": "in_progress"}, told=[(OPS, "new → in progress", None)])

    async def noted() -> bool:
        got = await c.http.get(f"/api/v1/incidents/{day.ids['conveyor']}")
        return bool(got.json()["description"] == "Conveyor 2 stopped\nOn my way")

    await eventually(noted)
    c.api.at_once.clear()
    c.api.answer_late = 0.0
    await c.settled()
    await day.settle()


async def kicked(day: Ledger) -> None:
    """The bot kicked from the operators' chat (told by my_chat_member) and from the desk's
    (told only by a 403): notices parked; added back, each chat works as before."""
    c = day.chats
    await c.api.kick(OPS)

    async def absent() -> bool:
        return OPS in (await chat_state(c.runtime)).absent

    await eventually(absent)
    await day.change("lift", {"status": "in_progress"}, told=[])
    await c.api.add_back(OPS)

    async def present() -> bool:
        return OPS not in (await chat_state(c.runtime)).absent

    await eventually(present)
    await day.change("lift", {"status": "resolved"}, told=[(OPS, "in progress → resolved", None)])
    # The desk kicks the bot and its update is lost: one 403, then its notices are parked.
    c.api.kicked.add(DESK_NEW)
    await day.change("printer", {"status": "resolved"}, told=[])
    await day.change("printer", {"description_append": "Проверили ещё раз"}, told=[])
    assert DESK_NEW in (await chat_state(c.runtime)).absent
    await c.api.add_back(DESK_NEW)

    async def back() -> bool:
        return DESK_NEW not in (await chat_state(c.runtime)).absent

    await eventually(back)
    await day.change("printer", {"status": "closed"}, told=[(DESK_NEW, "resolved → closed", None)])


async def partners_see_their_own(day: Ledger) -> None:
    """The partner-bound chat lists and shows only partner incidents."""
    c = day.chats
    listing = plain((await c.say(PARTNERS, "/list", user=OLGA)).text)
    assert f"#{day.ids['march']}" in listing
    assert f"#{day.ids['conveyor']}" not in listing
    refused = plain((await c.say(PARTNERS, f"/show {day.ids['conveyor']}", user=OLGA)).text)
    assert "works with partner incidents only" in refused


async def test_a_day_as_telegram_behaves(day: Chats, clock: TickingClock) -> None:
    ledger = Ledger(day, clock)
    await morning(ledger)
    await upgrades(ledger)
    await forum(ledger)
    await flood_and_quick_replies(ledger)
    await kicked(ledger)
    await partners_see_their_own(ledger)
    await day.settled()
    await ledger.settle()

    # Reports recorded = reports made, each once, by the right author.
    made = await day.incidents(limit=100)
    assert sorted(i["description"].split("\n")[0] for i in made) == sorted(ledger.reports)
    by_id = {i["id"]: i for i in made}
    assert by_id[ledger.ids["lift"]]["created_by"] == "telegram:-1001234567890 (Ops room)"
    assert by_id[ledger.ids["app"]]["created_by"] == "telegram:222"
    assert by_id[ledger.ids["router"]]["source"] == "operator"
    assert by_id[ledger.ids["printer"]]["source"] == "partner"
    # Each report answered once (the redelivered ones too); its notices reply to it too.
    for name in ledger.sent:
        answers = day.answers_to(ledger.sent[name])
        assert len([a for a in answers if not NOTICE.match(plain(a.text))]) == 1, name
    # Every notice expected arrived exactly once, in order per chat, in the right topic.
    assert notices(day.api.calls) == ledger.expected
    # Calls refused: only those the day provoked.
    refused = [
        (int(x.params.get("chat_id", 0)), x.error)
        for x in day.api.calls
        if not x.ok and x.method != "getUpdates"
    ]
    provoked = [
        (DESK, "Bad Request: group chat was upgraded to a supergroup chat"),
        (PARTNERS, "Too Many Requests: retry after 1"),
        (FIELD, "Too Many Requests: retry after 2"),
        (DESK_NEW, "Forbidden: bot was kicked from the group chat"),
        # Telegram tells nobody a message was deleted: the reply to it is refused once.
        (FORUM, "Bad Request: message to be replied not found"),
    ]
    assert Counter(refused) == Counter(provoked), refused
    assert day.api.flood_violations == []
    assert await pending_notices(day.runtime) == 0
