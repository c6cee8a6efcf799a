"""GET /api/v1/incidents?cursor=…: keyset pages, their headers, and refusal of bad cursors."""

from __future__ import annotations

import httpx

from tests.api.test_list import _links
from tests.conftest import report

URL = "/api/v1/incidents"


async def _walk_by_cursor(client: httpx.AsyncClient, first: str) -> list[list[int]]:
    """Follow Link rel="next" from `first` to the end; the ids of every page."""
    pages = []
    url: str | None = first
    while url is not None:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        pages.append([item["id"] for item in response.json()])
        url = _links(response).get("next")
        assert (url is None) == ("X-Next-Cursor" not in response.headers)
    return pages


async def test_cursor_pages_cover_the_list_once_newest_first(client: httpx.AsyncClient) -> None:
    ids = [(await report(client, f"incident {n}"))["id"] for n in range(7)]

    pages = await _walk_by_cursor(client, f"{URL}?limit=3")

    newest_first = list(reversed(ids))
    assert pages == [newest_first[0:3], newest_first[3:6], newest_first[6:]]


async def test_a_cursor_page_has_the_total_and_links_by_cursor(client: httpx.AsyncClient) -> None:
    for n in range(5):
        await report(client, f"incident {n}")
    first = await client.get(f"{URL}?limit=2")
    token = first.headers["X-Next-Cursor"]
    # An offset page keeps its offset links; the cursor comes in its own header.
    assert httpx.URL(_links(first)["next"]).params["offset"] == "2"

    second = await client.get(URL, params={"limit": 2, "cursor": token})

    assert second.headers["X-Total-Count"] == "5"
    assert "Content-Range" not in second.headers
    following = httpx.URL(_links(second)["next"])
    assert following.params["cursor"] == second.headers["X-Next-Cursor"]
    assert following.params["limit"] == "2"
    assert "offset" not in following.params
    assert set(_links(second)) == {"next"}


async def test_cursor_links_keep_the_filters(client: httpx.AsyncClient) -> None:
    partner = [(await report(client, f"p{n}", "partner"))["id"] for n in range(5)]
    await report(client, "o", "operator")
    first = f"{URL}?source=partner&source=monitoring&status=new&limit=2"

    pages = await _walk_by_cursor(client, first)

    assert [n for page in pages for n in page] == list(reversed(partner))
    assert len(pages) == 3


async def test_cursor_pages_do_not_shift_when_incidents_arrive(client: httpx.AsyncClient) -> None:
    ids = [(await report(client, f"incident {n}"))["id"] for n in range(4)]
    first = await client.get(f"{URL}?limit=2")
    await report(client, "arrived meanwhile")

    by_offset = await client.get(_links(first)["next"])
    by_cursor = await client.get(URL, params={"limit": 2, "cursor": first.headers["X-Next-Cursor"]})

    assert [item["id"] for item in by_cursor.json()] == [ids[1], ids[0]]
    # An offset page shifts by the newcomer and repeats an incident of the first page.
    assert [item["id"] for item in by_offset.json()] == [ids[2], ids[1]]


async def test_ties_on_created_at_are_walked_by_id(client: httpx.AsyncClient, clock) -> None:
    clock.now = lambda: clock.current  # every write at the same instant
    ids = [(await report(client, f"same time {n}"))["id"] for n in range(5)]

    pages = await _walk_by_cursor(client, f"{URL}?limit=2")

    assert [n for page in pages for n in page] == list(reversed(ids))


async def test_tokens_not_of_the_cursor_form_are_422_problems(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await report(client, f"incident {n}")
    good = (await client.get(f"{URL}?limit=1")).headers["X-Next-Cursor"]
    assert (await client.get(URL, params={"cursor": good})).status_code == 200

    micros, _, incident_id = good.partition(".")
    for bad in [
        "",
        good + ".1",
        f"{micros}-{incident_id}",
        f"{micros}.",
        f".{incident_id}",
        f"{micros}.-1",
        "1" * 18 + ".1",  # past the year 5138
        "1." + "1" * 20,
        "x" * 200,
        "not a cursor",
        "%00",
    ]:
        response = await client.get(URL, params={"cursor": bad})
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


async def test_a_cursor_with_an_offset_skips_that_many_more(client: httpx.AsyncClient) -> None:
    ids = [(await report(client, f"incident {n}"))["id"] for n in range(5)]
    good = (await client.get(f"{URL}?limit=1")).headers["X-Next-Cursor"]

    response = await client.get(URL, params={"cursor": good, "offset": 2, "limit": 5})

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [ids[1], ids[0]]


async def test_the_last_page_gives_no_cursor(client: httpx.AsyncClient) -> None:
    await report(client)
    response = await client.get(f"{URL}?limit=1")
    assert "X-Next-Cursor" not in response.headers
    assert "Link" not in response.headers


async def test_openapi_documents_the_cursor(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    parameters = schema["paths"]["/api/v1/incidents"]["get"]["parameters"]
    cursor = next(p for p in parameters if p["name"] == "cursor")
    assert "X-Next-Cursor" in cursor["description"]
    assert "offset" in cursor["description"]
    assert cursor["schema"]["pattern"]
