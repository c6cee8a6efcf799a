"""A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) notifying
`incidents serve` on both databases: big groups, long alerts and resolves all recorded.

Without the binary these tests skip, except in CI (INCIDENTS_REQUIRE_POSTGRES=1), where
`make test-slow` installs it first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.serving import free_port, wait_until_up

pytestmark = pytest.mark.slow

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
CONFIG = """
route:
  receiver: incidents
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: incidents
    webhook_configs:
      - url: {url}/api/v1/integrations/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: {key}
"""


@contextmanager
def _alertmanager(notify: str, key: str, folder: Path) -> Iterator[str]:
    """A running Alertmanager that sends its notifications to `notify`; its URL."""
    if ALERTMANAGER is None:
        if os.environ.get("INCIDENTS_REQUIRE_POSTGRES") == "1":
            pytest.fail("prometheus-alertmanager is not installed (make test-slow installs it)")
        pytest.skip("prometheus-alertmanager is not installed")
    config = folder / "alertmanager.yml"
    config.write_text(CONFIG.format(url=notify, key=key))
    port = free_port()
    with (folder / "alertmanager.log").open("wb") as log:
        process = subprocess.Popen(
            [
                ALERTMANAGER,
                f"--config.file={config}",
                f"--storage.path={folder / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            assert wait_until_up(url, process, path="/-/ready"), folder / "alertmanager.log"
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def alertmanager(served: Server, tmp_path: Path) -> Iterator[str]:
    """An Alertmanager that notifies `served` with a reporter key; its URL."""
    with _alertmanager(served.url, served.make_key("alertmanager", "reporter"), tmp_path) as url:
        yield url


class _LosesFirstAnswer(BaseHTTPRequestHandler):
    """Passes each notification on to the registry, but drops the first answer on the floor,
    as a notify timeout would: Alertmanager sees no answer and sends the same body again."""

    registry = ""
    bodies: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = httpx.post(
            f"{self.registry}{self.path}",
            content=body,
            headers={name: self.headers[name] for name in ("Authorization", "Content-Type")},
            timeout=60,
        )
        self.bodies.append(body)
        if len(self.bodies) == 1:
            self.close_connection = True  # no answer at all: the connection just ends
            return
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test says what matters."""


def _alerts(count: int, *, ends: datetime | None = None, **annotations: str) -> list[Any]:
    now = datetime.now(UTC)
    return [
        {
            "labels": {"alertname": f"Offline{count}", "instance": f"scooter-{n}"},
            "annotations": {"summary": f"Scooter {n} offline", **annotations},
            "startsAt": (now - timedelta(minutes=1)).isoformat(),
            **({"endsAt": ends.isoformat()} if ends else {}),
        }
        for n in range(count)
    ]


def _wait_for(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "Alertmanager's notifications did not arrive"
        time.sleep(0.2)


@pytest.fixture
def reader(served: Server) -> httpx.Client:
    """A client of `served` with a key that reads."""
    key = served.make_key("reader", "reporter")
    return httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {key}"})


def _total(reader: httpx.Client, query: str) -> int:
    return int(reader.get(f"/api/v1/incidents?limit=1&{query}").headers["X-Total-Count"])


def _failed_notifications(alertmanager: str) -> float:
    text = httpx.get(f"{alertmanager}/metrics").text
    lines = [
        line
        for line in text.splitlines()
        if line.startswith("alertmanager_notifications_failed_total")
    ]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


@pytest.mark.parametrize("count", [1001, 5000])
def test_a_big_group_is_recorded_whole_then_resolved(
    alertmanager: str, reader: httpx.Client, count: int
) -> None:
    httpx.post(f"{alertmanager}/api/v2/alerts", json=_alerts(count), timeout=60).raise_for_status()
    _wait_for(lambda: _total(reader, "status=new") == count)

    ended = datetime.now(UTC) - timedelta(seconds=1)
    httpx.post(
        f"{alertmanager}/api/v2/alerts", json=_alerts(count, ends=ended), timeout=60
    ).raise_for_status()
    _wait_for(lambda: _total(reader, "status=resolved") == count)
    assert _total(reader, "") == count
    assert _failed_notifications(alertmanager) == 0


def test_long_alerts_are_recorded_cut(alertmanager: str, reader: httpx.Client) -> None:
    long = _alerts(1, description="x" * 40_000)
    cyrillic = _alerts(1, description="я" * 6_000, runbook="ж" * 14_000)
    cyrillic[0]["labels"]["alertname"] = "Cyrillic"
    httpx.post(f"{alertmanager}/api/v2/alerts", json=long + cyrillic).raise_for_status()

    _wait_for(lambda: _total(reader, "") == 2)
    listed = reader.get("/api/v1/incidents").json()
    assert [i["details_truncated"] for i in listed] == [True, True]
    assert all(json.dumps(i["details"]["labels"]) for i in listed)
    assert _failed_notifications(alertmanager) == 0


def test_a_notification_sent_again_after_no_answer_counts_once(
    served: Server, reader: httpx.Client, tmp_path: Path
) -> None:
    class Proxy(_LosesFirstAnswer):
        registry = served.url
        bodies: list[bytes] = []

    handler = Proxy
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    notify = f"http://127.0.0.1:{proxy.server_port}"
    try:
        with _alertmanager(notify, served.make_key("alertmanager", "reporter"), tmp_path) as url:
            httpx.post(f"{url}/api/v2/alerts", json=_alerts(3)).raise_for_status()
            _wait_for(lambda: len(handler.bodies) >= 2)
    finally:
        proxy.shutdown()
        proxy.server_close()

    # The same notification twice, the first applied but never answered: counted once.
    assert handler.bodies[0] == handler.bodies[1]
    listed = reader.get("/api/v1/incidents").json()
    assert len(listed) == 3
    assert [incident["occurrences"] for incident in listed] == [1, 1, 1]
    assert "sent again: answered as before, nothing counted" in served.log()
