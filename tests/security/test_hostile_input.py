"""Hostile input on every route: odd ids, broken and enormous bodies, odd query values.

Whatever comes in, the answer is a 4xx problem+json (or, for the console, a page): never a
5xx, never a stack trace. The routes and their parameters come from the app itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import ClientMaker, KeyMaker, report
from tests.reliability.harness import database_kind, record
from tests.security.conftest import LEAKS, id_parameters, operations
from tests.security.test_access_sweep import API
from tests.web.conftest import AccountMaker, ConsoleMaker, csrf_of

IDS = [
    "-1",
    "0",
    str(2**31),
    str(2**63),
    str(2**64),
    "9" * 100,
    "abc",
    "1.5",
    "1e3",
    "0x10",
    "%00",
    "%FF",
    "%2e%2e",
    "%20",
    "١",  # an Arabic-Indic digit one
    "<script>",
]
# Strings put in every text field of a body in turn.
HOSTILE_STRINGS = ["", " ", "\u0000", "a\u0000b", "\ud800", "\udfff x", "x" * 70_000, "\u202e"]
# Raw bodies that are not what any route takes.
RAW_BODIES = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'"text"',
    b"\xff\xfe\xfd",
    b'{"a": "\xff"}',
    b"\x00\x00\x00",
    b"[" * 30_000 + b"]" * 30_000,
    b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    b"[" * 100_000,
    b"[" * 300_000,
    b"[" + b"1," * 20_000 + b"1]",
    b'{"a": 1e999}',
    b'{"a": NaN}',
    b'{"a": -Infinity}',
    b'{"a": ' + b"9" * 5_000 + b"}",
    b"x" * 70_000,
]
# Sent as they are, so "%FF" arrives as a byte that is no UTF-8; "%ED%A0%80" is a surrogate.
QUERY_VALUES = ["-1", "0", str(2**64), "abc", "1.5", "%00", "%FF", "%ED%A0%80", "x" * 4_000, "'--"]


def _problem(response: httpx.Response, where: object) -> None:
    """A refusal of the API: 4xx, problem+json with a type, and nothing of the server's insides."""
    assert 400 <= response.status_code < 500, where
    assert response.headers["content-type"] == "application/problem+json", where
    assert response.json()["type"].startswith("/problems/"), where
    assert not LEAKS.search(response.text), where


def _not_a_failure(response: httpx.Response, where: object) -> None:
    assert response.status_code < 500, where
    assert not LEAKS.search(response.text), where
    if response.status_code >= 400 and response.request.url.path.startswith("/api/"):
        _problem(response, where)


async def _send_json(http: httpx.AsyncClient, method: str, url: str, body: Any) -> httpx.Response:
    """`body` as JSON with every non-ASCII character escaped, lone surrogates included."""
    content = json.dumps(body).encode()
    return await http.request(
        method, url, content=content, headers={"Content-Type": "application/json"}
    )


def _substituted(path: str, value: str) -> str:
    for name in id_parameters(path):
        path = path.replace(f"{{{name}}}", value)
    return path


async def test_odd_ids_on_every_route_that_takes_one(
    database_url: str,
    app: FastAPI,
    client_for: ClientMaker,
    make_key: KeyMaker,
    open_console: ConsoleMaker,
    make_account: AccountMaker,
) -> None:
    console = await open_console(await make_account("admin"))
    csrf = csrf_of(await console.get("/incidents/new"))
    taking = [(m, p) for m, p in operations(app) if id_parameters(p)]
    assert len(taking) >= 8, taking
    tried = 0
    async with client_for(await make_key("admin")) as admin:
        await report(admin)
        for method, path in taking:
            for raw in IDS:
                url = _substituted(path, raw)
                if path.startswith("/api/"):
                    body = {"description_append": "n"} if method == "PATCH" else None
                    response = await admin.request(method, url, json=body)
                else:
                    form = {"csrf_token": csrf, "status": "closed", "note": "n", "version": "1"}
                    response = await console.request(
                        method, url, data=form if method == "POST" else None
                    )
                tried += 1
                _not_a_failure(response, (method, url, response.status_code, response.text[:300]))
                if "incident_id" in path:
                    assert response.status_code in (404, 422), (method, url)
    record("hostile-input: odd ids", database_kind(database_url), requests=tried, server_errors=0)
    assert tried == len(taking) * len(IDS)


