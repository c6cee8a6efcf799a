"""Fixtures: every API test runs on SQLite and on PostgreSQL, each in a fresh database."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from incidents.app import create_app
from incidents.db.migrate import upgrade_to_head
from incidents.domain.access import Actor, Role
from incidents.domain.incident import Source
from incidents.service import access, accounts
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from tests.serving import (
    INCIDENTS,
    create_key,
    free_port,
    secret_of,
    start_serve,
    wait_until_up,
)

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
# The log line naming the file that holds the first admin key and password.
FIRST_START_NOTE = re.compile(r"console password are in (\S+) \(readable only")


class TickingClock:
    """A clock under the test's control that moves 1 ms on every reading.

    Every write gets a distinct timestamp, so orderings are deterministic.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.current += timedelta(milliseconds=1)
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say so when the slow scenarios were left out, and how to run them."""
    if config.getoption("markexpr") == "not slow":
        terminalreporter.write_sep(
            "-",
            "not run: the tests marked `slow` (fault scenarios, several processes on one "
            "database, a real Alertmanager, the browser at every width, long chat days, the "
            "image's install step, the benchmark's smoke run); `make test-slow` runs them",
        )


def _postgres_admin_url() -> str | None:
    """The PostgreSQL server tests may use, or None when there is none."""
    url = os.environ.get("INCIDENTS_TEST_POSTGRES_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return DEFAULT_POSTGRES_URL
    except OSError:
        return None


def _plain_dsn(url: str) -> str:
    """An asyncpg DSN from an SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{name}"


class ScratchPostgres:
    """Creates throw-away databases from one migrated template; drops all it made."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.template = f"incidents_test_{uuid.uuid4().hex[:12]}"
        self.made: list[str] = []

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(_plain_dsn(self.admin_url))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def start(self) -> None:
        await self._admin(f'CREATE DATABASE "{self.template}"')
        await upgrade_to_head(_with_database(self.admin_url, self.template))

    async def new_database(self) -> str:
        name = f"{self.template}_{len(self.made)}"
        self.made.append(name)
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return _with_database(self.admin_url, name)

    async def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def stop(self) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def postgres() -> AsyncIterator[ScratchPostgres | None]:
    """A scratch PostgreSQL template, or None when no server answers (CI requires one)."""
    admin_url = _postgres_admin_url()
    if admin_url is None:
        if os.environ.get("INCIDENTS_REQUIRE_POSTGRES") == "1":
            pytest.fail("INCIDENTS_REQUIRE_POSTGRES=1 but no PostgreSQL answers")
        yield None
        return
    scratch = ScratchPostgres(admin_url)
    await scratch.start()
    yield scratch
    await scratch.stop()


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    await upgrade_to_head(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest,
    postgres: ScratchPostgres | None,
    sqlite_template: Path,
    tmp_path: Path,
) -> AsyncIterator[str]:
    """The URL of a fresh, migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "incidents.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if postgres is None:
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    url = await postgres.new_database()
    yield url
    await postgres.drop(url)


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, _env_file=None)


@pytest.fixture
async def app(settings: Settings, clock: TickingClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    yield application
    # ASGITransport runs no lifespan: close the pool the lifespan would close.
    await application.state.runtime.close()


KeyMaker = Callable[..., Awaitable[str]]


@pytest.fixture
def make_key(app: FastAPI) -> KeyMaker:
    """Issue an API key (as the command line would) and return its secret."""
    runtime: Runtime = app.state.runtime
    made = itertools.count(1)

    async def make(role: str, *, source: str | None = None, name: str | None = None) -> str:
        issued = await access.issue_key(
            runtime,
            actor=Actor.system("tests"),
            name=name or f"{role}-{next(made)}",
            role=Role(role),
            source=None if source is None else Source(source),
        )
        return issued.secret

    return make


async def add_account(runtime: Runtime, username: str, role: str = "operator") -> str:
    """Create a console account (as `incidents users create` would): an owner the registry
    knows."""
    account = await accounts.create_account(
        runtime,
        actor=Actor.system("tests"),
        username=username,
        role=Role(role),
        password="a long enough password",
    )
    return account.username


ClientMaker = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_for(app: FastAPI) -> ClientMaker:
    """Open an HTTP client on the app, sending `secret` as its bearer key when given."""

    def open_client(secret: str | None = None) -> httpx.AsyncClient:
        headers = {} if secret is None else {"Authorization": f"Bearer {secret}"}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=headers
        )

    return open_client


