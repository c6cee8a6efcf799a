"""A fake Telegram Bot API server: enough of it for aiogram, recording what the bot sends."""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import math
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

TOKEN = "123456:TEST-TOKEN"
# getMe's id on purpose differs from the token's prefix: the bot must not rely on the latter.
BOT_USER = {"id": 424242, "is_bot": True, "first_name": "Incidents", "username": "incidents_bot"}
_JSON_FIELDS = {"reply_markup", "reply_parameters", "allowed_updates", "link_preview_options"}
# Update types Telegram sends when a bot names none (or an empty list).
UPDATE_TYPES = {
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
}
MESSAGE_LIMIT = 4096


class Refused(Exception):
    """What Telegram answers a request it will not do: 400 and a description."""


class Answered(Exception):
    """An error answer of Telegram's beyond a plain 400: its code, description, parameters
    (`migrate_to_chat_id`, `retry_after`)."""

    def __init__(self, code: int, description: str, **parameters: int) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code}
        body["description"] = self.description
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _type_of(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    at: float = field(default_factory=time.monotonic)
    error: str | None = None  # Telegram's description of a refusal

    @property
    def message_id(self) -> int:
        """The id of the message this call sent or edited."""
        return int(self.result["message_id"])

    def replies_to(self, message_id: int | None) -> bool:
        """Whether this call answers message `message_id` (any call does for None)."""
        if message_id is None:
            return True
        return reply_target(self.params) == message_id

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def topic(self) -> int | None:
        """The forum topic the message sent landed in (None: General, or not a forum)."""
        return None if self.result is None else self.result.get("message_thread_id")

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline buttons sent with the message."""
        markup = self.params.get("reply_markup") or {}
        return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

    def callback_data(self, label: str) -> str:
        markup = self.params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if button["text"] == label:
                    return str(button["callback_data"])
        raise KeyError(label)


def plain(text: str) -> str:
    """What a chat shows of an HTML-formatted message."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def reply_target(params: dict[str, Any]) -> int | None:
    """The message a sendMessage call replies to, in either way the Bot API takes it."""
    reply = params.get("reply_parameters") or {}
    target = reply.get("message_id", params.get("reply_to_message_id"))
    return None if target is None else int(target)


# Telegram's HTML parse mode: these tags, the entities below, proper nesting.
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
HTML_TAGS |= {"span", "tg-spoiler", "tg-emoji", "blockquote"}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:=(?:\"[^\"<]*\"|'[^'<]*'|[^\s>\"'<]+))?)*)\s*>"
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse `text` in parse_mode HTML, or None if it takes it."""
    open_tags: list[str] = []
    at = 0
    while at < len(text):
        char = text[at]
        if char == "&":
            entity = _ENTITY.match(text, at)
            if entity is None:
                return f"can't parse entities: unsupported entity at byte offset {at}"
            at = entity.end()
            continue
        if char != "<":
            at += 1
            continue
        tag = _TAG.match(text, at)
        if tag is None:
            return f"can't parse entities: unexpected '<' at byte offset {at}"
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name not in HTML_TAGS:
            return f'can\'t parse entities: unsupported start tag "{name}" at byte offset {at}'
        if not closing:
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            return (
                f'can\'t parse entities: unmatched end tag at byte offset {at}, expected "{name}"'
            )
        at = tag.end()
    if open_tags:
        unclosed = open_tags[-1]
        return f"can't parse entities: can't find end tag corresponding to start tag \"{unclosed}\""
    return None


class _ForumTopics:
    """Forum supergroups as Telegram runs them: every message is in a topic (or General)."""

    forums: dict[int, set[int]]
    topics: dict[int, dict[int, int | None]]
    messages: dict[int, dict[int, tuple[str, Any] | None]]

    def _message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def open_topic(self, chat_id: int, topic: int) -> None:
        """Make `chat_id` a forum with topic `topic` (its id: the message that created it)."""
        self.forums.setdefault(chat_id, set()).add(topic)

    def _remember_topic(self, message: dict[str, Any]) -> None:
        chat_id = message["chat"]["id"]
        if chat_id in self.forums:
            topic = message.get("message_thread_id") if message.get("is_topic_message") else None
            self.topics.setdefault(chat_id, {})[message["message_id"]] = topic

    def _in_forum(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendMessage in a forum: into the topic named, or the one of the message replied
        to; refused for a topic that does not exist, a reply across topics, and a reply to a
        message that is gone (allow_sending_without_reply or not: it would land in General)."""
        chat_id = int(params["chat_id"])
        named = params.get("message_thread_id")
        topic = None if named in (None, "") else int(named)
        if topic is not None and topic not in self.forums[chat_id]:
            raise Refused("message thread not found")
        target = reply_target(params)
        if target is not None:
            if target not in self.messages.get(chat_id, {}):
                raise Refused("message to be replied not found")
            of_target = self.topics.get(chat_id, {}).get(target)
            if topic is not None and of_target != topic:
                raise Refused("message thread not found")
            topic = of_target
        result = self._message("sendMessage", params)
        result["chat"]["is_forum"] = True
        if topic is not None:
            result["message_thread_id"] = topic
            result["is_topic_message"] = True
        self.topics.setdefault(chat_id, {})[result["message_id"]] = topic
        return result

    def delete_by_people(self, chat_id: int, message_id: int) -> None:
        """Someone deletes a message in a chat (Telegram tells the bot nothing)."""
        self.messages.get(chat_id, {}).pop(message_id, None)


class FakeBotAPI(_ForumTopics):
    """Serves POST /bot<token>/<method>; tests push updates and read the recorded calls."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.failing = False
        # Seconds each call of a method takes to answer (a slow Telegram), and calls under way.
        self.delays: dict[str, float] = {}
        self.in_flight = 0
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        # What exists in each chat: message id -> (text, markup) for the bot's, None for people's.
        self.messages: dict[int, dict[int, tuple[str, Any] | None]] = {}
        self.allowed = UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}
        self.dropped: list[dict[str, Any]] = []  # updates of types the bot did not ask for
        self._queries: set[str] = set()
        self._answered: set[str] = set()
        self._changed = asyncio.Condition()
        self._init_chat_life()
        # What people do the instant a message of the bot's appears, before the bot hears back.
        self.at_once: list[Callable[[Call], Awaitable[None]]] = []
        self.answer_late = 0.0  # seconds the bot then waits for the answer to its call
        # Forum supergroups: their open topics, and the topic of each message (None: General).
        self.forums: dict[int, set[int]] = {}
        self.topics: dict[int, dict[int, int | None]] = {}
        # Methods whose calls never reach Telegram: held unanswered until `swallowed` is set.
        self.swallowing: set[str] = set()
        self.swallowed = asyncio.Event()
        self.app = Starlette(routes=[Route("/bot{token}/{method}", self._handle, methods=["POST"])])
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        assert self._server is not None
        assert self._task is not None
        self._server.should_exit = True
        await self._task

    def reset(self) -> None:
        self.forums.clear()
        self.topics.clear()
        self.swallowing.clear()
        self.swallowed.set()
        self.swallowed = asyncio.Event()
        self.at_once.clear()
        self.answer_late = 0.0
        self.calls.clear()
        self.updates.clear()
        self.dropped.clear()
        self._queries.clear()
        self._answered.clear()
        self.failing = False
        self.delays.clear()
        self._init_chat_life()

    # What users do.
    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    async def redeliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver an update's content again, as Telegram does when a bot did not confirm it."""
        again = {key: value for key, value in update.items() if key != "update_id"}
        return await self.push(again)

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver an update (again, if it already has an update_id)."""
        update.setdefault("update_id", next(self._update_ids))
        message = update.get("message") or update.get("edited_message")
        if message is not None:
            self.messages.setdefault(message["chat"]["id"], {})[message["message_id"]] = None
            self._remember_topic(message)
        if "callback_query" in update:
            self._queries.add(update["callback_query"]["id"])
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
        return update

    # What the bot did.
    async def wait_for(
        self,
        method: str,
        *,
        after: int = 0,
        ok: bool = True,
        timeout: float = 10.0,
        replying_to: int | None = None,
    ) -> Call:
        """The first call to `method` (with outcome `ok`) among calls[after:], waiting for it.

        With `replying_to`, only a message sent in reply to that message id counts.
        """
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for call in self.calls[after:]:
                    if call.method == method and call.ok == ok and call.replies_to(replying_to):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    made = [(c.method, c.ok, c.text[:40]) for c in self.calls[after:]]
                    raise AssertionError(f"no {method} (ok={ok}) within {timeout}s; calls: {made}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    def sent(self, method: str = "sendMessage") -> list[Call]:
        return [call for call in self.calls if call.method == method and call.ok]

    def announced(self, chat_id: int | None = None) -> Counter[int]:
        """How many cards each incident got (their `#id`), in `chat_id` or in any chat."""
        cards = (c for c in self.sent() if chat_id is None or int(c.params["chat_id"]) == chat_id)
        found = (re.search(r"#(\d+)", card.text) for card in cards)
        return Counter(int(match.group(1)) for match in found if match)

    # The server.
    async def _handle(self, request: Request) -> Response:
        if request.path_params["token"] != TOKEN:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method = request.path_params["method"]
        params = await self._params(request)
        if method in self.swallowing:
            return await self._swallow()
        if self.delays.get(method):
            self.in_flight += 1
            try:
                await asyncio.sleep(self.delays[method])
            finally:
                self.in_flight -= 1
        failing, refusal, result = self.failing, None, None
        answered: Answered | None = None
        if failing:
            result = None
        elif method == "getUpdates":
            result = await self._updates(params)
        else:
            try:
                self._chat_life(method, params)
                result = self._answer(method, params)
            except Refused as error:
                refusal = f"Bad Request: {error}"
            except Answered as error:
                answered, refusal = error, error.description
        call = Call(method, params, ok=not failing and refusal is None, result=result)
        call.error = refusal
        await self._seen_at_once(call)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if failing:  # as a proxy in front of Telegram answers: HTML, not the Bot API's JSON
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", 502)
        if answered is not None:
            return JSONResponse(answered.body(), answered.code)
        if refusal is not None:
            return JSONResponse({"ok": False, "error_code": 400, "description": refusal}, 400)
        return JSONResponse({"ok": True, "result": result})

    async def _swallow(self) -> Response:
        """A call lost on its way (the network, a proxy): never done, answered 502 once the
        test lets go."""
        self.in_flight += 1
        try:
            await self.swallowed.wait()
        finally:
            self.in_flight -= 1
        return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", 502)

    async def _seen_at_once(self, call: Call) -> None:
        """People see a sent message at once: they act on it (`at_once`) while the bot still
        waits `answer_late` for Telegram's answer with its id."""
        if call.method != "sendMessage" or not call.ok or not self.at_once:
            return
        for act in self.at_once:
            await act(call)
        await asyncio.sleep(self.answer_late)

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").startswith("application/json"):
            body: dict[str, Any] = await request.json()
            return body
        form = await request.form()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            params[key] = json.loads(text) if key in _JSON_FIELDS else text
        return params

    def _allow(self, params: dict[str, Any]) -> None:
        """Remember the update types asked for; an empty list asks for the default ones."""
        asked = params.get("allowed_updates")
        if asked is not None:
            self.allowed = set(asked) or (
                UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}
            )

    async def _updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self._allow(params)
        offset = int(params.get("offset", 0) or 0)
        wait = min(float(params.get("timeout", 0) or 0), 0.3)
        async with self._changed:
            self._keep(offset)
            if not self.updates and wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
                self._keep(offset)
            return list(self.updates)

    def _keep(self, offset: int) -> None:
        """Forget confirmed updates, and those of types the bot did not ask for (as Telegram)."""
        kept = []
        for update in self.updates:
            if update["update_id"] < offset:
                continue
            if _type_of(update) in self.allowed:
                kept.append(update)
            else:
                self.dropped.append(update)
        self.updates = kept

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "setWebhook":
            self._allow(params)
        if method == "answerCallbackQuery":
            query = str(params["callback_query_id"])
            if query not in self._queries or query in self._answered:
                raise Refused(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            self._answered.add(query)
        if method == "sendMessage" and int(params["chat_id"]) in self.forums:
            return self._in_forum(params)
        if method in {"sendMessage", "editMessageText"}:
            return self._message(method, params)
        if method == "deleteMessage":
            self._delete(int(params["chat_id"]), int(params["message_id"]))
        return True

    def _delete(self, chat_id: int, message_id: int) -> None:
        """Delete a message that exists in that chat, as Telegram does; it is gone after."""
        chat = self.messages.get(chat_id, {})
        if message_id not in chat:
            raise Refused("message to delete not found")
        del chat[message_id]

    def _message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send or edit a message, refusing what Telegram refuses."""
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            problem = html_problem(text)
            if problem is not None:
                raise Refused(problem)
            text = plain(text)
        if not text.strip():
            raise Refused("message text is empty")
        if len(text) > MESSAGE_LIMIT:
            raise Refused("message is too long")
        chat = self.messages.setdefault(chat_id, {})
        markup = params.get("reply_markup")
        result: dict[str, Any] = {
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            "text": text,
        }
        if method == "editMessageText":
            message_id = int(params["message_id"])
            if message_id not in chat or chat[message_id] is None:
                raise Refused("message to edit not found")
            if chat[message_id] == (text, markup):
                raise Refused(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message"
                )
        else:
            target = reply_target(params)
            if target is not None and target not in chat:  # (a reply is not echoed back here)
                allowed = (params.get("reply_parameters") or {}).get("allow_sending_without_reply")
                if not allowed:
                    raise Refused("message to be replied not found")
            message_id = self.next_message_id(chat_id)
        chat[message_id] = (text, markup)
        return {"message_id": message_id, **result}

    # What happens to chats themselves: upgrades, flood control, the bot kicked and added.
    def _init_chat_life(self) -> None:
        self.upgraded: dict[int, int] = {}  # a group's old id -> its supergroup's id
        self.kicked: set[int] = set()
        # Flood control: chat -> (calls still refused, seconds to wait), and when each chat
        # may be called again; a call before that is a violation, answered 429 again.
        self.floods: dict[int, tuple[int, int]] = {}
        self.flooded_until: dict[int, float] = {}
        self.flood_violations: list[Call] = []
        # Telegram refusing a message for what it says: (fragment of its text, description).
        self.refusing: list[tuple[str, str]] = []

    def _chat_life(self, method: str, params: dict[str, Any]) -> None:
        """Answer as Telegram does for a chat that was upgraded, that floods, that kicked the
        bot, or a message it refuses; nothing for any other call."""
        if "chat_id" not in params:
            return
        chat_id = int(params["chat_id"])
        if chat_id in self.upgraded:
            raise Answered(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.upgraded[chat_id],
            )
        if chat_id in self.kicked:
            kind = "supergroup chat" if chat_id < -1_000_000_000_000 else "group chat"
            raise Answered(403, f"Forbidden: bot was kicked from the {kind}")
        self._flood_control(chat_id, params)
        text = plain(str(params.get("text", "")))
        for fragment, description in self.refusing:
            if method in {"sendMessage", "editMessageText"} and fragment in text:
                raise Answered(400, description)

    def _flood_control(self, chat_id: int, params: dict[str, Any]) -> None:
        now = time.monotonic()
        early = self.flooded_until.get(chat_id, 0.0) - now
        if early > 0:
            self.flood_violations.append(Call("flood", params, ok=False))
            raise Answered(
                429,
                f"Too Many Requests: retry after {math.ceil(early)}",
                retry_after=math.ceil(early),
            )
        left, seconds = self.floods.get(chat_id, (0, 0))
        if left > 0:
            self.floods[chat_id] = (left - 1, seconds)
            self.flooded_until[chat_id] = now + seconds
            raise Answered(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    def flood(self, chat_id: int, *, retry_after: int, calls: int = 1) -> None:
        """Answer the next `calls` calls to `chat_id` with 429 and `retry_after`."""
        self.floods[chat_id] = (calls, retry_after)

    def refuse(self, fragment: str, description: str = "Bad Request: PEER_ID_INVALID") -> None:
        """Refuse (400) every message whose text shows `fragment`."""
        self.refusing.append((fragment, description))

    async def upgrade(self, old: int, new: int, *, tell: bool = True) -> None:
        """Upgrade group `old` to supergroup `new`: calls to `old` are answered with the new id
        from now on; with `tell`, the service messages of both chats are delivered."""
        self.upgraded[old] = new
        if not tell:
            return
        by = {"id": 111, "is_bot": False, "first_name": "Anna", "username": "anna"}
        await self.push(
            {
                "message": {
                    "message_id": self.next_message_id(old),
                    "date": int(time.time()),
                    "chat": {"id": old, "type": "group", "title": "ops"},
                    "from": by,
                    "migrate_to_chat_id": new,
                }
            }
        )
        await self.push(
            {
                "message": {
                    "message_id": self.next_message_id(new),
                    "date": int(time.time()),
                    "chat": {"id": new, "type": "supergroup", "title": "ops"},
                    "from": {"id": 1087968824, "is_bot": True, "first_name": "Group"},
                    "migrate_from_chat_id": old,
                }
            }
        )

    async def kick(self, chat_id: int, *, left: bool = False) -> None:
        """Remove the bot from `chat_id` (`left`: it left): 403 from now on, and the
        `my_chat_member` update Telegram sends."""
        self.kicked.add(chat_id)
        status = {"status": "left"} if left else {"status": "kicked", "until_date": 0}
        await self._membership(chat_id, {"status": "member"}, status)

    async def add_back(self, chat_id: int) -> None:
        """Add the bot to `chat_id` again."""
        self.kicked.discard(chat_id)
        await self._membership(chat_id, {"status": "left"}, {"status": "member"})

    async def _membership(
        self, chat_id: int, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
        by = {"id": 111, "is_bot": False, "first_name": "Anna", "username": "anna"}
        await self.push(
            {
                "my_chat_member": {
                    "chat": {"id": chat_id, "type": kind, "title": "ops"},
                    "from": by,
                    "date": int(time.time()),
                    "old_chat_member": {**before, "user": BOT_USER},
                    "new_chat_member": {**after, "user": BOT_USER},
                }
            }
        )


@contextlib.contextmanager
def running_in_thread() -> Iterator[FakeBotAPI]:
    """A fake Bot API serving from its own thread and event loop, for tests that block (ones
    that drive `incidents serve` processes) while the bot in those processes calls it."""
    api = FakeBotAPI()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(api.start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(api.stop())
        loop.close()

    thread = threading.Thread(target=serve, name="fake-bot-api", daemon=True)
    thread.start()
    assert started.wait(10), "the fake Bot API did not start"
    try:
        yield api
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
