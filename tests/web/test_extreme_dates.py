"""No date a form or query accepts gives a 500: the periods at the ends of the calendar are
shown or refused with a message, on the Overview page and the API's stats."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import AccountMaker, ConsoleMaker

EXTREMES = [
    ("9999-01-01", "9999-12-30"),
    ("9999-12-01", "9999-12-31"),
    ("9999-12-25", "9999-12-30"),
    ("9999-12-31", "9999-12-31"),
    ("0001-01-01", "0001-01-07"),
    ("1970-01-01", "1970-01-07"),
    ("1970-01-02", "1970-01-04"),
    (None, "9999-12-30"),
    ("9999-12-30", None),
    ("0001-01-01", None),
]


def _query(since: str | None, until: str | None) -> dict[str, str]:
    return {k: v for k, v in (("since", since), ("until", until)) if v is not None}


@pytest.mark.parametrize(("since", "until"), EXTREMES)
async def test_the_overview_answers_any_period_without_a_500(
    open_console: ConsoleMaker,
    make_account: AccountMaker,
    client: httpx.AsyncClient,
    since: str | None,
    until: str | None,
) -> None:
    http = await open_console(await make_account("reporter"))

    page = await http.get("/overview", params=_query(since, until))

    assert page.status_code in (200, 422), page.text[:2000]
    if page.status_code == 422:
        assert "That period can not be shown" in page.text
    stats = await client.get("/api/v1/stats", params=_query(since, until))
    assert stats.status_code in (200, 422), stats.text
    if stats.status_code == 422:
        assert stats.headers["content-type"] == "application/problem+json"
        assert "between" in stats.json()["detail"] or "after" in stats.json()["detail"]


@pytest.mark.parametrize("page", ["401", "402", "10000", "99999999999999999999", "-5"])
async def test_the_list_at_its_extremes_answers_without_a_500(
    open_console: ConsoleMaker, make_account: AccountMaker, page: str
) -> None:
    http = await open_console(await make_account("reporter"))

    listing = await http.get("/", params={"page": page, "q": "scooter"})

    assert listing.status_code == 200, listing.text[:2000]
