"""Signing in and out of the console, sessions that end, throttling, CSRF and headers."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from incidents.app import create_app
from incidents.domain.access import Actor
from incidents.domain.accounts import FREE_SIGN_IN_FAILURES
from incidents.service import accounts
from incidents.settings import Settings
from tests.conftest import TickingClock
from tests.web.conftest import PASSWORD, AccountMaker, ConsoleMaker, csrf_of, sign_in

SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
}


async def test_pages_send_strangers_to_sign_in(open_console: ConsoleMaker) -> None:
    http = await open_console()
    home = await http.get("/")
    assert home.status_code == 303
    assert home.headers["location"] == "/sign-in"
    page = await http.get("/incidents/5?x=1")
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=%2Fincidents%2F5%3Fx%3D1"


async def test_sign_in_then_out(open_console: ConsoleMaker, make_account: AccountMaker) -> None:
    await make_account("operator", username="olga")
    http = await open_console()

    signed_in = await sign_in(http, "Olga", next_path="/incidents/new")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/incidents/new"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
    home = await http.get("/")
    assert home.status_code == 200
    assert "olga, role: operator" in home.text

    signed_out = await http.post("/sign-out", data={"csrf_token": csrf_of(home)})
    assert signed_out.status_code == 303
    assert (await http.get("/")).status_code == 303
    assert "You have signed out." in (await http.get(signed_out.headers["location"])).text


async def test_the_cookie_is_secure_when_configured(
    settings: Settings, clock: TickingClock, make_account: AccountMaker
) -> None:
    await make_account("reporter", username="rita")
    secure = create_app(settings.model_copy(update={"cookie_secure": True}), clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=secure), base_url="https://testserver"
    ) as http:
        response = await sign_in(http, "rita")
    await secure.state.runtime.close()
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


async def test_a_wrong_password_is_told_and_not_echoed(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    http = await open_console()
    for username in ("olga", "nobody", "not a name!"):
        response = await sign_in(http, username, "hunter2-wrong")
        assert response.status_code == 400
        assert "Wrong username or password." in response.text
        assert "hunter2-wrong" not in response.text
    assert (await http.get("/")).status_code == 303


async def test_repeated_failures_slow_sign_in_down(
    app: FastAPI,
    settings: Settings,
    clock: TickingClock,
    open_console: ConsoleMaker,
    make_account: AccountMaker,
) -> None:
    await make_account("operator", username="olga")
    http = await open_console()
    for _ in range(FREE_SIGN_IN_FAILURES):
        assert (await sign_in(http, "olga", "wrong-password")).status_code == 400

    refused = await sign_in(http, "olga")  # even the right password waits its turn
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 5 * 60

    # The count lives in the database: another server process refuses too.
    other = create_app(settings, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other), base_url="http://testserver"
    ) as elsewhere:
        assert (await sign_in(elsewhere, "olga")).status_code == 429
    await other.state.runtime.close()

    # Slowed down, not locked out: after the wait the owner gets in.
    clock.advance(timedelta(seconds=int(refused.headers["retry-after"]) + 1))
    assert (await sign_in(http, "olga")).status_code == 303


async def test_each_further_failure_doubles_the_wait(
    clock: TickingClock, open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    http = await open_console()
    waits = []
    for _ in range(FREE_SIGN_IN_FAILURES + 4):
        response = await sign_in(http, "olga", "wrong-password")
        if response.status_code == 429:
            waits.append(int(response.headers["retry-after"]))
            clock.advance(timedelta(seconds=waits[-1]))
            assert (await sign_in(http, "olga", "wrong-password")).status_code == 400
    assert waits == sorted(waits)
    assert waits[-1] > waits[0]


async def test_unknown_usernames_are_slowed_down_alike(open_console: ConsoleMaker) -> None:
    http = await open_console()
    for _ in range(FREE_SIGN_IN_FAILURES):
        assert (await sign_in(http, "ghost", "wrong-password")).status_code == 400
    assert (await sign_in(http, "ghost", "wrong-password")).status_code == 429


async def test_a_disabled_account_is_refused_and_its_session_ends_at_once(
    app: FastAPI, open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    http = await open_console("olga")
    assert (await http.get("/")).status_code == 200

    await accounts.disable_account(app.state.runtime, actor=Actor.system("tests"), username="olga")
    assert (await http.get("/")).status_code == 303
    refused = await sign_in(http, "olga")
    assert refused.status_code == 403
    assert "disabled" in refused.text


async def test_a_new_password_ends_sessions(
    app: FastAPI, open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    http = await open_console("olga")
    await accounts.set_password(
        app.state.runtime, actor=Actor.system("tests"), username="olga", password="a new one!"
    )
    assert (await http.get("/")).status_code == 303
    assert (await sign_in(http, "olga", PASSWORD)).status_code == 400
    assert (await sign_in(http, "olga", "a new one!")).status_code == 303


async def test_sessions_end_after_their_lifetime(
    clock: TickingClock, open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    http = await open_console("olga")
    clock.advance(timedelta(hours=12))
    assert (await http.get("/")).status_code == 303


async def test_a_forged_cookie_is_no_session(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("admin", username="root")
    http = await open_console("root")
    cookie = http.cookies["incidents_session"]
    payload, signature = cookie.rsplit(".", 1)
    http.cookies.set("incidents_session", f"{payload}.{signature[::-1]}")
    assert (await http.get("/")).status_code == 303


async def test_sign_in_without_the_csrf_token_is_refused(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    http = await open_console()
    form = {"username": "olga", "password": PASSWORD}
    missing = await http.post("/sign-in", data=form)
    assert missing.status_code == 403
    assert "This form has expired" in missing.text
    await http.get("/sign-in")
    wrong = await http.post("/sign-in", data={**form, "csrf_token": "forged"})
    assert wrong.status_code == 403
    assert (await http.get("/")).status_code == 303


async def test_sign_out_needs_the_csrf_token(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    http = await open_console("olga")
    assert (await http.post("/sign-out")).status_code == 403
    assert (await http.get("/")).status_code == 200


async def test_sign_in_goes_only_to_pages_of_this_site(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        http = await open_console()
        response = await sign_in(http, "olga", next_path=target)
        assert response.headers["location"] == "/", target


async def test_security_headers_on_every_console_answer(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    anonymous = await open_console()
    http = await open_console("olga")
    answers = [
        await anonymous.get("/sign-in"),
        await anonymous.get("/"),
        await http.get("/"),
        await http.get("/incidents/new"),
        await http.get("/incidents/404"),
        await http.get("/static/console.css"),
    ]
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, (answer.url, name)
        policy = answer.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
    assert answers[-1].headers["content-type"].startswith("text/css")


async def test_the_console_speaks_russian(
    settings: Settings, clock: TickingClock, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    russian = create_app(settings.model_copy(update={"language": "ru"}), clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=russian), base_url="http://testserver"
    ) as http:
        page = await http.get("/sign-in")
        assert '<html lang="ru">' in page.text
        assert "Вход" in page.text
        assert "Имя пользователя" in page.text
        wrong = await sign_in(http, "olga", "wrong-password")
        assert "Неверное имя пользователя или пароль." in wrong.text
        await sign_in(http, "olga")
        home = await http.get("/")
        assert "Сообщить об инциденте" in home.text
        assert "Подходящих инцидентов нет." in home.text
    await russian.state.runtime.close()
