"""Heartbeat routes: jobs check in; anyone with a key lists them with their state."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path

from incidents.api.deps import ActorDep, RuntimeDep, SettingsDep
from incidents.api.errors import problem_responses
from incidents.api.schemas import HeartbeatIn, HeartbeatOut
from incidents.domain.access import NAME_PATTERN
from incidents.service import heartbeats
from incidents.service.heartbeats import HeartbeatView

router = APIRouter(prefix="/api/v1/heartbeats", tags=["monitoring"])

HeartbeatName = Annotated[
    str, Path(pattern=NAME_PATTERN.pattern, description="1..64 of A-Z a-z 0-9 . _ -")
]


def _out(view: HeartbeatView) -> HeartbeatOut:
    beat = view.heartbeat
    return HeartbeatOut(
        name=beat.name,
        timeout_seconds=beat.timeout_seconds,
        last_seen_at=beat.last_seen_at,
        due_at=beat.due_at,
        state=view.state,
        incident_id=beat.incident_id,
    )


@router.post(
    "/{name}",
    response_model=HeartbeatOut,
    responses=problem_responses(401, 403, 422, 503),
    summary="Check in",
)
async def check_in(
    name: HeartbeatName,
    runtime: RuntimeDep,
    actor: ActorDep,
    settings: SettingsDep,
    body: Annotated[HeartbeatIn | None, Body()] = None,
) -> HeartbeatOut:
    """Record that the job ran; it is overdue once `timeout_seconds` pass without another.

    A check-in resolves the incident an earlier silence opened.
    """
    view = await heartbeats.check_in(
        runtime,
        actor=actor,
        name=name,
        timeout_seconds=None if body is None else body.timeout_seconds,
        default_timeout_seconds=settings.heartbeat_timeout_seconds,
    )
    return _out(view)


@router.get(
    "",
    response_model=list[HeartbeatOut],
    responses=problem_responses(401, 403, 503),
    summary="List heartbeats with their state",
)
async def list_heartbeats(runtime: RuntimeDep, actor: ActorDep) -> list[HeartbeatOut]:
    """Every heartbeat by name: `up` or `overdue`, and the incident its silence opened."""
    return [_out(view) for view in await heartbeats.list_heartbeats(runtime, actor=actor)]
