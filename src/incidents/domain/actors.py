"""Who acted: a typed value (kind, id, display name) that renders to, and parses from, the
string the audit trail, the database and the API have always written (`user:olga`,
`key:night-shift`, `telegram:4242 (@olga)`, `system:cli`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    """The kinds of party that act on incidents."""

    USER = "user"  # a person signed in to the console
    KEY = "key"  # a client with an API key
    TELEGRAM = "telegram"  # a person in an admitted chat
    SYSTEM = "system"  # the registry itself (the command line, heartbeats, housekeeping)


# A Telegram user is a number, followed by their @username when they have one.
_TELEGRAM_ID = re.compile(r"^([0-9]+) \(@([^)]*)\)$")
# A chat speaking for itself (an anonymous admin, a channel) is its negative id and its title.
_TELEGRAM_CHAT = re.compile(r"^(-[0-9]+) \((.*)\)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ActorId:
    """A party as the audit trail names it; `display_name` is a Telegram @username."""

    kind: ActorKind
    id: str
    display_name: str | None = None

    @classmethod
    def user(cls, username: str) -> ActorId:
        """A console account."""
        return cls(ActorKind.USER, username)

    @classmethod
    def key(cls, name: str) -> ActorId:
        """An API key."""
        return cls(ActorKind.KEY, name)

    @classmethod
    def system(cls, component: str) -> ActorId:
        """The registry itself, e.g. `system:cli`."""
        return cls(ActorKind.SYSTEM, component)

    @classmethod
    def telegram(cls, user_id: int | None, username: str | None = None) -> ActorId:
        """A Telegram user by their id (which never changes) and their @username (which may)."""
        return cls(ActorKind.TELEGRAM, "unknown" if user_id is None else str(user_id), username)

    @classmethod
    def telegram_chat(cls, chat_id: int, title: str | None = None) -> ActorId:
        """A Telegram chat posting as itself (its anonymous admins, a channel), by its id and
        its title."""
        return cls(ActorKind.TELEGRAM, str(chat_id), title or None)

    @property
    def is_chat(self) -> bool:
        """Whether a Telegram party is a chat (negative ids) rather than a person."""
        return self.kind is ActorKind.TELEGRAM and self.id.startswith("-")

    @classmethod
    def parse(cls, text: str) -> ActorId:
        """The party `text` names; ValueError when it names no kind of party."""
        kind, colon, rest = text.partition(":")
        if not colon or kind not in ActorKind.__members__.values() or not rest:
            raise ValueError(f"not an actor name: {text!r}")
        if kind == ActorKind.TELEGRAM and (match := _TELEGRAM_ID.match(rest)):
            return cls(ActorKind.TELEGRAM, match.group(1), match.group(2) or None)
        if kind == ActorKind.TELEGRAM and (match := _TELEGRAM_CHAT.match(rest)):
            return cls(ActorKind.TELEGRAM, match.group(1), match.group(2) or None)
        return cls(ActorKind(kind), rest)

    @property
    def stable(self) -> str:
        """What names the party for good: a Telegram user is its id, whatever its @username."""
        return f"{self.kind.value}:{self.id}"

    def __str__(self) -> str:
        if not self.display_name:
            return self.stable
        if self.is_chat:
            return f"{self.stable} ({self.display_name})"
        return f"{self.stable} (@{self.display_name})"


def kind_of(name: str) -> ActorKind | None:
    """The kind of party an audit trail's actor name is, or None for a name of no known kind."""
    try:
        return ActorId.parse(name).kind
    except ValueError:
        return None
