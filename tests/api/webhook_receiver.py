"""A real HTTP receiver of webhooks on 127.0.0.1, for the tests: it records what it got,
fails on demand, goes away and comes back on the same port."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Whether `headers` sign `body` with `secret` as Standard Webhooks specifies."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [
        part.split(",", 1)[1]
        for part in headers["webhook-signature"].split(" ")
        if part.startswith("v1,")
    ]
    return any(hmac.compare_digest(sig, expected) for sig in given)


@dataclass(frozen=True)
class Received:
    """One request the receiver answered, and how."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def document(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded

    @property
    def incident(self) -> dict[str, Any]:
        incident: dict[str, Any] = self.document["data"]["incident"]
        return incident


@dataclass
class Receiver:
    """Answers 204 (or 500 while `failures` lasts) and records every request."""

    got: list[Received] = field(default_factory=list)
    failures: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def acknowledged(self, path: str | None = None) -> list[Received]:
        """What it took (2xx), in the order it came."""
        return [r for r in self.got if r.status < 300 and (path is None or r.path == path)]

    async def _take(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = 204
        if self.failures > 0:
            self.failures -= 1
            status = 500
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.got.append(Received(request.path, headers, body, status))
        return web.Response(status=status)

    async def start(self) -> None:
        """Listen (on the port it had, after the first time)."""
        app = web.Application()
        app.router.add_post("/{path:.*}", self._take)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        if not self.port:
            server = site._server  # the port the system chose
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Go away: connections are refused until it starts again."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
