"""Prometheus metrics: requests by route template and status, refusals at the doors machines
send to, incidents by status and chat notices given up.

One process counts in its own registry. Under `incidents serve --workers N` every worker
writes its counts to files in `PROMETHEUS_MULTIPROC_DIR` and a scrape, whichever worker
serves it, sums them all (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from incidents.domain.incident import Status
from incidents.domain.notifications import FailureReason
from incidents.domain.webhooks import Outcome

access_log = logging.getLogger("incidents.access")
refusal_log = logging.getLogger("incidents.intake")

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# prometheus-client reads this variable when it is imported: it must be in the environment
# before a process starts (`serve` sets it for the workers it spawns).
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


class IncidentCounts(Collector):
    """`incidents_by_status` as last read from the database, by the process being scraped.

    The counts are the database's, not the process's: summing them over workers (as
    multiprocess mode sums counters) would multiply them, so they never go to the files.
    """

    def __init__(self) -> None:
        self.counts: dict[Status, int] = {}

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "incidents_by_status", "Incidents in the registry, by status.", labels=["status"]
        )
        for status, count in self.counts.items():
            family.add_metric([status.value], count)
        yield family


class NotificationFailures(Collector):
    """`incidents_notifications_failed_total{reason}`: notices given up, as the database
    counts them (the sender may run in another process: `incidents bot`), every reason shown
    from 0."""

    def __init__(self) -> None:
        self.totals: dict[FailureReason, int] = dict.fromkeys(FailureReason, 0)

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "incidents_notifications_failed",
            "Chat notices given up (parked as failed, never retried on their own), by reason.",
            labels=["reason"],
        )
        for reason, total in self.totals.items():
            family.add_metric([reason.value], total)
        yield family


class StoredGauges(Collector):
    """Gauges of what the database holds, read at each scrape by the process being scraped
    (like `incidents_by_status`, never summed over workers)."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def collect(self) -> Iterator[Metric]:
        for name, value in self.values.items():
            yield GaugeMetricFamily(name, STORED_GAUGES[name], value=value)


# Their names and meanings (docs/MONITORING.md).
STORED_GAUGES = {
    "incidents_database_up": "1 when this scrape could read the database, 0 when it could not.",
    "incidents_outbox_pending": "Notifications waiting in the outbox to be sent.",
    "incidents_outbox_oldest_pending_age_seconds": (
        "How long the oldest notification waiting in the outbox has waited; 0 when none waits."
    ),
    "incidents_outbox_failed": "Notifications the outbox gave up on (parked), still kept.",
    "incidents_heartbeats_overdue": "Heartbeats whose next check-in is past due.",
    "incidents_backup_last_success_timestamp_seconds": (
        "When `incidents backup` last finished (Unix time); 0 when it never did."
    ),
}


class Metrics:
    """The registry `/metrics` renders: the app's own, so every app (and test) counts on its
    own, or, with `PROMETHEUS_MULTIPROC_DIR` set, the sum of every process's files."""

    def __init__(self) -> None:
        # `*_created` series double the output and no dashboard reads them.
        disable_created_metrics()
        self.registry = CollectorRegistry()
        shared = os.environ.get(MULTIPROCESS_DIR)
        if shared:
            # The counters below then write to files; the collector reads all of them.
            MultiProcessCollector(self.registry, path=shared)
        own = None if shared else self.registry
        self.requests = Counter(
            "incidents_http_requests",
            "HTTP requests served, by method, route template and status code.",
            ["method", "route", "status"],
            registry=own,
        )
        self.latency = Histogram(
            "incidents_http_request_duration_seconds",
            "Time to serve an HTTP request, by method, route template and status code.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=own,
        )
        self.intake_refused = Counter(
            "incidents_intake_refused",
            "What a machine door refused (a sender that never resends loses it), by door and "
            "reason.",
            ["door", "reason"],
            registry=own,
        )
        for door in MACHINE_DOORS.values():
            for reason in ("invalid", "forbidden", "too_large"):
                self.intake_refused.labels(door, reason)  # shown at 0 until one happens
        self.webhook_deliveries = Counter(
            "incidents_webhook_deliveries",
            "Attempts at webhook deliveries, by outcome: delivered (acknowledged), retried "
            "(failed, tried again later), failed (given up, parked).",
            ["outcome"],
            registry=own,
        )
        for outcome in Outcome:
            self.webhook_deliveries.labels(outcome.value)  # shown at 0 until one happens
        self.costly_refused = Counter(
            "incidents_costly_refused",
            "Costly requests (stats, text search, deep pages) refused with 429 because as many "
            "as one process runs at once were running (INCIDENTS_DB_COSTLY_AT_ONCE).",
            registry=own,
        )
        self.statement_timeouts = Counter(
            "incidents_statement_timeouts",
            "Requests answered 503 because a statement ran past its deadline.",
            registry=own,
        )
        self.incidents = IncidentCounts()
        self.registry.register(self.incidents)
        self.notifications_failed = NotificationFailures()
        self.registry.register(self.notifications_failed)
        self.stored = StoredGauges()
        self.registry.register(self.stored)

    def refused(self, door: str, reason: str) -> None:
        """Count one refusal at a machine door."""
        self.intake_refused.labels(door, reason).inc()

    def webhook_delivery(self, outcome: Outcome) -> None:
        """Count one attempt at a webhook delivery."""
        self.webhook_deliveries.labels(outcome.value).inc()

    def set_notification_failures(self, totals: dict[FailureReason, int]) -> None:
        """Record how many notices were given up, by reason."""
        self.notifications_failed.totals.update(totals)

    def set_incident_counts(self, counts: dict[Status, int]) -> None:
        """Record the number of incidents in each status."""
        self.incidents.counts = dict(counts)

    def set_stored(self, name: str, value: float) -> None:
        """Record one of the STORED_GAUGES as last read from the database."""
        self.stored.values[name] = value


