"""How the console tells people what went wrong: a page with the error's status (from the one
table of domain/error_meanings.py) and a text in the console's language."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from incidents.domain.error_meanings import meaning_of
from incidents.domain.errors import (
    AccountDisabled,
    DomainError,
    DuplicateConflict,
    Forbidden,
    IdempotencyConflict,
    IllegalTransition,
    IncidentNotFound,
    InvalidInput,
    RateLimited,
    StorageUnavailable,
    TooManySignInFailures,
    VersionMismatch,
    WrongCredentials,
)
from incidents.domain.incident import DESCRIPTION_MAX_LENGTH, Status
from incidents.web.console import Console
from incidents.web.security import secure_page

if TYPE_CHECKING:
    from incidents.web.texts import Texts

log = logging.getLogger(__name__)

# Where the console keeps what it was built with, on the app it serves.
CONSOLE_STATE = "console"


def console_of(request: Request) -> Console:
    """The console serving `request`, as `install_console` built it."""
    console: Console = getattr(request.app.state, CONSOLE_STATE)
    return console


class SignInRequired(Exception):
    """The page needs a signed-in person; they are sent to sign in, then back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form came without this session's CSRF token."""


class PageNotFound(Exception):
    """The path names nothing the console shows."""


class InvalidChoice(Exception):
    """A form sent a value none of its controls offers."""


class FormRefused(Exception):
    """A form could not be read: it carried files, too many fields, or broken encoding."""

    def __init__(self, reason: str, *, max_fields: int) -> None:
        super().__init__(reason)
        self.carries_files = "files" in reason.lower()
        self.too_many_fields = "fields" in reason.lower()
        self.max_fields = max_fields


# The console's own refusals; a domain error's status is its row in domain/error_meanings.py.
STATUS_OF: dict[type[Exception], int] = {
    InvalidChoice: 400,
    FormRefused: 400,
    CsrfRefused: 403,
    PageNotFound: 404,
}


def status_of(error: Exception) -> int:
    """The HTTP status a page showing `error` answers with."""
    if isinstance(error, HTTPException):
        return error.status_code
    if isinstance(error, DomainError):
        return meaning_of(error).on_page
    return STATUS_OF.get(type(error), 500)


def _wait(t: Texts, seconds: int) -> str:
    """A wait as `Retry-After` gives it, in words: `1 s`, `2 min`, `1 min 4 s`."""
    minutes, rest = divmod(max(1, seconds), 60)
    if not minutes:
        return t.wait_seconds.format(n=rest)
    if not rest:
        return t.wait_minutes.format(n=minutes)
    return t.wait_minutes_seconds.format(m=minutes, s=rest)


def message_for(error: Exception, t: Texts) -> str:
    """What to tell the person about `error`, in the console's language."""
    match error:
        case WrongCredentials():
            return t.error_wrong_credentials
        case AccountDisabled():
            return t.error_account_disabled
        case TooManySignInFailures():
            return t.error_too_many_failures.format(wait=_wait(t, error.retry_after_seconds))
        case RateLimited():
            return t.error_rate_limited.format(seconds=error.retry_after_seconds)
        case CsrfRefused():
            return t.error_csrf
        case VersionMismatch():
            return t.error_version_mismatch
        case IllegalTransition():
            return t.error_illegal_transition.format(
                current=_status(t, error.current), target=_status(t, error.target)
            )
        case Forbidden():
            return t.error_forbidden.format(needed=error.needed, role=error.role)
        case IncidentNotFound():
            return t.error_incident_not_found.format(id=error.incident_id)
        case InvalidInput(field="assignee"):
            return t.error_invalid_assignee
        case InvalidInput(field="duplicate_of"):
            return t.error_invalid_duplicate
        case InvalidInput():
            return t.error_invalid_text.format(max=DESCRIPTION_MAX_LENGTH)
        case DuplicateConflict():
            return t.error_duplicate_cycle.format(id=error.incident_id, target=error.target_id)
        case InvalidChoice():
            return t.error_invalid_choice
        case FormRefused(carries_files=True):
            return t.error_form_files
        case FormRefused(too_many_fields=True):
            return t.error_form_fields.format(max=error.max_fields)
        case FormRefused() | HTTPException(status_code=400):
            return t.error_form_unreadable
        case IdempotencyConflict():
            return t.error_form_reused
        case StorageUnavailable():
            return t.error_storage
        case PageNotFound() | HTTPException(status_code=404):
            return t.error_page_not_found
    return t.error_unexpected


def _status(t: Texts, status: Status) -> str:
    return t.statuses[status]


def sign_in_url(next_path: str) -> str:
    """The sign-in page, returning to `next_path` afterwards."""
    return "/sign-in" if next_path == "/" else f"/sign-in?{urlencode({'next': next_path})}"


def error_page(request: Request, error: Exception) -> Response:
    """A page saying what went wrong, with the status that fits."""
    console = console_of(request)
    status = status_of(error)
    if status >= 500 and not isinstance(error, StorageUnavailable):
        log.error("console error on %s %s", request.method, request.url.path, exc_info=error)
    texts = console.texts(request)
    message = message_for(error, texts)
    headers = {"Retry-After": "5"} if isinstance(error, StorageUnavailable) else None
    return console.templates.TemplateResponse(
        request,
        "error.html",
        {
            "t": texts,
            "actor": getattr(request.state, "console_actor", None),
            "csrf_token": getattr(request.state, "console_csrf", ""),
            "message": message,
        },
        status_code=status,
        headers=headers,
    )


class ConsoleRoute(APIRoute):
    """A console route: errors become pages, sign-in is asked for, every answer is secured."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler wrapped to turn anything raised into a page."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired as required:
                response = RedirectResponse(sign_in_url(required.next_path), status_code=303)
            except Exception as error:  # every failure becomes a page, never a bare 500
                response = error_page(request, error)
            return secure_page(response)

        return handle
