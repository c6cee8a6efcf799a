"""The whole application: the JSON API and the web console on one FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from incidents.api.app import create_app as create_api
from incidents.domain.clock import Clock
from incidents.settings import Settings
from incidents.web.console import install_console


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The API with the console at `/`; connections open on first use."""
    app = create_api(settings, clock=clock)
    install_console(app, settings)
    return app
