"""`incidents webhooks add | list | remove` and `incidents outbox failed | retry` as an
operator runs them on the server's database."""

from __future__ import annotations

import os
import subprocess

import pytest

from incidents.domain.access import Actor
from incidents.domain.incident import Source
from incidents.service import incidents, webhooks
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from tests.serving import INCIDENTS


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INCIDENTS_DATABASE_URL": database_url}
    return subprocess.run([*INCIDENTS, *args], env=env, capture_output=True, text=True, check=False)


async def _park_one_delivery(database_url: str) -> int:
    """Report an incident (a subscription wants it) and give its delivery up at once."""
    runtime = Runtime.open(Settings(database_url=database_url, _env_file=None))
    try:
        reporter = Actor.system("tests")
        await incidents.create_incident(
            runtime, actor=reporter, description="Printer on fire", source=Source.OPERATOR
        )
        [claimed] = await webhooks.claim_deliveries(runtime)
        await webhooks.give_up(runtime, claimed, error="HTTP 503")
        return claimed.id
    finally:
        await runtime.close()


# About a dozen runs of the console script: over 20 s on a busy machine.
@pytest.mark.slow
async def test_webhooks_and_failed_deliveries_from_the_command_line(database_url: str) -> None:
    refused = _cli(database_url, "webhooks", "add", "ftp://example.com/hook")
    assert refused.returncode == 1
    assert "http:// or https://" in refused.stderr

    added = _cli(database_url, "webhooks", "add", "http://127.0.0.1:9/hook", "--source", "operator")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip().splitlines()[-1].startswith("whsec_")
    assert "Subscribed webhook 1 to http://127.0.0.1:9/hook (operator incidents)" in added.stdout
    listed = _cli(database_url, "webhooks", "list")
    assert "http://127.0.0.1:9/hook" in listed.stdout
    assert "whsec_" not in listed.stdout

    assert "No failed deliveries." in _cli(database_url, "outbox", "failed").stdout
    parked = await _park_one_delivery(database_url)
    failed = _cli(database_url, "outbox", "failed")
    assert failed.returncode == 0, failed.stderr
    assert f"webhook-{parked} " in failed.stdout
    assert "HTTP 503" in failed.stdout
    retried = _cli(database_url, "outbox", "retry", f"webhook-{parked}")
    assert retried.returncode == 0, retried.stderr
    assert "No failed deliveries." in _cli(database_url, "outbox", "failed").stdout
    unknown = _cli(database_url, "outbox", "retry", f"webhook-{parked}")
    assert unknown.returncode == 1
    assert f"No failed delivery has id {parked}" in unknown.stderr

    removed = _cli(database_url, "webhooks", "remove", "1")
    assert removed.returncode == 0, removed.stderr
    assert "No webhooks." in _cli(database_url, "webhooks", "list").stdout
    again = _cli(database_url, "webhooks", "remove", "1")
    assert again.returncode == 1
    assert "No webhook subscription has id 1" in again.stderr
