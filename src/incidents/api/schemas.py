"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from incidents.api.fields import (
    DedupKey,
    Details,
    JsonInteger,
    MachineText,
    NotNull,
    OmittableSource,
    Text,
    lowercase,
    omittable,
)
from incidents.domain.access import NAME_PATTERN, Role
from incidents.domain.audit import Event, EventKind
from incidents.domain.heartbeat import TIMEOUT_MAX_SECONDS, HeartbeatState
from incidents.domain.incident import MAX_ID, Resolution, Source, Status


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
    """A status change, a note appended to the description, a new owner, a resolution."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "minProperties": 1,
            "examples": [
                {"status": "in_progress"},
                {"status": "resolved", "description_append": "Rebooted the scooter."},
                {"assignee": "user:olga"},
                {"status": "closed", "resolution": "false_alarm", "note": "Test alert."},
                {"status": "closed", "resolution": "duplicate", "duplicate_of": 7},
            ],
        },
    )

    status: Annotated[Status | SkipJsonSchema[None], NotNull] = omittable("The status to move to.")
    description_append: Annotated[Text | SkipJsonSchema[None], NotNull] = omittable(
        "Text appended to the description on a new line (the whole stays within 10000 characters)."
    )
    note: Annotated[Text | SkipJsonSchema[None], NotNull] = omittable(
        "Why (with a resolution, say): appended like `description_append`."
    )
    assignee: str | None = Field(
        default=None,
        description="Who is on it, as the audit trail names actors: `user:<account>` (an "
        "existing account), `key:<name>` (an existing key) or `telegram:<digits>` with an "
        "optional ` (@username)`; null: nobody.",
    )
    resolution: Annotated[Resolution | SkipJsonSchema[None], NotNull] = omittable(
        "With status closed: `false_alarm` or `duplicate` close it early."
    )
    duplicate_of: Annotated[int | SkipJsonSchema[None], NotNull, JsonInteger] = omittable(
        "With resolution duplicate: the original.", ge=1, le=MAX_ID
    )

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        given = (
            self.status,
            self.description_append,
            self.note,
            self.resolution,
            self.duplicate_of,
        )
        if all(value is None for value in given) and "assignee" not in self.model_fields_set:
            raise ValueError(
                "give `status`, `description_append`, `assignee`, `resolution` or `duplicate_of`"
            )
        if self.note is not None and self.description_append is not None:
            raise ValueError("give `note` or `description_append`, not both")
        return self

    @property
    def appended(self) -> str | None:
        """The text to append, whichever field brought it."""
        return self.description_append if self.note is None else self.note


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
                    "details_truncated": False,
                    "assignee": "user:olga",
                    "resolution": None,
                    "duplicate_of": None,
                    "duplicates": [51, 57],
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
    details_truncated: bool = Field(
        description="What monitoring sent was cut to fit: details over 32 KiB of JSON, or a "
        "summary over 10,000 characters (marked where it was cut)."
    )
    assignee: str | None = Field(description="Who is on it, as the audit trail names actors.")
    resolution: Resolution | None = Field(
        description="How it ended (fixed, false_alarm, duplicate); null while open."
    )
    duplicate_of: int | None = Field(description="The incident it was closed as a duplicate of.")
    duplicates: list[int] = Field(description="The incidents closed as duplicates of it.")


class AlertTrigger(BaseModel):
    """The problem a dedup key names is there: a new incident, or one more occurrence."""

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
                }
            ]
        },
    )

    action: Annotated[Literal["trigger"], BeforeValidator(lowercase)]
    dedup_key: DedupKey
    summary: MachineText = Field(
        description="The description of a new incident; over 10,000 characters it is cut to "
        "fit, marked where it was cut."
    )
    source: OmittableSource = omittable(
        "Who reports; left out: the source the key is bound to, else monitoring."
    )
    details: Details = None


class AlertResolve(BaseModel):
    """The problem a dedup key names is gone: its open incident is resolved."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"action": "resolve", "dedup_key": "scooter-42-offline"}]},
    )

    action: Annotated[Literal["resolve"], BeforeValidator(lowercase)]
    dedup_key: DedupKey
    source: OmittableSource = omittable(
        "Whose incident it resolves; left out: the source the key is bound to, else monitoring."
    )
    # A script may send its trigger's body with the action flipped: what it says is kept.
    summary: Annotated[MachineText | SkipJsonSchema[None], NotNull] = omittable(
        "What the trigger said; kept in the `resolved` event's data."
    )
    details: Details = None


def _action_of(body: Any) -> str | None:
    """Which of the two a body is; any letter case of `action` is accepted."""
    action = body.get("action") if isinstance(body, dict) else getattr(body, "action", None)
    return action.lower() if isinstance(action, str) else None


AlertIn = Annotated[
    Annotated[AlertTrigger, Tag("trigger")] | Annotated[AlertResolve, Tag("resolve")],
    Discriminator(
        _action_of,
        custom_error_type="invalid_action",
        custom_error_message="`action` must be `trigger` or `resolve`",
    ),
    Field(
        json_schema_extra={
            "discriminator": {
                "propertyName": "action",
                "mapping": {
                    "trigger": "#/components/schemas/AlertTrigger",
                    "resolve": "#/components/schemas/AlertResolve",
                },
            }
        }
    ),
]


class AlertIgnored(BaseModel):
    """The answer to an all-clear for a key no open incident has: nothing changed."""

    dedup_key: str
    outcome: str = Field(examples=["nothing_open"])


class HeartbeatIn(BaseModel):
    """A check-in, optionally setting how long until the next one is due."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"timeout_seconds": 3600}]}
    )

    timeout_seconds: Annotated[
        Annotated[int, Field(ge=1, le=TIMEOUT_MAX_SECONDS)] | SkipJsonSchema[None],
        NotNull,
        JsonInteger,
    ] = omittable("Seconds until the next check-in is due; omitted: as before, or the default.")


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
    recorded another person's chat message, `summary` and `details` for a `resolved` whose
    all-clear brought them, and `status`, `number` and `waited_seconds` for `reminded` (actor
    `system:reminders`).
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
    request_id: str | None = Field(description="The id the server gave the request.")
    client_request_id: str | None = Field(
        default=None, description="The `X-Request-ID` the client sent, if any, kept beside it."
    )
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
            client_request_id=event.client_request_id,
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
        default=None,
        description="When set, the key acts only on incidents of this source. Left out by a "
        "key bound to a source, the new key is bound to that source.",
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
