"""Liveness, readiness and metrics endpoints."""

from __future__ import annotations

import asyncio
from contextlib import suppress

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from incidents.api.deps import RuntimeDep
from incidents.api.metrics import Metrics
from incidents.domain.errors import StorageUnavailable
from incidents.service import backups
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
    """Request counts and latencies by route and status, and incidents by status."""
    collected: Metrics = request.app.state.metrics
    # Without the database, still serve the request metrics; the gauge keeps its last values.
    with suppress(StorageUnavailable):
        collected.set_incident_counts(await service.incidents_by_status(runtime))
        last_backup = await backups.last_backup_at(runtime)
        collected.set_stored(
            "incidents_backup_last_success_timestamp_seconds",
            last_backup.timestamp() if last_backup else 0.0,
        )
    return Response(generate_latest(collected.registry), media_type=CONTENT_TYPE_LATEST)
