"""The first start: an empty registry gets an admin key and an admin account to get in with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from incidents.domain.access import Actor, Role
from incidents.service import access, accounts
from incidents.service.access import IssuedKey
from incidents.service.runtime import Runtime

FIRST_ACCOUNT = "admin"


@dataclass(frozen=True, slots=True)
class FirstAccess:
    """What a newcomer gets in with: shown once, never stored in the clear."""

    key: IssuedKey
    username: str
    password: str


async def first_access(runtime: Runtime) -> FirstAccess | None:
    """On a registry with no key and no account, make an admin key and an admin account.

    Returns None when any exists (or a concurrent process made them first).
    """
    issued = await access.bootstrap_admin_key(runtime)
    if issued is None:
        return None
    password = secrets.token_urlsafe(12)
    await accounts.create_account(
        runtime,
        actor=Actor.system("bootstrap"),
        username=FIRST_ACCOUNT,
        role=Role.ADMIN,
        password=password,
    )
    return FirstAccess(key=issued, username=FIRST_ACCOUNT, password=password)