@contextmanager
def shared_across_processes(processes: int) -> Iterator[Path | None]:
    """Set up multiprocess metrics for `processes` server processes, for as long as they run.

    An operator's `PROMETHEUS_MULTIPROC_DIR` is used (and emptied of a previous run's files);
    otherwise several processes get a fresh directory, removed when they are done. One
    process without the variable keeps its own registry: nothing to share.
    """
    given = os.environ.get(MULTIPROCESS_DIR)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        # Counts a previous run left behind would be summed into this run's.
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield folder
        return
    if processes == 1:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="incidents-metrics-") as made:
        os.environ[MULTIPROCESS_DIR] = made
        try:
            yield Path(made)
        finally:
            del os.environ[MULTIPROCESS_DIR]


# Where machines send (each path's door): they never resend what is refused.
MACHINE_DOORS = {
    "/api/v1/events": "events",
    "/api/v1/integrations/alertmanager": "alertmanager",
    "/api/v1/heartbeats/": "heartbeats",
}
# Why a machine's request was refused, by the status it was answered.
REFUSAL_REASONS = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method",
    413: "too_large",
    415: "invalid",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def machine_door(method: str, path: str, telegram_path: str | None = None) -> str | None:
    """The machine door a request came to, if any."""
    if method != "POST":
        return None
    if path == telegram_path:
        return "telegram"
    for prefix, door in MACHINE_DOORS.items():
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return door
    return None


class MetricsMiddleware:
    """Counts, times and logs every HTTP request, by the route template that served it.

    The log line carries the request id, route, status, latency and the acting key or user.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, telegram_path: str | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.telegram_path = telegram_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status_code = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            # Unmatched paths share one label so that scanners can not blow up the series count.
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            labels = (scope["method"], route, str(status_code))
            elapsed = perf_counter() - started
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(elapsed)
            state = scope.get("state", {})
            if status_code >= 400:
                self._note_refusal(scope, status_code, state.get("request_id"))
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status_code,
                extra={
                    "request_id": state.get("request_id"),
                    "client_request_id": state.get("client_request_id"),
                    "method": scope["method"],
                    "route": route,
                    "status": status_code,
                    "latency_ms": round(elapsed * 1000, 2),
                    "actor": state.get("actor"),
                },
            )

    def _note_refusal(self, scope: Scope, status_code: int, request_id: str | None) -> None:
        """Log and count a refusal at a machine door (what its sender loses)."""
        door = machine_door(scope["method"], scope["path"], self.telegram_path)
        if door is None:
            return
        reason = REFUSAL_REASONS.get(status_code, "error" if status_code >= 500 else "refused")
        self.metrics.refused(door, reason)
        refusal_log.warning(
            "%s refused at the %s door: %s (status %d, request %s)",
            scope["path"],
            door,
            reason,
            status_code,
            request_id,
        )
