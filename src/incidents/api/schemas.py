"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from incidents.domain.incident import DESCRIPTION_MAX_LENGTH, Source, Status

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=DESCRIPTION_MAX_LENGTH),
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
                    "created_at": "2026-11-23T10:15:00.123456Z",
                    "updated_at": "2026-11-23T10:15:00.123456Z",
                }
            ]
        },
    )

    id: int
    description: str
    status: Status
    source: Source
    version: int = Field(description="Bumped on every change; the ETag carries it.")
    created_at: datetime
    updated_at: datetime
