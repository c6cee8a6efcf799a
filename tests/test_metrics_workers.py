"""`/metrics` under `incidents serve --workers 2`: one answer, whichever worker scrapes."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, serving

# A scenario that starts servers and waits on them: `make test-slow` runs it (CI does).
pytestmark = pytest.mark.slow

SECRET = re.compile(r"^\s*(inc_\S+)\s*$", re.MULTILINE)
READY = re.compile(
    r'^incidents_http_requests_total\{method="GET",route="/ready",status="200"\} (\S+)$'
)
BY_STATUS = re.compile(r'^incidents_by_status\{status="(\w+)"\} (\S+)$')

REQUESTS = 200
CONNECTIONS = 10


async def _ask_ready(url: str) -> None:
    """`REQUESTS` GETs of /ready over `CONNECTIONS` fresh connections, all at once."""

    async def one_connection() -> None:
        async with httpx.AsyncClient(base_url=url) as http:
            for _ in range(REQUESTS // CONNECTIONS):
                assert (await http.get("/ready")).status_code == 200

    await asyncio.gather(*(one_connection() for _ in range(CONNECTIONS)))


def _scrape(server: Server) -> tuple[float, dict[str, float]]:
    """Requests of /ready counted so far, and incidents by status, from one fresh connection."""
    text = httpx.get(f"{server.url}/metrics", headers={"Connection": "close"}).text
    lines = text.splitlines()
    ready = [float(m.group(1)) for line in lines if (m := READY.match(line))]
    by_status = {m.group(1): float(m.group(2)) for line in lines if (m := BY_STATUS.match(line))}
    assert len(ready) == 1, text
    return ready[0], by_status


def _make_incidents(server: Server) -> dict[str, float]:
    """Three incidents, one of them taken; the counts by status the registry then holds."""
    admin = {"Authorization": f"Bearer {SECRET.findall(server.banner())[0]}"}
    made = [
        httpx.post(
            f"{server.url}/api/v1/incidents",
            json={"description": f"Locker {n} jammed", "source": "operator"},
            headers=admin,
        )
        for n in range(3)
    ]
    assert all(response.status_code == 201 for response in made)
    taken = httpx.patch(
        f"{server.url}{made[0].headers['Location']}",
        json={"status": "in_progress"},
        headers={**admin, "If-Match": made[0].headers["ETag"]},
    )
    assert taken.status_code == 200
    return {"new": 2.0, "in_progress": 1.0, "resolved": 0.0, "closed": 0.0}


def _worker_pids(folder: Path) -> set[int]:
    """The processes that wrote request metrics into `folder`."""
    return {int(path.stem.rsplit("_", 1)[1]) for path in folder.glob("counter_*.db")}


def test_metrics_sum_over_workers(database_url: str, tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with serving(
        database_url, tmp_path, "--workers", "2", env={"TMPDIR": str(temporary)}
    ) as server:
        [shared] = temporary.glob("incidents-metrics-*")
        counts = _make_incidents(server)
        asyncio.run(_ask_ready(server.url))

        assert len(_worker_pids(shared)) == 2, "one worker served every request"
        for _ in range(10):
            assert _scrape(server) == (REQUESTS, counts)

        # A worker that dies takes nothing with it: its counts stay in its file.
        os.kill(min(_worker_pids(shared)), signal.SIGKILL)
        time.sleep(1)
        for _ in range(5):
            assert _scrape(server) == (REQUESTS, counts)
    # (The first-start banner's private file is left for its reader to delete.)
    left = [path for path in temporary.iterdir() if not path.name.startswith("incidents-first")]
    assert left == [], "the metrics directory outlived the server"


def test_metrics_use_the_operators_directory_emptied_of_old_counts(
    sqlite_template: Path, tmp_path: Path
) -> None:
    # Where the files go does not depend on the database: SQLite alone will do.
    database_url = f"sqlite+aiosqlite:///{shutil.copyfile(sqlite_template, tmp_path / 'x.db')}"
    given = tmp_path / "metrics"
    given.mkdir()
    # A previous run's counts, which must not be added to this run's.
    (given / "counter_1.db").write_bytes(b"left over from a previous run")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(given)}
    with serving(database_url, tmp_path, "--workers", "2", env=env) as server:
        counts = _make_incidents(server)
        asyncio.run(_ask_ready(server.url))

        assert 1 not in _worker_pids(given)
        assert _scrape(server) == (REQUESTS, counts)
        assert _scrape(server) == (REQUESTS, counts)
    assert given.is_dir(), "an operator's directory is theirs to remove"
