"""List headers: the total, the range served and links to the neighbouring pages."""

from __future__ import annotations

from starlette.datastructures import URL

# Sent (as `false`) when X-Total-Count is a lower bound: a text search counts only so far.
TOTAL_EXACT_HEADER = "X-Total-Count-Exact"


def total_headers(total: int, *, exact: bool = True) -> dict[str, str]:
    """`X-Total-Count`, and `X-Total-Count-Exact: false` when it is only a lower bound."""
    headers = {"X-Total-Count": str(total)}
    if not exact:
        headers[TOTAL_EXACT_HEADER] = "false"
    return headers


def page_headers(
    url: URL,
    *,
    unit: str,
    total: int,
    offset: int,
    limit: int,
    count: int,
    exact: bool = True,
) -> dict[str, str]:
    """`X-Total-Count`, `Content-Range` and `Link` for a page of `count` items at `offset`.

    A total that is only a lower bound (`exact` False) is marked so, and Content-Range gives
    the complete length as unknown (`*`, RFC 9110).
    """
    length = str(total) if exact else "*"
    headers = total_headers(total, exact=exact)
    headers["Content-Range"] = (
        f"{unit} {offset}-{offset + count - 1}/{length}" if count else f"{unit} */{length}"
    )
    links = []
    if offset + count < total or (not exact and count == limit):
        links.append(_link(url, offset=offset + limit, limit=limit, rel="next"))
    if offset > 0:
        links.append(
            _link(url, offset=max(0, min(offset - limit, total - limit)), limit=limit, rel="prev")
        )
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def _link(url: URL, *, offset: int, limit: int, rel: str) -> str:
    return f'<{url.include_query_params(offset=offset, limit=limit)}>; rel="{rel}"'
