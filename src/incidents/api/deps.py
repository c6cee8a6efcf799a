"""Typed dependencies, declared once so a route's signature says what it needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from incidents.service.context import Registry


def get_registry(request: Request) -> Registry:
    """The registry the app was built with."""
    registry: Registry = request.app.state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(get_registry)]
