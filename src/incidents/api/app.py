"""The application factory: builds a FastAPI app from settings, with no work at import time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import partial

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from incidents import __version__
from incidents.api import alertmanager, alerts, health, heartbeats, incidents, keys, stats
from incidents.api.alertmanager import ALERTMANAGER_MAX_BODY_BYTES, ALERTMANAGER_PATH
from incidents.api.body_limit import BodyLimitMiddleware
from incidents.api.docs import install_docs
from incidents.api.errors import install_error_handlers
from incidents.api.header_limit import HeaderLimitMiddleware
from incidents.api.metrics import Metrics, MetricsMiddleware
from incidents.api.no_sniff import NoSniffNoStoreMiddleware
from incidents.api.request_id import RequestIdMiddleware
from incidents.api.validation import known_query_only
from incidents.api.webhook import (
    SinkFactory,
    WebhookSecretGate,
    add_webhook_route,
    require_webhook_secret,
)
from incidents.domain.clock import Clock
from incidents.service import housekeeping
from incidents.service.chat_jobs import chat_jobs
from incidents.service.heartbeats import check_heartbeats
from incidents.service.periodic import repeat
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


def create_app(
    settings: Settings, *, clock: Clock | None = None, bot: SinkFactory | None = None
) -> FastAPI:
    """An app over the database `settings` name; connections open on first use.

    With `bot`, the app runs the chat bot's background work (notifications) in its
    lifespan, and takes its updates when the bot has a webhook path.
    """
    require_webhook_secret(settings)
    runtime = Runtime.open(settings, clock=clock)
    sink = None if bot is None else bot(settings, runtime)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        chores = [
            asyncio.create_task(
                repeat(
                    partial(check_heartbeats, runtime),
                    period_seconds=settings.heartbeat_check_seconds,
                    what="checking heartbeats",
                ),
                name="watch-heartbeats",
            ),
            asyncio.create_task(
                repeat(
                    partial(housekeeping.tidy, runtime),
                    period_seconds=housekeeping.PERIOD_SECONDS,
                    what="housekeeping",
                ),
                name="housekeeping",
            ),
        ]
        if sink is not None:
            # Reminders and the digest are for chats: only a process with the bot queues them.
            chores += [
                asyncio.create_task(
                    repeat(job.work, period_seconds=job.period_seconds, what=job.what),
                    name=job.what,
                )
                for job in chat_jobs(settings, runtime)
            ]
            await sink.start()
        try:
            yield
        finally:
            if sink is not None:
                await sink.stop()
            for chore in chores:
                chore.cancel()
            with suppress(asyncio.CancelledError):
                await asyncio.gather(*chores)
            await runtime.close()

    app = FastAPI(
        title="incidents",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served by install_docs from local files, not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.metrics = Metrics()
    install_error_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_body_bytes,
        paths={ALERTMANAGER_PATH: ALERTMANAGER_MAX_BODY_BYTES},
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
            expose_headers=["ETag", "Location", "Link", "X-Total-Count", "Content-Range"],
        )
    app.add_middleware(HeaderLimitMiddleware)
    app.add_middleware(RequestIdMiddleware)
    # Outermost, so that refusals made by the middlewares above carry the headers too.
    app.add_middleware(NoSniffNoStoreMiddleware)
    # The API's operations refuse query parameters they do not take.
    strict_query = [Depends(known_query_only)]
    for router in (incidents, alerts, alertmanager, heartbeats, keys, stats):
        app.include_router(router.router, dependencies=strict_query)
    app.include_router(health.router)
    install_docs(app)
    if sink is not None and sink.webhook_path is not None:
        add_webhook_route(app, sink, sink.webhook_path)
    return app
