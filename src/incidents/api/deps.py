"""Typed dependencies, declared once so a route's signature says what it needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from incidents.domain.access import Actor
from incidents.domain.errors import Unauthenticated
from incidents.service import access
from incidents.service.context import Registry
from incidents.settings import Settings

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: `Authorization: Bearer <key>`.",
)


def get_registry(request: Request) -> Registry:
    """The registry the app was built with."""
    registry: Registry = request.app.state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_request_id(request: Request) -> str | None:
    """The id RequestIdMiddleware gave this request."""
    return getattr(request.state, "request_id", None)


async def get_actor(
    registry: RegistryDep,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The actor behind the request's bearer key; raises Unauthenticated."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    actor = await access.authenticate_key(
        registry, secret=credentials.credentials, request_id=get_request_id(request)
    )
    request.state.actor = actor.name  # for the request's log line
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
