"""Machinery of the reliability scenarios: server processes, load, a TCP proxy, the report."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from tests.serving import INCIDENTS, create_key, free_port, secret_of, start_serve, wait_until_up

# INCIDENTS_RELIABILITY_FULL=1: the full size (`make reliability`); otherwise the CI size.
FULL = os.environ.get("INCIDENTS_RELIABILITY_FULL") == "1"
# Where each scenario appends one JSON line of figures (`make reliability` reads it).
REPORT_ENV = "INCIDENTS_RELIABILITY_REPORT"
# Settings every load-driving server gets: the rate limits (where they exist) are off.
NO_RATE_LIMITS = {"INCIDENTS_RATE_LIMIT_PER_KEY": "0", "INCIDENTS_RATE_LIMIT_PER_IP": "0"}


def sized(ci: int, full: int) -> int:
    """`full` in a full-size run, `ci` otherwise."""
    return full if FULL else ci


def record(scenario: str, database: str, **figures: Any) -> None:
    """Append the figures of one scenario's run to the report file, when one is named."""
    path = os.environ.get(REPORT_ENV)
    if not path:
        return
    line = {"scenario": scenario, "database": database, "full": FULL, **figures}
    with Path(path).open("a") as report:
        report.write(json.dumps(line, sort_keys=True) + "\n")


def database_kind(url: str) -> str:
    """`sqlite` or `postgresql`."""
    return "sqlite" if url.startswith("sqlite") else "postgresql"


class ServerProcess:
    """One `incidents serve` process that a scenario may kill, stop and start again."""

    def __init__(
        self,
        database_url: str,
        folder: Path,
        *options: str,
        env: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.options = options
        self.folder = folder
        self.env = {
            **os.environ,
            "TMPDIR": str(folder),  # where a first-start banner's private file goes
            "INCIDENTS_DATABASE_URL": database_url,
            **NO_RATE_LIMITS,
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.folder / f"serve-{self.port}.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def start(self, *, timeout: float = 60.0) -> None:
        """Start the process (again) and wait until /health answers."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n--- start {self.starts} ---\n".encode())
            log.flush()
            # Popen returns at once; the process is waited for below without blocking.
            process = start_serve(self.port, *self.options, env=self.env, log=log, cwd=self.folder)
        self.process = process
        # In a thread: the event loop may be running the proxy the server needs to start.
        if await asyncio.to_thread(wait_until_up, self.url, process, timeout=timeout):
            return
        process.kill()
        raise AssertionError(f"`incidents serve` did not come up:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    async def terminate(self, *, timeout: float = 60.0) -> int:
        """SIGTERM, and the exit status once the process ended."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while (code := self.process.poll()) is None:
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"no exit {timeout}s after SIGTERM:\n{self.log()}")
            await asyncio.sleep(0.05)
        return code

    def stop_quietly(self) -> None:
        """End the process however it is, for a test's cleanup."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def cli(self, *args: str) -> str:
        """Run the command line on the server's database; its standard output."""
        done = subprocess.run(
            [*INCIDENTS, *args], env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    async def make_key(self, name: str, role: str = "operator") -> str:
        """A new API key's secret (the last line `incidents keys create` prints).

        In a thread: the event loop may be running the proxy the command needs.
        """
        created = await asyncio.to_thread(create_key, self.env, name, role)
        assert created.returncode == 0, created.stderr
        return secret_of(created)


@contextlib.asynccontextmanager
async def client(
    url: str, secret: str, *, timeout: float = 30.0
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of a server, acting with the key `secret`."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {secret}"},
        timeout=timeout,
        limits=limits,
    ) as http:
        yield http


@dataclass
class Tally:
    """What a scenario's load saw: requests sent and answers by class."""

    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0

    def saw(self, response: httpx.Response) -> None:
        self.requests += 1
        self.by_status[response.status_code] = self.by_status.get(response.status_code, 0) + 1

    def failed(self) -> None:
        self.requests += 1
        self.transport_errors += 1

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.by_status.items() if status >= 500)


# The TCP proxy between a server and its database, which a scenario can cut.
ProxyMode = Literal["up", "refuse", "blackhole"]


class Proxy:
    """Forwards 127.0.0.1:<port> to an upstream; `cut()` breaks the way, `restore()` mends it.

    `refuse`: open connections are reset and new ones refused (the port closes).
    `blackhole`: open and new connections stay open, but nothing passes (no RST, no FIN),
    as when a network drops packets.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.mode: ProxyMode = "up"
        self._server: asyncio.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter | None]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def stop(self) -> None:
        await self._close_listener()
        self._abort_links()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def cut(self, mode: ProxyMode) -> None:
        """Break the way to the database: `refuse` or `blackhole`."""
        self.mode = mode
        if mode == "refuse":
            await self._close_listener()
            self._abort_links()

    async def restore(self) -> None:
        """Mend the way; connections that were blackholed are reset (their bytes are lost)."""
        if self.mode == "blackhole":
            self._abort_links()
        self.mode = "up"
        if self._server is None:
            await self.start()

    async def _close_listener(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _abort_links(self) -> None:
        for downstream, upstream in list(self._links):
            downstream.transport.abort()
            if upstream is not None:
                upstream.transport.abort()
        self._links.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._link(reader, writer)
        except asyncio.CancelledError:
            # Ended by stop(); a server's callback task that ends cancelled gets logged.
            writer.transport.abort()
        finally:
            self._tasks.discard(task)

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "blackhole":
            link: tuple[asyncio.StreamWriter, asyncio.StreamWriter | None] = (writer, None)
            self._links.add(link)
            await self._pipe(reader, None)  # swallow everything until reset
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        link = (writer, up_writer)
        self._links.add(link)
        try:
            # When either side closes, so does the other.
            pipes = {
                asyncio.ensure_future(self._pipe(reader, up_writer)),
                asyncio.ensure_future(self._pipe(up_reader, writer)),
            }
            try:
                await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pipe in pipes:
                    pipe.cancel()
                await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            self._links.discard(link)
            writer.transport.abort()
            up_writer.transport.abort()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter | None
    ) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if writer is None or self.mode == "blackhole":
                    continue  # dropped on the floor
                writer.write(data)
                await writer.drain()
