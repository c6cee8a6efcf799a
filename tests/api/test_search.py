"""GET /api/v1/incidents?q=: every word, any case, any script, with filters and pages."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import report

URL = "/api/v1/incidents"


async def _found(client: httpx.AsyncClient, query: str) -> list[str]:
    response = await client.get(URL, params={"q": query})
    assert response.status_code == 200, response.text
    assert response.headers["X-Total-Count"] == str(len(response.json()))
    return [item["description"] for item in response.json()]


async def test_search_finds_cyrillic_in_any_case(client: httpx.AsyncClient) -> None:
    await report(client, "Самокат #42 не отвечает")
    await report(client, "Scooter #7 offline")

    assert await _found(client, "самокат") == ["Самокат #42 не отвечает"]
    assert await _found(client, "САМОКАТ") == ["Самокат #42 не отвечает"]
    assert await _found(client, "scooter") == ["Scooter #7 offline"]
    assert await _found(client, "OFFLINE") == ["Scooter #7 offline"]
    assert await _found(client, "#") == ["Scooter #7 offline", "Самокат #42 не отвечает"]


async def test_search_needs_every_word_in_any_order(client: httpx.AsyncClient) -> None:
    await report(client, "Pickup point Lenina 5 not answering")
    await report(client, "Pickup point Mira 3 closed early")

    assert await _found(client, "answering pickup") == ["Pickup point Lenina 5 not answering"]
    assert await _found(client, "  pickup   POINT ") == [
        "Pickup point Mira 3 closed early",
        "Pickup point Lenina 5 not answering",
    ]
    assert await _found(client, "pickup zebra") == []
    assert await _found(client, "") == await _found(client, "   ")  # no words: no filter


async def test_search_sees_notes_appended_later(client: httpx.AsyncClient) -> None:
    incident = await report(client, "Locker 3 jammed")
    await client.patch(f"{URL}/{incident['id']}", json={"description_append": "Курьер выехал"})

    assert await _found(client, "курьер locker") == ["Locker 3 jammed\nКурьер выехал"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("100%", ["battery 100% full"]),
        ("%", ["battery 100% full"]),
        ("a_b", ["key a_b missing"]),
        ("_", ["key a_b missing"]),
        ("c:\\temp", ["path c:\\temp full"]),
        ("\\", ["path c:\\temp full"]),
        ("/", ["slash a/b"]),
    ],
)
async def test_like_wildcards_in_words_match_only_themselves(
    client: httpx.AsyncClient, query: str, expected: list[str]
) -> None:
    for text in ("battery 100% full", "key a_b missing", "path c:\\temp full", "slash a/b"):
        await report(client, text)
    await report(client, "battery 1000 full axb c:temp")

    assert await _found(client, query) == expected


async def test_search_combines_with_filters_and_pages(client: httpx.AsyncClient) -> None:
    for n in range(5):
        await report(client, f"Самокат {n} offline", "monitoring")
    await report(client, "Самокат 9 offline", "partner")
    await report(client, "Scooter offline", "monitoring")
    taken = await report(client, "Самокат 7 offline", "monitoring")
    await client.patch(f"{URL}/{taken['id']}", json={"status": "in_progress"})

    query: dict[str, str | int] = {
        "q": "самокат OFFLINE",
        "source": "monitoring",
        "status": "new",
        "limit": 2,
    }
    first = await client.get(URL, params={**query, "offset": 0})
    last = await client.get(URL, params={**query, "offset": 4})

    assert [i["description"] for i in first.json()] == ["Самокат 4 offline", "Самокат 3 offline"]
    assert first.headers["X-Total-Count"] == "5"
    assert first.headers["Content-Range"] == "incidents 0-1/5"
    assert "q=" in first.headers["Link"]
    assert [i["description"] for i in last.json()] == ["Самокат 0 offline"]
    assert last.headers["Content-Range"] == "incidents 4-4/5"


@pytest.mark.parametrize("query", ["x" * 501, " ".join(f"w{n}" for n in range(11))])
async def test_too_long_searches_are_422(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(URL, params={"q": query})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_postgresql_finds_other_forms_of_a_word(
    client: httpx.AsyncClient, database_url: str
) -> None:
    """Stemming (Russian and English) beside substrings; SQLite matches substrings only."""
    await report(client, "Самокат #42 не отвечает")
    await report(client, "Two scooters were offline")
    stemmed = not database_url.startswith("sqlite")

    assert await _found(client, "самокаты") == (["Самокат #42 не отвечает"] if stemmed else [])
    assert await _found(client, "scooter") == ["Two scooters were offline"]
    assert await _found(client, "самокат") == ["Самокат #42 не отвечает"]


async def test_a_search_total_past_the_bound_is_marked_as_a_lower_bound(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incidents.db import counters

    monkeypatch.setattr(counters, "SEARCH_TOTAL_BOUND", 2)
    for n in range(4):
        await report(client, f"Locker {n} jammed")

    bounded = await client.get(URL, params={"q": "jammed", "limit": 2})
    assert bounded.status_code == 200
    assert bounded.headers["X-Total-Count"] == "2"
    assert bounded.headers["X-Total-Count-Exact"] == "false"
    assert bounded.headers["Content-Range"] == "incidents 0-1/*"
    assert 'rel="next"' in bounded.headers["Link"]
    assert len(bounded.json()) == 2

    exact = await client.get(URL, params={"q": "locker 3"})
    assert exact.headers["X-Total-Count"] == "1"
    assert "X-Total-Count-Exact" not in exact.headers
