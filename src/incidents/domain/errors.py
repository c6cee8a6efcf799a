"""Domain errors: explicit types with a stable code that every door maps once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from incidents.domain.incident import Status


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    code: ClassVar[str] = "domain-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    """A value broke a domain rule (blank text, too long, unknown enum value)."""

    code = "invalid-input"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class IncidentNotFound(DomainError):
    """No incident has the requested id."""

    code = "incident-not-found"

    def __init__(self, incident_id: int) -> None:
        super().__init__(f"Incident {incident_id} does not exist.")
        self.incident_id = incident_id


class IllegalTransition(DomainError):
    """The requested status change is not in the transition table."""

    code = "illegal-transition"

    def __init__(self, current: Status, target: Status, allowed: Sequence[Status]) -> None:
        allowed_text = ", ".join(s.value for s in allowed) or "none (the incident is closed)"
        super().__init__(
            f"Cannot move an incident from {current.value} to {target.value}. "
            f"Allowed from {current.value}: {allowed_text}."
        )
        self.current = current
        self.target = target
        self.allowed = tuple(allowed)


class VersionMismatch(DomainError):
    """The caller's expected version is stale: someone changed the incident meanwhile."""

    code = "version-mismatch"

    def __init__(self, incident_id: int, current_version: int) -> None:
        super().__init__(
            f"Incident {incident_id} has changed since you read it "
            f"(it is now at version {current_version}). Read it again and retry."
        )
        self.incident_id = incident_id
        self.current_version = current_version


class StorageUnavailable(DomainError):
    """The database did not answer in time; the request may be retried."""

    code = "storage-unavailable"

    def __init__(self) -> None:
        super().__init__("The database is not answering right now. Retry in a few seconds.")
