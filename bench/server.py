"""`incidents serve` as users run it, in its own process, with an API key for the load."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INCIDENTS = [sys.executable, "-m", "incidents"]


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
    """Migrate the database and make an admin key for the load; its secret."""
    result = subprocess.run(
        [*INCIDENTS, "keys", "create", "--name", "bench", "--role", "admin"],
        env=environment(database_url),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
    port = _free_port()
    command = [*INCIDENTS, "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env=environment(database_url), stdout=out, stderr=subprocess.STDOUT
        )
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
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError("`incidents serve` exited; see its log")
        try:
            with urllib.request.urlopen(f"{served.url}/ready", timeout=2) as answer:  # noqa: S310
                if answer.status == 200 and len(served.worker_rss_kib()) >= workers:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("`incidents serve` did not get ready in 60 s")
