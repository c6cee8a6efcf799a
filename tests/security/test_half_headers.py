"""A client that never finishes its request headers is cut off by what `incidents serve` runs
(INCIDENTS_HTTP_HEAD_TIMEOUT_SECONDS), on a new connection and on a kept-alive one."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import serving

HEAD_TIMEOUT = 1
# Generous: the server closes after HEAD_TIMEOUT; only a failing test waits this out.
WAIT = 15


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80))
    sock.settimeout(WAIT)
    return sock


def _closed_within(sock: socket.socket) -> float:
    """Seconds until the server closed the connection (reading what it sent first)."""
    started = time.monotonic()
    while sock.recv(65536):
        pass
    return time.monotonic() - started


def test_half_sent_headers_are_cut_off(database_url: str, tmp_path: Path) -> None:
    settings = {"INCIDENTS_HTTP_HEAD_TIMEOUT_SECONDS": str(HEAD_TIMEOUT)}
    with serving(database_url, tmp_path, env=settings) as server:
        with _connect(server.url) as silent:
            assert _closed_within(silent) < WAIT
        with _connect(server.url) as half:
            half.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            assert _closed_within(half) < WAIT
        with _connect(server.url) as kept:
            kept.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            first = kept.recv(65536)
            assert first.startswith(b"HTTP/1.1 200"), first
            kept.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            assert _closed_within(kept) < WAIT
        # A client that sends its headers in time is served as ever.
        with _connect(server.url) as prompt:
            prompt.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := prompt.recv(65536):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer
