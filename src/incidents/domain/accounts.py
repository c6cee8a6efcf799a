"""Accounts of people who sign in to the console: names, password rules, sign-in throttling."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.domain.access import Actor, Role
from incidents.domain.actors import ActorId
from incidents.domain.errors import InvalidInput

PASSWORD_MIN_LENGTH = 8
# Long enough for any passphrase, short enough that hashing it costs nothing extra.
PASSWORD_MAX_LENGTH = 1024

# Sign-in throttling slows guessing down without locking the owner out: past a few free
# failures within the window, each further attempt must wait twice as long as the one
# before (1 s, 2 s, 4 s ... at most 5 minutes) after the latest failure.
FREE_SIGN_IN_FAILURES = 3
SIGN_IN_FAILURE_WINDOW = timedelta(minutes=15)
LONGEST_SIGN_IN_WAIT = timedelta(minutes=5)

# A console session lasts this long after sign-in, however active.
SESSION_LIFETIME = timedelta(hours=12)


# Letters of any alphabet (`ольга`), digits, `.`, `_` and `-`, starting with a letter or digit.
USERNAME_PATTERN = re.compile(r"[^\W_][\w.-]{0,63}")


def clean_username(username: str) -> str:
    """A username trimmed, in one Unicode form and lowercased: `Olga` and `olga` are one."""
    cleaned = unicodedata.normalize("NFKC", username.strip()).lower()
    if not USERNAME_PATTERN.fullmatch(cleaned):
        raise InvalidInput(
            "username",
            "username must be 1..64 letters (of any alphabet), digits, '.', '_' or '-', "
            "starting with a letter or digit.",
        )
    return cleaned


def check_password(password: str) -> str:
    """Raise InvalidInput unless `password` is PASSWORD_MIN_LENGTH..PASSWORD_MAX_LENGTH long."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(
            "password", f"password must be at least {PASSWORD_MIN_LENGTH} characters long."
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            "password", f"password must be at most {PASSWORD_MAX_LENGTH} characters long."
        )
    return password


def throttled_until(failures: list[datetime], now: datetime) -> datetime | None:
    """When the next sign-in for a username with these recent failures may be tried."""
    recent = sorted(at for at in failures if now - at < SIGN_IN_FAILURE_WINDOW)
    beyond_free = len(recent) - FREE_SIGN_IN_FAILURES
    if beyond_free < 0:
        return None
    wait = min(timedelta(seconds=2 ** min(beyond_free, 20)), LONGEST_SIGN_IN_WAIT)
    until = recent[-1] + wait
    return until if until > now else None


def session_is_current(
    *,
    signed_in_at: datetime,
    now: datetime,
    password_changed_at: datetime,
    generation: int,
    current_generation: int,
) -> bool:
    """Whether a session begun at `signed_in_at` still holds: not expired, no newer password,
    not signed out since (its generation is the account's)."""
    return (
        generation == current_generation
        and signed_in_at >= password_changed_at
        and now - signed_in_at < SESSION_LIFETIME
    )


@dataclass(frozen=True, slots=True)
class Account:
    """A person's account as listed: everything but the password hash."""

    username: str
    role: Role
    created_by: str
    created_at: datetime
    password_changed_at: datetime
    last_sign_in_at: datetime | None
    disabled_at: datetime | None
    # Sessions begun in an earlier generation are over (signing out moves it on).
    session_generation: int = 0

    @property
    def who(self) -> ActorId:
        """The account as a party that acts."""
        return ActorId.user(self.username)

    @property
    def actor_name(self) -> str:
        """How the audit trail names this account."""
        return str(self.who)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A successful sign-in: who acts, and the session generation the new session belongs to."""

    actor: Actor
    generation: int
