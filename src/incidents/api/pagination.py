"""List headers: the total, the range served and links to the neighbouring pages."""

from __future__ import annotations

from starlette.datastructures import URL


def page_headers(
    url: URL, *, unit: str, total: int, offset: int, limit: int, count: int
) -> dict[str, str]:
    """`X-Total-Count`, `Content-Range` and `Link` for a page of `count` items at `offset`."""
    headers = {
        "X-Total-Count": str(total),
        "Content-Range": (
            f"{unit} {offset}-{offset + count - 1}/{total}" if count else f"{unit} */{total}"
        ),
    }
    links = []
    if offset + count < total:
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
