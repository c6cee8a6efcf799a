"""Keyset pagination at the HTTP edge: the `cursor` parameter and the headers naming the next."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import URL

from incidents.domain.cursor import (
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
    "are added. Not together with `offset`. A token this registry did not give out is `422`."
)

Cursor = Annotated[
    str | None, Query(min_length=1, max_length=MAX_CURSOR_LENGTH, description=CURSOR_HELP)
]


def _invalid(detail: str) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("query", "cursor"), "msg": detail, "type": "value_error"}]
    )


def position_after(cursor: str | None, *, offset: int | None) -> Position | None:
    """The position a `cursor` parameter names; a bad one, or one beside `offset`, is a 422."""
    if cursor is None:
        return None
    if offset is not None:
        raise _invalid("give either `cursor` or `offset`, not both")
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
