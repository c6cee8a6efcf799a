"""A working day of an operations team in its chats, on each database: several chats and
people, Russian and English, every form of report, chatter, redeliveries, an outage with
changes made over the API meanwhile, and a bot restart. What must hold is counted."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx

from incidents.app import create_app
from incidents.domain.access import Actor, Role
from incidents.service import access, incidents
from incidents.service.outbox import pending_notices
from incidents.service.runtime import Runtime
from incidents.telegram.bot import TelegramDoor
from tests.conftest import TickingClock
from tests.telegram.conftest import (
    ANNA,
    BORIS,
    NOTIFY,
    OPS,
    PARTNERS,
    QUICK_BACKOFF,
    Chats,
    telegram_settings,
)
from tests.telegram.fake_bot_api import Call, FakeBotAPI, plain

OLGA: dict[str, Any] = {"id": 444, "is_bot": False, "first_name": "Ольга", "username": "olga"}
IVAN: dict[str, Any] = {"id": 555, "is_bot": False, "first_name": "Иван"}
NOTICE = re.compile(r"^Incident #(\d+): (.+?) · ")
ANNOUNCEMENT = re.compile(r"^New incident #(\d+) · ")


def number(card: Call) -> int:
    """The incident a card is about."""
    found = re.search(r"#(\d+)", plain(card.text))
    assert found is not None, card.text
    return int(found.group(1))


class Day:
    """The conversation, and what it should have left behind."""

    def __init__(self, chats: Chats, clock: TickingClock) -> None:
        self.chats = chats
        self.clock = clock
        self.updates = 0
        self.reports: list[str] = []  # descriptions reported in chats
        self.ids: dict[str, int] = {}  # incidents by a short name
        self.cards: dict[str, Call] = {}  # the bot's first answer about each
        self.sent: dict[str, dict[str, Any]] = {}  # the update that reported each
        self.expected: dict[tuple[int, int], list[str]] = {}  # (chat, incident) -> notices

    def expect(self, chat_id: int, name: str, what: str) -> None:
        self.expected.setdefault((chat_id, self.ids[name]), []).append(what)

    async def say(self, chat_id: int, text: str, **extra: Any) -> Call:
        self.updates += 1
        return await self.chats.say(chat_id, text, **extra)

    async def chatter(self, chat_id: int, text: str, **extra: Any) -> dict[str, Any]:
        self.updates += 2  # the chatter and the /help that shows it was passed over
        return await self.chats.say_unanswered(chat_id, text, **extra)

    async def deliver(self, update: dict[str, Any], *, again: bool = False) -> Call:
        self.updates += 1
        return await self.chats.deliver(update, again=again)

    async def redelivered(self, update: dict[str, Any]) -> None:
        self.updates += 2  # the update again and the /help that shows it was handled
        await self.chats.redelivered(update)

    async def report(self, name: str, update: dict[str, Any], description: str) -> None:
        self.reports.append(description)
        card = await self.deliver(update)
        self.ids[name], self.cards[name], self.sent[name] = number(card), card, update

    async def press(self, card: Call, label: str, user: dict[str, Any]) -> None:
        self.updates += 1
        answer = await self.chats.press(card, label, user=user)
        assert answer.params["text"] == "Done.", answer.params

    async def patch(self, name: str, **body: Any) -> None:
        url = f"/api/v1/incidents/{self.ids[name]}"
        response = await self.chats.http.patch(url, json=body)
        assert response.status_code == 200, response.text
        self.clock.advance(timedelta(seconds=1.5))

    async def post(self, name: str, description: str, source: str) -> None:
        body = {"description": description, "source": source}
        response = await self.chats.http.post("/api/v1/incidents", json=body)
        assert response.status_code == 201, response.text
        self.ids[name] = int(response.json()["id"])

    async def notice(self, chat_id: int, name: str) -> Call:
        """The latest notice about an incident in a chat, once it is recorded as sent."""
        await self.chats.notices_settled()
        about = (chat_id, self.ids[name])
        return [c for c in self.chats.api.sent() if _notice_of(c) == about][-1]

    async def recover(self) -> None:
        """End the outage and let time pass until every queued message is out."""
        self.chats.api.failing = False
        for _ in range(300):
            if not await pending_notices(self.chats.runtime):
                return
            self.clock.advance(timedelta(seconds=10))
            await asyncio.sleep(0.05)
        raise AssertionError("messages still queued after the outage")


def _notice_of(call: Call) -> tuple[int, int] | None:
    match = NOTICE.match(plain(call.text))
    return None if match is None else (int(call.params["chat_id"]), int(match.group(1)))


def told(calls: list[Call]) -> dict[tuple[int, int], list[str]]:
    """Every change notice the chats got: (chat, incident) -> what each said, in order."""
    found: dict[tuple[int, int], list[str]] = {}
    for call in calls:
        if call.method != "sendMessage" or not call.ok:
            continue
        match = NOTICE.match(plain(call.text))
        if match is not None:
            where = (int(call.params["chat_id"]), int(match.group(1)))
            found.setdefault(where, []).append(match.group(2))
    return found


def _photo_fields(update: dict[str, Any]) -> dict[str, Any]:
    message = update["message"]
    return {key: message[key] for key in ("photo", "caption") if key in message}


async def yesterday(day: Day) -> None:
    """What is already in the runtime: ids are in the forties by the morning."""
    for n in range(40):
        await day.post(f"yesterday-{n}", f"Yesterday's report {n}", "partner")
    await day.chats.notices_settled()


async def morning(day: Day) -> None:
    """Reports in every form people use, with chatter and redeliveries among them."""
    c = day.chats
    await day.chatter(OPS, "Всем доброе утро!")
    await day.report(
        "scooter",
        c.message(OPS, "[оператор] Самокат 41 не заряжается на точке 3"),
        "Самокат 41 не заряжается на точке 3",
    )
    await day.report(
        "locker",
        c.message(OPS, "/new Курьер не может открыть ячейку 12", user=BORIS),
        "Курьер не может открыть ячейку 12",
    )
    await day.report(
        "march",
        c.message(PARTNERS, "[партнёр] Отчёт за март не загрузился", user=OLGA),
        "Отчёт за март не загрузился",
    )
    hint = await day.say(PARTNERS, "/new", user=OLGA)
    answer = c.message(
        PARTNERS, "Пункт выдачи 7 закрыт", user=OLGA, reply_to_message=c.replying_to(hint)
    )
    await day.report("pickup", answer, "Пункт выдачи 7 закрыт")
    await day.report(
        "camera",
        c.photo(OPS, "[Monitoring] Camera 5 at the warehouse is offline", user=IVAN),
        "Camera 5 at the warehouse is offline",
    )
    await day.report(
        "act",
        c.document(PARTNERS, "/new Акт приёма-передачи не подписан", user=OLGA),
        "Акт приёма-передачи не подписан",
    )
    origin = {"type": "hidden_user", "date": 1, "sender_user_name": "Courier Petr"}
    await day.report(
        "forward",
        c.message(ANNA["id"], "Locker 5 does not open", forward_origin=origin),
        "Locker 5 does not open\n\nForwarded from Courier Petr",
    )
    coffee = await day.chatter(OPS, "coffee machine is broken again", user=BORIS)
    await day.report(
        "coffee",
        c.edited(coffee, "[operator] Coffee machine on floor 2 is broken"),
        "Coffee machine on floor 2 is broken",
    )
    await day.chatter(OPS, "[urgent] who took my charger?")
    await day.chatter(OPS, "", **_photo_fields(c.photo(OPS, None, user=IVAN)))
    await day.chatter(OPS, "", **_photo_fields(c.photo(OPS, "look at this sunset", user=IVAN)))
    listing = await day.say(OPS, "/list")
    await day.chatter(OPS, "ок, спасибо", reply_to_message=c.replying_to(listing))
    hint = await day.say(OPS, "/new", user=BORIS)
    assert "#42" in plain(hint.text)
    answer = c.message(
        OPS, "[партнер] Самокат 44 сломан", user=BORIS, reply_to_message=c.replying_to(hint)
    )
    await day.report("scooter44", answer, "Самокат 44 сломан")
    for name in ("scooter", "scooter44", "march"):
        await day.redelivered(day.sent[name])  # recorded and answered once
    day.updates += 1
    await c.api.redeliver(day.sent["coffee"])  # an edit already applied: nothing to say
    await day.chatter(OPS, "English please, colleagues :)")


async def midday(day: Day) -> None:
    """Work across chats: moves, notes by reply and command, an edit, buttons, the API."""
    c = day.chats
    await day.say(OPS, f"/take {day.ids['march']}")
    day.expect(PARTNERS, "march", "new → in progress")
    battery = c.message(
        OPS, "Заменили батарею", reply_to_message=c.replying_to(day.cards["scooter"])
    )
    await day.deliver(battery)
    await day.redelivered(battery)
    notice = await day.notice(PARTNERS, "march")
    await day.say(PARTNERS, "Спасибо, ждём", user=OLGA, reply_to_message=c.replying_to(notice))
    corrected = "[партнёр] Отчёт за март и апрель не загрузился"
    await day.deliver(c.edited(day.sent["march"], corrected))
    await day.press(day.cards["locker"], "Take", BORIS)
    await day.say(OPS, f"/resolve {day.ids['locker']}", user=BORIS)
    await day.say(OPS, f"/take {day.ids['pickup']}", user=IVAN)
    day.expect(PARTNERS, "pickup", "new → in progress")
    command = c.message(OPS, f"/note {day.ids['pickup']} Курьер выехал", user=IVAN)
    await day.deliver(command)
    await day.deliver(command, again=True)
    day.expect(PARTNERS, "pickup", "note added")
    await day.say(OPS, f"/take {day.ids['act']}")
    day.expect(PARTNERS, "act", "new → in progress")
    await day.post("gateway", "Payment gateway answers 502", "monitoring")
    await day.post("door", "Warehouse door sensor offline", "partner")
    await c.notices_settled()
    announced = [call for call in c.api.sent() if ANNOUNCEMENT.match(plain(call.text))]
    await day.press(next(a for a in announced if number(a) == day.ids["gateway"]), "Take", IVAN)
    await day.say(OPS, f"/resolve {day.ids['gateway']}", user=IVAN)
    day.expect(NOTIFY, "gateway", "in progress → resolved")


async def outage(day: Day, bot: Bot) -> None:
    """Telegram fails; the API keeps changing things, people keep writing, the bot restarts."""
    c = day.chats
    c.api.failing = True
    await day.patch("scooter", status="in_progress")
    day.expect(OPS, "scooter", "new → in progress")
    await day.patch("march", description_append="Партнёр перезагрузил сервер")
    day.expect(PARTNERS, "march", "note added")
    await day.patch("march", status="resolved")
    day.expect(PARTNERS, "march", "in progress → resolved")
    await day.post("app", "Courier app crashes on login", "partner")
    await day.patch("app", status="in_progress")
    day.expect(NOTIFY, "app", "new → in progress")
    await day.patch("door", status="in_progress", description_append="Electrician called")
    day.expect(NOTIFY, "door", "new → in progress")
    await day.patch("camera", status="in_progress")
    day.expect(OPS, "camera", "new → in progress")
    day.updates += 1
    terminal = await c.api.push(c.message(OPS, "[operator] Терминал 9 не печатает чеки"))
    day.reports.append("Терминал 9 не печатает чеки")
    await bot.stop()
    await bot.start(wait=False)  # Telegram still fails: the bot waits for it
    await day.recover()
    card = await c.api.wait_for("sendMessage", replying_to=terminal["message"]["message_id"])
    day.ids["terminal"], day.cards["terminal"], day.sent["terminal"] = number(card), card, terminal
    await c.notices_settled()


async def evening(day: Day) -> None:
    """After the restart: a redelivery, new reports, replies to notices, closing."""
    c = day.chats
    await day.redelivered(day.sent["terminal"])
    await day.report(
        "disk",
        c.message(OPS, "[МОНИТОРИНГ] db-2: диск заполнен на 95%"),
        "db-2: диск заполнен на 95%",
    )
    notice = await day.notice(PARTNERS, "march")
    await day.say(PARTNERS, "Да, заработало", user=OLGA, reply_to_message=c.replying_to(notice))
    await day.say(OPS, f"/close {day.ids['march']}")
    day.expect(PARTNERS, "march", "resolved → closed")
    await day.say(OPS, f"/take {day.ids['disk']}")
    await day.say(OPS, f"/resolve {day.ids['disk']}")
    await day.patch("app", status="resolved")
    day.expect(NOTIFY, "app", "in progress → resolved")
    await day.say(PARTNERS, f"/resolve {day.ids['pickup']}", user=OLGA)
    await day.chatter(PARTNERS, "всем спасибо, до завтра", user=OLGA)
    await day.chatter(OPS, "до завтра!")
    await c.notices_settled()


class Bot:
    """The bot process: started, stopped, started again on the same database."""

    def __init__(self, settings: Any, runtime: Runtime, api: FakeBotAPI) -> None:
        self.settings, self.runtime, self.api = settings, runtime, api
        self.door: TelegramDoor | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, *, wait: bool = True) -> None:
        mark = len(self.api.calls)
        self.door = TelegramDoor(
            self.settings, self.runtime, sender_interval=0.05, backoff=QUICK_BACKOFF
        )
        self.task = asyncio.create_task(self.door.poll())
        await self.api.wait_for("getUpdates" if wait else "getMe", after=mark, ok=wait)

    async def stop(self) -> None:
        assert self.door is not None
        assert self.task is not None
        await self.door.stop_polling()
        await asyncio.wait_for(self.task, 10)


async def test_a_working_day_in_the_chats(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    fake_api.reset()
    settings = telegram_settings(database_url, fake_api.url, telegram_users="111,222,444,555")
    app = create_app(settings, clock=clock)
    runtime: Runtime = app.state.runtime
    key = await access.issue_key(
        runtime, actor=Actor.system("tests"), name="ops-console", role=Role.OPERATOR
    )
    bot = Bot(settings, runtime, fake_api)
    await bot.start()
    headers = {"Authorization": f"Bearer {key.secret}"}
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as http:
            day = Day(Chats(fake_api, http, runtime), clock)
            await yesterday(day)
            await morning(day)
            await midday(day)
            await outage(day, bot)
            await evening(day)
    finally:
        await bot.stop()
        await runtime.close()

    page = await incidents.list_incidents(runtime, actor=Actor.system("tests"), limit=100, offset=0)
    from_chats = [i.description for i in page.items if i.created_by.startswith("telegram:")]
    from_chats = [d.split("\n")[0] if "Forwarded" not in d else d for d in from_chats]
    assert day.updates >= 50
    assert sorted(from_chats) == sorted(day.reports), "reports recorded = reports made"
    assert len(page.items) - len({i.description for i in page.items}) == 0, "duplicates"

    expected, actual = day.expected, told(fake_api.calls)
    wanted = Counter((where, what) for where, whats in expected.items() for what in whats)
    got = Counter((where, what) for where, whats in actual.items() for what in whats)
    assert sum((wanted - got).values()) == 0, f"notices lost: {wanted - got}"
    assert sum((got - wanted).values()) == 0, f"notices doubled or unasked: {got - wanted}"
    assert actual == expected, "every notice in order"

    announced = Counter(number(c) for c in fake_api.sent() if ANNOUNCEMENT.match(plain(c.text)))
    from_api = [i.id for i in page.items if not i.created_by.startswith("telegram:")]
    assert announced == Counter(dict.fromkeys(from_api, 1))
    assert len(from_api) == 43
    assert day.ids["locker"] == 42  # the number in the /new usage hint, answered by reply
    assert await _description(runtime, 42) == "Курьер не может открыть ячейку 12"
    assert await _description(runtime, day.ids["scooter"]) == (
        "Самокат 41 не заряжается на точке 3\nЗаменили батарею"
    )
    assert (await _description(runtime, day.ids["march"])).split("\n") == [
        "Отчёт за март не загрузился",
        "Спасибо, ждём",
        "edited: Отчёт за март и апрель не загрузился",
        "Партнёр перезагрузил сервер",
        "Да, заработало",
    ]
    assert "A photo is attached" in plain(day.cards["camera"].text)
    assert "A file is attached" in plain(day.cards["act"].text)
    assert await pending_notices(runtime) == 0
    await runtime.close()


async def _description(runtime: Runtime, incident_id: int) -> str:
    incident = await incidents.get_incident(
        runtime, actor=Actor.system("tests"), incident_id=incident_id
    )
    return incident.description
