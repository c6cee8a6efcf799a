"""Headers on every answer the app gives: no content sniffing, and no caching by default."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The console's stylesheet: the same for everyone, and worth caching.
STATIC_PREFIX = "/static/"


class NoSniffNoStoreMiddleware:
    """Adds `X-Content-Type-Options: nosniff` and, unless the answer set its own or is a
    static file, `Cache-Control: no-store` (API answers are private to the key that asked)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        cacheable = scope["path"].startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if not cacheable:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
