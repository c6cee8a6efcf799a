"""Console pages: the list with its filters, an incident with its actions, the report form."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from incidents.app import create_app
from incidents.settings import Settings
from tests.conftest import ClientMaker, KeyMaker, TickingClock, report
from tests.web.conftest import AccountMaker, ConsoleMaker, csrf_of, post_form, sign_in, version_of

ROW = re.compile(r'<td data-label="#" class="id"><a href="/incidents/(\d+)">')
STATUS_FORM = re.compile(r'name="status" value="(\w+)"')


def listed_ids(page: httpx.Response) -> list[int]:
    """The incident ids of a list page, in the order shown."""
    return [int(found) for found in ROW.findall(page.text)]


async def test_report_an_incident(open_console: ConsoleMaker, make_account: AccountMaker) -> None:
    http = await open_console(await make_account("reporter", username="rita"))
    description = "Pickup point 7 <b>not</b> answering\nSecond line & more"
    reported = await post_form(
        http,
        "/incidents/new",
        "/incidents",
        {"description": description, "source": "partner", "form_key": "k1"},
    )
    assert reported.status_code == 303
    page = await http.get(reported.headers["location"])

    assert page.status_code == 200
    assert "Pickup point 7 &lt;b&gt;not&lt;/b&gt; answering\nSecond line &amp; more" in page.text
    assert "<b>not</b>" not in page.text
    # People by name; the actor id the API gives only as a tooltip.
    assert '<span class="person" title="user:rita">rita</span>' in page.text
    assert "reported the incident" in page.text
    assert "Partner" in page.text


async def test_a_double_submitted_form_reports_once(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("reporter"))
    form_page = await http.get("/incidents/new")
    form_key = re.search(r'name="form_key" value="([^"]+)"', form_page.text)
    assert form_key
    data = {
        "csrf_token": csrf_of(form_page),
        "form_key": form_key.group(1),
        "description": "Scooter #42 offline",
        "source": "operator",
    }
    first = await http.post("/incidents", data=data)
    second = await http.post("/incidents", data=data)
    assert first.headers["location"] == second.headers["location"]
    assert listed_ids(await http.get("/")) == [1]


async def test_bad_reports_are_told_and_kept(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("reporter"))
    blank = await post_form(
        http, "/incidents/new", "/incidents", {"description": "   ", "source": "operator"}
    )
    assert blank.status_code == 422
    assert "must not be blank" in blank.text
    odd = await post_form(
        http, "/incidents/new", "/incidents", {"description": "Kept text", "source": "customer"}
    )
    assert odd.status_code == 400
    assert "Choose one of the values offered." in odd.text
    assert "Kept text" in odd.text
    assert listed_ids(await http.get("/")) == []


async def test_an_operator_takes_and_resolves(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    incident = await report(client, "Scooter #42 offline")
    http = await open_console(await make_account("operator", username="olga"))
    path = f"/incidents/{incident['id']}"

    page = await http.get(path)
    assert STATUS_FORM.findall(page.text) == ["in_progress"]
    assert ">Take<" in page.text
    taken = await http.post(
        f"{path}/status",
        data={"csrf_token": csrf_of(page), "version": version_of(page), "status": "in_progress"},
    )
    assert taken.status_code == 303

    page = await http.get(path)
    assert STATUS_FORM.findall(page.text) == ["resolved"]
    noted = await http.post(
        f"{path}/notes",
        data={"csrf_token": csrf_of(page), "version": version_of(page), "note": "Courier <sent>"},
    )
    assert noted.status_code == 303
    page = await http.get(path)
    resolved = await http.post(
        f"{path}/status",
        data={"csrf_token": csrf_of(page), "version": version_of(page), "status": "resolved"},
    )
    assert resolved.status_code == 303

    page = await http.get(path)
    assert STATUS_FORM.findall(page.text) == ["in_progress", "closed"]
    assert "changed the status from New to In progress" in page.text
    assert "changed the status from In progress to Resolved" in page.text
    assert "Courier &lt;sent&gt;" in page.text
    # Taking it made olga its owner: a fourth entry, by her, in the history.
    assert page.text.count('<strong class="actor">' + OLGA + "</strong>") == 4
    assert "took it" in page.text
    assert "handed it to" not in page.text
    events = (await client.get(f"/api/v1{path}/events")).json()
    assert [event["actor"] for event in events] == ["key:operator"] + ["user:olga"] * 4


OLGA = '<span class="person" title="user:olga">olga</span>'


async def test_a_change_made_meanwhile_is_not_overwritten(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    incident = await report(client)
    http = await open_console(await make_account("operator"))
    path = f"/incidents/{incident['id']}"
    stale = await http.get(path)

    changed = await client.patch(f"/api/v1{path}", json={"status": "in_progress"})
    assert changed.status_code == 200

    refused = await http.post(
        f"{path}/status",
        data={"csrf_token": csrf_of(stale), "version": version_of(stale), "status": "in_progress"},
    )
    assert refused.status_code == 409
    assert "Someone changed this incident after you opened it" in refused.text
    assert STATUS_FORM.findall(refused.text) == ["resolved"]  # the fresh state's buttons
    assert version_of(refused) == "2"

    note = await http.post(
        f"{path}/notes",
        data={"csrf_token": csrf_of(stale), "version": version_of(stale), "note": "Mine, kept"},
    )
    assert note.status_code == 409
    assert ">Mine, kept</textarea>" in note.text
    after = (await client.get(f"/api/v1{path}")).json()
    assert after["version"] == 2
    assert "Mine, kept" not in after["description"]


async def test_a_reporter_sees_no_operator_buttons_and_cannot_forge_them(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    incident = await report(client)
    http = await open_console(await make_account("reporter"))
    path = f"/incidents/{incident['id']}"
    page = await http.get(path)
    assert page.status_code == 200
    assert "/status" not in page.text
    assert "/notes" not in page.text
    assert "changing them needs the operator role" in page.text

    for action, field in (("status", {"status": "in_progress"}), ("notes", {"note": "x"})):
        forged = await http.post(
            f"{path}/{action}", data={"csrf_token": csrf_of(page), "version": "1", **field}
        )
        assert forged.status_code == 403
        assert "This needs the operator role" in forged.text
    assert (await client.get(f"/api/v1{path}")).json()["version"] == 1


async def test_forms_without_the_csrf_token_change_nothing(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    incident = await report(client)
    http = await open_console(await make_account("operator"))
    path = f"/incidents/{incident['id']}"
    for token in ({}, {"csrf_token": "forged"}):
        refused = await http.post(
            f"{path}/status", data={"version": "1", "status": "in_progress", **token}
        )
        assert refused.status_code == 403
        assert "did not come from this console" in refused.text
        report_refused = await http.post(
            "/incidents", data={"description": "x", "source": "operator", **token}
        )
        assert report_refused.status_code == 403
    assert (await client.get(f"/api/v1{path}")).json()["version"] == 1
    assert (await client.get("/api/v1/incidents")).headers["X-Total-Count"] == "1"


async def test_moves_the_diagram_lacks_and_bad_forms_are_told(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    incident = await report(client)
    http = await open_console(await make_account("operator"))
    path = f"/incidents/{incident['id']}"
    page = await http.get(path)
    token = csrf_of(page)
    illegal = await http.post(
        f"{path}/status", data={"csrf_token": token, "version": "1", "status": "closed"}
    )
    assert illegal.status_code == 409
    assert "The incident is New now; it can not move to Closed." in illegal.text
    for data in ({"version": "x", "status": "closed"}, {"version": "1", "status": "gone"}):
        bad = await http.post(f"{path}/status", data={"csrf_token": token, **data})
        assert bad.status_code == 400
        assert "Choose one of the values offered." in bad.text
    blank = await http.post(f"{path}/notes", data={"csrf_token": token, "version": "1"})
    assert blank.status_code == 422


async def test_pages_that_do_not_exist(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("operator"))
    for path in ("/incidents/999", "/incidents/abc", f"/incidents/{2**70}", "/incidents/-1"):
        page = await http.get(path)
        assert page.status_code == 404, path
        assert "Go to the incident list" in page.text


async def test_the_list_filters_searches_and_pages(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    for number in range(1, 28):
        await report(client, f"Locker {number} jammed", "partner" if number % 3 else "monitoring")
    special = await report(client, "САМОКАТ №7 не заряжается\nsecond line", "operator")
    await client.patch(f"/api/v1/incidents/{special['id']}", json={"status": "in_progress"})
    http = await open_console(await make_account("reporter"))

    first = await http.get("/")
    assert listed_ids(first) == list(range(28, 3, -1))  # newest first, 25 a page
    assert "1–25 of 28" in first.text
    assert 'rel="next" href="/?page=2"' in first.text
    second = await http.get("/?page=2")
    assert listed_ids(second) == [3, 2, 1]
    assert "САМОКАТ №7 не заряжается" in first.text
    assert "second line" not in first.text

    assert listed_ids(await http.get("/?status=in_progress")) == [28]
    monitoring = await http.get("/?source=monitoring")
    assert listed_ids(monitoring) == [27, 24, 21, 18, 15, 12, 9, 6, 3]
    assert listed_ids(await http.get("/?q=самокат")) == [28]
    assert listed_ids(await http.get("/?q=LOCKER+2")) == [*range(27, 19, -1), 12, 2]
    assert listed_ids(await http.get("/?q=locker+jammed&source=monitoring&page=1")) == [
        27, 24, 21, 18, 15, 12, 9, 6, 3,
    ]  # fmt: skip
    assert listed_ids(await http.get("/?q=100%25")) == []

    tabs = await http.get("/?source=monitoring")
    assert re.search(r'aria-current="page">\s*All <span class="count">9</span>', tabs.text)
    assert re.search(r'New <span class="count">9</span>', tabs.text)


async def test_odd_list_queries_are_shown_not_refused(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("reporter"))
    for query in ("status=bogus", "page=-3", "page=abc", "source=", "q=" + "x" * 5000, "page=9e9"):
        page = await http.get(f"/?{query}")
        assert page.status_code == 200, query
        assert "No incidents match." in page.text


async def test_the_list_in_russian(
    settings: Settings,
    clock: TickingClock,
    make_account: AccountMaker,
    make_key: KeyMaker,
    client_for: ClientMaker,
) -> None:
    async with client_for(await make_key("reporter")) as api:
        await report(api, "Scooter #42 offline")
    await make_account("operator", username="olga")
    russian = create_app(settings.model_copy(update={"language": "ru"}), clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=russian), base_url="http://testserver"
    ) as http:
        await sign_in(http, "olga")
        page = await http.get("/")
        incident = await http.get("/incidents/1")
    await russian.state.runtime.close()
    for text in ("Инциденты", "Новый", "Источник", "Поиск по описанию", "Оператор", "1–1 из 1"):
        assert text in page.text, text
    for text in ("Инцидент №1", "Взять в работу", "История", "сообщил(а) об инциденте"):
        assert text in incident.text, text


async def test_monitorings_automatic_moves_are_in_the_history(
    open_console: ConsoleMaker,
    make_account: AccountMaker,
    client_for: ClientMaker,
    make_key: KeyMaker,
) -> None:
    alert = {"action": "trigger", "dedup_key": "db-1-cpu", "summary": "CPU 99% on db-1"}
    async with client_for(await make_key("reporter", name="zabbix")) as zabbix:
        created = await zabbix.post("/api/v1/events", json=alert)
        await zabbix.post("/api/v1/events", json=alert)
        await zabbix.post("/api/v1/events", json={"action": "resolve", "dedup_key": "db-1-cpu"})
        await zabbix.post("/api/v1/events", json=alert)
    http = await open_console(await make_account("operator", username="oleg"))

    page = await http.get(f"/incidents/{created.json()['id']}")

    assert page.status_code == 200
    assert "sent the alert again (2 times in all)" in page.text
    assert "resolved it, the alert cleared: New → Resolved" in page.text
    assert "reopened it, the alert fired again: Resolved → In progress" in page.text
    assert "system:events" in page.text


async def test_the_access_log_names_the_signed_in_person(
    open_console: ConsoleMaker, make_account: AccountMaker, caplog: pytest.LogCaptureFixture
) -> None:
    http = await open_console(await make_account("operator", username="olga"))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="incidents.access"):
        listing = await http.get("/")
    assert listing.status_code == 200
    logged = [r for r in caplog.records if r.name == "incidents.access"]
    assert [getattr(r, "actor", None) for r in logged if r.getMessage() == "GET / 200"] == [
        "user:olga"
    ]
