"""Live pages: the list and an incident's page ask `/live` every few seconds whether anything
changed, and fetch themselves again when it did (static/live.js; pages work without it)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from incidents.domain.access import Actor
from incidents.domain.incident import parse_id
from incidents.service import people
from incidents.web.errors import ConsoleRoute
from incidents.web.visit import Visit, VisitDep

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

# How often a live page asks; a change shows within this and one page fetch.
EVERY_MS = 3000


@dataclass(frozen=True, slots=True)
class Live:
    """What a live page's script needs: where to ask, what it showed, how often to ask."""

    url: str
    stamp: int
    every_ms: int = EVERY_MS


async def live_of(visit: Visit, actor: Actor, incident_id: int | None = None) -> Live:
    """The live attributes of the list (no `incident_id`) or of one incident's page."""
    stamp = await people.latest_change(visit.runtime, actor=actor, incident_id=incident_id)
    url = "/live" if incident_id is None else f"/live?incident={incident_id}"
    return Live(url=url, stamp=stamp)


@router.get("/live")
async def live(visit: VisitDep) -> Response:
    """`{"stamp": n}`: a number that grows with every change (of the incident asked about,
    or of any); a page that showed another number fetches itself again."""
    actor = visit.require_sign_in()
    raw = visit.request.query_params.get("incident")
    incident_id = parse_id(raw) if raw else None
    stamp = await people.latest_change(visit.runtime, actor=actor, incident_id=incident_id)
    return JSONResponse({"stamp": stamp})
