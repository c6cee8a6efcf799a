"""Liveness, readiness and metrics endpoints."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from incidents.api.deps import RuntimeDep
from incidents.api.metrics import Metrics
from incidents.domain.errors import StorageUnavailable
from incidents.service import failed_notices, watch
from incidents.service import incidents as service

router = APIRouter(tags=["operations"])

READY_TIMEOUT_SECONDS = 3.0


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    """Always `ok` while the process serves requests; does not touch the database."""
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: the database answers",
    responses={503: {"description": "The database does not answer"}},
)
async def ready(runtime: RuntimeDep) -> JSONResponse:
    """`200` when the database answers within a few seconds, `503` otherwise."""
    try:
        await asyncio.wait_for(runtime.check(), READY_TIMEOUT_SECONDS)
    except (StorageUnavailable, TimeoutError):
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ready", "database": "up"})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """Request counts and latencies by route and status, incidents by status, chat notices
    given up by reason."""
    collected: Metrics = request.app.state.metrics
    # Without the database, still serve the request metrics; the gauges keep their last
    # values, and `incidents_database_up` says they are stale.
    try:
        collected.set_incident_counts(await service.incidents_by_status(runtime))
        collected.set_notification_failures(await failed_notices.failure_totals(runtime))
        seen = await watch.watched(runtime)
    except StorageUnavailable:
        collected.set_stored("incidents_database_up", 0)
    else:
        now = runtime.clock.now()
        oldest = seen.outbox_oldest_pending_at
        for name, value in {
            "incidents_database_up": 1.0,
            "incidents_outbox_pending": seen.outbox_pending,
            "incidents_outbox_oldest_pending_age_seconds": (
                max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
            ),
            "incidents_outbox_failed": seen.outbox_failed,
            "incidents_heartbeats_overdue": seen.heartbeats_overdue,
            "incidents_backup_last_success_timestamp_seconds": (
                seen.last_backup_at.timestamp() if seen.last_backup_at else 0.0
            ),
        }.items():
            collected.set_stored(name, value)
    return Response(generate_latest(collected.registry), media_type=CONTENT_TYPE_LATEST)
