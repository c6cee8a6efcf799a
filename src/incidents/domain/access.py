"""Who may do what: roles, the permissions they grant, and the acting party."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from incidents.domain.actors import ActorId
from incidents.domain.errors import Forbidden, InvalidInput, SourceNotAllowed
from incidents.domain.incident import CaseInsensitiveEnum, Incident, Source

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Role(CaseInsensitiveEnum):
    """Each role includes everything the one before it may do."""

    REPORTER = "reporter"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in the order reporter < operator < admin."""
        return _RANKS[self]


_RANKS = {role: rank for rank, role in enumerate(Role)}


class Permission(Enum):
    """Things an actor may be allowed to do; each is its own member (`LEAST_ROLE` says who)."""

    REPORT = "report"  # create incidents
    READ = "read"  # read incidents and their events
    CHANGE = "change"  # change status, append notes
    MANAGE_ACCESS = "manage_access"  # manage keys and accounts

    @property
    def least(self) -> Role:
        """The least role granted this permission."""
        return LEAST_ROLE[self]


# Two permissions may share a least role; they stay two permissions.
LEAST_ROLE: dict[Permission, Role] = {
    Permission.REPORT: Role.REPORTER,
    Permission.READ: Role.REPORTER,
    Permission.CHANGE: Role.OPERATOR,
    Permission.MANAGE_ACCESS: Role.ADMIN,
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The party acting in a use case, its role, and the request it acts in (for the trail)."""

    who: ActorId
    role: Role
    bound_source: Source | None = None
    request_id: str | None = None
    # What the client sent as X-Request-ID: recorded beside `request_id`, never instead of it.
    client_request_id: str | None = None

    @property
    def name(self) -> str:
        """What the audit trail records: `key:<name>`, `user:<name>`,
        `telegram:<user id> (@username)` or `system:<component>`."""
        return str(self.who)

    @classmethod
    def system(cls, component: str) -> Actor:
        """The registry itself acting, e.g. `system:cli`."""
        return cls(who=ActorId.system(component), role=Role.ADMIN)


# Anyone in a chat the registry admits may move incidents there: the chat is the boundary.
CHAT_MEMBER_ROLE = Role.OPERATOR


def chat_member(user_id: int | None, username: str | None) -> Actor:
    """A person in an admitted chat, acting with the role every chat member has."""
    return Actor(who=ActorId.telegram(user_id, username), role=CHAT_MEMBER_ROLE)


def speaking_chat(chat_id: int, title: str | None) -> Actor:
    """A chat posting as itself in an admitted chat (its anonymous admins, a linked channel),
    credited to that chat by its title, with the role every chat member has."""
    return Actor(who=ActorId.telegram_chat(chat_id, title), role=CHAT_MEMBER_ROLE)


def stable_part(name: str) -> str:
    """What names an actor for good: a Telegram user is its id, whatever its @username now."""
    try:
        return ActorId.parse(name).stable
    except ValueError:
        return name


def assignee_meant(actor: Actor, name: str) -> str | None:
    """The assignee a list filter names: `me` is the actor, `none` nobody, else an actor name.

    A name no actor has is not an error: it is assigned nothing, so the filter finds nothing.
    """
    word = name.strip().casefold()
    if word == "me":
        return actor.name
    return None if word == "none" else name.strip()


def allows(actor: Actor, permission: Permission) -> bool:
    """Whether `actor`'s role grants `permission`."""
    return actor.role.rank >= permission.least.rank


def require(actor: Actor, permission: Permission) -> None:
    """Raise Forbidden unless `actor`'s role grants `permission`."""
    if not allows(actor, permission):
        raise Forbidden(actor.role.value, permission.least.value)


def require_source(actor: Actor, source: Source, *, what: str | None = None) -> None:
    """Raise SourceNotAllowed when `actor` is bound to a source other than `source`.

    `what` names the thing refused in the message (default: `<source>` incidents).
    """
    if actor.bound_source is not None and actor.bound_source != source:
        raise SourceNotAllowed(actor.bound_source.value, source.value, what=what)


def require_incident_source(actor: Actor, incident: Incident) -> None:
    """Raise SourceNotAllowed when `actor` is bound to a source other than the incident's."""
    what = f"incident {incident.id} (a `{incident.source.value}` incident)"
    require_source(actor, incident.source, what=what)


def visible_sources(actor: Actor, asked: tuple[Source, ...]) -> tuple[Source, ...] | None:
    """The sources a list filtered by `asked` (empty: any) shows `actor`; None when nothing.

    A key bound to a source sees only that source's incidents.
    """
    bound = actor.bound_source
    if bound is None:
        return asked
    return (bound,) if not asked or bound in asked else None


def require_key_within(actor: Actor, role: Role, source: Source | None) -> None:
    """Raise unless `actor` may make (or revoke) a key with `role` and `source`: a bound actor
    manages keys bound to its own source only, at or below its own role."""
    if actor.bound_source is None:
        return
    if source != actor.bound_source:
        asked = "any source" if source is None else f"`{source.value}`"
        raise SourceNotAllowed(
            actor.bound_source.value,
            "none" if source is None else source.value,
            what=f"keys for {asked} (give `source`: `{actor.bound_source.value}`)",
        )
    if role.rank > actor.role.rank:
        raise Forbidden(actor.role.value, role.value)


def check_name(name: str, *, field: str = "name") -> str:
    """A key or account name: 1..64 letters, digits, `.`, `_` or `-`, starting alphanumeric."""
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInput(
            field,
            f"{field} must be 1..64 characters of letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
        )
    return name


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as listed: everything but its secret, which is never kept."""

    name: str
    role: Role
    source: Source | None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def who(self) -> ActorId:
        """The key as a party that acts."""
        return ActorId.key(self.name)

    @property
    def actor_name(self) -> str:
        """How the audit trail names this key."""
        return str(self.who)
