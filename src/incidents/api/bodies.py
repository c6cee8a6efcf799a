"""Response bodies built once: our own output is read into its schema and written as JSON in
one pass, and handed back as a ready response (FastAPI then neither validates nor serializes
it again). The routes still declare their response model, for the API document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import TypeAdapter
from starlette.responses import Response

from incidents.api.schemas import IncidentOut
from incidents.domain.incident import Incident

_INCIDENT = IncidentOut.__pydantic_serializer__
_INCIDENTS = TypeAdapter(list[IncidentOut])
MEDIA_TYPE = "application/json"


def incident_json(incident: Incident) -> bytes:
    """An incident as the API shows it, as JSON."""
    return _INCIDENT.to_json(IncidentOut.model_validate(incident))


def incidents_json(incidents: Iterable[Incident]) -> bytes:
    """A list of incidents as the API shows them, as JSON."""
    return _INCIDENTS.dump_json(_INCIDENTS.validate_python(list(incidents), from_attributes=True))


def json_response(
    body: bytes, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A finished JSON response."""
    return Response(body, status_code=status_code, headers=headers, media_type=MEDIA_TYPE)
