"""Request ids: always made by the server; a client's `X-Request-ID` is kept beside it."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
# The client's own id, echoed back under this name when it sent a sane one.
CLIENT_HEADER = "X-Client-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")


class RequestIdMiddleware:
    """Puts the server's id in `scope["state"]["request_id"]` and `X-Request-ID`, and a sane
    client id in `scope["state"]["client_request_id"]` and `X-Client-Request-ID`.

    A client's id is never the request's id: a client could reuse another request's id and
    so blur the audit trail.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(HEADER, "")
        client_id = given if _SANE.fullmatch(given) else None
        request_id = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"], state["client_request_id"] = request_id, client_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[HEADER] = request_id
                if client_id is not None:
                    headers[CLIENT_HEADER] = client_id
            await send(message)

        await self.app(scope, receive, send_with_id)
