"""Owner: taking assigns the taker, PATCH hands over with If-Match, the list filters by owner."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import ClientMaker, KeyMaker, add_account, report

URL = "/api/v1/incidents"


@pytest.fixture(autouse=True)
async def olga(app: FastAPI) -> str:
    """The console account `olga`, an owner the registry knows."""
    return await add_account(app.state.runtime, "olga")


async def _trail(client: httpx.AsyncClient, incident_id: int) -> list[dict[str, object]]:
    response = await client.get(f"{URL}/{incident_id}/events")
    assert response.status_code == 200, response.text
    return [
        {k: v for k, v in e.items() if k not in {"id", "request_id", "created_at"}}
        for e in response.json()
    ]


async def test_a_new_incident_has_no_owner_and_taking_it_assigns_the_taker(
    client: httpx.AsyncClient,
) -> None:
    incident = await report(client)
    assert incident["assignee"] is None

    taken = await client.patch(f"{URL}/{incident['id']}", json={"status": "in_progress"})

    assert taken.status_code == 200, taken.text
    assert taken.json()["assignee"] == "key:operator"
    assert (await _trail(client, incident["id"]))[-1] == {
        "incident_id": incident["id"],
        "kind": "assigned",
        "actor": "key:operator",
        "client_request_id": None,
        "from": None,
        "to": "key:operator",
    }


async def test_taking_keeps_an_owner_set_before(client: httpx.AsyncClient) -> None:
    incident = await report(client)
    await client.patch(f"{URL}/{incident['id']}", json={"assignee": "user:olga"})

    taken = await client.patch(f"{URL}/{incident['id']}", json={"status": "in_progress"})

    assert taken.json()["assignee"] == "user:olga"


async def test_monitoring_reopening_never_assigns(client: httpx.AsyncClient) -> None:
    alert = {"action": "trigger", "dedup_key": "k1", "summary": "Scooter #1 offline"}
    created = (await client.post("/api/v1/events", json=alert)).json()
    await client.post("/api/v1/events", json={"action": "resolve", "dedup_key": "k1"})

    again = (await client.post("/api/v1/events", json=alert)).json()

    assert again["id"] == created["id"]
    assert again["status"] == "in_progress"
    assert again["assignee"] is None


async def test_patch_hands_over_with_if_match_and_records_from_and_to(
    client: httpx.AsyncClient,
) -> None:
    incident = await report(client)
    etag = f'"{incident["version"]}"'

    handed = await client.patch(
        f"{URL}/{incident['id']}",
        json={"assignee": "telegram:4242 (@olga_ops)"},
        headers={"If-Match": etag},
    )
    stale = await client.patch(
        f"{URL}/{incident['id']}", json={"assignee": None}, headers={"If-Match": etag}
    )
    cleared = await client.patch(f"{URL}/{incident['id']}", json={"assignee": None})

    assert handed.status_code == 200, handed.text
    assert handed.json()["assignee"] == "telegram:4242 (@olga_ops)"
    assert handed.json()["version"] == incident["version"] + 1
    assert stale.status_code == 412
    assert cleared.json()["assignee"] is None
    kinds = [(e["kind"], e.get("from"), e.get("to")) for e in await _trail(client, incident["id"])]
    assert kinds[1:] == [
        ("assigned", None, "telegram:4242 (@olga_ops)"),
        ("assigned", "telegram:4242 (@olga_ops)", None),
    ]


async def test_handing_over_in_the_same_request_as_a_status_change(
    client: httpx.AsyncClient,
) -> None:
    incident = await report(client)

    both = await client.patch(
        f"{URL}/{incident['id']}", json={"status": "in_progress", "assignee": "user:olga"}
    )

    assert both.status_code == 200, both.text
    assert (both.json()["status"], both.json()["assignee"]) == ("in_progress", "user:olga")
    kinds = [e["kind"] for e in await _trail(client, incident["id"])]
    assert kinds == ["created", "status_changed", "assigned"]


async def test_the_same_owner_again_changes_nothing(client: httpx.AsyncClient) -> None:
    incident = await report(client)
    first = (await client.patch(f"{URL}/{incident['id']}", json={"assignee": "user:olga"})).json()

    again = await client.patch(f"{URL}/{incident['id']}", json={"assignee": "user:olga"})

    assert again.json()["version"] == first["version"]


@pytest.mark.parametrize(
    "assignee", ["", "   ", "olga", "user:", "user: olga", "x" * 201, "user:a\u0000b", 7]
)
async def test_an_assignee_not_shaped_like_an_actor_is_422(
    client: httpx.AsyncClient, assignee: object
) -> None:
    incident = await report(client)

    response = await client.patch(f"{URL}/{incident['id']}", json={"assignee": assignee})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "assignee" in response.text


async def test_a_reporter_may_not_hand_over(client_for: ClientMaker, make_key: KeyMaker) -> None:
    async with client_for(await make_key("reporter")) as reporter:
        incident = await report(reporter)
        response = await reporter.patch(f"{URL}/{incident['id']}", json={"assignee": "user:o"})

    assert response.status_code == 403


async def test_the_list_filters_by_owner_me_and_none(
    client: httpx.AsyncClient, client_for: ClientMaker, make_key: KeyMaker
) -> None:
    mine = await report(client, "mine")
    await client.patch(f"{URL}/{mine['id']}", json={"status": "in_progress"})
    olgas = await report(client, "olga's")
    await client.patch(f"{URL}/{olgas['id']}", json={"assignee": "user:olga"})
    nobodys = await report(client, "nobody's")

    async def ids(query: str, http: httpx.AsyncClient = client) -> tuple[list[int], str]:
        response = await http.get(f"{URL}?{query}")
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()], response.headers["X-Total-Count"]

    assert await ids("assignee=me") == ([mine["id"]], "1")
    assert await ids("assignee=none") == ([nobodys["id"]], "1")
    assert await ids("assignee=user:olga") == ([olgas["id"]], "1")
    assert await ids("assignee=me&assignee=NONE") == ([nobodys["id"], mine["id"]], "2")
    async with client_for(await make_key("operator", name="someone")) as other:
        assert await ids("assignee=me", other) == ([], "0")
    bad = await client.get(f"{URL}?assignee=user:a%00b")
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


async def test_an_owner_filter_naming_nobody_finds_nothing(client: httpx.AsyncClient) -> None:
    await report(client)

    response = await client.get(URL, params={"assignee": "olga"})

    assert response.status_code == 200, response.text
    assert response.json() == []
    assert response.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("user:olgaa", "no account named 'olgaa'"),
        ("key:nobody-has-it", "no key named 'nobody-has-it'"),
        ("telegram:\u00b2", "is not one of them"),
        ("telegram:\u0664\u0662", "is not one of them"),
        ("telegram:42 (@\u043e\u043b\u044c\u0433\u0430)", "is not one of them"),
        ("telegram:unknown", "is not one of them"),
        ("system:events", "is not one of them"),
    ],
)
async def test_an_owner_the_registry_does_not_know_is_422_naming_the_three_forms(
    client: httpx.AsyncClient, given: str, why: str
) -> None:
    incident = await report(client)

    response = await client.patch(f"{URL}/{incident['id']}", json={"assignee": given})

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    for words in ("existing console account", "existing API key", "ASCII digits", why):
        assert words in detail, detail
    assert (await client.get(f"{URL}/{incident['id']}")).json()["assignee"] is None


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (" user:Olga ", "user:olga"),
        ("key:OPERATOR", "key:operator"),
        ("telegram:4242", "telegram:4242"),
        ("telegram:4242 (@olga_ops)", "telegram:4242 (@olga_ops)"),
    ],
)
async def test_an_owner_the_registry_knows_is_kept_as_the_trail_names_it(
    client: httpx.AsyncClient, given: str, kept: str
) -> None:
    incident = await report(client)

    response = await client.patch(f"{URL}/{incident['id']}", json={"assignee": given})

    assert response.status_code == 200, response.text
    assert response.json()["assignee"] == kept


async def test_a_bound_key_knows_only_its_own_sources_keys_as_owners(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    await make_key("reporter", source="monitoring", name="watcher")
    await make_key("reporter", source="partner", name="partner-bot")
    async with client_for(await make_key("operator", source="partner")) as partner:
        incident = await report(partner, "Locker 3 jammed", source="partner")
        path = f"{URL}/{incident['id']}"
        elsewhere = await partner.patch(path, json={"assignee": "key:watcher"})
        own = await partner.patch(path, json={"assignee": "key:partner-bot"})

    assert elsewhere.status_code == 422
    assert "no key named 'watcher'" in elsewhere.json()["detail"]
    assert own.status_code == 200, own.text
