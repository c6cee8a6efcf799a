"""Request head limits: an enormous URL (414) or header block (431) is refused before any route.

The HTTP server reads a request's head whole and takes any size; parsing megabytes of
cookies or entity tags would hold the event loop for seconds, for everyone.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from incidents.api.errors import send_problem

# Common proxy defaults: nginx refuses request lines over 8 KiB; Apache over 100 headers.
MAX_TARGET_BYTES = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADERS = 100


class HeaderLimitMiddleware:
    """Refuses a path and query over MAX_TARGET_BYTES with 414, and over MAX_HEADERS
    headers or MAX_HEADER_BYTES of them with 431, as problem+json."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
        if target > MAX_TARGET_BYTES:
            detail = f"The path and query are longer than {MAX_TARGET_BYTES} bytes."
            await send_problem(scope, send, 414, code="uri-too-long", detail=detail)
            return
        headers = scope["headers"]
        size = sum(len(name) + len(value) for name, value in headers)
        if len(headers) > MAX_HEADERS or size > MAX_HEADER_BYTES:
            detail = (
                f"The request has more than {MAX_HEADERS} headers "
                f"or {MAX_HEADER_BYTES} bytes of them."
            )
            await send_problem(
                scope, send, 431, code="request-header-fields-too-large", detail=detail
            )
            return
        await self.app(scope, receive, send)
