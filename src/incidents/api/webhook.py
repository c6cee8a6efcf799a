"""The chat bot inside API processes: its webhook route, and its background work."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from incidents.api.errors import problem_response
from incidents.service.context import Registry
from incidents.settings import Settings


class UpdateSink(Protocol):
    """What the API needs from a chat bot it runs: start, stop, and maybe take updates."""

    @property
    def webhook_path(self) -> str | None:
        """Where updates are posted; None when the bot polls elsewhere."""
        ...

    def accepts(self, secret_token: str | None) -> bool:
        """Whether a request carries the webhook's secret."""
        ...

    async def feed(self, update: dict[str, Any]) -> None:
        """Handle one update."""
        ...

    async def start(self) -> None:
        """Start background work (delivering notifications; registering the webhook)."""
        ...

    async def stop(self) -> None:
        """Finish and stop background work."""
        ...


SinkFactory = Callable[[Settings, Registry], UpdateSink]


class WebhookWithoutSecret(RuntimeError):
    """Webhook mode was asked for without the secret that tells Telegram's requests apart."""

    def __init__(self) -> None:
        super().__init__(
            "INCIDENTS_TELEGRAM_WEBHOOK_SECRET is not set: webhook mode "
            "(INCIDENTS_TELEGRAM_WEBHOOK_URL) needs it, or anyone could post updates; "
            "set it to a random string of letters, digits, _ and -."
        )


def require_webhook_secret(settings: Settings) -> None:
    """Raise WebhookWithoutSecret when the settings ask for webhook mode without a secret."""
    webhook_mode = settings.telegram_token is not None and settings.telegram_webhook_url
    if webhook_mode and settings.telegram_webhook_secret is None:
        raise WebhookWithoutSecret()


def add_webhook_route(app: FastAPI, sink: UpdateSink, path: str) -> None:
    """Serve `sink`'s updates at `path`, refusing requests without the secret token first."""

    async def telegram_webhook(
        request: Request,
        secret_token: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
    ) -> JSONResponse:
        # The secret is checked before the body is even read: strangers learn nothing.
        if secret_token is None or not sink.accepts(secret_token):
            return problem_response(
                request, 403, code="forbidden", detail="The webhook secret token does not match."
            )
        try:
            update = json.loads(await request.body())
            if not isinstance(update, dict):
                raise ValueError("an update is a JSON object")
            await sink.feed(update)
        except (ValueError, RecursionError) as error:  # not JSON, or not a Telegram update
            return problem_response(request, 422, code="validation-error", detail=str(error)[:500])
        return JSONResponse({"ok": True})

    app.add_api_route(path, telegram_webhook, methods=["POST"], include_in_schema=False)
