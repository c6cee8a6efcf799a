"""A fake Telegram Bot API server: enough of it for aiogram, recording what the bot sends."""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
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
# Methods that fail during an outage (the bot's own polling keeps working).
FAILING = {"sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"}
_JSON_FIELDS = {"reply_markup", "reply_parameters", "allowed_updates", "link_preview_options"}


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def message_id(self) -> int:
        """The id of the message this call sent or edited."""
        return int(self.result["message_id"])

    def replies_to(self, message_id: int | None) -> bool:
        """Whether this call answers message `message_id` (any call does for None)."""
        if message_id is None:
            return True
        reply = self.params.get("reply_parameters") or {}
        return bool(reply.get("message_id") == message_id)

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

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


class FakeBotAPI:
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
        self._changed = asyncio.Condition()
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
        self.calls.clear()
        self.updates.clear()
        self.failing = False
        self.delays.clear()

    # What users do.
    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver an update (again, if it already has an update_id)."""
        update.setdefault("update_id", next(self._update_ids))
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
        if self.delays.get(method):
            self.in_flight += 1
            try:
                await asyncio.sleep(self.delays[method])
            finally:
                self.in_flight -= 1
        fail = self.failing and method in FAILING
        if fail:
            result = None
        elif method == "getUpdates":
            result = await self._updates(params)
        else:
            result = self._answer(method, params)
        async with self._changed:
            self.calls.append(Call(method, params, ok=not fail, result=result))
            self._changed.notify_all()
        if fail:  # as a proxy in front of Telegram answers: HTML, not the Bot API's JSON
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", 502)
        return JSONResponse({"ok": True, "result": result})

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

    async def _updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        wait = min(float(params.get("timeout", 0) or 0), 0.3)
        async with self._changed:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
            return [u for u in self.updates if u["update_id"] >= offset]

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {"sendMessage", "editMessageText"}:
            chat_id = int(params["chat_id"])
            message_id = (
                int(params["message_id"])
                if "message_id" in params
                else self.next_message_id(chat_id)
            )
            return {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER,
                "text": plain(str(params.get("text", ""))),
            }
        return True


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
