"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from incidents.domain.access import NAME_PATTERN, Role
from incidents.domain.alerts import DEDUP_KEY_MAX_LENGTH, AlertAction
from incidents.domain.events import Event, EventKind
from incidents.domain.heartbeat import TIMEOUT_MAX_SECONDS, HeartbeatState
from incidents.domain.incident import DESCRIPTION_MAX_LENGTH, Source, Status, check_storable

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=DESCRIPTION_MAX_LENGTH),
    AfterValidator(lambda value: check_storable(value, field="text")),
]


class IncidentCreate(BaseModel):
    """What a client sends to report an incident; nothing else is accepted."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"description": "Scooter #42 is offline", "source": "monitoring"}]
        },
    )

    description: Text = Field(description="What happened; trimmed, 1..10000 characters.")
    source: Source = Field(description="Who reports it; any letter case is accepted.")


class IncidentPatch(BaseModel):
    """A status change and/or a note appended to the description."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "in_progress"},
                {"status": "resolved", "description_append": "Rebooted the scooter."},
            ]
        },
    )

    status: Status | None = Field(default=None, description="The status to move to.")
    description_append: Text | None = Field(
        default=None, description="Text appended to the description on a new line."
    )

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.status is None and self.description_append is None:
            raise ValueError("give `status`, `description_append`, or both")
        return self


class IncidentOut(BaseModel):
    """An incident as the API shows it."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "description": "Scooter #42 is offline",
                    "status": "new",
                    "source": "monitoring",
                    "version": 1,
                    "created_by": "key:zabbix",
                    "created_at": "2026-11-23T10:15:00.123456Z",
                    "updated_at": "2026-11-23T10:15:00.123456Z",
                    "dedup_key": "scooter-42-offline",
                    "occurrences": 3,
                    "last_seen_at": "2026-11-23T10:25:00.123456Z",
                    "details": {"battery": "4%"},
                }
            ]
        },
    )

    id: int
    description: str
    status: Status
    source: Source
    version: int = Field(description="Bumped on every change; the ETag carries it.")
    created_by: str = Field(description="Who reported it, as the audit trail names actors.")
    created_at: datetime
    updated_at: datetime
    dedup_key: str | None = Field(description="Monitoring's key; one open incident per key.")
    occurrences: int = Field(description="How many times it was reported (1 on create).")
    last_seen_at: datetime = Field(description="When it was last reported.")
    details: dict[str, Any] | None = Field(description="What monitoring sent with it.")


class AlertIn(BaseModel):
    """A monitoring event: the problem a dedup key names is there (trigger) or gone (resolve)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "action": "trigger",
                    "dedup_key": "scooter-42-offline",
                    "summary": "Scooter #42 offline",
                    "source": "monitoring",
                    "details": {"battery": "4%"},
                },
                {"action": "resolve", "dedup_key": "scooter-42-offline"},
            ]
        },
    )

    action: AlertAction
    dedup_key: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=DEDUP_KEY_MAX_LENGTH),
    ] = Field(description="Names the problem; triggers with the same key count as one incident.")
    summary: Text | None = Field(
        default=None, description="Required to trigger: the description of a new incident."
    )
    source: Source = Field(default=Source.MONITORING, description="Who reports; monitoring.")
    details: dict[str, Any] | None = Field(
        default=None, description="Any JSON object, kept with the incident (the latest wins)."
    )

    @model_validator(mode="after")
    def _trigger_has_a_summary(self) -> Self:
        if self.action is AlertAction.TRIGGER and self.summary is None:
            raise ValueError("a trigger needs a `summary`")
        return self


class AlertIgnored(BaseModel):
    """The answer to an all-clear for a key no open incident has: nothing changed."""

    dedup_key: str
    outcome: str = Field(examples=["nothing_open"])


class HeartbeatIn(BaseModel):
    """A check-in, optionally setting how long until the next one is due."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"timeout_seconds": 3600}]}
    )

    timeout_seconds: int | None = Field(
        default=None,
        ge=1,
        le=TIMEOUT_MAX_SECONDS,
        description="Seconds until the next check-in is due; omitted: as before, or the default.",
    )


class HeartbeatOut(BaseModel):
    """A heartbeat and its state now."""

    name: str
    timeout_seconds: int
    last_seen_at: datetime
    due_at: datetime
    state: HeartbeatState
    incident_id: int | None = Field(
        description="The unresolved incident its silence opened, if any."
    )


class EventOut(BaseModel):
    """One entry of an incident's audit trail.

    Kind-specific fields sit beside the common ones: `from` and `to` for
    `status_changed`, `text` for `note_added`, `reported_by` for a `created` whose actor
    recorded another person's chat message.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "incident_id": 42,
                    "kind": "status_changed",
                    "actor": "key:ops-console",
                    "request_id": "5f0c6a1e9b2d4c7a8e3f1b6d2a9c4e7f",
                    "created_at": "2026-11-23T10:20:00.000000Z",
                    "from": "new",
                    "to": "in_progress",
                }
            ]
        },
    )

    id: int
    incident_id: int
    kind: EventKind
    actor: str = Field(description="`key:<name>`, `user:<name>`, `telegram:<id> (@user)`, ...")
    request_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, event: Event) -> EventOut:
        """The API view of a stored event."""
        return cls(
            id=event.id,
            incident_id=event.incident_id,
            kind=event.kind,
            actor=event.actor,
            request_id=event.request_id,
            created_at=event.created_at,
            **event.data,
        )


class KeyCreate(BaseModel):
    """A new API key: its unique name, role and optionally the one source it may report."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "partner-acme", "role": "reporter", "source": "partner"}]
        },
    )

    name: str = Field(pattern=NAME_PATTERN.pattern, description="1..64 of A-Z a-z 0-9 . _ -")
    role: Role
    source: Source | None = Field(
        default=None, description="When set, the key may only report incidents of this source."
    )


class KeyOut(BaseModel):
    """An API key as listed; the secret is never shown again."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    role: Role
    source: Source | None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyIssued(KeyOut):
    """A key just created, with its secret: shown this once."""

    secret: str = Field(description="Send as `Authorization: Bearer <secret>`; not shown again.")
