"""`incidents serve` in its own process, as users run it: one way to start it, to wait until
it answers, and to make it an API key, for the tests, the reliability scenarios and the
benchmark alike. Standard library only, so the benchmark needs nothing of the tests."""

from __future__ import annotations

import fcntl
import os
import select
import socket
import subprocess
import sys
import termios
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

INCIDENTS = [sys.executable, "-m", "incidents"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_serve(
    port: int, *options: str, env: Mapping[str, str], log: IO[bytes], cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `incidents serve [options]` on 127.0.0.1:`port`, its output to `log`.

    In its own session: no controlling terminal, as under a service manager (a first-start
    banner goes to a private file), and its workers can be killed with its group.
    """
    return subprocess.Popen(
        [*INCIDENTS, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
        env=dict(env),
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_up(
    url: str,
    process: subprocess.Popen[bytes],
    *,
    path: str = "/health",
    timeout: float = 60.0,
    ready: Callable[[], bool] = lambda: True,
) -> bool:
    """Whether `url` + `path` answered 200 (and `ready()` held) before `timeout` seconds
    passed or the process ended. Generous: it is only waited out when something is wrong."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}{path}", timeout=2) as answer:
                if answer.status == 200 and ready():
                    return True
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    return False


def create_key(env: Mapping[str, str], name: str, role: str) -> subprocess.CompletedProcess[str]:
    """`incidents keys create` on the database `env` names (it migrates first)."""
    return subprocess.run(
        [*INCIDENTS, "keys", "create", "--name", name, "--role", role],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )


def secret_of(created: subprocess.CompletedProcess[str]) -> str:
    """The new key's secret: the last line `incidents keys create` prints."""
    return created.stdout.strip().splitlines()[-1]


def at_a_terminal(
    command: list[str], *, env: Mapping[str, str], answers: list[str], cwd: Path | None = None
) -> tuple[int, str]:
    """Run `command` on a terminal of its own (a pseudo-terminal, its controlling one), typing
    each answer once the prompt before it appeared; its exit status and all it showed."""
    leader, follower = os.openpty()

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=dict(env),
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    os.close(follower)
    shown = b""
    pending = list(answers)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the command ended and closed the terminal
                break
            shown += chunk
            # click shows "Password:", then getpass turns echo off and shows " ".
            if pending and shown.endswith(b": "):
                os.write(leader, pending.pop(0).encode() + b"\n")
                shown += b"\n"
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(timeout=60), shown.decode(errors="replace")
