"""Injection and markup: stored verbatim, answered verbatim by the API, escaped in the console.

(The bot's side is tests/telegram/test_hostile_text.py; metrics labels are route templates,
tests/security/test_hostile_input.py.)
"""

from __future__ import annotations

import html
import json

import httpx

from tests.security.conftest import LEAKS
from tests.web.conftest import AccountMaker, ConsoleMaker, csrf_of

HOSTILE = [
    "'; DROP TABLE incidents; --",
    "1' OR '1'='1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} {% raw %}",
    '" onmouseover="x',
    "</textarea><b>bold</b>",
    "\u202eevil\u202c \u200b\u200d zero-width \u2066rtl\u2069",
    "emoji 🚨🔥 and ％ ＜script＞",
    "back\\slash % _ wild",
]


async def test_hostile_text_is_kept_verbatim_and_escaped_in_pages(
    client: httpx.AsyncClient, open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    console = await open_console(await make_account("operator"))
    for text in HOSTILE:
        created = await client.post(
            "/api/v1/incidents", json={"description": text, "source": "operator"}
        )
        assert created.status_code == 201, created.text
        incident = created.json()
        assert incident["description"] == text
        noted = await client.patch(
            f"/api/v1/incidents/{incident['id']}", json={"description_append": text}
        )
        assert noted.json()["description"] == f"{text}\n{text}"
        events = (await client.get(f"/api/v1/incidents/{incident['id']}/events")).json()
        assert events[-1]["text"] == text
        alert = await client.post(
            "/api/v1/events",
            json={"action": "trigger", "dedup_key": text, "summary": text, "details": {text: text}},
        )
        assert alert.status_code == 201, alert.text
        assert alert.json()["dedup_key"] == text
        assert alert.json()["details"] == {text: text}
        found = await client.get("/api/v1/incidents", params={"dedup_key": text})
        assert [i["dedup_key"] for i in found.json()] == [text]

        page = await console.get(f"/incidents/{incident['id']}")
        _escaped(page, text)
        listed = await console.get("/", params={"q": text})
        assert listed.status_code == 200
        _escaped(listed, text)
        # A refused form shows what was sent, escaped, too.
        form = await console.get("/incidents/new")
        refused = await console.post(
            "/incidents",
            data={"csrf_token": csrf_of(form), "description": text, "source": text},
        )
        assert refused.status_code in (400, 422), refused.status_code
        _escaped(refused, text)
    assert (await client.get("/api/v1/incidents")).headers["X-Total-Count"] == str(2 * len(HOSTILE))


def _escaped(page: httpx.Response, text: str) -> None:
    """The page shows `text` as text: escaped wherever it could be markup, never evaluated
    (`{{7*7}}` is shown as it is, not as 49)."""
    body = page.text
    assert not LEAKS.search(body)
    if any(c in text for c in "<>\"'&"):
        assert text not in body, text
    assert html.escape(text, quote=True) in body.replace("&#34;", "&quot;").replace(
        "&#39;", "&#x27;"
    ), text


async def test_hostile_text_in_metrics_is_not_a_label(client: httpx.AsyncClient) -> None:
    for text in HOSTILE:
        await client.post("/api/v1/incidents", json={"description": text, "source": "operator"})
        await client.get(f"/api/v1/keys/{text}")
    metrics = (await client.get("/metrics")).text
    for text in HOSTILE:
        assert text not in metrics
        assert json.dumps(text)[1:-1] not in metrics
