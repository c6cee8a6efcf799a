"""A request can not forge log lines: control characters are escaped in the text log format."""

from __future__ import annotations

import logging
import socket
import sys
import time
from urllib.parse import urlsplit

import httpx

from incidents.logs import TextFormatter
from tests.conftest import Server

FORGED = "2026-11-30 09:00:00,000 INFO incidents.access: GET /api/v1/keys 200 actor=key:root"


def _raw_get(server: Server, target: bytes, headers: bytes = b"") -> bytes:
    """Send a GET for `target` as raw bytes (an HTTP client would re-encode it)."""
    url = urlsplit(server.url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        return conn.recv(65536)


def _wait_for_log(server: Server, marker: str) -> str:
    deadline = time.monotonic() + 10
    while marker not in (log := server.log()):
        assert time.monotonic() < deadline, log
        time.sleep(0.05)
    return log


def test_a_decoded_path_forges_no_line_and_writes_no_nul(served: Server) -> None:
    injected = "/api/v1/marker-7%0a" + FORGED.replace(" ", "%20") + "%00%0d%1b[31m%e2%80%a8end"
    answer = _raw_get(served, injected.encode(), b"X-Request-ID: id-1\r\n")
    assert answer.startswith(b"HTTP/1.1 404"), answer
    refused = httpx.get(f"{served.url}/api/v1/incidents", headers={"X-Request-ID": "marker-8"})
    assert refused.status_code == 401

    log = _wait_for_log(served, "marker-8")
    raw = served.log_path.read_bytes()
    assert b"\x00" not in raw
    assert b"\x1b" not in raw
    assert b"\r" not in raw
    assert "\u2028" not in log
    for line in log.splitlines():
        assert not line.startswith(FORGED), line
    [line] = [line for line in log.splitlines() if "marker-7" in line]
    assert "marker-7\\n2026-11-30" in line
    assert "\\x00\\r\\x1b[31m\\u2028end" in line


def test_every_field_and_traceback_line_is_escaped() -> None:
    try:
        raise ValueError("bad\nINFO forged")
    except ValueError:
        failure = sys.exc_info()
    record = logging.LogRecord("incidents\n", logging.ERROR, "", 0, "a%s", ("\x00b",), failure)
    record.actor = "key:x\ny"
    line = TextFormatter().format(record)
    first, *trace = line.split("\n")
    assert first.endswith("ERROR incidents\\n: a\\x00b actor=key:x\\ny")
    assert trace
    assert all(part.startswith("    ") for part in trace)
