"""`incidents serve` as users run it, in its own process, with an API key for the load."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.serving import INCIDENTS, create_key, free_port, secret_of, start_serve, wait_until_up


def environment(database_url: str) -> dict[str, str]:
    """The server's environment: the database, and warnings only (no line per request).

    One key drives the whole load, far beyond any sane rate limit: the limits are off unless
    the environment sets them (their cost is measured in docs/PERFORMANCE.md).
    """
    return {
        "INCIDENTS_RATE_LIMIT_PER_KEY": "0",
        "INCIDENTS_RATE_LIMIT_PER_IP": "0",
        **os.environ,
        "INCIDENTS_DATABASE_URL": database_url,
        "INCIDENTS_LOG_LEVEL": "warning",
    }


def make_key(database_url: str) -> str:
    """Migrate the database (making it if new) and make an admin key for the load; its secret."""
    migrated = subprocess.run(
        [*INCIDENTS, "migrate"], env=environment(database_url), capture_output=True, text=True
    )
    if migrated.returncode != 0:
        raise RuntimeError(f"`incidents migrate` failed:\n{migrated.stderr}")
    created = create_key(environment(database_url), "bench", "admin")
    if created.returncode != 0:
        raise RuntimeError(f"`incidents keys create` failed:\n{created.stderr}")
    return secret_of(created)


@dataclass
class Served:
    """A running server: its base URL and its process."""

    url: str
    process: subprocess.Popen[bytes]

    def worker_rss_kib(self) -> list[int]:
        """Resident memory of each worker process (or of the server, with one worker)."""
        pids = _children(self.process.pid) or [self.process.pid]
        # uvicorn's supervisor forks one child per worker, plus a resource tracker at times.
        return [rss for rss in map(_rss_kib, pids) if rss > 0]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextmanager
def serving(database_url: str, *, workers: int, log: Path) -> Iterator[Served]:
    """`incidents serve --workers N` until the block ends; then SIGTERM."""
    port = free_port()
    with log.open("ab") as out:
        options = ("--workers", str(workers))
        process = start_serve(port, *options, env=environment(database_url), log=out)
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_ready(served, workers)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_ready(served: Served, workers: int) -> None:
    def all_workers() -> bool:
        return len(served.worker_rss_kib()) >= workers

    if not wait_until_up(served.url, served.process, path="/ready", ready=all_workers):
        raise RuntimeError("`incidents serve` exited or did not get ready in 60 s; see its log")
