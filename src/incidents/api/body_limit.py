"""Request body limits: a body over the limit gets 413 problem+json before the app reads it."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from incidents.api.errors import send_problem


class BodyTooLarge(HTTPException):
    """The client sent more bytes than the route takes (an HTTPException, so that the
    app's own handler answers it, even when raised while FastAPI parses the body)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=_detail(limit))


def _detail(limit: int) -> str:
    return f"The request body is larger than this route takes ({limit} bytes)"


class BodyLimitMiddleware:
    """Refuses bodies over `default` bytes (or a larger limit for some paths) with 413.

    A declared Content-Length over the limit is refused at once; a streamed body is counted
    as it arrives and refused when it goes over.
    """

    def __init__(self, app: ASGIApp, *, default: int, paths: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.paths = dict(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"], self.default)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        async def noting_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    await send_problem(scope, send, 413, code="content-too-large", detail=f"{_detail(limit)}.")
