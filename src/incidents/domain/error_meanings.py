"""What each domain error means to a client, in one table every door renders.

The meaning is given as an HTTP status, the language both HTTP doors speak: the API renders
it as problem+json, the console as a page, and the bot by the error's class as a chat reply.
Where a door must answer otherwise, the row says so and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from incidents.domain.errors import (
    AccountDisabled,
    AccountNotFound,
    CostlyBusy,
    DeliveryNotFound,
    DomainError,
    DuplicateConflict,
    Forbidden,
    IdempotencyConflict,
    IllegalTransition,
    IncidentNotFound,
    InvalidInput,
    KeyNotFound,
    NameTaken,
    RateLimited,
    SourceNotAllowed,
    StatementTimedOut,
    StorageUnavailable,
    TooManySignInFailures,
    Unauthenticated,
    VersionMismatch,
    WebhookNotFound,
    WrongCredentials,
)


@dataclass(frozen=True, slots=True)
class Meaning:
    """An error's status; `page_status` (with `why`) where the console's page must differ."""

    status: HTTPStatus
    page_status: HTTPStatus | None = None
    why: str = ""

    @property
    def on_page(self) -> HTTPStatus:
        """The status a console page showing the error answers with."""
        return self.status if self.page_status is None else self.page_status


MEANINGS: dict[type[DomainError], Meaning] = {
    InvalidInput: Meaning(HTTPStatus.UNPROCESSABLE_ENTITY),
    WrongCredentials: Meaning(HTTPStatus.BAD_REQUEST),
    Unauthenticated: Meaning(HTTPStatus.UNAUTHORIZED),
    Forbidden: Meaning(HTTPStatus.FORBIDDEN),
    SourceNotAllowed: Meaning(HTTPStatus.FORBIDDEN),
    AccountDisabled: Meaning(HTTPStatus.FORBIDDEN),
    IncidentNotFound: Meaning(HTTPStatus.NOT_FOUND),
    KeyNotFound: Meaning(HTTPStatus.NOT_FOUND),
    AccountNotFound: Meaning(HTTPStatus.NOT_FOUND),
    WebhookNotFound: Meaning(HTTPStatus.NOT_FOUND),
    DeliveryNotFound: Meaning(HTTPStatus.NOT_FOUND),
    IllegalTransition: Meaning(HTTPStatus.CONFLICT),
    NameTaken: Meaning(HTTPStatus.CONFLICT),
    DuplicateConflict: Meaning(HTTPStatus.CONFLICT),
    # The request is well formed; it conflicts with the earlier one under the same key.
    IdempotencyConflict: Meaning(HTTPStatus.CONFLICT),
    VersionMismatch: Meaning(
        HTTPStatus.PRECONDITION_FAILED,
        page_status=HTTPStatus.CONFLICT,
        why=(
            "An API client states the version it saw in If-Match, a precondition: 412. A console "
            "form carries it in a hidden field the browser never treats as a precondition, so "
            "the page says the incident changed meanwhile: 409."
        ),
    ),
    TooManySignInFailures: Meaning(HTTPStatus.TOO_MANY_REQUESTS),
    RateLimited: Meaning(HTTPStatus.TOO_MANY_REQUESTS),
    # Costly requests past the per-process limit are refused, never queued (Retry-After).
    CostlyBusy: Meaning(HTTPStatus.TOO_MANY_REQUESTS),
    StorageUnavailable: Meaning(HTTPStatus.SERVICE_UNAVAILABLE),
    # Out of time is the server's trouble, not the client's mistake: retry (Retry-After).
    StatementTimedOut: Meaning(HTTPStatus.SERVICE_UNAVAILABLE),
}


def meaning_of(error: DomainError) -> Meaning:
    """The row of `error`'s class (or its nearest ancestor's); unknown errors are bugs: 500."""
    for cls in type(error).__mro__:
        if cls in MEANINGS:
            return MEANINGS[cls]
    return Meaning(HTTPStatus.INTERNAL_SERVER_ERROR)
