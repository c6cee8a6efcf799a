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


class InvalidInput(DomainError, ValueError):
    """A value broke a domain rule (blank text, too long, a NUL character).

    Also a ValueError, so Pydantic models at the doors can apply the same rules.
    """

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

    def __init__(
        self,
        current: Status,
        target: Status,
        allowed: Sequence[Status],
        *,
        early_close: bool = False,
    ) -> None:
        allowed_text = ", ".join(s.value for s in allowed) or "none (the incident is closed)"
        detail = (
            f"Cannot move an incident from {current.value} to {target.value}. "
            f"Allowed from {current.value}: {allowed_text}."
        )
        if early_close:
            detail += (
                " Closing early needs the resolution false_alarm or duplicate"
                ' (`{"status": "closed", "resolution": "false_alarm"}`).'
            )
        super().__init__(detail)
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


class DuplicateConflict(DomainError):
    """Marking an incident a duplicate would make a cycle: its target is its own duplicate."""

    code = "duplicate-conflict"

    def __init__(self, incident_id: int, target_id: int) -> None:
        super().__init__(
            f"Incident {incident_id} can not be a duplicate of #{target_id}: #{target_id} is "
            f"already a duplicate of #{incident_id}."
        )
        self.incident_id = incident_id
        self.target_id = target_id


class StorageUnavailable(DomainError):
    """The database did not answer in time; the request may be retried."""

    code = "storage-unavailable"

    def __init__(self) -> None:
        super().__init__("The database is not answering right now. Retry in a few seconds.")


class StatementTimedOut(StorageUnavailable):
    """A statement ran past the deadline its kind of request has; the request may be retried
    later, or asked more narrowly."""

    code = "statement-timeout"

    def __init__(self) -> None:
        DomainError.__init__(
            self,
            "The database ran out of the time this request may take. Retry in a few seconds, "
            "or ask for less (a shorter period, fewer words, the cursor instead of an offset).",
        )


class Unauthenticated(DomainError):
    """No credentials, or credentials that name no active key or account."""

    code = "unauthenticated"

    def __init__(
        self, detail: str = "Send a valid API key: `Authorization: Bearer <key>`."
    ) -> None:
        super().__init__(detail)


class Forbidden(DomainError):
    """The actor's role does not allow the action."""

    code = "forbidden"

    def __init__(self, role: str, needed: str) -> None:
        super().__init__(f"This needs the {needed} role or above; you act as {role}.")
        self.role = role
        self.needed = needed


class SourceNotAllowed(DomainError):
    """A key bound to one source tried to report, see or act on another source's incidents
    (or to make a key for another source)."""

    code = "source-not-allowed"

    def __init__(self, bound: str, asked: str, *, what: str | None = None) -> None:
        subject = what or f"`{asked}` incidents"
        super().__init__(
            f"This key is bound to the source `{bound}`: it acts only on `{bound}` incidents, "
            f"so it can not act on {subject}."
        )
        self.bound = bound
        self.asked = asked


class NameTaken(DomainError):
    """A key or account with that name exists already."""

    code = "name-taken"

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"A {kind} named {name!r} exists already; choose another name.")


class KeyNotFound(DomainError):
    """No API key has the given name."""

    code = "key-not-found"

    def __init__(self, name: str) -> None:
        super().__init__(f"No API key is named {name!r}.")


class WebhookNotFound(DomainError):
    """No active webhook subscription has the given id."""

    code = "webhook-not-found"

    def __init__(self, webhook_id: int) -> None:
        super().__init__(f"No webhook subscription has id {webhook_id}.")


class DeliveryNotFound(DomainError):
    """No failed webhook delivery has the given id."""

    code = "delivery-not-found"

    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"No failed delivery has id {delivery_id}.")


class IdempotencyConflict(DomainError):
    """An Idempotency-Key was reused with a different request body."""

    code = "idempotency-key-reused"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was already used with a different body. "
            "Send the original body to get the original answer, or use a new key."
        )


class AccountNotFound(DomainError):
    """No account has the given username."""

    code = "account-not-found"

    def __init__(self, username: str) -> None:
        super().__init__(f"No account is named {username!r}.")
        self.username = username


class WrongCredentials(DomainError):
    """A sign-in named no account, or the password did not match."""

    code = "wrong-credentials"

    def __init__(self) -> None:
        super().__init__("Wrong username or password.")


class AccountDisabled(DomainError):
    """The account exists and the password matched, but an admin disabled it."""

    code = "account-disabled"

    def __init__(self, username: str) -> None:
        super().__init__(f"The account {username!r} is disabled; ask an admin.")
        self.username = username


class TooManySignInFailures(DomainError):
    """Too many recent failed sign-ins for one username: wait before trying again."""

    code = "too-many-sign-in-failures"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "Too many failed sign-ins for this username. "
            f"Try again in {max(1, retry_after_seconds)} s."
        )
        self.retry_after_seconds = retry_after_seconds


class RateLimited(DomainError):
    """A key or an address made more requests than its rate limit admits."""

    code = "rate-limited"

    def __init__(self, who: str, limit: str, retry_after_seconds: int) -> None:
        super().__init__(
            f"Too many requests from {who} (the limit is {limit}). "
            f"Retry in {retry_after_seconds} s."
        )
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds


class CostlyBusy(RateLimited):
    """As many costly requests (stats, text search, deep pages) as a process runs at once are
    running: this one is refused rather than queued behind them."""

    code = "busy"

    def __init__(self, at_once: int, retry_after_seconds: int) -> None:
        DomainError.__init__(
            self,
            f"This server is already answering {at_once} costly requests (stats, text "
            f"searches, deep pages) at once. Retry in {retry_after_seconds} s.",
        )
        self.limit = f"{at_once} costly requests at once"
        self.retry_after_seconds = retry_after_seconds
