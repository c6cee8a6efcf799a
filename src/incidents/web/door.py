"""The console as a door: its pages at `/` of the app, beside the API, over what it is handed."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from incidents.service.runtime import Runtime
from incidents.settings import Settings
from incidents.web import live, overview, routes, sign_in
from incidents.web.console import HERE, make_console
from incidents.web.errors import CONSOLE_STATE
from incidents.web.security import SecurityHeaders


def install_console(app: FastAPI, *, settings: Settings, runtime: Runtime) -> None:
    """Serve the console at `/` of `app`, over `runtime`; it keeps its own state under
    `app.state.console` and reads no other door's."""
    setattr(app.state, CONSOLE_STATE, make_console(settings, runtime))
    app.mount("/static", SecurityHeaders(StaticFiles(directory=HERE / "static")), name="static")
    app.include_router(sign_in.router)
    app.include_router(routes.router)
    app.include_router(overview.router)
    app.include_router(live.router)
