"""Account use cases: create, list, disable, set passwords, and sign people in."""

from __future__ import annotations

from datetime import datetime

from incidents.db import accounts as store
from incidents.db.accounts import StoredAccount
from incidents.db.engine import UniqueViolation
from incidents.domain.access import Actor, Permission, Role, require
from incidents.domain.accounts import (
    SIGN_IN_FAILURE_WINDOW,
    Account,
    SignedIn,
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
from incidents.service.passwords import hash_password, needs_rehash, password_matches
from incidents.service.runtime import Runtime


async def create_account(
    runtime: Runtime, *, actor: Actor, username: str, role: Role, password: str
) -> Account:
    """Create an account; raises NameTaken when the username is in use, InvalidInput."""
    require(actor, Permission.MANAGE_ACCESS)
    username = clean_username(username)
    password_hash = await hash_password(check_password(password))
    try:
        async with runtime.database.transaction() as tx:
            account = await store.insert_account(
                tx.connection,
                username=username,
                role=role,
                password_hash=password_hash,
                created_by=actor.name,
                now=runtime.clock.now(),
            )
            await tx.commit()
    except UniqueViolation:
        raise NameTaken("account", username) from None
    return account


async def list_accounts(runtime: Runtime, *, actor: Actor) -> list[Account]:
    """Every account, disabled ones included, without password hashes."""
    require(actor, Permission.MANAGE_ACCESS)
    async with runtime.database.reads() as conn:
        return await store.list_accounts(conn)


async def has_accounts(runtime: Runtime) -> bool:
    """Whether anyone can sign in to the console yet (for the start-up hint; no actor)."""
    async with runtime.database.reads() as conn:
        return await store.count_accounts(conn) > 0


async def disable_account(runtime: Runtime, *, actor: Actor, username: str) -> Account:
    """Disable an account; its sessions stop working at once. Raises AccountNotFound."""
    require(actor, Permission.MANAGE_ACCESS)
    username = clean_username(username)
    async with runtime.database.transaction() as tx:
        await store.disable_account(tx.connection, username, now=runtime.clock.now())
        found = await store.find_account(tx.connection, username)
        if found is None:
            raise AccountNotFound(username)
        await tx.commit()
    return found.account


async def set_password(runtime: Runtime, *, actor: Actor, username: str, password: str) -> Account:
    """Give an account a new password, ending its sessions; raises AccountNotFound."""
    require(actor, Permission.MANAGE_ACCESS)
    username = clean_username(username)
    password_hash = await hash_password(check_password(password))
    async with runtime.database.transaction() as tx:
        account = await store.update_account(
            tx.connection,
            username,
            password_hash=password_hash,
            password_changed_at=runtime.clock.now(),
        )
        if account is None:
            raise AccountNotFound(username)
        await store.clear_failures(tx.connection, username)
        await tx.commit()
    return account


async def authenticate_password(
    runtime: Runtime, *, username: str, password: str, request_id: str | None = None
) -> SignedIn:
    """The actor `user:<username>` and its session generation, when the password matches.

    Raises WrongCredentials (the same for an unknown user, after as long a check),
    TooManySignInFailures after repeated failures for the username, and AccountDisabled.
    """
    try:
        username = clean_username(username)
    except InvalidInput:
        await password_matches(None, password)
        raise WrongCredentials() from None
    found = await _claim_attempt(runtime, username)
    if not await password_matches(None if found is None else found.password_hash, password):
        raise WrongCredentials()  # the claimed attempt stays a failure
    assert found is not None
    if found.account.disabled_at is not None:
        raise AccountDisabled(username)
    await _record_success(runtime, found.account, found.password_hash, password)
    actor = Actor(who=found.account.who, role=found.account.role, request_id=request_id)
    return SignedIn(actor=actor, generation=found.account.session_generation)


async def _claim_attempt(runtime: Runtime, username: str) -> StoredAccount | None:
    """Claim a sign-in attempt for `username` before its password is checked.

    The claim is recorded as a failure (a success clears it), under a lock on the username
    in the database, so attempts sent at once are throttled as if sent one after another:
    at most one per wait window is checked, whichever server process takes it.
    Raises TooManySignInFailures.
    """
    async with runtime.database.transaction() as tx:
        await store.lock_sign_ins(tx.connection, username)
        now = runtime.clock.now()
        forget_before = now - SIGN_IN_FAILURE_WINDOW
        failures = await store.recent_failures(tx.connection, username, since=forget_before)
        until = throttled_until(failures, now)
        if until is not None:
            raise TooManySignInFailures(int((until - now).total_seconds()) + 1)
        await store.record_failure(tx.connection, username, now=now, forget_before=forget_before)
        found = await store.find_account(tx.connection, username)
        await tx.commit()
    return found


async def _record_success(
    runtime: Runtime, account: Account, password_hash: str, password: str
) -> None:
    values: dict[str, object] = {"last_sign_in_at": runtime.clock.now()}
    if needs_rehash(password_hash):
        values["password_hash"] = await hash_password(password)
    async with runtime.database.transaction() as tx:
        await store.update_account(tx.connection, account.username, **values)
        await store.clear_failures(tx.connection, account.username)
        await tx.commit()


async def authenticate_session(
    runtime: Runtime,
    *,
    username: str,
    signed_in_at: datetime,
    generation: int,
    request_id: str | None = None,
    client_request_id: str | None = None,
) -> Actor:
    """The actor of a console session, checked afresh: raises Unauthenticated when the account
    is gone or disabled, its password changed or it signed out since, or the session is too
    old."""
    async with runtime.database.reads() as conn:
        found = await store.find_account(conn, username)
    if found is None or found.account.disabled_at is not None:
        raise Unauthenticated("The account is disabled; sign in with another one.")
    account = found.account
    if not session_is_current(
        signed_in_at=signed_in_at,
        now=runtime.clock.now(),
        password_changed_at=account.password_changed_at,
        generation=generation,
        current_generation=account.session_generation,
    ):
        raise Unauthenticated("The session has ended; sign in again.")
    return Actor(
        who=account.who,
        role=account.role,
        request_id=request_id,
        client_request_id=client_request_id,
    )


async def sign_out(runtime: Runtime, *, username: str) -> None:
    """End every session of the account, in every server process (no actor: its own session)."""
    async with runtime.database.transaction() as tx:
        await store.end_sessions(tx.connection, clean_username(username))
        await tx.commit()
