"""The first admin key and password are written where log collectors do not read them: the
controlling terminal when there is one, else a file only the owner may read."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import stat
import subprocess
import termios
import time
from pathlib import Path

import httpx

from tests.conftest import FIRST_START_NOTE, Server
from tests.serving import INCIDENTS, free_port

KEY = re.compile(r"^\s*(inc_\S+)\s*$", re.MULTILINE)


def test_without_a_terminal_the_banner_is_in_a_private_file(served: Server) -> None:
    log = served.log()
    named = FIRST_START_NOTE.search(log)
    assert named is not None, log
    note = Path(named.group(1))
    assert stat.S_IMODE(note.stat().st_mode) == 0o600
    assert note.stat().st_uid == os.getuid()
    [key] = KEY.findall(note.read_text())
    assert key not in log
    assert "password admin" not in log
    assert "Console at /: username admin, password" in note.read_text()
    listed = httpx.get(f"{served.url}/api/v1/keys", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200
    note.unlink()


def _attach_terminal(terminal: int) -> None:
    """In the child: a new session whose controlling terminal is `terminal`."""
    fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)


def test_with_a_terminal_the_banner_goes_there_and_not_to_the_log(
    database_url: str, tmp_path: Path
) -> None:
    controller, terminal = os.openpty()
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {**os.environ, "INCIDENTS_DATABASE_URL": database_url}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*INCIDENTS, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=(terminal,),
            preexec_fn=lambda: _attach_terminal(terminal),
        )
    os.close(terminal)
    try:
        shown = b""
        deadline = time.monotonic() + 60
        while not KEY.search(shown.decode(errors="replace")):
            assert time.monotonic() < deadline, log_path.read_text()
            assert process.poll() is None, log_path.read_text()
            if select.select([controller], [], [], 0.5)[0]:
                shown += os.read(controller, 65536)
        text = shown.decode()
        [key] = KEY.findall(text)
        while "Application startup complete" not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        logged = log_path.read_text()
        assert key not in logged
        assert "password" not in logged.lower()
        assert FIRST_START_NOTE.search(logged) is None
        headers = {"Authorization": f"Bearer {key}"}
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/keys", headers=headers).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        os.close(controller)
