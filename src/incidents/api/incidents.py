"""Incident routes: report, read, list, change, and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from pydantic import StringConstraints

from incidents.api.cursors import Cursor, next_cursor_headers, position_after
from incidents.api.deps import ActorDep, RuntimeDep
from incidents.api.errors import problem_responses
from incidents.api.etags import IF_MATCH_PATTERN, etag_of, matches_none, versions_in
from incidents.api.pagination import page_headers
from incidents.api.schemas import EventOut, IncidentCreate, IncidentOut, IncidentPatch
from incidents.domain.alerts import DEDUP_KEY_MAX_LENGTH
from incidents.domain.incident import MAX_ID, Incident, Resolution, Source, Status
from incidents.service import incidents as service
from incidents.service.changes import KEEP

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

# Ids are 64-bit; anything outside can not name an incident and is refused as invalid.
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The incident's id.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Items to skip.")]
AUTH_ERRORS = (401, 403)
SEARCH_MAX_LENGTH = 500
# Printable ASCII, not starting or ending with a space (HTTP would strip it).
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"


def _with_etag(response: Response, incident: Incident) -> IncidentOut:
    response.headers["ETag"] = etag_of(incident.version)
    return IncidentOut.model_validate(incident)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IncidentOut,
    responses=problem_responses(*AUTH_ERRORS, 409, 422, 503),
    summary="Report an incident",
)
async def create_incident(
    body: IncidentCreate,
    runtime: RuntimeDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=255,
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="Retrying with the same key and body returns the first answer "
            "instead of reporting twice (kept 24 hours).",
        ),
    ] = None,
) -> IncidentOut:
    """Record a new incident in status `new`; `Location` and `ETag` name it."""
    reported = await service.create_incident(
        runtime,
        actor=actor,
        description=body.description,
        source=body.source,
        idempotency_key=idempotency_key,
    )
    incident = reported.incident
    response.headers["Location"] = request.url_for("get_incident", incident_id=incident.id).path
    if reported.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return _with_etag(response, incident)


@router.get(
    "",
    response_model=list[IncidentOut],
    responses=problem_responses(*AUTH_ERRORS, 422, 503),
    summary="List incidents, newest first",
)
async def list_incidents(
    runtime: RuntimeDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    status: Annotated[
        list[Status] | None, Query(description="Only these statuses; repeat for several.")
    ] = None,
    source: Annotated[
        list[Source] | None, Query(description="Only these sources; repeat for several.")
    ] = None,
    dedup_key: Annotated[
        str | None,
        Query(max_length=DEDUP_KEY_MAX_LENGTH, description="Only incidents with this key."),
    ] = None,
    resolution: Annotated[
        list[Resolution] | None,
        Query(description="Only incidents that ended so; repeat for several."),
    ] = None,
    assignee: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]]
        | None,
        Query(
            description="Only incidents assigned to these actors (`user:olga`); `me` is you, "
            "`none` nobody. Repeat for several."
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=SEARCH_MAX_LENGTH,
            description="Only incidents whose description contains every word, in any case.",
        ),
    ] = None,
    limit: Limit = 50,
    offset: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="Items to skip (default 0).")
    ] = None,
    cursor: Cursor = None,
) -> list[IncidentOut]:
    """A page of incidents with `X-Total-Count`, `Link` and, for an offset page, `Content-Range`.

    Where more follow, `X-Next-Cursor` holds a keyset cursor to continue from this page.
    """
    after = position_after(cursor)
    page = await service.list_incidents(
        runtime,
        actor=actor,
        statuses=tuple(status or ()),
        sources=tuple(source or ()),
        dedup_key=dedup_key,
        search=q,
        resolutions=tuple(resolution or ()),
        assignees=tuple(assignee or ()),
        limit=limit,
        offset=offset or 0,
        after=after,
    )
    if after is None:
        headers = page_headers(
            request.url,
            unit="incidents",
            total=page.total,
            offset=offset or 0,
            limit=limit,
            count=len(page.items),
        )
    else:
        headers = {"X-Total-Count": str(page.total)}
    # Offset pages keep linking to offsets; a cursor page links to the next cursor.
    headers.update(next_cursor_headers(request.url, page.next, limit=limit, link=after is not None))
    response.headers.update(headers)
    return [IncidentOut.model_validate(item) for item in page.items]


@router.get(
    "/{incident_id}",
    response_model=IncidentOut,
    responses={
        304: {"description": "Not modified"},
        **problem_responses(*AUTH_ERRORS, 404, 422, 503),
    },
    summary="Read one incident",
)
async def get_incident(
    incident_id: IncidentId,
    runtime: RuntimeDep,
    actor: ActorDep,
    response: Response,
    if_none_match: Annotated[str | None, Header()] = None,
) -> IncidentOut | Response:
    """One incident with its `ETag`; `If-None-Match` with the current tag gives 304."""
    incident = await service.get_incident(runtime, actor=actor, incident_id=incident_id)
    if if_none_match is not None and matches_none(if_none_match, incident.version):
        return Response(status_code=304, headers={"ETag": etag_of(incident.version)})
    return _with_etag(response, incident)


@router.patch(
    "/{incident_id}",
    response_model=IncidentOut,
    responses=problem_responses(*AUTH_ERRORS, 404, 409, 412, 422, 503),
    summary="Change status, append a note, hand over, or close with a resolution",
)
async def change_incident(
    incident_id: IncidentId,
    body: IncidentPatch,
    runtime: RuntimeDep,
    actor: ActorDep,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(
            pattern=IF_MATCH_PATTERN,
            description="An ETag from a GET (or `*`, or a list); a stale one is refused with 412.",
        ),
    ] = None,
) -> IncidentOut:
    """Apply an allowed transition, a note, an owner and a resolution atomically.

    A new `ETag` comes back. `{"status": "closed", "resolution": "false_alarm"}` dismisses from
    new, in_progress or resolved; `"resolution": "duplicate", "duplicate_of": 7` folds it into
    #7 (or the incident #7 was folded into).
    """
    incident = await service.change_incident(
        runtime,
        actor=actor,
        incident_id=incident_id,
        status=body.status,
        note=body.appended,
        expected_versions=None if if_match is None else versions_in(if_match),
        assignee=body.assignee if "assignee" in body.model_fields_set else KEEP,
        resolution=body.resolution,
        duplicate_of=body.duplicate_of,
    )
    return _with_etag(response, incident)


@router.get(
    "/{incident_id}/events",
    response_model=list[EventOut],
    responses=problem_responses(*AUTH_ERRORS, 404, 422, 503),
    summary="The incident's audit trail, oldest first",
)
async def list_events(
    incident_id: IncidentId,
    runtime: RuntimeDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[EventOut]:
    """Every change to the incident: who, when, in which request; paginated like the list."""
    page = await service.list_events(
        runtime, actor=actor, incident_id=incident_id, limit=limit, offset=offset
    )
    response.headers.update(
        page_headers(
            request.url,
            unit="events",
            total=page.total,
            offset=offset,
            limit=limit,
            count=len(page.items),
        )
    )
    return [EventOut.of(event) for event in page.items]
