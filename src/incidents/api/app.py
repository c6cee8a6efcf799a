"""The API door: routes, documents, error answers and HTTP guards, put on the app it is handed."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from incidents import __version__
from incidents.api import (
    alertmanager,
    alerts,
    health,
    heartbeats,
    incidents,
    keys,
    stats,
    webhooks,
)
from incidents.api.alertmanager import ALERTMANAGER_PATH
from incidents.api.body_limit import BodyLimitMiddleware
from incidents.api.docs import install_docs
from incidents.api.errors import install_error_handlers
from incidents.api.header_limit import HeaderLimitMiddleware
from incidents.api.metrics import Metrics, MetricsMiddleware
from incidents.api.no_sniff import NoSniffNoStoreMiddleware
from incidents.api.request_id import RequestIdMiddleware
from incidents.api.validation import known_query_only
from incidents.api.webhook import UpdateSink, WebhookSecretGate, add_webhook_route
from incidents.service.runtime import Runtime
from incidents.settings import Settings

DESCRIPTION = """
A registry of record for operational incidents: every report from operators,
partners and monitoring is recorded and tracked to closure.

Statuses move only along `new -> in_progress <-> resolved -> closed`.
Errors are `application/problem+json` (RFC 9457).

Monitoring reports through `/api/v1/events` (trigger and resolve by dedup key, at most one
open incident per key), Alertmanager's webhook and heartbeats that open an incident when a
job stays silent.

Everything under `/api/` needs an API key: `Authorization: Bearer <key>`. Roles, each
including the one before: `reporter` (report and read), `operator` (also change status and
append notes), `admin` (also manage keys).
"""


def install_api(
    app: FastAPI, *, settings: Settings, runtime: Runtime, webhook: UpdateSink | None = None
) -> None:
    """Put the API on `app`: its routes, documents, error answers and HTTP guards, over
    `runtime`; with `webhook`, also the bot's update route when the bot has a webhook path."""
    app.title, app.version, app.description = "incidents", __version__, DESCRIPTION
    sink = webhook
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.metrics = Metrics()
    install_error_handlers(app)
    app.add_middleware(
        MetricsMiddleware,
        metrics=app.state.metrics,
        telegram_path=None if sink is None else sink.webhook_path,
    )
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_body_bytes,
        paths={ALERTMANAGER_PATH: settings.alertmanager_max_body_bytes},
    )
    if sink is not None and sink.webhook_path is not None:
        # Outside the body limit: without the secret, not even a request's size is looked at.
        app.add_middleware(WebhookSecretGate, path=sink.webhook_path, sink=sink)
    if settings.cors_origins:
        # Closed unless configured: browsers elsewhere may call the API only from these.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=[
                "ETag",
                "Location",
                "Link",
                "X-Total-Count",
                "X-Total-Count-Exact",
                "Content-Range",
            ],
        )
    app.add_middleware(HeaderLimitMiddleware)
    app.add_middleware(RequestIdMiddleware)
    # Outermost, so that refusals made by the middlewares above carry the headers too.
    app.add_middleware(NoSniffNoStoreMiddleware)
    # The API's operations refuse query parameters they do not take.
    strict_query = [Depends(known_query_only)]
    for router in (incidents, alerts, alertmanager, heartbeats, keys, stats, webhooks):
        app.include_router(router.router, dependencies=strict_query)
    app.include_router(health.router)
    install_docs(app)
    if sink is not None and sink.webhook_path is not None:
        add_webhook_route(app, sink, sink.webhook_path)
