"""The whole application: the JSON API, the web console and, when configured, the bot."""

from __future__ import annotations

from fastapi import FastAPI

from incidents.api.app import create_app as create_api
from incidents.api.webhook import SinkFactory
from incidents.domain.clock import Clock
from incidents.logs import configure_logging
from incidents.settings import Settings
from incidents.web.console import install_console


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The API with the console at `/`, and the Telegram bot when it has a token."""
    app = create_api(settings, clock=clock, bot=_telegram(settings))
    install_console(app, settings)
    return app


def app_from_environment() -> FastAPI:
    """The app each worker of `incidents serve --workers N` builds: settings read once, here."""
    settings = Settings()
    # Workers are fresh processes: they set up logging as the parent did.
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)


def _telegram(settings: Settings) -> SinkFactory | None:
    """The bot in every API process: it delivers notifications (leased, so several processes
    and `incidents bot` never send one twice) and, in webhook mode, takes updates."""
    if settings.telegram_token is None:
        return None
    # aiogram takes seconds to import: only a configured bot pays for it.
    from incidents.telegram.bot import TelegramDoor

    return TelegramDoor
