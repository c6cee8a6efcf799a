"""Account use cases: create, list, disable, set passwords, and sign people in."""

from __future__ import annotations

from datetime import datetime

from incidents.db import accounts as store
from incidents.db.engine import UniqueViolation
from incidents.domain.access import Actor, Permission, Role, require
from incidents.domain.accounts import (
    SIGN_IN_FAILURE_WINDOW,
    Account,
    check_password,
    clean_username,
    session_is_current,
    throttled_until,
)
from incidents.domain.errors import (
    AccountDisabled,
    AccountNotFound,
    InvalidInput,
    NameTaken,
    TooManySignInFailures,
    Unauthenticated,
    WrongCredentials,
)
from incidents.service.context import Registry
from incidents.service.passwords import hash_password, needs_rehash, password_matches


async def create_account(
    registry: Registry, *, actor: Actor, username: str, role: Role, password: str
) -> Account:
    """Create an account; raises NameTaken when the username is in use, InvalidInput."""
    require(actor, Permission.MANAGE_ACCESS)
    username = clean_username(username)
    password_hash = await hash_password(check_password(password))
    try:
        async with registry.database.transaction(write=True) as tx:
            account = await store.insert_account(
                tx.connection,
                username=username,
                role=role,
                password_hash=password_hash,
                created_by=actor.name,
                now=registry.clock.now(),
            )
            await tx.commit()
    except UniqueViolation:
        raise NameTaken("account", username) from None
    return account


async def list_accounts(registry: Registry, *, actor: Actor) -> list[Account]:
    """Every account, disabled ones included, without password hashes."""
    require(actor, Permission.MANAGE_ACCESS)
    async with registry.database.transaction(write=False) as tx:
        return await store.list_accounts(tx.connection)


async def has_accounts(registry: Registry) -> bool:
    """Whether anyone can sign in to the console yet (for the start-up hint; no actor)."""
    async with registry.database.transaction(write=False) as tx:
        return await store.count_accounts(tx.connection) > 0


async def disable_account(registry: Registry, *, actor: Actor, username: str) -> Account:
    """Disable an account; its sessions stop working at once. Raises AccountNotFound."""
    require(actor, Permission.MANAGE_ACCESS)
    username = clean_username(username)
    async with registry.database.transaction(write=True) as tx:
        await store.disable_account(tx.connection, username, now=registry.clock.now())
        found = await store.find_account(tx.connection, username)
        if found is None:
            raise AccountNotFound(username)
        await tx.commit()
    return found.account


async def set_password(
    registry: Registry, *, actor: Actor, username: str, password: str
) -> Account:
    """Give an account a new password, ending its sessions; raises AccountNotFound."""
    require(actor, Permission.MANAGE_ACCESS)
    username = clean_username(username)
    password_hash = await hash_password(check_password(password))
    async with registry.database.transaction(write=True) as tx:
        account = await store.update_account(
            tx.connection,
            username,
            password_hash=password_hash,
            password_changed_at=registry.clock.now(),
        )
        if account is None:
            raise AccountNotFound(username)
        await store.clear_failures(tx.connection, username)
        await tx.commit()
    return account


async def authenticate_password(
    registry: Registry, *, username: str, password: str, request_id: str | None = None
) -> Actor:
    """The actor `user:<username>` when the password matches.

    Raises WrongCredentials (the same for an unknown user, after as long a check),
    TooManySignInFailures after repeated failures for the username, and AccountDisabled.
    """
    try:
        username = clean_username(username)
    except InvalidInput:
        await password_matches(None, password)
        raise WrongCredentials() from None
    now = registry.clock.now()
    async with registry.database.transaction(write=False) as tx:
        failures = await store.recent_failures(
            tx.connection, username, since=now - SIGN_IN_FAILURE_WINDOW
        )
        found = await store.find_account(tx.connection, username)
    until = throttled_until(failures, now)
    if until is not None:
        raise TooManySignInFailures(int((until - now).total_seconds()) + 1)
    if not await password_matches(None if found is None else found.password_hash, password):
        await _record_failure(registry, username)
        raise WrongCredentials()
    assert found is not None
    if found.account.disabled_at is not None:
        raise AccountDisabled(username)
    await _record_success(registry, found.account, found.password_hash, password)
    return Actor(name=found.account.actor_name, role=found.account.role, request_id=request_id)


async def _record_failure(registry: Registry, username: str) -> None:
    now = registry.clock.now()
    async with registry.database.transaction(write=True) as tx:
        await store.record_failure(
            tx.connection, username, now=now, forget_before=now - SIGN_IN_FAILURE_WINDOW
        )
        await tx.commit()


async def _record_success(
    registry: Registry, account: Account, password_hash: str, password: str
) -> None:
    values: dict[str, object] = {"last_sign_in_at": registry.clock.now()}
    if needs_rehash(password_hash):
        values["password_hash"] = await hash_password(password)
    async with registry.database.transaction(write=True) as tx:
        await store.update_account(tx.connection, account.username, **values)
        await store.clear_failures(tx.connection, account.username)
        await tx.commit()


async def authenticate_session(
    registry: Registry, *, username: str, signed_in_at: datetime, request_id: str | None = None
) -> Actor:
    """The actor of a console session, checked afresh: raises Unauthenticated when the account
    is gone or disabled, its password changed since, or the session is too old."""
    async with registry.database.transaction(write=False) as tx:
        found = await store.find_account(tx.connection, username)
    if found is None or found.account.disabled_at is not None:
        raise Unauthenticated("The account is disabled; sign in with another one.")
    account = found.account
    if not session_is_current(
        signed_in_at=signed_in_at,
        now=registry.clock.now(),
        password_changed_at=account.password_changed_at,
    ):
        raise Unauthenticated("The session has ended; sign in again.")
    return Actor(name=account.actor_name, role=account.role, request_id=request_id)
