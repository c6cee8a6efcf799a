"""Keyset pagination at the HTTP edge: the `cursor` parameter and the headers naming the next."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import URL

from incidents.domain.cursor import (
    CURSOR_PATTERN,
    MAX_CURSOR_LENGTH,
    InvalidCursor,
    Position,
    decode_cursor,
    encode_cursor,
)

CURSOR_HELP = (
    "Continue after the page that gave this opaque token (its `X-Next-Cursor` header, or the "
    'URL in its `Link: <…>; rel="next"`). Keyset pagination: newest first, with the same '
    "filters and `limit`, at a cost that does not grow with depth, and stable while incidents "
    "are added. With `offset`, that many more are skipped after it. Do not build tokens: "
    "their form may change."
)

Cursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, pattern=CURSOR_PATTERN, description=CURSOR_HELP),
]


def _invalid(detail: str) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("query", "cursor"), "msg": detail, "type": "value_error"}]
    )


def position_after(cursor: str | None) -> Position | None:
    """The position a `cursor` parameter names; a bad one is a 422."""
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor)
    except InvalidCursor as error:
        raise _invalid(f"Invalid cursor: {error}; use one from `X-Next-Cursor`") from None


def next_cursor_headers(
    url: URL, after: Position | None, *, limit: int, link: bool
) -> dict[str, str]:
    """`X-Next-Cursor` when a next page exists, and with `link` its `Link rel="next"` URL."""
    if after is None:
        return {}
    token = encode_cursor(after)
    headers = {"X-Next-Cursor": token}
    if link:
        following = url.remove_query_params("offset").include_query_params(
            cursor=token, limit=limit
        )
        headers["Link"] = f'<{following}>; rel="next"'
    return headers
