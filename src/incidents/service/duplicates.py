"""Locking an incident together with the one it is to be folded into, in a fixed order."""

from __future__ import annotations

from dataclasses import dataclass

from incidents.db import incidents as incident_store
from incidents.db.engine import Transaction
from incidents.domain.access import Actor, require_incident_source
from incidents.domain.errors import (
    DuplicateConflict,
    IllegalTransition,
    IncidentNotFound,
    InvalidInput,
)
from incidents.domain.incident import TRANSITIONS, Incident, Resolution, Status


class RootMoved(Exception):
    """The target was folded elsewhere between reading and locking it: start again."""


@dataclass(frozen=True, slots=True)
class Locked:
    """The incident to change and, when it is to be folded, the root it folds into."""

    current: Incident
    root: Incident | None = None


def check_duplicate_request(
    incident_id: int, resolution: Resolution | None, duplicate_of: int | None
) -> None:
    """Refuse `duplicate_of` without `resolution: duplicate`, the reverse, or itself."""
    if duplicate_of is not None and resolution != Resolution.DUPLICATE:
        raise InvalidInput("duplicate_of", 'duplicate_of goes with "resolution": "duplicate".')
    if resolution == Resolution.DUPLICATE and duplicate_of is None:
        raise InvalidInput(
            "duplicate_of", "resolution duplicate needs duplicate_of: the incident it duplicates."
        )
    if duplicate_of == incident_id:
        raise InvalidInput("duplicate_of", "An incident can not be a duplicate of itself.")


async def lock(
    tx: Transaction, incident_id: int, duplicate_of: int | None, *, actor: Actor
) -> Locked:
    """Lock the incident, and the root of `duplicate_of` if given, lower id first.

    The root is the target itself, or the incident a closed duplicate target points to, so
    duplicates never chain. Two requests folding two incidents into each other lock the
    same rows in the same order: the second sees the first's result and is refused.
    Raises IncidentNotFound, SourceNotAllowed (either is another source's than `actor` is
    bound to: checked before anything about them is told), InvalidInput (a missing target),
    DuplicateConflict (a cycle), and RootMoved when the target was folded elsewhere meanwhile.
    """
    conn = tx.connection
    if duplicate_of is None:
        current = await incident_store.get_incident(conn, incident_id, for_update=True)
        if current is None:
            raise IncidentNotFound(incident_id)
        require_incident_source(actor, current)
        return Locked(current)
    target = await incident_store.get_incident(conn, duplicate_of)
    if target is None:
        raise InvalidInput("duplicate_of", f"duplicate_of: incident {duplicate_of} does not exist.")
    require_incident_source(actor, target)
    root_id = target.duplicate_of or target.id
    if root_id == incident_id:
        if await incident_store.get_incident(conn, incident_id) is None:
            raise IncidentNotFound(incident_id)
        raise DuplicateConflict(incident_id, duplicate_of)
    rows: dict[int, Incident] = {}
    for row_id in sorted((incident_id, root_id)):
        found = await incident_store.get_incident(conn, row_id, for_update=True)
        if found is None:
            raise IncidentNotFound(incident_id)
        require_incident_source(actor, found)
        rows[row_id] = found
    root = rows[root_id]
    if root.duplicate_of is not None:
        raise RootMoved
    current = rows[incident_id]
    if current.duplicate_of is not None and current.duplicate_of != root_id:
        raise IllegalTransition(Status.CLOSED, Status.CLOSED, TRANSITIONS[Status.CLOSED])
    return Locked(current, root)
