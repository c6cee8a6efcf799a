"""API keys and roles: who gets in, who may do what, and keys that stop working."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ClientMaker, KeyMaker

# Which route each caller may reach is swept in tests/security/test_access_sweep.py.


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer nonsense",
        "Bearer inc_000000000000_not-a-real-secret",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "",
    ],
)
async def test_bad_credentials_are_401(client_for: ClientMaker, authorization: str) -> None:
    async with client_for() as anonymous:
        response = await anonymous.get(
            "/api/v1/incidents", headers={"Authorization": authorization}
        )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_key_with_a_right_lookup_and_wrong_secret_is_refused(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    secret = await make_key("admin")
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    async with client_for(forged) as forger:
        assert (await forger.get("/api/v1/incidents")).status_code == 401


async def test_a_key_bound_to_a_source_reports_only_that_source(
    client_for: ClientMaker, make_key: KeyMaker, client: httpx.AsyncClient
) -> None:
    async with client_for(await make_key("reporter", source="partner")) as partner:
        allowed = await partner.post(
            "/api/v1/incidents", json={"description": "Locker 3 jammed", "source": "PARTNER"}
        )
        refused = await partner.post(
            "/api/v1/incidents", json={"description": "Locker 3 jammed", "source": "monitoring"}
        )

    assert allowed.status_code == 201
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/source-not-allowed"
    assert "partner" in refused.json()["detail"]
    assert (await client.get("/api/v1/incidents")).headers["X-Total-Count"] == "1"


async def test_revocation_takes_effect_at_once(client_for: ClientMaker, make_key: KeyMaker) -> None:
    async with (
        client_for(await make_key("admin")) as admin,
        client_for(await make_key("operator", name="leaving")) as leaving,
    ):
        assert (await leaving.get("/api/v1/incidents")).status_code == 200

        revoked = await admin.delete("/api/v1/keys/leaving")
        assert revoked.status_code == 204

        response = await leaving.get("/api/v1/incidents")
        assert response.status_code == 401
        assert "revoked" in response.json()["detail"]
        assert (await admin.delete("/api/v1/keys/leaving")).status_code == 204
        listed = {key["name"]: key for key in (await admin.get("/api/v1/keys")).json()}
        assert listed["leaving"]["revoked_at"] is not None


async def test_keys_over_http(client_for: ClientMaker, make_key: KeyMaker) -> None:
    admin_secret = await make_key("admin", name="root")
    async with client_for(admin_secret) as admin:
        made = await admin.post(
            "/api/v1/keys", json={"name": "partner-acme", "role": "reporter", "source": "partner"}
        )
        assert made.status_code == 201
        issued = made.json()
        assert issued["name"] == "partner-acme"
        assert issued["role"] == "reporter"
        assert issued["source"] == "partner"
        assert issued["created_by"] == "key:root"
        assert issued["secret"].startswith("inc_")

        duplicate = await admin.post("/api/v1/keys", json={"name": "partner-acme", "role": "admin"})
        assert duplicate.status_code == 409
        assert duplicate.json()["type"] == "/problems/name-taken"

        listed = await admin.get("/api/v1/keys")
        text = listed.text
        assert issued["secret"] not in text
        assert admin_secret not in text
        assert "hash" not in text
        assert {key["name"] for key in listed.json()} == {"root", "partner-acme"}
        root = next(key for key in listed.json() if key["name"] == "root")
        assert root["last_used_at"] is not None

        assert (await admin.delete("/api/v1/keys/nobody")).status_code == 404

    async with client_for(issued["secret"]) as partner:
        response = await partner.post(
            "/api/v1/incidents", json={"description": "x", "source": "partner"}
        )
        assert response.status_code == 201
        assert response.json()["created_by"] == "key:partner-acme"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "role": "reporter"},
        {"name": "has space", "role": "reporter"},
        {"name": "x" * 65, "role": "reporter"},
        {"name": "ok", "role": "root"},
        {"name": "ok", "role": "reporter", "source": "customer"},
        {"name": "ok", "role": "reporter", "secret": "mine"},
    ],
)
async def test_bad_key_requests_are_422(
    client_for: ClientMaker, make_key: KeyMaker, body: dict[str, str]
) -> None:
    async with client_for(await make_key("admin")) as admin:
        response = await admin.post("/api/v1/keys", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("name", ["a%00b", "..", "has%20space", "x" * 65])
async def test_revoking_an_impossible_key_name_is_422(
    client_for: ClientMaker, make_key: KeyMaker, name: str
) -> None:
    async with client_for(await make_key("admin")) as admin:
        response = await admin.delete(f"/api/v1/keys/{name}")
    assert response.status_code in (404, 422)
    assert response.headers["content-type"] == "application/problem+json"
