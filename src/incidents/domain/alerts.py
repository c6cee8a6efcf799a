"""Alerts from monitoring: triggers and all-clears deduplicated by a key."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from incidents.domain.errors import InvalidInput
from incidents.domain.incident import CaseInsensitiveEnum

DEDUP_KEY_MAX_LENGTH = 255
# Below the default request body limit, so an event that breaks it is told why (422).
DETAILS_MAX_BYTES = 32 * 1024
# Objects and arrays within details nest at most this deep (the details object is level 1).
DETAILS_MAX_DEPTH = 5
# Keys under this prefix belong to heartbeats; alerts may not take or clear them.
HEARTBEAT_KEY_PREFIX = "heartbeat:"


class AlertAction(CaseInsensitiveEnum):
    """What an alert says: the problem is there (`trigger`) or gone (`resolve`)."""

    TRIGGER = "trigger"
    RESOLVE = "resolve"


class AlertOutcome(StrEnum):
    """What an alert did to the runtime."""

    CREATED = "created"  # no open incident had the key: a new one
    OCCURRED_AGAIN = "occurred_again"  # an open one counted one more occurrence
    REOPENED = "reopened"  # a resolved one went back to in_progress
    RESOLVED = "resolved"  # an open one was resolved
    ALREADY_RESOLVED = "already_resolved"  # the open one was resolved already: no change
    NOTHING_OPEN = "nothing_open"  # an all-clear for a key with no open incident: no change


def check_dedup_key(key: str) -> str:
    """A dedup key as an alert may use it: 1..255 characters, not a heartbeat's."""
    cleaned = key.strip()
    if not cleaned or len(cleaned) > DEDUP_KEY_MAX_LENGTH or "\x00" in cleaned:
        raise InvalidInput(
            "dedup_key", f"dedup_key must be 1..{DEDUP_KEY_MAX_LENGTH} characters, without NUL."
        )
    if cleaned.startswith(HEARTBEAT_KEY_PREFIX):
        raise InvalidInput(
            "dedup_key",
            f"dedup keys starting with {HEARTBEAT_KEY_PREFIX!r} belong to heartbeats; "
            "choose another key.",
        )
    return cleaned


def check_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """Details as stored: a JSON object of at most DETAILS_MAX_BYTES, no NaN, no NUL."""
    if details is None:
        return None
    try:
        encoded = json.dumps(details, allow_nan=False)
        # A lone surrogate (JSON's "\ud800") passes json.dumps but is no text: once stored,
        # every answer that holds the incident would fail to encode.
        json.dumps(details, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise InvalidInput("details", "details must be valid Unicode text.") from None
    except (TypeError, ValueError):
        raise InvalidInput("details", "details must be a JSON object of finite values.") from None
    if _depth(details) > DETAILS_MAX_DEPTH:
        raise InvalidInput(
            "details", f"details may nest objects and arrays at most {DETAILS_MAX_DEPTH} deep."
        )
    if len(encoded.encode()) > DETAILS_MAX_BYTES:
        raise InvalidInput("details", f"details must be at most {DETAILS_MAX_BYTES} bytes of JSON.")
    # PostgreSQL's JSON can not hold a NUL character (json.dumps writes it as \u0000).
    if "\\u0000" in encoded:
        raise InvalidInput("details", "details must not contain NUL characters.")
    return details


def _depth(value: Any) -> int:
    """How deep objects and arrays nest in `value` (a scalar is 0, `{}` is 1)."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0
