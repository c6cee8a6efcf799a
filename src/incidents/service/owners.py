"""Owners are actors the registry knows: an existing account, an existing key, a Telegram
user named by number."""

from __future__ import annotations

from typing import Any

from incidents.db import accounts, api_keys
from incidents.domain.access import Actor
from incidents.domain.actors import ActorKind
from incidents.domain.owners import owner_form, owner_unknown
from incidents.service.runtime import Runtime


async def known_owner(runtime: Runtime, actor: Actor, value: str) -> str:
    """`value` as the trail writes an owner, when it names one the registry knows; else
    InvalidInput naming the three forms. To a bound actor another source's key is unknown."""
    owner = owner_form(value)
    if owner.kind == ActorKind.TELEGRAM:
        return str(owner)
    async with runtime.database.reads() as conn:
        if owner.kind == ActorKind.USER:
            return await _account_owner(conn, owner.name)
        key = await api_keys.find_key_named(conn, owner.name)
    bound = actor.bound_source
    if key is None or (bound is not None and key.source != bound):
        raise owner_unknown(f"there is no key named {owner.name!r}")
    return key.actor_name


async def _account_owner(conn: Any, username: str) -> str:
    """`user:<username>` when the account exists."""
    if await accounts.find_account(conn, username) is None:
        raise owner_unknown(f"there is no account named {username!r}")
    return f"user:{username}"
