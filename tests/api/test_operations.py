"""Health, readiness, metrics and the API's own documentation."""

from __future__ import annotations

import time

import httpx
import pytest

from incidents.app import create_app
from incidents.settings import Settings
from tests.conftest import report

UNREACHABLE = {
    "sqlite": "sqlite+aiosqlite:////proc/no-such-folder/incidents.db",
    "postgresql": "postgresql+asyncpg://postgres@127.0.0.1:1/incidents",
}


async def test_health_is_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
async def test_unreachable_database(kind: str) -> None:
    app = create_app(Settings(database_url=UNREACHABLE[kind], _env_file=None))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        started = time.monotonic()
        ready = await client.get("/ready")
        health = await client.get("/health")
        # A well-formed key must be looked up, which needs the database.
        listed = await client.get(
            "/api/v1/incidents", headers={"Authorization": "Bearer inc_0123456789ab_secret"}
        )
        elapsed = time.monotonic() - started

    assert ready.status_code == 503
    assert health.status_code == 200
    assert listed.status_code == 503
    assert listed.headers["content-type"] == "application/problem+json"
    assert listed.headers["Retry-After"]
    assert listed.json()["type"] == "/problems/storage-unavailable"
    assert elapsed < 15
    await app.state.runtime.close()


async def test_metrics_count_requests_by_route_template_and_incidents_by_status(
    client: httpx.AsyncClient,
) -> None:
    first = await report(client)
    await report(client)
    await client.patch(f"/api/v1/incidents/{first['id']}", json={"status": "in_progress"})
    await client.get("/api/v1/incidents/999999")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'incidents_http_requests_total{method="POST",route="/api/v1/incidents",status="201"} 2.0'
        in text
    )
    assert (
        'incidents_http_requests_total{method="GET",route="/api/v1/incidents/{incident_id}",'
        'status="404"} 1.0' in text
    )
    assert "incidents_http_request_duration_seconds_bucket{" in text
    assert 'incidents_by_status{status="new"} 1.0' in text
    assert 'incidents_by_status{status="in_progress"} 1.0' in text
    assert 'incidents_by_status{status="closed"} 0.0' in text


async def test_unmatched_paths_share_one_metric_label(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await client.get(f"/scanner/probe-{n}")
    text = (await client.get("/metrics")).text
    assert 'route="unmatched",status="404"} 3.0' in text
    assert "probe-" not in text


async def test_openapi_documents_every_endpoint_and_its_errors(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]

    assert set(paths) >= {
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}",
        "/health",
        "/ready",
        "/metrics",
    }
    create = paths["/api/v1/incidents"]["post"]
    assert {"201", "422"} <= set(create["responses"])
    assert "application/problem+json" in create["responses"]["422"]["content"]
    change = paths["/api/v1/incidents/{incident_id}"]["patch"]
    assert {"200", "404", "409", "412", "422"} <= set(change["responses"])
    schemas = spec["components"]["schemas"]
    assert schemas["IncidentCreate"]["examples"]
    assert schemas["IncidentCreate"]["additionalProperties"] is False


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_documentation_pages_are_served(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]


PREFLIGHT = {"Origin": "https://ops.example.org", "Access-Control-Request-Method": "PATCH"}


async def test_cors_is_closed_by_default(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/incidents/1", "/api/v1/keys", "/", "/sign-in"):
        response = await client.options(path, headers=PREFLIGHT)
        assert "access-control-allow-origin" not in response.headers, path
        simple = await client.get(path, headers={"Origin": "https://ops.example.org"})
        assert not [h for h in simple.headers if h.startswith("access-control-")], path


async def test_cors_opens_to_configured_origins(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ("https://ops.example.org",)}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        allowed = await client.options("/api/v1/incidents/1", headers=PREFLIGHT)
        other = await client.options(
            "/api/v1/incidents/1", headers={**PREFLIGHT, "Origin": "https://evil.example"}
        )
        simple = await client.get("/health", headers={"Origin": "https://ops.example.org"})
        stranger = await client.get("/health", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://ops.example.org"
    assert "access-control-allow-credentials" not in allowed.headers
    assert "access-control-allow-origin" not in other.headers
    assert simple.headers["access-control-allow-origin"] == "https://ops.example.org"
    assert "access-control-allow-origin" not in stranger.headers
    await app.state.runtime.close()


def test_cors_origins_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENTS_CORS_ORIGINS", " https://a.example , https://b.example,")
    assert Settings(_env_file=None).cors_origins == ("https://a.example", "https://b.example")
    monkeypatch.setenv("INCIDENTS_CORS_ORIGINS", "")
    assert Settings(_env_file=None).cors_origins == ()
