"""What the security tests share: every route the app serves, read from the app itself."""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.routing import Mount

# The console's fixtures: accounts as the command line makes them, signed-in clients.
from tests.web.conftest import make_account, open_console  # noqa: F401

# A problem body or page must never show the server's insides.
LEAKS = re.compile(r"Traceback|File \"/|sqlalchemy|asyncpg|aiosqlite|pydantic_core", re.IGNORECASE)


def operations(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves, included routers flattened;
    a mounted app (the static files) counts as GET on its prefix."""
    try:  # FastAPI >= 0.160 keeps included routers as branches
        from fastapi.routing import iter_route_contexts

        routes = [(ctx.path, ctx.original_route) for ctx in iter_route_contexts(app.routes)]
    except ImportError:  # pragma: no cover - older FastAPI
        routes = [(getattr(route, "path", None), route) for route in app.routes]
    found = []
    for path, route in routes:
        if path is None:
            continue
        if isinstance(route, Mount):
            found.append(("GET", path))
            continue
        methods = sorted(getattr(route, "methods", None) or ())
        found.extend((method, path) for method in methods if method != "HEAD")
    return found


def id_parameters(path: str) -> list[str]:
    """The path parameters of a route template, e.g. ['incident_id']."""
    return re.findall(r"\{([^}:]+)(?::[^}]*)?\}", path)
