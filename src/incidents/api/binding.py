"""The binding answers first: a key bound to a source asking about another source's incident
is refused for that, whatever else its request gets wrong (a bad body, header or query)."""

from __future__ import annotations

from fastapi import Request

from incidents.domain.errors import DomainError, SourceNotAllowed
from incidents.domain.incident import MAX_ID
from incidents.service import access
from incidents.service import incidents as service
from incidents.service.runtime import Runtime


def _incident_id(request: Request) -> int | None:
    """The incident the request's path names, if it names one that could exist."""
    raw = request.scope.get("path_params", {}).get("incident_id")
    if not isinstance(raw, str | int):
        return None
    text = str(raw)
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


async def binding_refusal(request: Request) -> SourceNotAllowed | None:
    """The refusal a bound key gets for another source's incident on this request, or None
    (no incident in the path, no valid bound key, a missing incident, or its own source's)."""
    incident_id = _incident_id(request)
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if incident_id is None or scheme.lower() != "bearer" or not secret.strip():
        return None
    runtime: Runtime = request.app.state.runtime
    try:
        actor = await access.authenticate_key(runtime, secret=secret.strip())
        await service.require_own_incident(runtime, actor=actor, incident_id=incident_id)
    except SourceNotAllowed as refusal:
        return refusal
    except DomainError:
        return None
    return None
