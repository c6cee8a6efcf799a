"""Validation errors a client can act on: where the JSON broke, what header or value to send."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

ErrorItem = dict[str, Any]

IF_MATCH_HINT = (
    'An entity tag must be quoted, as the ETag header gives it: If-Match: "2" (not 2), '
    "or * for any version."
)
CONTENT_TYPE_HINT = (
    "The body must be a JSON object sent with `Content-Type: application/json`; "
    "this request has {given}."
)


async def explained(request: Request, errors: list[ErrorItem]) -> list[ErrorItem]:
    """`errors` with messages that say what to send instead, where FastAPI's do not."""
    body = await request.body()
    return [await _explain(request, body, error) for error in errors]


async def _explain(request: Request, body: bytes, error: ErrorItem) -> ErrorItem:
    loc, kind = error["loc"], error["type"]
    if kind == "json_invalid":
        return {**error, "loc": ["body"], "msg": json_problem(body)}
    if loc == ["header", "if-match"] and kind == "string_pattern_mismatch":
        return {**error, "msg": IF_MATCH_HINT}
    if loc == ["body"] and not _sends_json(request):
        given = request.headers.get("content-type")
        told = f"`Content-Type: {given}`" if given else "no Content-Type"
        return {**error, "msg": CONTENT_TYPE_HINT.format(given=told)}
    return error


def json_problem(body: bytes) -> str:
    """Where and why `body` is not JSON, as line and column."""
    try:
        json.loads(body)
    except json.JSONDecodeError as problem:
        return (
            f"The body is not valid JSON: {problem.msg} at line {problem.lineno}, "
            f"column {problem.colno}."
        )
    except UnicodeDecodeError as problem:
        return f"The body is not valid UTF-8 (byte {problem.start})."
    except RecursionError:
        return "The body nests too deeply to be read."
    except ValueError as problem:  # a number too long to read, say
        return f"The body can not be read as JSON: {problem}."
    return "The body is not valid JSON."


def _sends_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")
