"""A receiver of the registry's webhooks that checks each signature (the standard library
only): `WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py 8000`.

It answers 204 to a delivery it verified (the registry then sends the next), 401 to one it
did not, and remembers the `webhook-id`s it took, so a delivery sent again is not applied
twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None) -> bool:
    """Whether `body` came signed with `secret` (Standard Webhooks), sent lately."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(given.removeprefix("v1,"), expected)
        for given in headers["webhook-signature"].split()
        if given.startswith("v1,")
    )


class Receiver(BaseHTTPRequestHandler):
    """Takes a delivery: verified, once per `webhook-id`."""

    seen: set[str] = set()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            trusted = verify(os.environ["WEBHOOK_SECRET"], headers, body)
        except (KeyError, ValueError):
            trusted = False
        if not trusted:
            self.send_response(401)
            self.end_headers()
            return
        if headers["webhook-id"] not in self.seen:
            self.seen.add(headers["webhook-id"])
            event = json.loads(body)
            incident = event["data"]["incident"]
            kinds = ", ".join(e["kind"] for e in event["data"]["events"])
            print(f"{event['type']} #{incident['id']} ({incident['status']}): {kinds}")
        self.send_response(204)
        self.end_headers()


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
