"""Alerts from monitoring: triggers and all-clears deduplicated by a key."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from enum import StrEnum
from typing import Any

from incidents.domain.errors import InvalidInput
from incidents.domain.incident import CaseInsensitiveEnum

DEDUP_KEY_MAX_LENGTH = 255
# Details are kept within this many bytes of compact JSON in UTF-8, cut to fit when longer.
DETAILS_MAX_BYTES = 32 * 1024
# Objects and arrays within details nest at most this deep (the details object is level 1).
DETAILS_MAX_DEPTH = 5
# Alertmanager notifications are remembered this long at most (a retry window is shorter).
REPLAY_RETENTION = timedelta(days=1)
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
    """Details as they can be stored: a JSON object of finite values, no NUL, nested at most
    DETAILS_MAX_DEPTH deep (`fit_details` then cuts them to size)."""
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


# What marks the place where a text was cut to fit.
CUT_MARK = " …[cut]"
# Top-level keys of details that are kept whole while anything else can still be cut.
KEPT_WHOLE = ("labels",)


def json_size(value: Any) -> int:
    """How many bytes `value` takes as compact JSON in UTF-8: how details are measured."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


# NUL and the surrogate code points, which a Python string holds only when they came alone.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` with what no database can hold (NUL, lone surrogates) replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def fit_text(text: str, limit: int) -> tuple[str, bool]:
    """`text` within `limit` characters, cut with CUT_MARK when longer; and whether it was."""
    if len(text) <= limit:
        return text, False
    return text[: max(0, limit - len(CUT_MARK))].rstrip() + CUT_MARK, True


def _cut_to(text: str, budget: int) -> str:
    """`text` cut (with CUT_MARK) so that it takes at most `budget` bytes as a JSON string."""
    low, high = 0, len(text)  # the longest prefix that fits lies in low..high
    while low < high:
        middle = (low + high + 1) // 2
        if json_size(text[:middle] + CUT_MARK) <= budget:
            low = middle
        else:
            high = middle - 1
    return text[:low] + CUT_MARK


def _string_leaves(value: Any, skip_top: tuple[str, ...]) -> list[tuple[Any, Any]]:
    """(container, key) of every string value inside `value`, but under the `skip_top` keys."""
    found: list[tuple[Any, Any]] = []
    stack: list[Any] = [value]
    while stack:
        container = stack.pop()
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, item in items:
            if container is value and key in skip_top:
                continue
            if isinstance(item, str):
                found.append((container, key))
            elif isinstance(item, dict | list):
                stack.append(item)
    return found


def _level(sizes: list[int], excess: int) -> int:
    """The size to cut every longer value to so that, of `sizes` (longest first), `excess`
    bytes go: the longest values give way first, and equally."""
    total = 0
    for count, size in enumerate(sizes, start=1):
        total += size
        level = (total - excess) // count
        following = sizes[count] if count < len(sizes) else 0
        if level >= following:
            return max(level, 0)
    return 0


def _trim_leaves(details: dict[str, Any], skip_top: tuple[str, ...], size: int) -> int:
    """Cut the longest strings of `details` (in place) until it fits; its size after."""
    leaves = _string_leaves(details, skip_top)
    floor = json_size(CUT_MARK)
    # Each round cuts to one level; the marks and JSON escapes may leave a little to cut after.
    for _ in range(8):
        if size <= DETAILS_MAX_BYTES:
            break
        sizes = sorted((json_size(container[key]) for container, key in leaves), reverse=True)
        level = max(_level(sizes, size - DETAILS_MAX_BYTES), floor)
        cut_any = False
        for container, key in leaves:
            before = json_size(container[key])
            if before > level:
                container[key] = _cut_to(container[key], level)
                size -= before - json_size(container[key])
                cut_any = True
        if not cut_any:
            break
    return size


def fit_details(details: dict[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
    """Details within DETAILS_MAX_BYTES, and whether they were cut to fit.

    The longest string values are cut first (each marked with CUT_MARK); the labels stay
    whole while anything else can give way. Details that no cutting of values can fit keep
    their labels alone.
    """
    if details is None:
        return None, False
    size = json_size(details)
    if size <= DETAILS_MAX_BYTES:
        return details, False
    cut = copy.deepcopy(details)
    size = _trim_leaves(cut, KEPT_WHOLE, size)
    if size > DETAILS_MAX_BYTES:
        size = _trim_leaves(cut, (), size)
    if size > DETAILS_MAX_BYTES:
        kept = {name: cut[name] for name in KEPT_WHOLE if name in cut}
        cut = kept if json_size(kept) <= DETAILS_MAX_BYTES else {}
    return cut, True
