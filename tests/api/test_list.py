"""GET /api/v1/incidents: order, filters, pagination and its headers."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import report

URL = "/api/v1/incidents"


def _links(response: httpx.Response) -> dict[str, str]:
    """The Link header as {rel: url}."""
    return {
        rel: url
        for url, rel in re.findall(r'<([^>]+)>;\s*rel="(\w+)"', response.headers.get("Link", ""))
    }


async def test_list_is_newest_first(client: httpx.AsyncClient) -> None:
    ids = [(await report(client, f"incident {n}"))["id"] for n in range(3)]

    response = await client.get(URL)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == list(reversed(ids))


async def test_empty_list(client: httpx.AsyncClient) -> None:
    response = await client.get(URL)
    assert response.json() == []
    assert response.headers["X-Total-Count"] == "0"
    assert response.headers["Content-Range"] == "incidents */0"
    assert "Link" not in response.headers


async def test_filters_by_status_and_source_with_repeats(client: httpx.AsyncClient) -> None:
    new_operator = await report(client, "a", "operator")
    taken_partner = await report(client, "b", "partner")
    await client.patch(f"{URL}/{taken_partner['id']}", json={"status": "in_progress"})
    resolved_monitoring = await report(client, "c", "monitoring")
    for status in ("in_progress", "resolved"):
        await client.patch(f"{URL}/{resolved_monitoring['id']}", json={"status": status})

    async def ids(query: str) -> list[int]:
        response = await client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.text
        assert response.headers["X-Total-Count"] == str(len(response.json()))
        return [item["id"] for item in response.json()]

    assert await ids("status=new") == [new_operator["id"]]
    assert await ids("status=NEW&status=in_progress") == [taken_partner["id"], new_operator["id"]]
    assert await ids("source=monitoring&source=partner") == [
        resolved_monitoring["id"],
        taken_partner["id"],
    ]
    assert await ids("status=resolved&source=monitoring") == [resolved_monitoring["id"]]
    assert await ids("status=resolved&source=operator") == []
    assert await ids("status=closed") == []


@pytest.mark.parametrize(
    "query",
    [
        "status=open",
        "source=customer",
        "limit=0",
        "limit=501",
        "limit=-1",
        "limit=ten",
        "offset=-1",
        "offset=x",
        "offset=99999999999999999999",
    ],
)
async def test_bad_list_parameters_are_422_problems(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"{URL}?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"][0] == "query"


async def test_limit_bounds_are_accepted(client: httpx.AsyncClient) -> None:
    await report(client)
    assert (await client.get(f"{URL}?limit=1")).status_code == 200
    assert (await client.get(f"{URL}?limit=500")).status_code == 200


async def test_pagination_headers_across_pages(client: httpx.AsyncClient) -> None:
    ids = [(await report(client, f"incident {n}"))["id"] for n in range(5)]
    newest_first = list(reversed(ids))

    first = await client.get(f"{URL}?limit=2")
    assert [item["id"] for item in first.json()] == newest_first[:2]
    assert first.headers["X-Total-Count"] == "5"
    assert first.headers["Content-Range"] == "incidents 0-1/5"
    assert set(_links(first)) == {"next"}

    second = await client.get(_links(first)["next"])
    assert [item["id"] for item in second.json()] == newest_first[2:4]
    assert second.headers["Content-Range"] == "incidents 2-3/5"
    assert set(_links(second)) == {"next", "prev"}

    last = await client.get(_links(second)["next"])
    assert [item["id"] for item in last.json()] == newest_first[4:]
    assert last.headers["Content-Range"] == "incidents 4-4/5"
    assert set(_links(last)) == {"prev"}

    back = await client.get(_links(last)["prev"])
    assert back.json() == second.json()


async def test_links_keep_the_filters(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await report(client, f"p{n}", "partner")
    await report(client, "o", "operator")

    first = await client.get(f"{URL}?source=partner&source=monitoring&limit=2")
    next_url = httpx.URL(_links(first)["next"])
    assert next_url.params.get_list("source") == ["partner", "monitoring"]
    assert next_url.params["offset"] == "2"
    assert first.headers["X-Total-Count"] == "3"

    rest = await client.get(next_url)
    assert [item["description"] for item in rest.json()] == ["p0"]


async def test_offset_past_the_end_is_an_empty_page(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await report(client, f"incident {n}")

    response = await client.get(f"{URL}?offset=10&limit=2")

    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["X-Total-Count"] == "3"
    assert response.headers["Content-Range"] == "incidents */3"
    links = _links(response)
    assert set(links) == {"prev"}
    assert httpx.URL(links["prev"]).params["offset"] == "1"


async def test_ties_on_created_at_are_broken_by_id(client: httpx.AsyncClient, clock) -> None:
    clock.now = lambda: clock.current  # every write at the same instant
    ids = [(await report(client, f"same time {n}"))["id"] for n in range(3)]

    response = await client.get(URL)

    assert [item["id"] for item in response.json()] == list(reversed(ids))
