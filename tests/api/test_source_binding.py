"""A key bound to a source acts only on its source's incidents, and makes only keys like it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import ClientMaker, KeyMaker, report

PROBLEM = "application/problem+json"


def _refused_for_binding(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["type"] == "/problems/source-not-allowed"
    assert "bound to the source `partner`" in problem["detail"], problem


async def test_a_bound_operator_changes_only_its_sources_incidents(
    client_for: ClientMaker, make_key: KeyMaker, client: httpx.AsyncClient
) -> None:
    monitored = await report(client, "Scooter #7 offline", source="monitoring")
    own = await report(client, "Locker 3 jammed", source="partner")
    path = f"/api/v1/incidents/{monitored['id']}"
    async with client_for(await make_key("operator", source="partner")) as partner:
        for body in (
            {"status": "in_progress"},
            {"description_append": "Seen by the partner"},
            {"status": "in_progress", "description_append": "both"},
        ):
            _refused_for_binding(await partner.patch(path, json=body))
        # Even a change that would change nothing, or one with a matching If-Match.
        same = {"status": "new"}
        _refused_for_binding(await partner.patch(path, json=same, headers={"If-Match": '"1"'}))
        _refused_for_binding(await partner.get(path))
        _refused_for_binding(await partner.get(f"{path}/events"))
        taken = await partner.patch(
            f"/api/v1/incidents/{own['id']}", json={"status": "in_progress"}
        )
        assert taken.status_code == 200, taken.text
        assert (await partner.get(f"/api/v1/incidents/{own['id']}/events")).status_code == 200

    untouched = (await client.get(path)).json()
    assert (untouched["status"], untouched["version"]) == ("new", 1)
    trail = (await client.get(f"{path}/events")).json()
    assert [event["kind"] for event in trail] == ["created"]


async def test_a_bound_key_lists_only_its_source(
    client_for: ClientMaker, make_key: KeyMaker, client: httpx.AsyncClient
) -> None:
    for source in ("monitoring", "partner", "operator", "partner"):
        await report(client, f"Pickup point for {source}", source=source)
    async with client_for(await make_key("reporter", source="partner")) as partner:
        everything = await partner.get("/api/v1/incidents")
        asked_other = await partner.get("/api/v1/incidents", params={"source": "monitoring"})
        asked_both = await partner.get(
            "/api/v1/incidents", params={"source": ["monitoring", "partner"], "q": "pickup"}
        )
        by_cursor = await partner.get("/api/v1/incidents", params={"limit": 1})
        cursor = by_cursor.headers["X-Next-Cursor"]
        next_page = await partner.get("/api/v1/incidents", params={"limit": 1, "cursor": cursor})

    assert {item["source"] for item in everything.json()} == {"partner"}
    assert everything.headers["X-Total-Count"] == "2"
    assert asked_other.json() == []
    assert asked_other.headers["X-Total-Count"] == "0"
    assert [item["source"] for item in asked_both.json()] == ["partner", "partner"]
    assert asked_both.headers["X-Total-Count"] == "2"
    assert next_page.json()[0]["source"] == "partner"
    assert "X-Next-Cursor" not in next_page.headers


async def test_heartbeats_show_only_to_keys_of_their_source(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    async with (
        client_for(await make_key("reporter", source="monitoring")) as monitoring,
        client_for(await make_key("reporter", source="partner")) as partner,
    ):
        checked_in = await monitoring.post("/api/v1/heartbeats/nightly-report", json={})
        assert checked_in.status_code == 200, checked_in.text
        assert [beat["name"] for beat in (await monitoring.get("/api/v1/heartbeats")).json()] == [
            "nightly-report"
        ]
        listed = await partner.get("/api/v1/heartbeats")
        assert listed.status_code == 200
        assert listed.json() == []
        _refused_for_binding(await partner.post("/api/v1/heartbeats/nightly-report", json={}))


async def test_a_bound_admin_makes_only_keys_bound_to_its_source(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    await make_key("admin", name="unbound-admin")
    async with client_for(await make_key("admin", source="partner", name="partner-admin")) as admin:
        for body in (
            {"name": "escape", "role": "reporter", "source": None},
            {"name": "elsewhere", "role": "reporter", "source": "monitoring"},
        ):
            _refused_for_binding(await admin.post("/api/v1/keys", json=body))
        made = await admin.post(
            "/api/v1/keys", json={"name": "partner-bot", "role": "operator", "source": "partner"}
        )
        assert made.status_code == 201, made.text
        assert made.json()["source"] == "partner"
        # Without `source`, the new key takes the maker's binding, never none.
        defaulted = await admin.post("/api/v1/keys", json={"name": "partner-ops", "role": "admin"})
        assert defaulted.status_code == 201, defaulted.text
        assert defaulted.json()["source"] == "partner"
        listed = await admin.get("/api/v1/keys")
        assert {key["name"] for key in listed.json()} == {
            "partner-admin",
            "partner-bot",
            "partner-ops",
        }
        assert (await admin.delete("/api/v1/keys/unbound-admin")).status_code == 404
        assert (await admin.delete("/api/v1/keys/partner-bot")).status_code == 204

    async with client_for(await make_key("admin")) as unbound:
        names = {key["name"]: key for key in (await unbound.get("/api/v1/keys")).json()}
    assert "escape" not in names
    assert "elsewhere" not in names
    assert names["unbound-admin"]["revoked_at"] is None
    assert names["partner-bot"]["revoked_at"] is not None
