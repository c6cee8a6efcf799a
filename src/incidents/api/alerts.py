"""The events API: monitoring triggers and resolves incidents by dedup key."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from incidents.api.deps import ActorDep, RuntimeDep
from incidents.api.errors import problem_responses
from incidents.api.etags import etag_of
from incidents.api.schemas import AlertIgnored, AlertIn, AlertTrigger, IncidentOut
from incidents.domain.alerts import AlertOutcome
from incidents.service import alerts

router = APIRouter(prefix="/api/v1", tags=["monitoring"])

# What each outcome answers; an all-clear nobody needed is accepted and changes nothing.
STATUS_OF: dict[AlertOutcome, int] = {
    AlertOutcome.CREATED: 201,
    AlertOutcome.OCCURRED_AGAIN: 200,
    AlertOutcome.REOPENED: 200,
    AlertOutcome.RESOLVED: 200,
    AlertOutcome.ALREADY_RESOLVED: 200,
    AlertOutcome.NOTHING_OPEN: 202,
}


@router.post(
    "/events",
    response_model=IncidentOut,
    responses={
        201: {"model": IncidentOut, "description": "A trigger opened a new incident"},
        202: {"model": AlertIgnored, "description": "A resolve found no open incident"},
        **problem_responses(401, 403, 422, 503),
    },
    summary="Trigger or resolve an incident by dedup key",
)
async def receive_alert(
    body: AlertIn, runtime: RuntimeDep, actor: ActorDep, request: Request, response: Response
) -> IncidentOut | JSONResponse:
    """`trigger`: a new incident (`201`) or one more occurrence of the open one (`200`,
    reopening it when resolved). `resolve`: the open incident is resolved (`200`); `202` when
    there is none."""
    if isinstance(body, AlertTrigger):
        handled = await alerts.trigger_alert(
            runtime,
            actor=actor,
            dedup_key=body.dedup_key,
            summary=body.summary,
            source=body.source,
            details=body.details,
        )
    else:
        handled = await alerts.resolve_alert(
            runtime,
            actor=actor,
            dedup_key=body.dedup_key,
            source=body.source,
            summary=body.summary,
            details=body.details,
        )
    status = STATUS_OF[handled.outcome]
    if handled.incident is None:
        ignored = AlertIgnored(dedup_key=body.dedup_key, outcome=handled.outcome.value)
        return JSONResponse(ignored.model_dump(), status_code=status)
    response.status_code = status
    response.headers["ETag"] = etag_of(handled.incident.version)
    if handled.outcome is AlertOutcome.CREATED:
        url = request.url_for("get_incident", incident_id=handled.incident.id)
        response.headers["Location"] = url.path
    return IncidentOut.model_validate(handled.incident)
