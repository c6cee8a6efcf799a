"""Keyset cursors: a token for "the incidents after this one, newest first"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from incidents.domain.incident import MAX_ID

# Microseconds since 1970 (17 digits reach the year 5138), a dot, and an incident id. Every
# token of this form names a position, so the pattern the API documents is the whole rule.
CURSOR_PATTERN = r"^[0-9]{1,17}\.[0-9]{1,19}$"
MAX_CURSOR_LENGTH = 37
_FORM = re.compile(CURSOR_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class InvalidCursor(ValueError):
    """A token not of the cursor's form."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended in the list order (created_at desc, id desc)."""

    created_at: datetime
    id: int


def encode_cursor(position: Position) -> str:
    """The token for `position`."""
    return f"{(position.created_at - _EPOCH) // _MICROSECOND}.{position.id}"


def decode_cursor(token: str) -> Position:
    """The position a token names; raises InvalidCursor for anything not of the form."""
    if not _FORM.fullmatch(token):
        raise InvalidCursor("not a cursor this registry gives out")
    micros, _, incident_id = token.partition(".")
    # No id is larger than MAX_ID, so past it is the same position as at it.
    return Position(
        created_at=_EPOCH + int(micros) * _MICROSECOND, id=min(int(incident_id), MAX_ID)
    )
