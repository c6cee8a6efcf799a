"""What `incidents serve` runs: uvicorn's HTTP protocol with a deadline on request headers.

Uvicorn closes an idle kept-alive connection after `timeout_keep_alive`, but the first byte of
a request cancels that timer and nothing limits how long the rest of the headers may take: a
client that sends half a header and waits holds its connection (and a file descriptor) for
ever, and about a thousand of them take a server with the common 1,024-file limit offline.
Here each connection must finish a request's headers within `INCIDENTS_HTTP_HEAD_TIMEOUT_SECONDS`
of connecting, or of the previous response; past that it is closed.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from incidents.settings import Settings


@functools.cache
def head_timeout_seconds() -> float:
    """The header deadline of this process, read once (workers read the same environment)."""
    return Settings().http_head_timeout_seconds


class _HeadDeadline:
    """Closes the connection when a request's headers are not complete in time."""

    def __init__(self) -> None:
        self._head_timer: asyncio.TimerHandle | None = None

    def arm(self, loop: asyncio.AbstractEventLoop, transport: asyncio.Transport) -> None:
        self.disarm()
        if not transport.is_closing():
            self._head_timer = loop.call_later(head_timeout_seconds(), _cut_off, transport)

    def disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None


def _cut_off(transport: asyncio.Transport) -> None:
    """Close a connection whose client did not finish its request headers in time."""
    if not transport.is_closing():
        transport.close()


class HeadDeadlineH11(H11Protocol):
    """Uvicorn's h11 protocol with the header deadline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = _HeadDeadline()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.deadline.arm(self.loop, transport)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Past IDLE, the client has sent a whole request head.
        if self.conn.their_state is not h11.IDLE:
            self.deadline.disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.deadline.arm(self.loop, self.transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.deadline.disarm()
        super().connection_lost(exc)


class HeadDeadlineHttpTools(HttpToolsProtocol):
    """Uvicorn's httptools protocol (what it picks itself when installed) with the header
    deadline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = _HeadDeadline()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.deadline.arm(self.loop, transport)

    def on_headers_complete(self) -> None:
        self.deadline.disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.deadline.arm(self.loop, self.transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.deadline.disarm()
        super().connection_lost(exc)


# By the name uvicorn's `--http` option gives each implementation.
PROTOCOLS: dict[str, type[asyncio.Protocol]] = {
    "httptools": HeadDeadlineHttpTools,
    "h11": HeadDeadlineH11,
}


def http_protocol(name: str = "httptools") -> type[asyncio.Protocol]:
    """The protocol class `incidents serve` gives uvicorn (httptools', as uvicorn's `auto`)."""
    return PROTOCOLS[name]
