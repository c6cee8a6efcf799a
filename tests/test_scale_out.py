"""Scale-out: two `incidents serve` processes on one PostgreSQL share every piece of state.

Sessions, idempotency keys, rate limits, the notification outbox and heartbeat checking live
in the database, never in a process: whichever process a request reaches, the answer is the
same, and work that only one process may do is done once.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

import httpx
import pytest

from tests.conftest import ScratchPostgres, Server, serving
from tests.reliability.harness import record
from tests.telegram.fake_bot_api import TOKEN, FakeBotAPI, running_in_thread

# A long scenario (processes started and waited on): `make test-slow` runs it, as CI does.
pytestmark = pytest.mark.slow

NOTIFY = -1005550000000
SECRET_KEY = "k" * 40
# Requests a key may make an hour (so the bucket refills by less than one request during a
# test): each test keeps within it, but the one that tests it.
PER_KEY = 100


@dataclass
class Pair:
    """Two server processes on one PostgreSQL database, with a fake Telegram Bot API."""

    first: Server
    second: Server
    api: FakeBotAPI

    @property
    def both(self) -> tuple[Server, Server]:
        return self.first, self.second


@pytest.fixture(scope="module")
async def pair(
    postgres: ScratchPostgres | None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Pair]:
    """Started once for this module: every test uses keys of its own."""
    if postgres is None:
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    url = await postgres.new_database()
    folder = tmp_path_factory.mktemp("scale-out")
    with running_in_thread() as api:
        env = {
            "INCIDENTS_TELEGRAM_TOKEN": TOKEN,
            "INCIDENTS_TELEGRAM_API_URL": api.url,
            "INCIDENTS_TELEGRAM_NOTIFY_CHAT": str(NOTIFY),
            "INCIDENTS_HEARTBEAT_CHECK_SECONDS": "0.2",
            "INCIDENTS_RATE_LIMIT_PER_KEY": f"{PER_KEY}/hour",
        }
        with two_servers(url, folder, env) as (first, second):
            yield Pair(first, second, api)
    await postgres.drop(url)


@contextmanager
def two_servers(
    database_url: str, folder: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[Server, Server]]:
    """Two server processes on `database_url`: the first migrates, the second does not."""
    env = {"INCIDENTS_SECRET_KEY": SECRET_KEY, **(env or {})}
    with ExitStack() as stack:
        first = stack.enter_context(serving(database_url, folder, env=env))
        second = stack.enter_context(serving(database_url, folder, "--no-migrate", env=env))
        yield first, second


def wait_until(condition: Callable[[], bool], *, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_session_begun_on_one_process_is_honoured_and_ended_on_the_other(pair: Pair) -> None:
    first, second = pair.both
    made = first.cli(
        "users", "create", "--username", "olga", "--role", "operator", "--password-stdin",
        stdin="correct horse battery staple\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    signed_in = first.sign_in("olga", "correct horse battery staple")
    assert signed_in.status_code == 303, signed_in.text
    cookies = signed_in.cookies

    listing = httpx.get(f"{second.url}/", cookies=cookies)
    assert listing.status_code == 200
    assert "olga" in listing.text

    # Disabled through one process, the account's session ends on both at once.
    assert first.cli("users", "disable", "olga").returncode == 0
    for server in pair.both:
        refused = httpx.get(f"{server.url}/", cookies=cookies)
        assert refused.status_code == 303
        assert refused.headers["location"].startswith("/sign-in")


def test_an_idempotency_key_creates_once_across_processes(pair: Pair) -> None:
    headers = {
        "Authorization": f"Bearer {pair.first.make_key('monitor')}",
        "Idempotency-Key": "zabbix-event-4711",
    }
    body = {"description": "Pickup point 12 is not answering", "source": "monitoring"}

    def create(server: Server) -> httpx.Response:
        return httpx.post(f"{server.url}/api/v1/incidents", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(create, pair.both * 8))

    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["id"] for response in responses}) == 1
    originals = [r for r in responses if "Idempotent-Replayed" not in r.headers]
    assert len(originals) == 1
    search = {"q": "Pickup point 12"}
    listed = httpx.get(f"{pair.second.url}/api/v1/incidents", params=search, headers=headers)
    assert listed.headers["X-Total-Count"] == "1"


def test_a_rate_limit_counts_requests_to_every_process(pair: Pair) -> None:
    headers = {"Authorization": f"Bearer {pair.first.make_key('busy')}"}

    def read(server: Server) -> httpx.Response:
        return httpx.get(f"{server.url}/api/v1/incidents", params={"limit": 1}, headers=headers)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(read, pair.both * PER_KEY))

    statuses = [response.status_code for response in responses]
    record(
        "rate limit across two processes",
        "postgresql",
        requests=len(statuses),
        rate_limited=statuses.count(429),
        server_errors=sum(status >= 500 for status in statuses),
    )
    assert statuses.count(200) == PER_KEY
    assert statuses.count(429) == PER_KEY
    refused = next(r for r in responses if r.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1


def test_the_outbox_is_drained_once_by_both_processes(pair: Pair) -> None:
    headers = {"Authorization": f"Bearer {pair.first.make_key('partner', 'reporter')}"}
    servers = cycle(pair.both)

    def report(number: int) -> int:
        response = httpx.post(
            f"{next(servers).url}/api/v1/incidents",
            json={"description": f"Scooter #{number} offline", "source": "partner"},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        created: int = response.json()["id"]
        return created

    with ThreadPoolExecutor(max_workers=4) as pool:
        created = list(pool.map(report, range(40)))

    wait_until(lambda: all(pair.api.announced(NOTIFY)[id_] for id_ in created))
    time.sleep(1.5)  # another round of both senders: nothing more may come
    announced = pair.api.announced(NOTIFY)
    assert {announced[id_] for id_ in created} == {1}  # every one, none twice


def test_a_silent_heartbeat_opens_one_incident_whichever_process_looks(pair: Pair) -> None:
    headers = {"Authorization": f"Bearer {pair.first.make_key('cron', 'reporter')}"}
    names = ("nightly-backup", "report-upload", "tariff-sync")
    for name in names:
        checked_in = httpx.post(
            f"{pair.first.url}/api/v1/heartbeats/{name}",
            json={"timeout_seconds": 1},
            headers=headers,
        )
        assert checked_in.status_code == 200, checked_in.text

    def opened() -> list[int]:
        time.sleep(0.2)
        beats = httpx.get(f"{pair.second.url}/api/v1/heartbeats", headers=headers).json()
        return [beat["incident_id"] for beat in beats if beat["incident_id"] is not None]

    wait_until(lambda: len(opened()) == len(names))
    time.sleep(1.0)  # several more rounds of both checkers
    for name in names:
        listed = httpx.get(
            f"{pair.second.url}/api/v1/incidents",
            params={"dedup_key": f"heartbeat:{name}"},
            headers=headers,
        )
        assert listed.headers["X-Total-Count"] == "1"
        (incident,) = listed.json()
        assert incident["occurrences"] == 1
    wait_until(lambda: all(pair.api.announced(NOTIFY)[id_] for id_ in opened()))
    assert {pair.api.announced(NOTIFY)[id_] for id_ in opened()} == {1}
