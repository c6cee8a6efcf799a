"""Console fixtures: accounts made as the command line makes them, and signed-in clients."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from incidents.domain.access import Actor, Role
from incidents.service import accounts
from incidents.service.runtime import Runtime

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')

AccountMaker = Callable[..., Awaitable[str]]
ConsoleMaker = Callable[..., Awaitable[httpx.AsyncClient]]


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token a console page put in its forms."""
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def version_of(page: httpx.Response) -> str:
    """The incident version an incident page's forms carry."""
    found = VERSION.search(page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
def make_account(app: FastAPI) -> AccountMaker:
    """Create a console account (as `incidents users create` would) and return its username."""
    runtime: Runtime = app.state.runtime
    made = itertools.count(1)

    async def make(role: str, *, username: str | None = None, password: str = PASSWORD) -> str:
        account = await accounts.create_account(
            runtime,
            actor=Actor.system("tests"),
            username=username or f"{role}{next(made)}",
            role=Role(role),
            password=password,
        )
        return account.username

    return make


async def sign_in(
    http: httpx.AsyncClient, username: str, password: str = PASSWORD, *, next_path: str = "/"
) -> httpx.Response:
    """Fill in and send the sign-in form as a browser would."""
    form_page = await http.get("/sign-in")
    return await http.post(
        "/sign-in",
        data={
            "username": username,
            "password": password,
            "next": next_path,
            "csrf_token": csrf_of(form_page),
        },
    )


@pytest.fixture
async def open_console(app: FastAPI) -> AsyncIterator[ConsoleMaker]:
    """Open a console client (a browser with its own cookies), signed in as `username` if given."""
    opened: list[httpx.AsyncClient] = []

    async def open_client(username: str | None = None) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        opened.append(http)
        if username is not None:
            signed_in = await sign_in(http, username)
            assert signed_in.status_code == 303, signed_in.text
        return http

    yield open_client
    for http in opened:
        await http.aclose()


async def post_form(
    http: httpx.AsyncClient, page_path: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """Load `page_path`, then send its form to `action` with `data` and the page's CSRF token."""
    page = await http.get(page_path)
    assert page.status_code == 200, page.text
    return await http.post(action, data={"csrf_token": csrf_of(page), **data})
