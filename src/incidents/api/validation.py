"""Validation errors a client can act on: where the JSON broke, what header or value to send."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from incidents.domain.owners import owner_unknown

ErrorItem = dict[str, Any]

IF_MATCH_HINT = (
    'An entity tag must be quoted, as the ETag header gives it: If-Match: "2" (not 2), '
    "or * for any version."
)
CONTENT_TYPE_HINT = (
    "The body must be a JSON object sent with `Content-Type: application/json`; "
    "this request has {given}."
)


# What pydantic adds to a location inside a union (`str-enum[Status]`, `none`, `int`): its
# own names for the union's members, not words of the API.
_UNION_MEMBER = re.compile(r"^[a-z-]+\[.*\]$|^(none|int|str|bool|float)$")


async def explained(request: Request, errors: list[ErrorItem]) -> list[ErrorItem]:
    """`errors` with messages that say what to send instead, where FastAPI's do not, in the
    API's words: a field's location without pydantic's names for union members, and no
    second error saying a value that may be omitted "should be None"."""
    body = await request.body()
    cleaned = [await _explain(request, body, _without_union_members(error)) for error in errors]
    located = {tuple(error["loc"]) for error in cleaned if error["type"] != "none_required"}
    return [
        error
        for error in cleaned
        if not (error["type"] == "none_required" and tuple(error["loc"]) in located)
    ]


def _without_union_members(error: ErrorItem) -> ErrorItem:
    loc = list(error["loc"])
    kept = loc[:1] + [part for part in loc[1:] if not _is_union_member(part)]
    return {**error, "loc": kept} if kept != loc else error


def _is_union_member(part: object) -> bool:
    return isinstance(part, str) and bool(_UNION_MEMBER.match(part))


def _one_of(allowed: str) -> str:
    """Pydantic's `'new', 'in_progress' or 'closed'` as the docs write it: new, in_progress,
    closed."""
    return ", ".join(re.findall(r"'([^']*)'", allowed))


async def _explain(request: Request, body: bytes, error: ErrorItem) -> ErrorItem:
    loc, kind = error["loc"], error["type"]
    if kind == "enum":
        field = next((str(part) for part in reversed(loc[1:]) if isinstance(part, str)), "value")
        return {**error, "msg": f"{field} is one of: {_one_of(str(error['msg']))}."}
    if kind == "string_pattern_mismatch" and loc[-1:] == ["assignee"]:
        return {**error, "msg": owner_unknown("it is none of them").detail}
    if kind == "json_invalid":
        return {**error, "loc": ["body"], "msg": json_problem(body)}
    if loc == ["header", "if-match"] and kind == "string_pattern_mismatch":
        return {**error, "msg": IF_MATCH_HINT}
    if loc == ["body", "assignee"]:
        return {**error, "msg": owner_unknown("it must be a string or null").detail}
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


async def known_query_only(request: Request) -> None:
    """Refuse query parameters the operation does not take: `?statuss=new` is a mistake to
    name, not a filter to drop silently (and the document allows no others)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known: frozenset[str] | None = getattr(route, _KNOWN, None)
    if known is None:
        known = frozenset(_query_names(route.dependant))
        setattr(route, _KNOWN, known)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = ", ".join(f"`{name}`" for name in sorted(known)) or "none"
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"Unknown query parameter; this operation takes: {takes}.",
                    "type": "extra_forbidden",
                    "input": request.query_params.get(name),
                }
                for name in unknown
            ]
        )


# Where a route keeps its query parameters' names, worked out on its first request.
_KNOWN = "_incidents_query_names"


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters an operation and its dependencies take."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names
