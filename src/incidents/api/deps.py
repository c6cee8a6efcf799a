"""Typed dependencies, declared once so a route's signature says what it needs."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from incidents.domain.access import Actor
from incidents.domain.errors import StorageUnavailable, Unauthenticated
from incidents.service import access, ratelimits
from incidents.service.runtime import Runtime
from incidents.settings import Settings

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: `Authorization: Bearer <key>`.",
)


def get_runtime(request: Request) -> Runtime:
    """The database and clock the app was built with."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_request_id(request: Request) -> str | None:
    """The id RequestIdMiddleware gave this request."""
    return getattr(request.state, "request_id", None)


def client_address(request: Request) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For was applied by the server)."""
    return request.client.host if request.client else "unknown"


async def get_actor(
    runtime: RuntimeDep,
    settings: SettingsDep,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The actor behind the request's bearer key, within its rate limit.

    Raises Unauthenticated, or RateLimited: a key's requests count against the key, and
    requests without a valid key against the client's address.
    """
    try:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated()
        actor = await access.authenticate_key(
            runtime,
            secret=credentials.credentials,
            request_id=get_request_id(request),
            client_request_id=getattr(request.state, "client_request_id", None),
        )
    except Unauthenticated:
        address = client_address(request)
        rate = settings.rate_limit_per_ip
        # Unable to count (the database is down), the request is refused all the same.
        with suppress(StorageUnavailable):
            await ratelimits.spend(runtime, bucket=f"ip:{address}", rate=rate, who=address)
        raise
    request.state.actor = actor.name  # for the request's log line
    rate = settings.rate_limit_per_key
    await ratelimits.spend(runtime, bucket=actor.name, rate=rate, who=actor.name)
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
