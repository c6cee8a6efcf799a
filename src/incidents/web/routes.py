"""Console pages: the incident list, an incident with its history and actions, the report form.

Every change goes through the same use cases as the API; the buttons offered are the domain's
allowed transitions, and each form carries the version it was made from.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import Response

from incidents.domain.access import Actor, Permission, allows
from incidents.domain.errors import (
    DuplicateConflict,
    Forbidden,
    IdempotencyConflict,
    IllegalTransition,
    InvalidInput,
    VersionMismatch,
)
from incidents.domain.incident import (
    DESCRIPTION_MAX_LENGTH,
    EARLY_CLOSE_FROM,
    OPEN_STATUSES,
    Resolution,
    Source,
    Status,
    allowed_next,
    parse_id,
    reported_text,
    verb_for,
)
from incidents.service import incidents
from incidents.web.errors import ConsoleRoute, InvalidChoice, PageNotFound, message_for, status_of
from incidents.web.listing import PAGE_SIZE, ListQuery
from incidents.web.live import live_of
from incidents.web.owners import owner_choices, owner_chosen
from incidents.web.views import choice, incident_rows, notes_in, status_text, timeline
from incidents.web.visit import Visit, VisitDep

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

# An incident page shows this many events; the API pages through any number.
TIMELINE_LIMIT = 500
# Errors a form can cause that the page it came from shows, with the form as it was sent.
FORM_ERRORS = (
    VersionMismatch,
    IllegalTransition,
    Forbidden,
    InvalidInput,
    InvalidChoice,
    DuplicateConflict,
)


@router.get("/")
async def incident_list(visit: VisitDep) -> Response:
    """Incidents newest first, by status tab, source and search, a page at a time."""
    actor = visit.require_sign_in()
    query = ListQuery.from_params(visit.request.query_params)
    # Read before the rows: a change made meanwhile makes the page fetch itself again.
    live = await live_of(visit, actor)
    sources = (query.source,) if query.source else ()
    # The Mine tab: the open incidents assigned to the one who looks.
    statuses = (query.status,) if query.status else (OPEN_STATUSES if query.mine else ())
    page = await incidents.list_incidents(
        visit.runtime,
        actor=actor,
        statuses=statuses,
        sources=sources,
        search=query.q or None,
        limit=PAGE_SIZE,
        offset=query.offset,
        assignees=("me",) if query.mine else (),
    )
    counts = await incidents.count_by_status(
        visit.runtime, actor=actor, sources=sources, search=query.q or None
    )
    rows = incident_rows(page.items, now=visit.runtime.clock.now(), t=visit.t)
    return visit.render(
        "list.html",
        {
            "live": live,
            "query": query,
            "rows": rows,
            "total": page.total,
            "counts": counts,
            "all_count": sum(counts.values()),
            "first": query.offset + 1,
            "last": query.offset + len(rows),
            "has_next": query.offset + len(rows) < page.total,
            "statuses": list(Status),
            "sources": list(Source),
        },
    )


@router.get("/incidents/new")
async def report_form(visit: VisitDep) -> Response:
    """The form to report an incident."""
    visit.require_sign_in()
    return _report_page(visit, description="", source=Source.OPERATOR.value)


def _report_page(
    visit: Visit, *, description: str, source: str, error: Exception | None = None
) -> Response:
    return visit.render(
        "report.html",
        {
            "description": description,
            "source": source,
            "sources": list(Source),
            "max_length": DESCRIPTION_MAX_LENGTH,
            # Sent again by a double click, the same key reports once (idempotent create).
            "form_key": secrets.token_urlsafe(16),
            "message": None if error is None else message_for(error, visit.t),
        },
        status_code=200 if error is None else status_of(error),
    )


@router.post("/incidents")
async def report(visit: VisitDep) -> Response:
    """Report an incident, then show it."""
    actor = visit.require_sign_in()
    form = await visit.form()
    description, source = _text(form, "description"), _text(form, "source")
    form_key = _text(form, "form_key")
    try:
        reported = await incidents.create_incident(
            visit.runtime,
            actor=actor,
            description=description,
            source=choice(Source, source),
            idempotency_key=form_key if 0 < len(form_key) <= 255 else None,
        )
    except (InvalidInput, InvalidChoice, Forbidden, IdempotencyConflict) as error:
        return _report_page(visit, description=description, source=source, error=error)
    return visit.redirect(f"/incidents/{reported.incident.id}")


@router.get("/incidents/{incident_id}")
async def incident_page(incident_id: str, visit: VisitDep) -> Response:
    """One incident: its description, facts, history and the actions allowed now."""
    actor = visit.require_sign_in()
    return await _incident_page(visit, actor, _parse_id(incident_id))


async def _incident_page(
    visit: Visit, actor: Actor, incident_id: int, *, error: Exception | None = None, note: str = ""
) -> Response:
    live = await live_of(visit, actor, incident_id)
    incident = await incidents.get_incident(visit.runtime, actor=actor, incident_id=incident_id)
    trail = await incidents.list_events(
        visit.runtime, actor=actor, incident_id=incident_id, limit=TIMELINE_LIMIT, offset=0
    )
    can_change = allows(actor, Permission.CHANGE)
    owners = (
        await owner_choices(visit.runtime, actor, incident.assignee, visit.t) if can_change else []
    )
    return visit.render(
        "incident.html",
        {
            "live": live,
            "incident": incident,
            "status_text": status_text(incident, visit.t),
            "can_change": can_change,
            "transitions": [
                (target, visit.t.verbs[verb_for(incident.status, target)])
                for target in (allowed_next(incident.status) if can_change else ())
            ],
            # Notes live in the history, with who added them and when; the description
            # shows what was reported (the whole text when the history shown is cut short).
            "description": (
                reported_text(incident.description, notes_in(trail.items))
                if trail.total <= len(trail.items)
                else incident.description
            ),
            "can_dismiss": can_change and incident.status in EARLY_CLOSE_FROM,
            "timeline": timeline(trail.items, t=visit.t),
            "timeline_total": trail.total,
            "note": note,
            "owners": owners,
            "owner_chosen": "me" if incident.assignee == actor.name else incident.assignee or "",
            "max_length": DESCRIPTION_MAX_LENGTH,
            "message": None if error is None else message_for(error, visit.t),
        },
        status_code=200 if error is None else status_of(error),
    )


@router.post("/incidents/{incident_id}/status")
async def change_status(incident_id: str, visit: VisitDep) -> Response:
    """Move the incident to the status of the button pressed, if it is still where it was."""
    actor = visit.require_sign_in()
    number = _parse_id(incident_id)
    form = await visit.form()
    try:
        await incidents.change_incident(
            visit.runtime,
            actor=actor,
            incident_id=number,
            status=choice(Status, _text(form, "status")),
            expected_versions={_version(form)},
        )
    except FORM_ERRORS as error:
        return await _incident_page(visit, actor, number, error=error)
    return visit.redirect(f"/incidents/{number}")


@router.post("/incidents/{incident_id}/notes")
async def add_note(incident_id: str, visit: VisitDep) -> Response:
    """Append a note, if nobody changed the incident since the page was loaded."""
    actor = visit.require_sign_in()
    number = _parse_id(incident_id)
    form = await visit.form()
    note = _text(form, "note")
    try:
        await incidents.change_incident(
            visit.runtime,
            actor=actor,
            incident_id=number,
            note=note,
            expected_versions={_version(form)},
        )
    except FORM_ERRORS as error:
        return await _incident_page(visit, actor, number, error=error, note=note)
    return visit.redirect(f"/incidents/{number}#timeline")


@router.post("/incidents/{incident_id}/assignee")
async def hand_over(incident_id: str, visit: VisitDep) -> Response:
    """Hand the incident to someone (nobody, when the field is empty)."""
    actor = visit.require_sign_in()
    number = _parse_id(incident_id)
    form = await visit.form()
    chosen = _text(form, "assignee").strip()
    try:
        owner = await owner_chosen(visit.runtime, actor, number, chosen)
    except InvalidChoice as error:
        return await _incident_page(visit, actor, number, error=error)
    return await _change(visit, actor, number, form, assignee=owner, status=None, note=None)


@router.post("/incidents/{incident_id}/dismissal")
async def dismiss(incident_id: str, visit: VisitDep) -> Response:
    """Close the incident as a false alarm, with the reason as a note when one is given."""
    actor = visit.require_sign_in()
    number = _parse_id(incident_id)
    form = await visit.form()
    why = _text(form, "note").strip()
    return await _change(
        visit,
        actor,
        number,
        form,
        status=Status.CLOSED,
        resolution=Resolution.FALSE_ALARM,
        note=why or None,
    )


@router.post("/incidents/{incident_id}/duplicate")
async def mark_duplicate(incident_id: str, visit: VisitDep) -> Response:
    """Close the incident as a duplicate of the one whose number was given."""
    actor = visit.require_sign_in()
    number = _parse_id(incident_id)
    form = await visit.form()
    raw = _text(form, "duplicate_of").strip().lstrip("#")
    target = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0
    return await _change(
        visit,
        actor,
        number,
        form,
        status=Status.CLOSED,
        resolution=Resolution.DUPLICATE,
        duplicate_of=target,
        note=None,
    )


async def _change(
    visit: Visit,
    actor: Actor,
    number: int,
    form: FormData,
    *,
    status: Status | None,
    note: str | None,
    **more: Any,
) -> Response:
    try:
        await incidents.change_incident(
            visit.runtime,
            actor=actor,
            incident_id=number,
            status=status,
            note=note,
            expected_versions={_version(form)},
            **more,
        )
    except FORM_ERRORS as error:
        return await _incident_page(visit, actor, number, error=error)
    return visit.redirect(f"/incidents/{number}")


def _parse_id(raw: str) -> int:
    number = parse_id(raw)
    if number is None:
        raise PageNotFound()
    return number


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _version(form: FormData) -> int:
    raw = _text(form, "version")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise InvalidChoice()
    return int(raw)
