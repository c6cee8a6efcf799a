"""Field types of request bodies, each documented as the server checks it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from incidents.api.openapi import json_object_without_nul, json_without_nul
from incidents.domain.alerts import DEDUP_KEY_MAX_LENGTH, DETAILS_MAX_DEPTH
from incidents.domain.incident import DESCRIPTION_MAX_LENGTH, Source, check_storable

# Some character other than white space, and no NUL (which no database column can hold).
TEXT_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


def _text_schema(max_length: int) -> dict[str, Any]:
    """Text as the server takes it: trimmed, then 1..max_length characters, no NUL."""
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": TEXT_PATTERN}


def _trimmed(value: str) -> str:
    """The text without surrounding white space; its length was checked as sent."""
    trimmed = check_storable(value, field="text").strip()
    if not trimmed:
        raise ValueError("must not be blank")
    return trimmed


# The length is checked as sent, before trimming, as the document says (maxLength applies to
# the string in the request).
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=DESCRIPTION_MAX_LENGTH),
    AfterValidator(_trimmed),
    WithJsonSchema(_text_schema(DESCRIPTION_MAX_LENGTH)),
]


# What a machine sends is kept whatever its length: longer than a description holds, it is
# cut to fit (marked where it was cut) rather than refused; the body limit bounds it.
MachineText = Annotated[
    str,
    StringConstraints(min_length=1),
    AfterValidator(_trimmed),
    WithJsonSchema({"type": "string", "minLength": 1, "pattern": TEXT_PATTERN}),
]


def _json_integer(value: object) -> object:
    """A JSON integer (`90` or `90.0`), not a string of digits nor `true`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a JSON integer")
    return value


# A whole number as JSON writes it: Pydantic alone would take "90" too.
JsonInteger = BeforeValidator(_json_integer)


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("leave the field out instead of sending null")
    return value


# An optional field that is left out, never sent as null; the document says so too.
NotNull = BeforeValidator(_not_null)


def omittable(description: str, **constraints: Any) -> Any:
    """A field that may be left out (the document shows no `default: null` for it)."""
    return Field(
        default=None,
        description=description,
        json_schema_extra=lambda schema: schema.pop("default", None),  # type: ignore[arg-type]
        **constraints,
    )


DedupKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=DEDUP_KEY_MAX_LENGTH),
    AfterValidator(_trimmed),
    WithJsonSchema(_text_schema(DEDUP_KEY_MAX_LENGTH)),
    Field(description="Names the problem; triggers with the same key count as one incident."),
]


OmittableSource = Annotated[Source | SkipJsonSchema[None], NotNull]
# A JSON object without NUL characters (PostgreSQL's JSON can not hold them), as deep as the
# domain allows.
Details = Annotated[
    dict[str, Any] | None,
    WithJsonSchema(
        {
            "anyOf": [
                json_object_without_nul(json_without_nul(DETAILS_MAX_DEPTH - 1)),
                {"type": "null"},
            ]
        }
    ),
    Field(
        description="Any JSON object (no NUL, 5 levels deep at most), kept with the incident "
        "(the latest wins); over 32 KiB of JSON its longest values are cut to fit "
        "(`details_truncated`)."
    ),
]


def lowercase(value: object) -> object:
    """`TRIGGER` as `trigger`: names are taken in any letter case."""
    return value.lower() if isinstance(value, str) else value
