"""The binding answers first: a bound key learns nothing of another source's incidents or
keys, whatever else its request gets wrong."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ClientMaker, KeyMaker, report

URL = "/api/v1/incidents"


def _refused_for_binding(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/source-not-allowed", response.text


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"status": "bogus"}, {}),
        ({"sttus": "in_progress"}, {}),
        ('{"status": ', {"Content-Type": "application/json"}),
        ("[" * 100_000, {"Content-Type": "application/json"}),
        (b"\xff\xfe", {"Content-Type": "application/json"}),
        ({"status": "in_progress"}, {"If-Match": "2"}),
        ({"status": "in_progress"}, {"If-Match": '"99"'}),
        ({"resolution": "duplicate"}, {}),
        ({"duplicate_of": 1}, {}),
        ({"status": "closed", "resolution": "duplicate", "duplicate_of": 999_999}, {}),
        ({"assignee": "nobody-form"}, {}),
        ({"description_append": "\x00"}, {}),
    ],
)
async def test_another_sources_incident_is_403_whatever_else_is_wrong(
    client: httpx.AsyncClient,
    client_for: ClientMaker,
    make_key: KeyMaker,
    body: Any,
    headers: dict[str, str],
) -> None:
    theirs = await report(client, "Scooter 7 offline", source="monitoring")
    path = f"{URL}/{theirs['id']}"
    async with client_for(await make_key("operator", source="partner")) as partner:
        if isinstance(body, dict):
            answer = await partner.patch(path, json=body, headers=headers)
        else:
            answer = await partner.patch(path, content=body, headers=headers)
        _refused_for_binding(answer)
        _refused_for_binding(await partner.get(f"{path}/events", params={"limit": 0}))
        _refused_for_binding(await partner.get(path, params={"statuss": "new"}))
    assert (await client.get(path)).json()["version"] == 1


async def test_duplicate_of_tells_nothing_of_another_sources_incidents(
    client: httpx.AsyncClient, client_for: ClientMaker, make_key: KeyMaker
) -> None:
    async with client_for(await make_key("operator", source="partner")) as partner:
        own = await report(partner, "Locker 3 jammed", source="partner")
        theirs = await report(client, "Locker 3 offline", source="monitoring")
        # Monitoring's incident folded into the partner's: the partner's fold into it would
        # be a cycle (409), which told the partner where monitoring's incident went.
        folded = await client.patch(
            f"{URL}/{theirs['id']}",
            json={"status": "closed", "resolution": "duplicate", "duplicate_of": own["id"]},
        )
        assert folded.status_code == 200, folded.text
        back = {"status": "closed", "resolution": "duplicate", "duplicate_of": theirs["id"]}
        _refused_for_binding(await partner.patch(f"{URL}/{own['id']}", json=back))
        open_one = await report(client, "Locker 4 offline", source="monitoring")
        into = {**back, "duplicate_of": open_one["id"]}
        _refused_for_binding(await partner.patch(f"{URL}/{own['id']}", json=into))
        # Its own source's mistakes are still told as such.
        missing = {**back, "duplicate_of": 999_999}
        assert (await partner.patch(f"{URL}/{own['id']}", json=missing)).status_code == 422


async def test_a_bound_admin_gets_404_for_another_sources_key_as_for_a_missing_one(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    await make_key("reporter", source="monitoring", name="watcher")
    await make_key("reporter", name="unbound-bot")
    async with client_for(await make_key("admin", source="partner", name="p-admin")) as admin:
        answers = {
            name: await admin.delete(f"/api/v1/keys/{name}")
            for name in ("watcher", "unbound-bot", "never-made")
        }
    shapes = {
        name: (answer.status_code, answer.json()["type"], answer.json()["detail"])
        for name, answer in answers.items()
    }
    shapes = {name: (*shape[:2], shape[2].replace(name, "…")) for name, shape in shapes.items()}
    assert shapes["watcher"] == shapes["never-made"] == shapes["unbound-bot"], shapes
    assert shapes["never-made"][0] == 404
    async with client_for(await make_key("admin")) as unbound:
        listed = {key["name"]: key for key in (await unbound.get("/api/v1/keys")).json()}
    assert listed["watcher"]["revoked_at"] is None
