"""Every answer is kept from sniffing and caching, and request ids are the server's own."""

from __future__ import annotations

import httpx

from tests.conftest import ClientMaker, KeyMaker, report


async def test_every_api_answer_says_nosniff_and_no_store(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await report(client)
    answers = [
        await client.get("/api/v1/incidents"),
        await client.get(f"/api/v1/incidents/{created['id']}"),
        await client.get(f"/api/v1/incidents/{created['id']}/events"),
        await client.patch(f"/api/v1/incidents/{created['id']}", json={"status": "closed"}),
        await client.post("/api/v1/incidents", content=b"x" * 300_000),  # 413 from middleware
        await client.get("/api/v1/incidents", headers={"X-Many": "y" * 40_000}),  # 431
        await client.get("/api/v1/nothing-here"),
        await anonymous.get("/api/v1/incidents"),
        await anonymous.get("/health"),
        await anonymous.get("/openapi.json"),
        await anonymous.get("/metrics"),
    ]
    for answer in answers:
        where = (answer.request.method, answer.request.url.path, answer.status_code)
        assert answer.headers["X-Content-Type-Options"] == "nosniff", where
        assert answer.headers["Cache-Control"] == "no-store", where
    assert {answer.status_code for answer in answers} >= {200, 401, 404, 409, 413, 431}


async def test_a_clients_request_id_is_kept_beside_the_servers(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    async with client_for(await make_key("operator")) as http:
        ids = []
        for _ in range(2):  # the same id sent twice, as a client reusing another's would
            created = await http.post(
                "/api/v1/incidents",
                json={"description": "Locker 3 jammed", "source": "partner"},
                headers={"X-Request-ID": "copied-request-id"},
            )
            assert created.status_code == 201
            assert created.headers["X-Request-ID"] != "copied-request-id"
            assert created.headers["X-Client-Request-ID"] == "copied-request-id"
            [event] = (await http.get(f"{created.headers['Location']}/events")).json()
            assert event["request_id"] == created.headers["X-Request-ID"]
            assert event["client_request_id"] == "copied-request-id"
            ids.append(event["request_id"])
        unnamed = await http.get("/api/v1/incidents", headers={"X-Request-ID": "bad id\t!"})
    assert ids[0] != ids[1]
    assert "X-Client-Request-ID" not in unnamed.headers
    assert len(unnamed.headers["X-Request-ID"]) == 32