def _text_fields(body: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where the strings of a JSON body are, as paths of keys."""
    if isinstance(body, str):
        yield at
    elif isinstance(body, dict):
        for key, value in body.items():
            yield from _text_fields(value, (*at, key))


def _replaced(body: Any, at: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(body))
    holder = copy
    for key in at[:-1]:
        holder = holder[key]
    holder[at[-1]] = value
    return copy


async def test_hostile_bodies_on_every_route_that_takes_one(
    database_url: str, app: FastAPI, client_for: ClientMaker, make_key: KeyMaker
) -> None:
    tried = 0
    async with client_for(await make_key("admin")) as admin:
        incident = await report(admin)
        for (method, path), (_least, valid) in API.items():
            if valid is None:
                continue
            url = path.replace("{incident_id}", str(incident["id"]))
            for raw in RAW_BODIES:
                response = await admin.request(
                    method, url, content=raw, headers={"Content-Type": "application/json"}
                )
                tried += 1
                sent = (method, url, raw[:40], response.status_code, response.text[:300])
                _not_a_failure(response, sent)
                if len(raw) > 262_144 and "alertmanager" not in url:
                    assert response.status_code == 413, sent
            for at in _text_fields(valid):
                for text in HOSTILE_STRINGS:
                    body = _replaced(valid, at, text)
                    response = await _send_json(admin, method, url, body)
                    tried += 1
                    where = (method, url, at, text[:20], response.status_code, response.text[:300])
                    _not_a_failure(response, where)
                    unstorable = "\u0000" in text or "\ud800" in text or "\udfff" in text
                    # Alertmanager's envelope is read, not kept: only its alerts are stored.
                    if unstorable and "alertmanager" not in url:
                        assert response.status_code == 422, where
    assert tried >= len(RAW_BODIES) * 5  # every route that takes a body, at least
    # Every answer above encoded: a stored value that can not be encoded would break this.
    async with client_for(await make_key("admin")) as admin:
        for path in ("/api/v1/incidents", "/api/v1/heartbeats", "/api/v1/keys"):
            assert (await admin.get(path)).status_code == 200, path
    record("hostile-input: bodies", database_kind(database_url), requests=tried, server_errors=0)


async def test_details_that_are_not_text_are_refused_and_the_list_still_reads(
    client: httpx.AsyncClient,
) -> None:
    for details in ({"a": "\ud800"}, {"\udfff": 1}, {"a": [{"b": "x\udc80y"}]}):
        body = {"action": "trigger", "dedup_key": "k", "summary": "x", "details": details}
        response = await _send_json(client, "POST", "/api/v1/events", body)
        _problem(response, details)
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "details"]
    listed = await client.get("/api/v1/incidents")
    assert listed.status_code == 200
    assert listed.json() == []


async def test_odd_query_values_on_every_listing(
    database_url: str,
    app: FastAPI,
    client_for: ClientMaker,
    make_key: KeyMaker,
    open_console: ConsoleMaker,
    make_account: AccountMaker,
) -> None:
    spec = app.openapi()
    tried = 0
    async with client_for(await make_key("admin")) as admin:
        incident = await report(admin)
        for path, operations_ in spec["paths"].items():
            for method, operation in operations_.items():
                names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
                url = path.replace("{incident_id}", str(incident["id"]))
                url = url.replace("{name}", "nightly")
                for name in names:
                    for value in QUERY_VALUES:
                        response = await admin.request(method, f"{url}?{name}={value}")
                        tried += 1
                        where = (method, url, name, value[:20], response.status_code)
                        _not_a_failure(response, (*where, response.text[:300]))
    assert tried >= 9 * len(QUERY_VALUES)
    console = await open_console(await make_account("reporter"))
    for name in ("q", "status", "source", "page"):
        for value in QUERY_VALUES:
            response = await console.get(f"/?{name}={value}")
            tried += 1
            assert response.status_code in (200, 422), (name, value, response.status_code)
            assert not LEAKS.search(response.text)
    record(
        "hostile-input: query values", database_kind(database_url), requests=tried, server_errors=0
    )


async def test_metrics_labels_stay_route_templates(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    incident = await report(client)
    odd = [
        f"/api/v1/incidents/{incident['id']}%0a%23%20evil",
        '/api/v1/incidents/1"}evil{',
        "/api/v1/keys/x%22%7D%20evil",
        "/%3Cscript%3E",
        "/static/..%2f..%2fetc%2fpasswd",
        "/incidents/1\\n",
    ]
    for path in odd:
        for http in (client, anonymous):
            assert (await http.get(path)).status_code < 500, path
    text = (await anonymous.get("/metrics")).text
    routes = set(re.findall(r'route="((?:[^"\\]|\\.)*)"', text))
    templates = {path for _method, path in operations(app)}
    assert routes <= templates | {"unmatched"}, routes - templates
    assert "evil" not in text
    assert "script" not in text
