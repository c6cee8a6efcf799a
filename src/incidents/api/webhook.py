"""The chat bot inside API processes: its webhook route, and its background work."""

from __future__ import annotations

import json
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from incidents.api.errors import problem_response, send_problem
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


# Telegram sends the webhook's secret back in this header with every update.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


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


class WebhookSecretGate:
    """Refuses requests to the webhook's path that lack its secret, before anything else
    looks at them (their size, their body, their method): strangers learn nothing."""

    def __init__(self, app: ASGIApp, *, path: str, sink: UpdateSink) -> None:
        self.app = app
        self.path = path
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path:
            token = Headers(scope=scope).get(SECRET_HEADER)
            if token is None or not self.sink.accepts(token):
                detail = "The webhook secret token does not match."
                await send_problem(scope, send, 403, code="forbidden", detail=detail)
                return
        await self.app(scope, receive, send)


def add_webhook_route(app: FastAPI, sink: UpdateSink, path: str) -> None:
    """Serve `sink`'s updates at `path` (behind a WebhookSecretGate the app installs)."""

    async def telegram_webhook(request: Request) -> JSONResponse:
        try:
            update = json.loads(await request.body())
            if not isinstance(update, dict):
                raise ValueError("an update is a JSON object")
            await sink.feed(update)
        except (ValueError, RecursionError) as error:  # not JSON, or not a Telegram update
            return problem_response(request, 422, code="validation-error", detail=str(error)[:500])
        return JSONResponse({"ok": True})

    app.add_api_route(path, telegram_webhook, methods=["POST"], include_in_schema=False)
