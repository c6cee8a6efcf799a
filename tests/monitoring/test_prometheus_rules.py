"""The alerting rules and the dashboard under deploy/: promtool accepts the rules and their
unit tests pass, and every metric they name is on /metrics."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import TickingClock, report

ROOT = Path(__file__).parents[2]
RULES = ROOT / "deploy" / "prometheus" / "incidents-rules.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "incidents-rules.test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "incidents-dashboard.json"
METRIC = re.compile(r"\bincidents_[a-z0-9_]+\b")


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        reason = "promtool is not installed (`make test` installs Debian's prometheus package)"
        if os.environ.get("INCIDENTS_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_promtool_checks_the_rules() -> None:
    checked = subprocess.run(
        [_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 8 rules found" in checked.stdout


def test_the_rules_fire_on_what_they_are_about() -> None:
    tested = subprocess.run(
        [_promtool(), "test", "rules", RULE_TESTS.name],
        cwd=RULE_TESTS.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_rules_cover_what_an_operator_must_hear_about() -> None:
    text = RULES.read_text()
    for metric in (
        "incidents_outbox_oldest_pending_age_seconds",
        "incidents_outbox_failed",
        "incidents_intake_refused_total",
        "incidents_heartbeats_overdue",
        "incidents_database_up",
        'incidents_http_requests_total{status=~"5.."}',
        "incidents_backup_last_success_timestamp_seconds",
    ):
        assert metric in text, metric


def _exposed(text: str) -> set[str]:
    return {line.split("{")[0].split()[0] for line in text.splitlines() if line[:1] not in "#"}


async def test_every_metric_the_rules_and_dashboard_name_is_on_metrics(
    client: httpx.AsyncClient,
) -> None:
    await report(client)
    await client.get("/api/v1/incidents/999999")
    await client.get("/metrics")  # the scrape itself is counted once it has answered
    exposed = _exposed((await client.get("/metrics")).text)

    named = set(METRIC.findall(RULES.read_text()))
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    named |= {name for expression in expressions for name in METRIC.findall(expression)}

    assert len(named) >= 9, named
    assert named <= exposed, sorted(named - exposed)


def _value(text: str, name: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(f"{name} "))
    return float(line.split()[1])


async def test_the_database_gauges_say_what_the_registry_holds(
    client: httpx.AsyncClient, clock: TickingClock
) -> None:
    before = (await client.get("/metrics")).text
    assert _value(before, "incidents_database_up") == 1
    assert _value(before, "incidents_heartbeats_overdue") == 0
    beat = await client.post("/api/v1/heartbeats/nightly", json={"timeout_seconds": 60})
    assert beat.status_code < 300, beat.text

    clock.advance(timedelta(minutes=2))

    after = (await client.get("/metrics")).text
    assert _value(after, "incidents_heartbeats_overdue") == 1
    assert _value(after, "incidents_outbox_failed") == 0
    assert _value(after, "incidents_outbox_oldest_pending_age_seconds") >= 0
