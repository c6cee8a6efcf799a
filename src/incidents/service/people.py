"""The registry's people: who an incident may be handed to, and how recent the last change is.

The console offers these as owners rather than a free text field: the accounts that may
change incidents, the keys that may, and the chat members who have acted on incidents.
"""

from __future__ import annotations

from incidents.db import accounts as account_store
from incidents.db import api_keys as key_store
from incidents.db import audit
from incidents.domain.access import Actor, Permission, require
from incidents.domain.actors import ActorId, ActorKind
from incidents.service.access import BOOTSTRAP_KEY_NAME
from incidents.service.runtime import Runtime


async def known_people(runtime: Runtime, *, actor: Actor) -> list[str]:
    """Actor names an incident may be handed to: enabled accounts and live keys that may
    change incidents, then chat members who acted on one (by their latest @username)."""
    require(actor, Permission.READ)
    async with runtime.database.reads() as conn:
        accounts = await account_store.list_accounts(conn)
        keys = await key_store.list_keys(conn)
        members = await audit.actors_like(conn, f"{ActorKind.TELEGRAM.value}:")
    names = [
        str(account.who)
        for account in sorted(accounts, key=lambda account: account.username.casefold())
        if account.disabled_at is None and account.role.rank >= Permission.CHANGE.least.rank
    ]
    names += [
        str(key.who)
        for key in sorted(keys, key=lambda key: key.name.casefold())
        if key.revoked_at is None
        and key.name != BOOTSTRAP_KEY_NAME
        and key.role.rank >= Permission.CHANGE.least.rank
    ]
    return names + _one_per_member(members)


def _one_per_member(names: list[str]) -> list[str]:
    """One name per Telegram member (ids never change, @usernames may): the latest, as
    `names` come oldest first."""
    kept: dict[str, str] = {}
    for name in names:
        try:
            who = ActorId.parse(name)
        except ValueError:
            continue
        if who.id != "unknown":
            kept[who.stable] = name
    return sorted(kept.values(), key=lambda name: ActorId.parse(name).display_name or name)


async def latest_change(runtime: Runtime, *, actor: Actor, incident_id: int | None = None) -> int:
    """A number that grows with every change (of one incident, or of any): the newest event."""
    require(actor, Permission.READ)
    async with runtime.database.reads() as conn:
        return await audit.latest_event_id(conn, incident_id)
