"""The OpenAPI document made exact: what FastAPI writes loosely, said as the server behaves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PROBLEM_JSON = "application/problem+json"
NULL = {"type": "null"}
NO_NUL = r"^[^\u0000]*$"


def json_without_nul(levels: int) -> dict[str, Any]:
    """A JSON value whose texts hold no NUL, with objects and arrays `levels` deep at most."""
    kinds: list[dict[str, Any]] = [
        {"type": "string", "pattern": NO_NUL},
        {"type": "number"},
        {"type": "boolean"},
        NULL,
    ]
    if levels > 0:
        inner = json_without_nul(levels - 1)
        kinds.append({"type": "array", "items": inner})
        kinds.append(json_object_without_nul(inner))
    return {"anyOf": kinds}


def json_object_without_nul(values: dict[str, Any]) -> dict[str, Any]:
    """A JSON object with no NUL in its keys, whose values are `values`."""
    return {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": values}


# Answers listing things that may name an incident: where the first one's id is.
FIRST_INCIDENT_OF = {
    ("/api/v1/heartbeats", "get"): "$response.body#/0/incident_id",
    ("/api/v1/integrations/alertmanager", "post"): "$response.body#/alerts/0/incident_id",
}


def exact_openapi(generate: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's generator so the document it returns says what the server accepts."""

    def openapi() -> dict[str, Any]:
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                _problems_as_problem_json(operation)
                for parameter in operation.get("parameters", []):
                    _absent_is_not_null(parameter)
        _link_lists_to_their_first_incident(schema)
        return schema

    return openapi


def _problems_as_problem_json(operation: dict[str, Any]) -> None:
    """FastAPI files a response `model` under `application/json`; errors are never sent so."""
    for response in operation.get("responses", {}).values():
        content = response.get("content", {})
        if PROBLEM_JSON in content and "application/json" in content:
            content[PROBLEM_JSON] = content.pop("application/json")


def _absent_is_not_null(parameter: dict[str, Any]) -> None:
    """An optional parameter is left out, never sent as `null`: `If-Match: null` is a string
    the server refuses, so the document must not call it valid."""
    if parameter.get("required"):
        return
    schema = parameter.get("schema", {})
    variants = schema.get("anyOf")
    if not variants or NULL not in variants:
        return
    rest = [variant for variant in variants if variant != NULL]
    del schema["anyOf"]
    if len(rest) == 1:
        schema.update(rest[0])
    else:
        schema["anyOf"] = rest
    if schema.get("default", ...) is None:
        del schema["default"]


def _link_lists_to_their_first_incident(schema: dict[str, Any]) -> None:
    """Say how a list whose entries may name an incident leads to the first one's.

    Without these, tools that infer links (schemathesis) take every `incident_id` of the
    list, `null` included, and call `/api/v1/incidents/None`.
    """
    paths = schema.get("paths", {})
    targets = [
        operation["operationId"]
        for path, operations in paths.items()
        if "{incident_id}" in path
        for operation in operations.values()
    ]
    for (path, method), pointer in FIRST_INCIDENT_OF.items():
        answer = paths.get(path, {}).get(method, {}).get("responses", {}).get("200")
        if answer is None:
            continue
        answer["links"] = {
            target: {
                "operationId": target,
                "parameters": {"path.incident_id": pointer},
                "description": "The incident the first entry names, if any.",
            }
            for target in targets
        }
