"""Who may own an incident: a person or key named as the audit trail names them, in one of
three forms (the service checks that the account or key exists)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from incidents.domain.access import NAME_PATTERN
from incidents.domain.accounts import USERNAME_PATTERN
from incidents.domain.actors import ActorKind
from incidents.domain.errors import InvalidInput

# An owner is named as the audit trail names a person or key; the service then checks that
# the account or the key exists (domain rules know forms, not what is stored).
ASSIGNEE_MAX_LENGTH = 200
OWNER_FORMS = (
    "an owner is one of three forms: `user:` followed by the username of an existing console "
    "account, `key:` followed by the name of an existing API key, or `telegram:` followed by a "
    "Telegram user's number in ASCII digits, optionally with a space and `(@username)`"
)
_USER_OWNER = re.compile(f"user:({USERNAME_PATTERN.pattern})")
_KEY_OWNER = re.compile(f"key:({NAME_PATTERN.pattern.strip('^$')})")
_TELEGRAM_OWNER = re.compile(r"telegram:[0-9]{1,20}( \(@[A-Za-z0-9_]{1,32}\))?")


@dataclass(frozen=True, slots=True)
class OwnerNamed:
    """An owner in one of the three forms: its kind (`user`, `key` or `telegram`) and name."""

    kind: ActorKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.name}"


def owner_form(value: str) -> OwnerNamed:
    """The owner `value` names (trimmed; a username in its one Unicode form, lowercased),
    or InvalidInput naming the three forms in words."""
    cleaned = value.strip()
    if len(cleaned) <= ASSIGNEE_MAX_LENGTH:
        username = unicodedata.normalize("NFKC", cleaned).lower()
        if match := _USER_OWNER.fullmatch(username):
            return OwnerNamed(ActorKind.USER, match.group(1))
        if match := _KEY_OWNER.fullmatch(cleaned):
            return OwnerNamed(ActorKind.KEY, match.group(1))
        if _TELEGRAM_OWNER.fullmatch(cleaned):
            return OwnerNamed(ActorKind.TELEGRAM, cleaned.removeprefix("telegram:"))
    raise owner_unknown(f"{cleaned[:40]!r} is not one of them")


def owner_unknown(why: str) -> InvalidInput:
    """The refusal of an owner the registry can not know, saying `why` and the three forms."""
    return InvalidInput("assignee", f"assignee: {OWNER_FORMS} (or null for nobody); {why}.")


def check_assignee(value: str) -> str:
    """An owner's form checked (see `owner_form`), as the trail writes it."""
    return str(owner_form(value))
