"""Prometheus metrics: requests by route template and status, and incidents by status."""

from __future__ import annotations

import logging
from time import perf_counter

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from incidents.domain.incident import Status

access_log = logging.getLogger("incidents.access")

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's own collector registry, so every app (and test) counts on its own."""

    def __init__(self) -> None:
        # `*_created` series double the output and no dashboard reads them.
        disable_created_metrics()
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "incidents_http_requests",
            "HTTP requests served, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "incidents_http_request_duration_seconds",
            "Time to serve an HTTP request, by method, route template and status code.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.incidents = Gauge(
            "incidents_by_status",
            "Incidents in the registry, by status.",
            ["status"],
            registry=self.registry,
        )

    def set_incident_counts(self, counts: dict[Status, int]) -> None:
        """Record the number of incidents in each status."""
        for status, count in counts.items():
            self.incidents.labels(status=status.value).set(count)


class MetricsMiddleware:
    """Counts, times and logs every HTTP request, by the route template that served it.

    The log line carries the request id, route, status, latency and the acting key or user.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

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
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status_code,
                extra={
                    "request_id": state.get("request_id"),
                    "method": scope["method"],
                    "route": route,
                    "status": status_code,
                    "latency_ms": round(elapsed * 1000, 2),
                    "actor": state.get("actor"),
                },
            )