@pytest.fixture
async def client(client_for: ClientMaker, make_key: KeyMaker) -> AsyncIterator[httpx.AsyncClient]:
    """A client acting with an operator key: it may report, read and change incidents."""
    async with client_for(await make_key("operator", name="operator")) as http:
        yield http


@pytest.fixture
async def anonymous(client_for: ClientMaker) -> AsyncIterator[httpx.AsyncClient]:
    """A client without any key."""
    async with client_for() as http:
        yield http


async def report(
    client: httpx.AsyncClient, description: str = "Scooter #42 offline", source: str = "operator"
) -> dict[str, Any]:
    """Create an incident through the API and return its body."""
    response = await client.post(
        "/api/v1/incidents", json={"description": description, "source": source}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Server:
    """An `incidents serve` process of a test."""

    url: str
    log_path: Path
    env: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text()

    def banner(self) -> str:
        """The first-start banner: in the private file whose path the log names ("" if none)."""
        named = FIRST_START_NOTE.search(self.log())
        return "" if named is None else Path(named.group(1)).read_text()

    def make_key(self, name: str, role: str = "operator") -> str:
        """A new API key's secret, made by `incidents keys create` (its last line)."""
        made = create_key(self.env, name, role)
        assert made.returncode == 0, made.stderr
        secret = secret_of(made)
        assert re.fullmatch(r"inc_[0-9a-f]{12}_[\w-]+", secret), made.stdout
        return secret

    def sign_in(self, username: str, password: str) -> httpx.Response:
        """Sign in to the console as a browser would; a 303 carries the session cookie."""
        with httpx.Client(base_url=self.url) as browser:
            form = browser.get("/sign-in")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token, form.text
            return browser.post(
                "/sign-in",
                data={"username": username, "password": password, "csrf_token": token.group(1)},
            )

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the command line on the server's database, with `stdin` as its input."""
        return subprocess.run(
            [*INCIDENTS, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )


@contextmanager
def serving(
    database_url: str, folder: Path, *options: str, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Run `incidents serve [options]` on `database_url` until the block ends (SIGTERM, exit 0).

    `env` adds or overrides environment variables (settings) of the server process.
    """
    port = free_port()
    # TMPDIR: the first-start banner's private file stays in the test's folder.
    env = {
        **os.environ,
        "TMPDIR": str(folder),
        "INCIDENTS_DATABASE_URL": database_url,
        **(env or {}),
    }
    server = Server(f"http://127.0.0.1:{port}", folder / f"serve-{port}.log", env)
    with server.log_path.open("wb") as log:
        # Its own process group, so that worker processes never outlive a failed test.
        process = start_serve(port, *options, env=env, log=log, cwd=folder)
        try:
            _wait_until_healthy(server, process)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=30)
            finally:
                _kill_group(process)
    assert code == 0, server.log()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill whatever is left of the process's group (workers of a server that failed)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def _wait_until_healthy(server: Server, process: subprocess.Popen[bytes]) -> None:
    if wait_until_up(server.url, process):
        return
    _kill_group(process)
    pytest.fail(f"`incidents serve` did not come up:\n{server.log()}")


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Server]:
    """`incidents serve` in its own process, on a fresh database of each kind."""
    with serving(database_url, tmp_path) as server:
        yield server
