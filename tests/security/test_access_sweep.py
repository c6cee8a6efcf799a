"""Every route the app serves, tried by every kind of caller: nobody, a bad, unknown or revoked
key, each role, a console session, and a session's form without its CSRF token.

The routes come from the app itself: a route added later and missing from the tables below
fails the sweep until someone decides who may call it.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from incidents.app import create_app
from incidents.settings import Settings
from tests.conftest import ClientMaker, KeyMaker, report
from tests.reliability.harness import database_kind, record
from tests.security.conftest import LEAKS, operations
from tests.telegram.fake_bot_api import TOKEN
from tests.web.conftest import VERSION, AccountMaker, ConsoleMaker, csrf_of

ROLES = ["reporter", "operator", "admin"]

# Served to anybody: probes, metrics, the API's documentation, the console's static files.
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/docs/redoc.js"),  # ReDoc's script, its footer's logo served here too
    ("GET", "/docs/assets"),  # Swagger UI's and ReDoc's scripts, served here (no CDN)
    ("GET", "/static"),
    ("GET", "/language"),  # the EN / RU switch: a cookie and a redirect, also before sign-in
}

# API routes: the least role that may call each, and a body that role's call succeeds with.
API: dict[tuple[str, str], tuple[str, dict[str, Any] | None]] = {
    ("POST", "/api/v1/incidents"): ("reporter", {"description": "x", "source": "operator"}),
    ("GET", "/api/v1/incidents"): ("reporter", None),
    ("GET", "/api/v1/incidents/{incident_id}"): ("reporter", None),
    ("PATCH", "/api/v1/incidents/{incident_id}"): ("operator", {"description_append": "note"}),
    ("GET", "/api/v1/incidents/{incident_id}/events"): ("reporter", None),
    ("POST", "/api/v1/events"): (
        "reporter",
        {"action": "trigger", "dedup_key": "k-{role}", "summary": "x"},
    ),
    ("POST", "/api/v1/integrations/alertmanager"): (
        "reporter",
        {
            "version": "4",
            "groupKey": "g",
            "status": "firing",
            "receiver": "incidents",
            "groupLabels": {},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager",
            "alerts": [],
        },
    ),
    ("POST", "/api/v1/heartbeats/{name}"): ("reporter", None),
    ("GET", "/api/v1/heartbeats"): ("reporter", None),
    ("GET", "/api/v1/stats"): ("reporter", None),
    ("POST", "/api/v1/keys"): ("admin", {"name": "made-by-{role}", "role": "reporter"}),
    ("GET", "/api/v1/keys"): ("admin", None),
    ("DELETE", "/api/v1/keys/{name}"): ("admin", None),
    # The admin's own subscription (the first and only one made) is the one it ends.
    ("POST", "/api/v1/webhooks"): ("admin", {"url": "http://127.0.0.1:9/hook-{role}"}),
    ("GET", "/api/v1/webhooks"): ("admin", None),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): ("admin", None),
}

# Console routes: the least role whose signed-in form or page succeeds (303 after a form),
# and the form it sends. None: a page anyone signed in may see.
SIGN_IN = ("GET", "/sign-in")
CONSOLE: dict[tuple[str, str], tuple[str, dict[str, str]] | None] = {
    SIGN_IN: None,
    ("POST", "/sign-in"): None,
    ("POST", "/sign-out"): None,
    ("GET", "/"): None,
    ("GET", "/incidents/new"): None,
    ("GET", "/overview"): None,
    ("GET", "/live"): None,
    ("GET", "/incidents/{incident_id}"): None,
    ("POST", "/incidents"): ("reporter", {"description": "from the console", "source": "partner"}),
    ("POST", "/incidents/{incident_id}/status"): ("operator", {"status": "in_progress"}),
    ("POST", "/incidents/{incident_id}/notes"): ("operator", {"note": "console note"}),
    ("POST", "/incidents/{incident_id}/assignee"): ("operator", {"assignee": "me"}),
    ("POST", "/incidents/{incident_id}/dismissal"): ("operator", {"note": "a drill"}),
    # Incident 1 is reported before any route is tried: every other one may fold into it.
    ("POST", "/incidents/{incident_id}/duplicate"): ("operator", {"duplicate_of": "1"}),
}

# Keys that must not get in: none at all, malformed, unknown, and (made in the test) revoked.
STRANGERS: dict[str, dict[str, str]] = {
    "no key": {},
    "empty": {"Authorization": ""},
    "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
    "malformed": {"Authorization": "Bearer nonsense"},
    "unknown": {"Authorization": "Bearer inc_000000000000_not-a-real-secret"},
}


def _concrete(path: str, incident_id: int, role: str) -> str:
    return (
        path.replace("{incident_id}", str(incident_id))
        .replace("/heartbeats/{name}", f"/heartbeats/job-{role}")
        .replace("/keys/{name}", f"/keys/victim-{role}")
        .replace("{webhook_id}", "1")
        .replace("/static", "/static/console.css")
    )


def _filled(body: dict[str, Any] | None, role: str) -> dict[str, Any] | None:
    if body is None:
        return None
    return {k: v.format(role=role) if isinstance(v, str) else v for k, v in body.items()}


def test_every_route_is_in_exactly_one_table(app: FastAPI) -> None:
    served = set(operations(app))
    tables = [PUBLIC, set(API), set(CONSOLE)]
    unlisted = served - set().union(*tables)
    assert not unlisted, f"decide who may call these, then list them here: {sorted(unlisted)}"
    assert not set().union(*tables) - served, "the tables name routes the app no longer serves"
    assert not PUBLIC & set(API)
    assert not set(API) & set(CONSOLE)
    for method, path in served - PUBLIC:
        assert path.startswith("/api/") == ((method, path) in API), (method, path)


async def test_every_api_route_by_every_caller(
    database_url: str,
    app: FastAPI,
    client: httpx.AsyncClient,
    client_for: ClientMaker,
    make_key: KeyMaker,
) -> None:
    incident = await report(client)
    revoked = await make_key("admin", name="revoked-admin")
    async with client_for(await make_key("admin")) as admin:
        assert (await admin.delete("/api/v1/keys/revoked-admin")).status_code == 204
    keys = {role: await make_key(role) for role in ROLES}
    for role in ROLES:
        await make_key("reporter", name=f"victim-{role}")
    callers = {
        **STRANGERS,
        "revoked": {"Authorization": f"Bearer {revoked}"},
        **{role: {"Authorization": f"Bearer {secret}"} for role, secret in keys.items()},
    }
    tried = 0
    async with client_for() as http:
        for method, path in operations(app):
            if (method, path) not in API:
                continue
            least, body = API[(method, path)]
            for caller, headers in callers.items():
                role = caller if caller in ROLES else "reporter"
                url = _concrete(path, incident["id"], role)
                response = await http.request(
                    method, url, json=_filled(body, role), headers=headers
                )
                tried += 1
                where = (caller, method, url, response.status_code, response.text[:300])
                assert not LEAKS.search(response.text), where
                if caller not in ROLES:
                    assert response.status_code == 401, where
                    assert response.headers["WWW-Authenticate"].startswith("Bearer"), where
                    assert response.headers["content-type"] == "application/problem+json", where
                    assert response.json()["type"] == "/problems/unauthenticated", where
                elif ROLES.index(caller) >= ROLES.index(least):
                    assert response.status_code < 300, where
                else:
                    assert response.status_code == 403, where
                    assert response.headers["content-type"] == "application/problem+json", where
                    assert response.json()["type"] == "/problems/forbidden", where
                    assert least in response.json()["detail"], where
    # 16 API operations x 9 callers, each answered as the role rules say.
    assert tried == len(API) * len(callers) == 144
    record(
        "access: API routes x callers", database_kind(database_url), requests=tried, server_errors=0
    )


async def test_a_session_does_not_open_the_api_nor_a_key_the_console(
    client_for: ClientMaker,
    make_key: KeyMaker,
    open_console: ConsoleMaker,
    make_account: AccountMaker,
) -> None:
    console = await open_console(await make_account("admin"))
    assert (await console.get("/api/v1/incidents")).status_code == 401
    async with client_for(await make_key("admin")) as keyed:
        page = await keyed.get("/")
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in"


async def test_every_console_route_by_every_caller(
    database_url: str,
    app: FastAPI,
    client: httpx.AsyncClient,
    open_console: ConsoleMaker,
    make_account: AccountMaker,
) -> None:
    sessions = {role: await open_console(await make_account(role)) for role in ROLES}
    tried = 0
    # Signing out ends the session the other routes use: it goes last.
    for method, path in sorted(operations(app), key=lambda op: op[1] == "/sign-out"):
        if (method, path) not in CONSOLE:
            continue
        incident = await report(client)
        tried += await _without_a_session(open_console, method, path, incident["id"])
        if path == "/sign-in":
            continue
        for role, console in sessions.items():
            tried += await _as(console, role, method, path, incident["id"])
    assert tried > 5 * len(CONSOLE)
    record(
        "access: console routes x callers",
        database_kind(database_url),
        requests=tried,
        server_errors=0,
    )


async def _without_a_session(
    open_console: ConsoleMaker, method: str, path: str, incident_id: int
) -> int:
    """Without a session a page sends to the sign-in page and a form does nothing; a key
    changes nothing."""
    rule = CONSOLE[(method, path)]
    url = _concrete(path, incident_id, "reporter")
    form = {} if rule is None else rule[1]
    stranger = await open_console()
    for headers in ({}, {"Authorization": "Bearer inc_000000000000_x"}):
        response = await stranger.request(method, url, data=form, headers=headers)
        if path == "/sign-in":
            # Open, but its form without the CSRF token of the session that loaded it is refused.
            assert response.status_code == (200 if method == "GET" else 403), (method, path)
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/sign-in"), (method, path)
    return 2


async def _as(console: httpx.AsyncClient, role: str, method: str, path: str, number: int) -> int:
    """A signed-in role: a form without the session's CSRF token is refused (403), and with
    it the role rules decide."""
    rule = CONSOLE[(method, path)]
    url = _concrete(path, number, role)
    page = await console.get(f"/incidents/{number}")
    # A reporter's page has no forms that change the incident: it carries no version.
    version = VERSION.search(page.text)
    fields = {} if rule is None else {**rule[1], "version": version.group(1) if version else "1"}
    tried = 0
    if method == "POST":
        forged = await console.post(url, data=fields)
        tried += 1
        assert forged.status_code == 403, (role, method, path, forged.text[:300])
        assert not LEAKS.search(forged.text)
        fields["csrf_token"] = csrf_of(page)
    response = await console.request(method, url, data=fields if method == "POST" else None)
    tried += 1
    where = (role, method, url, response.status_code, response.text[:300])
    assert not LEAKS.search(response.text), where
    if rule is None or ROLES.index(role) >= ROLES.index(rule[0]):
        assert response.status_code in (200, 303), where
    else:
        assert response.status_code == 403, where
    return tried


async def test_the_telegram_webhook_needs_its_secret(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        telegram_token=TOKEN,
        telegram_webhook_url="https://bot.example.org/telegram/hook",
        telegram_webhook_secret="s3cret-token",
        _env_file=None,
    )
    app = create_app(settings)
    extra = set(operations(app)) - PUBLIC - set(API) - set(CONSOLE)
    assert len(extra) == 1, extra
    [(method, path)] = extra
    update = {"update_id": 1}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for secret in (None, "", "wrong", "s3cret-token "):
            headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
            refused = await http.request(method, path, json=update, headers=headers)
            assert refused.status_code == 403, (secret, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
    await app.state.runtime.close()
