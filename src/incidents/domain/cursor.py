"""Keyset cursors: an opaque token for "the incidents after this one, newest first"."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

# Bumped when the encoding changes; tokens of another version are refused, not misread.
CURSOR_VERSION = 1
MAX_CURSOR_LENGTH = 128
MAX_ID = 2**63 - 1
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


class InvalidCursor(ValueError):
    """A cursor this registry did not make (garbled, truncated, altered or outdated)."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended in the list order (created_at desc, id desc)."""

    created_at: datetime
    id: int


def encode_cursor(position: Position) -> str:
    """The opaque token for `position`: URL-safe base64 of a version byte and JSON."""
    stamp = position.created_at.astimezone(UTC).strftime(_TIMESTAMP)
    payload = json.dumps({"t": stamp, "i": position.id}, separators=(",", ":"))
    raw = bytes([CURSOR_VERSION]) + payload.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Position:
    """The position a token from `encode_cursor` names; raises InvalidCursor for anything else."""
    if len(token) > MAX_CURSOR_LENGTH or not _ALPHABET.fullmatch(token):
        raise InvalidCursor("not a cursor this registry gave out")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidCursor("not a cursor this registry gave out") from None
    if not raw or raw[0] != CURSOR_VERSION:
        raise InvalidCursor("a cursor of another version; start again from the first page")
    position = _position_of(raw[1:])
    # Only the exact token the encoder makes is accepted: no altered spelling slips through.
    if encode_cursor(position) != token:
        raise InvalidCursor("not a cursor this registry gave out")
    return position


def _position_of(payload: bytes) -> Position:
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        raise InvalidCursor("not a cursor this registry gave out") from None
    if not isinstance(data, dict) or set(data) != {"t", "i"}:
        raise InvalidCursor("not a cursor this registry gave out")
    stamp, incident_id = data["t"], data["i"]
    if type(incident_id) is not int or not 1 <= incident_id <= MAX_ID:
        raise InvalidCursor("not a cursor this registry gave out")
    if not isinstance(stamp, str):
        raise InvalidCursor("not a cursor this registry gave out")
    try:
        created_at = datetime.strptime(stamp, _TIMESTAMP).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidCursor("not a cursor this registry gave out") from None
    return Position(created_at=created_at, id=incident_id)
