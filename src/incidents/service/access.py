"""Access use cases: issue, list and revoke API keys, and authenticate a presented key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from incidents.db import api_keys as keys
from incidents.db.accounts import count_accounts
from incidents.db.engine import UniqueViolation
from incidents.domain.access import (
    Actor,
    ApiKey,
    Permission,
    Role,
    check_name,
    require,
    require_key_within,
)
from incidents.domain.errors import KeyNotFound, NameTaken, Unauthenticated
from incidents.domain.incident import Source
from incidents.service.runtime import Runtime

KEY_PREFIX = "inc"
BOOTSTRAP_KEY_NAME = "bootstrap-admin"
# Recording every use would turn each read into a write; once a minute is plenty.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key and its secret, which is shown this once and never stored."""

    key: ApiKey
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    """(lookup, secret): the secret is `inc_<lookup>_<random>`, 256 random bits."""
    lookup = secrets.token_hex(6)
    return lookup, f"{KEY_PREFIX}_{lookup}_{secrets.token_urlsafe(32)}"


async def issue_key(
    runtime: Runtime, *, actor: Actor, name: str, role: Role, source: Source | None = None
) -> IssuedKey:
    """Create a key; raises NameTaken when the name is in use (in any letter case).

    A key bound to a source makes keys bound to that source only, at or below its role.
    """
    require(actor, Permission.MANAGE_ACCESS)
    require_key_within(actor, role, source)
    check_name(name)
    lookup, secret = _new_secret()
    try:
        async with runtime.database.transaction() as tx:
            key = await keys.insert_key(
                tx.connection,
                name=name,
                role=role,
                source=source,
                lookup=lookup,
                secret_hash=_hash(secret),
                created_by=actor.name,
                now=runtime.clock.now(),
            )
            await tx.commit()
    except UniqueViolation:
        raise NameTaken("key", name) from None
    return IssuedKey(key=key, secret=secret)


async def list_keys(runtime: Runtime, *, actor: Actor) -> list[ApiKey]:
    """Every key, revoked ones included, without secrets; a bound key sees its source's."""
    require(actor, Permission.MANAGE_ACCESS)
    async with runtime.database.reads() as conn:
        return await keys.list_keys(conn, source=actor.bound_source)


async def revoke_key(runtime: Runtime, *, actor: Actor, name: str) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing. Raises KeyNotFound.

    A key bound to a source revokes only keys bound to that source.
    """
    require(actor, Permission.MANAGE_ACCESS)
    async with runtime.database.transaction() as tx:
        found = await keys.find_key_named(tx.connection, name)
        # Another source's key is missing to a bound actor: it learns nothing of it.
        bound = actor.bound_source
        if found is None or (bound is not None and found.source != bound):
            raise KeyNotFound(name)
        require_key_within(actor, found.role, found.source)
        key = await keys.revoke_key(tx.connection, name, now=runtime.clock.now())
        if key is None:
            raise KeyNotFound(name)
        await tx.commit()
    # At once in this process; other processes hear of it (see service/key_cache.py).
    runtime.keys.clear()
    return key


async def authenticate_key(
    runtime: Runtime,
    *,
    secret: str,
    request_id: str | None = None,
    client_request_id: str | None = None,
) -> Actor:
    """The actor a presented key stands for; raises Unauthenticated."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise Unauthenticated("The API key is not one this registry issued.")
    lookup = parts[1]
    stored = runtime.keys.get(lookup)
    if stored is None:
        async with runtime.database.reads() as conn:
            stored = await keys.find_key(conn, lookup)
        if stored is not None:
            runtime.keys.put(lookup, stored)
    if stored is None or not hmac.compare_digest(stored.secret_hash, _hash(secret)):
        raise Unauthenticated("The API key is not one this registry issued.")
    if stored.key.revoked_at is not None:
        raise Unauthenticated("The API key has been revoked.")
    now = runtime.clock.now()
    last = stored.key.last_used_at
    if last is None or now - last >= LAST_USED_RESOLUTION:
        # At most one write a minute per key and process; the cached copy remembers it.
        async with runtime.database.atomic() as conn:
            await keys.touch_key(conn, stored.id, now=now)
        runtime.keys.put(lookup, stored.used_at(now))
    return Actor(
        who=stored.key.who,
        role=stored.key.role,
        bound_source=stored.key.source,
        request_id=request_id,
        client_request_id=client_request_id,
    )


async def bootstrap_admin_key(runtime: Runtime) -> IssuedKey | None:
    """On a registry with no key and no account yet, create an admin key so a newcomer can get in.

    Returns None when any key or account exists (or a concurrent process made the first key).
    """
    async with runtime.database.reads() as conn:
        if await keys.count_keys(conn) + await count_accounts(conn) > 0:
            return None
    try:
        return await issue_key(
            runtime, actor=Actor.system("bootstrap"), name=BOOTSTRAP_KEY_NAME, role=Role.ADMIN
        )
    except NameTaken:
        return None
