"""Every error the API returns, as RFC 9457 problem+json; what a domain error means (its
status) is domain/error_meanings.py's table, rendered here."""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from incidents.api.binding import binding_refusal
from incidents.api.openapi import PROBLEM_JSON, exact_openapi
from incidents.api.validation import explained, json_problem
from incidents.domain.error_meanings import meaning_of
from incidents.domain.errors import (
    CostlyBusy,
    DomainError,
    IllegalTransition,
    InvalidInput,
    RateLimited,
    StatementTimedOut,
    StorageUnavailable,
    Unauthenticated,
)

log = logging.getLogger(__name__)


def _headers_of(error: DomainError) -> dict[str, str] | None:
    if isinstance(error, Unauthenticated):
        return {"WWW-Authenticate": 'Bearer realm="incidents"'}
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after_seconds)}
    if isinstance(error, StorageUnavailable):
        return {"Retry-After": "5"}
    return None


class FieldError(BaseModel):
    """One invalid field of a request."""

    loc: list[str | int] = Field(examples=[["body", "description"]])
    msg: str = Field(examples=["String should have at least 1 character"])
    type: str = Field(examples=["string_too_short"])


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["/problems/incident-not-found"])
    title: str = Field(examples=["Incident not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["Incident 42 does not exist."])
    instance: str | None = Field(default=None, examples=["/api/v1/incidents/42"])


class ValidationProblem(Problem):
    """A 422 problem listing every invalid field."""

    errors: list[FieldError]


class TransitionProblem(Problem):
    """A 409 problem; an illegal transition names the current status and those allowed next."""

    current_status: str | None = Field(default=None, examples=["new"])
    allowed_statuses: list[str] | None = Field(default=None, examples=[["in_progress"]])


class RateLimitProblem(Problem):
    """A 429 problem: how long to wait (also in `Retry-After`) and the limit that applies."""

    retry_after: int = Field(examples=[12])
    limit: str = Field(examples=["3000/minute"])


def problem_response(
    request: Request,
    status: int,
    *,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    body = Problem(
        type=f"/problems/{code}",
        title=_title(code),
        status=status,
        detail=detail,
        instance=request.url.path,
        **extra,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def send_problem(scope: Scope, send: Send, status: int, *, code: str, detail: str) -> None:
    """Answer with a problem+json straight from ASGI middleware, before any route runs."""
    body = json.dumps(
        {
            "type": f"/problems/{code}",
            "title": _title(code),
            "status": status,
            "detail": detail,
            "instance": scope["path"],
        }
    ).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# Any request can be malformed or too large, whatever else its route may answer.
ALWAYS_POSSIBLE = (413, 422)
# A route that authenticates also counts the request against a rate limit.
RATE_LIMITED_WITH = 401


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error statuses (and 413, 422; and 429
    where the route authenticates)."""
    models: dict[int, type[Problem]] = {
        422: ValidationProblem,
        409: TransitionProblem,
        429: RateLimitProblem,
    }
    limited = (429,) if RATE_LIMITED_WITH in statuses else ()
    return {
        status: {
            "model": models.get(status, Problem),
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {}},
        }
        for status in sorted({*statuses, *ALWAYS_POSSIBLE, *limited})
    }


def _title(code: str) -> str:
    return code.replace("-", " ").capitalize()


def _extra_of(error: DomainError, request: Request) -> dict[str, Any]:
    if isinstance(error, IllegalTransition):
        return {
            "current_status": error.current.value,
            "allowed_statuses": [s.value for s in error.allowed],
        }
    if isinstance(error, InvalidInput):
        where = "query" if error.field in request.query_params else "body"
        return {"errors": [{"loc": [where, error.field], "msg": error.detail, "type": error.code}]}
    if isinstance(error, RateLimited):
        return {"retry_after": error.retry_after_seconds, "limit": error.limit}
    return {}


async def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    _count(request, error)
    return problem_response(
        request,
        meaning_of(error).status,
        code=error.code,
        detail=error.detail,
        headers=_headers_of(error),
        **_extra_of(error, request),
    )


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    if (refusal := await binding_refusal(request)) is not None:
        return await _domain_error(request, refusal)
    found = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type"))}
        for e in error.errors()
    ]
    errors = await explained(request, found)
    # The first few, each with where it is: what to fix without reading `errors`.
    said = [f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in errors[:3]]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    detail = f"The request is not valid. {'; '.join(said)}{more}"
    return problem_response(request, 422, code="validation-error", detail=detail, errors=errors)


def _count(request: Request, error: DomainError) -> None:
    """Count what bounding costly work refused, on /metrics."""
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is None:
        return
    if isinstance(error, CostlyBusy):
        metrics.costly_refused.inc()
    elif isinstance(error, StatementTimedOut):
        metrics.statement_timeouts.inc()


# Stable problem codes where Python's reason phrases differ between versions.
_HTTP_CODES = {413: "content-too-large"}


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and (refusal := await binding_refusal(request)) is not None:
        return await _domain_error(request, refusal)
    if error.status_code == 400:
        # FastAPI's answer to a body it could not decode (say, invalid UTF-8): to the client
        # that is one more body that is not a JSON object, which is 422 everywhere else.
        return problem_response(
            request,
            422,
            code="validation-error",
            detail=(problem := json_problem(await request.body())),
            errors=[{"loc": ["body"], "msg": problem, "type": "json_invalid"}],
        )
    headers = dict(error.headers or {})
    if error.status_code == 405 and (methods := _methods_of(request)):
        headers["Allow"] = ", ".join(methods)
    phrase = HTTPStatus(error.status_code).phrase
    detail = error.detail if isinstance(error.detail, str) and error.detail != phrase else phrase
    return problem_response(
        request,
        error.status_code,
        code=_HTTP_CODES.get(error.status_code, phrase.lower().replace(" ", "-")),
        detail=f"{detail}.",
        headers=headers,
    )


def _methods_of(request: Request) -> list[str]:
    """Every method the API documents for the request's path (the router names only one
    route's methods in `Allow`, where one path may have several routes)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods.update(method.upper() for method in operations)
    return sorted(methods)


async def _too_deep(request: Request, error: Exception) -> JSONResponse:
    # Python's JSON parser gives up on bodies nested thousands of levels deep.
    if (refusal := await binding_refusal(request)) is not None:
        return await _domain_error(request, refusal)
    return problem_response(
        request,
        422,
        code="validation-error",
        detail="The request body nests too deeply to be read.",
        errors=[{"loc": ["body"], "msg": "nested too deeply", "type": "json_invalid"}],
    )


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(
        request, 500, code="internal-error", detail="Something went wrong on our side."
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on `app`, and document them as such."""
    app.openapi = exact_openapi(app.openapi)  # type: ignore[method-assign]
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RecursionError, _too_deep)
    app.add_exception_handler(Exception, _unexpected_error)
