"""Hostile requests over a real socket to `incidents serve`: what no ASGI test client can send.

Enormous request lines and headers, bytes that are no UTF-8 in the path, query, headers and
body, bodies nested beyond any parser's stack. Each gets a 4xx quickly; none a 5xx, a hang or
a stack trace, and the server keeps serving and logs no unhandled error.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from urllib.parse import urlsplit

import httpx

from tests.conftest import Server
from tests.reliability.harness import database_kind, record
from tests.security.conftest import LEAKS

SECRET = re.compile(r"inc_[0-9a-f]{12}_[A-Za-z0-9_-]+")


def _exchange(server: Server, request: bytes, *, timeout: float = 10.0) -> tuple[int, bytes]:
    """Send raw bytes, read one response; its status code (0 if the server just closed)."""
    url = urlsplit(server.url)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        # The server may answer and close before it read all of an enormous request.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or not _complete(data):
            try:
                chunk = sock.recv(65_536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    status = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    return (int(status.group(1)) if status else 0), data


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length: *(\d+)", head)
    return length is None or len(body) >= int(length.group(1))


def _get(target: bytes, headers: bytes = b"", auth: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n" + auth + headers + b"\r\n"


def _post(target: bytes, body: bytes, auth: bytes, extra: bytes = b"") -> bytes:
    head = b"POST " + target + b" HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    return head + auth + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


def _cases(auth: bytes) -> dict[str, bytes]:
    incidents = b"/api/v1/incidents"
    etags = b"If-None-Match: " + b'"1",' * 10**6 + b"\r\n"
    report = b'{"description":"x","source":"operator"}'
    odd_key = b"Idempotency-Key: \xff\xfe\r\n"
    too_long = b'{"description":"' + b"x" * 70_000 + b'"}'
    return {
        "query of 100 KB": _get(incidents + b"?q=" + b"a" * 100_000, auth=auth),
        "query of 9 KB": _get(incidents + b"?q=" + b"a" * 9_000, auth=auth),
        "path of 1 MB": _get(b"/" + b"a" * 1_000_000),
        "header of 64 KiB": _get(b"/health", b"X-Big: " + b"a" * 65_536 + b"\r\n"),
        "header of 4 MB": _get(b"/api/v1/incidents/1", etags),
        "cookie of 1 MB": _get(b"/", b"Cookie: " + b"a=b; " * 200_000 + b"\r\n"),
        "200 headers": _get(b"/health", b"".join(b"X-H%d: v\r\n" % n for n in range(200))),
        "key of 1 MB": _get(incidents, auth=b"Authorization: Bearer inc_" + b"a" * 10**6 + b"\r\n"),
        "raw bytes in the path": _get(b"/api/v1/incidents/\xff\xfe", auth=auth),
        "raw bytes in the query": _get(incidents + b"?q=\xff\xfe", auth=auth),
        "percent bytes in the path": _get(b"/api/v1/incidents/%ff%fe", auth=auth),
        "percent bytes in the query": _get(incidents + b"?q=%ff%fe&status=%c3", auth=auth),
        "a NUL in the query": _get(incidents + b"?dedup_key=%00&q=a%00b", auth=auth),
        "raw bytes in a header": _get(b"/health", b"X-Odd: \xff\xfe\r\n"),
        "raw bytes in the key": _get(incidents, b"Authorization: Bearer inc_\xff\xfe\r\n"),
        "raw bytes in Idempotency-Key": _post(incidents, report, auth, odd_key),
        "raw bytes in the body": _post(incidents, b'{"description":"\xff\xfe","source":"x"}', auth),
        "a NUL byte in the body": _post(incidents, b'{"description":"a\x00b"}', auth),
        "100k levels of [": _post(incidents, b"[" * 100_000, auth),
        "30k levels of [ within the limit": _post(incidents, b"[" * 30_000 + b"]" * 30_000, auth),
        "30k levels of [ to Alertmanager": _post(
            b"/api/v1/integrations/alertmanager", b"[" * 30_000 + b"]" * 30_000, auth
        ),
        "a huge array within the limit": _post(incidents, b"[" + b"0," * 30_000 + b"0]", auth),
        "1e999": _post(incidents, b'{"description":1e999,"source":"operator"}', auth),
        "a body over the limit": _post(incidents, too_long, auth),
        "a Content-Length of 10**20": b"POST /api/v1/incidents HTTP/1.1\r\nHost: t\r\n"
        + auth
        + b"Content-Length: 100000000000000000000\r\n\r\n",
        "a negative Content-Length": b"POST /api/v1/incidents HTTP/1.1\r\nHost: t\r\n"
        + auth
        + b"Content-Length: -1\r\n\r\n",
    }


def test_hostile_requests_over_a_real_socket(served: Server) -> None:
    key = SECRET.findall(served.banner())[0]
    auth = f"Authorization: Bearer {key}\r\n".encode()
    answers = {}
    heads = {}
    for name, request in _cases(auth).items():
        started = time.monotonic()
        status, raw = _exchange(served, request)
        elapsed = time.monotonic() - started
        answers[name] = status
        heads[name] = raw.split(b"\r\n\r\n", 1)[0].lower()
        # Refused, or (a header the route never reads) served as if it were not there.
        assert 200 <= status < 500, (name, status, raw[:300])
        assert elapsed < 5, (name, elapsed)
        assert not LEAKS.search(raw.decode("latin-1")), (name, raw[:600])
        assert httpx.get(f"{served.url}/health", timeout=5).status_code == 200, name
    assert sum(400 <= status < 500 for status in answers.values()) >= len(answers) - 2
    # What the app (not the HTTP server) refuses is problem+json, with its own status.
    assert answers["query of 9 KB"] == 414
    assert answers["header of 64 KiB"] == 431
    assert answers["header of 4 MB"] == 431
    assert answers["cookie of 1 MB"] == 431
    assert answers["200 headers"] == 431
    assert answers["100k levels of ["] == 413
    assert answers["a body over the limit"] == 413
    assert answers["a NUL in the query"] == 422
    for name in (
        "query of 9 KB",
        "header of 64 KiB",
        "200 headers",
        "a body over the limit",
        "a NUL in the query",
    ):
        assert b"content-type: application/problem+json" in heads[name], (name, heads[name])
    server_errors = sum(status >= 500 for status in answers.values())
    record(
        "hostile-input: raw HTTP",
        database_kind(served.env["INCIDENTS_DATABASE_URL"]),
        requests=len(answers),
        server_errors=server_errors,
    )
    log = served.log()
    assert "Traceback" not in log
    assert "Exception in ASGI application" not in log
