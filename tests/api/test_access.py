"""API keys and roles: who gets in, who may do what, and keys that stop working."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import ClientMaker, KeyMaker, report

OPEN_PATHS = {
    "/health",
    "/ready",
    "/metrics",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
}
# The web console: people sign in with a session cookie instead of sending a key.
CONSOLE_SIGN_IN = "/sign-in"
CONSOLE_PATHS = {
    "/",
    CONSOLE_SIGN_IN,
    "/sign-out",
    "/incidents",
    "/incidents/new",
    "/incidents/{incident_id}",
    "/incidents/{incident_id}/status",
    "/incidents/{incident_id}/notes",
}
ROLES = ["reporter", "operator", "admin"]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "1" if m.group(0).endswith("id}") else "somebody", path)


def _api_operations(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves, included routers flattened."""
    try:  # FastAPI >= 0.160 keeps included routers as branches
        from fastapi.routing import iter_route_contexts

        routes = [(ctx.path, ctx.original_route) for ctx in iter_route_contexts(app.routes)]
    except ImportError:
        routes = [(getattr(route, "path", None), route) for route in app.routes]
    return [
        (method, path)
        for path, route in routes
        if path is not None
        for method in sorted(getattr(route, "methods", None) or ())
        if method != "HEAD"
    ]


async def test_every_route_is_either_open_or_needs_a_key(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    operations = _api_operations(app)
    api_checked = 0
    console_checked = 0
    for method, path in operations:
        if path in OPEN_PATHS:
            continue
        if path in CONSOLE_PATHS:
            console_checked += 1
            await _assert_console_needs_a_session(anonymous, method, path)
            continue
        api_checked += 1
        assert path.startswith("/api/"), f"{path} is neither open nor under /api/"
        response = await anonymous.request(method, _concrete(path), json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/unauthenticated"
    assert api_checked >= 8
    assert console_checked == len(CONSOLE_PATHS) + 1  # /sign-in has GET and POST
    for path in OPEN_PATHS - {"/docs/oauth2-redirect"}:
        assert (await anonymous.get(path)).status_code == 200, path


async def _assert_console_needs_a_session(
    anonymous: httpx.AsyncClient, method: str, path: str
) -> None:
    """Without a session a console page sends to the sign-in page, and a form does nothing."""
    response = await anonymous.request(method, _concrete(path), data={"status": "closed"})
    if path == CONSOLE_SIGN_IN:
        # The sign-in page is open; its form without the session's CSRF token is refused.
        assert response.status_code == (200 if method == "GET" else 403), (method, path)
        return
    assert response.status_code == 303, (method, path, response.text)
    assert response.headers["location"].startswith(CONSOLE_SIGN_IN), (method, path)


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


# (method, path, body, least role)
MATRIX: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("POST", "/api/v1/incidents", {"description": "x", "source": "operator"}, "reporter"),
    ("GET", "/api/v1/incidents", None, "reporter"),
    ("GET", "/api/v1/incidents/{id}", None, "reporter"),
    ("GET", "/api/v1/incidents/{id}/events", None, "reporter"),
    ("PATCH", "/api/v1/incidents/{id}", {"description_append": "note"}, "operator"),
    ("POST", "/api/v1/keys", {"name": "new-{role}", "role": "reporter"}, "admin"),
    ("GET", "/api/v1/keys", None, "admin"),
    ("DELETE", "/api/v1/keys/victim-{role}", None, "admin"),
    ("POST", "/api/v1/events", {"action": "trigger", "dedup_key": "k", "summary": "x"}, "reporter"),
    ("POST", "/api/v1/heartbeats/job-{role}", None, "reporter"),
    ("GET", "/api/v1/heartbeats", None, "reporter"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "least"), MATRIX)
async def test_each_role_against_each_endpoint(
    client: httpx.AsyncClient,
    client_for: ClientMaker,
    make_key: KeyMaker,
    role: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    least: str,
) -> None:
    incident = await report(client)
    await make_key("reporter", name=f"victim-{role}")
    url = path.format(id=incident["id"], role=role)
    payload = None if body is None else {k: str(v).format(role=role) for k, v in body.items()}

    async with client_for(await make_key(role)) as actor:
        response = await actor.request(method, url, json=payload)

    if ROLES.index(role) >= ROLES.index(least):
        assert response.status_code < 300, (role, method, url, response.text)
    else:
        assert response.status_code == 403, (role, method, url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "/problems/forbidden"
        assert least in problem["detail"]


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
