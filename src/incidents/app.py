"""The whole application: the JSON API, the web console and, in webhook mode, the bot."""

from __future__ import annotations

from fastapi import FastAPI

from incidents.api.app import create_app as create_api
from incidents.api.webhook import SinkFactory
from incidents.domain.clock import Clock
from incidents.settings import Settings
from incidents.web.console import install_console


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The API with the console at `/` (and the bot's webhook when configured)."""
    app = create_api(settings, clock=clock, webhook=_telegram_webhook(settings))
    install_console(app, settings)
    return app


def _telegram_webhook(settings: Settings) -> SinkFactory | None:
    if not settings.telegram_webhook_url:
        return None
    # aiogram takes seconds to import: only webhook mode pays for it here.
    from incidents.telegram.bot import TelegramDoor

    return TelegramDoor
