"""The one composition root: settings, the database handle, the clock, the background jobs,
and the doors (API, console, the bot's webhook) side by side, each handed what it needs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI

from incidents.api.app import install_api
from incidents.api.webhook import UpdateSink, require_webhook_secret
from incidents.domain.clock import Clock
from incidents.logs import configure_logging
from incidents.service import housekeeping, key_cache
from incidents.service.chat_jobs import chat_jobs
from incidents.service.heartbeats import check_heartbeats
from incidents.service.periodic import repeat
from incidents.service.runtime import Runtime
from incidents.service.webhook_sender import Pacing, WebhookSender
from incidents.settings import Settings
from incidents.web.door import install_console


@dataclass(frozen=True, slots=True)
class Job:
    """Work the server repeats while it runs, every `period_seconds`."""

    name: str
    work: Callable[[], Awaitable[object]]
    period_seconds: float
    what: str


def background_jobs(
    settings: Settings, runtime: Runtime, *, webhooks: WebhookSender | None = None
) -> list[Job]:
    """Every server process's repeated work; a new job is one more line here."""
    webhooks = webhooks or webhook_sender(settings, runtime)
    jobs = [
        Job(
            "watch-heartbeats",
            partial(check_heartbeats, runtime),
            settings.heartbeat_check_seconds,
            "checking heartbeats",
        ),
        Job(
            "housekeeping",
            partial(housekeeping.tidy, runtime),
            housekeeping.PERIOD_SECONDS,
            "housekeeping",
        ),
        # Every process sends webhook deliveries, as every bot process sends chat notices.
        Job(
            "send-webhooks",
            webhooks.deliver_due,
            settings.webhook_poll_seconds,
            "sending webhook deliveries",
        ),
    ]
    # Reminders and the digest are for chats: only a process with the bot queues them.
    if settings.telegram_token is not None:
        jobs += [
            Job(job.what, job.work, job.period_seconds, job.what)
            for job in chat_jobs(settings, runtime)
        ]
    return jobs


def webhook_sender(settings: Settings, runtime: Runtime) -> WebhookSender:
    """The process's webhook sender, paced as `settings` say."""
    pacing = Pacing(
        give_up_after=settings.webhook_give_up_after,
        first_retry=settings.webhook_first_retry,
        longest_retry=settings.webhook_longest_retry,
    )
    return WebhookSender(runtime, pacing)


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """The API, the console at `/`, and the Telegram bot when it has a token, over one
    database handle; connections open on first use, the jobs run in the app's lifespan."""
    require_webhook_secret(settings)
    runtime = Runtime.open(settings, clock=clock)
    bot = _telegram(settings, runtime)
    sender = webhook_sender(settings, runtime)
    app = FastAPI(
        lifespan=_lifespan(runtime, background_jobs(settings, runtime, webhooks=sender), bot),
        # The API serves its documents from local files (install_docs), not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    install_api(app, settings=settings, runtime=runtime, webhook=bot)
    install_console(app, settings=settings, runtime=runtime)
    # Deliveries are counted on /metrics; tests (no lifespan) drive the sender themselves.
    sender.counted = app.state.metrics.webhook_delivery
    app.state.webhook_sender = sender
    return app


def app_from_environment() -> FastAPI:
    """The app each worker of `incidents serve --workers N` builds: settings read once, here."""
    settings = Settings()
    # Workers are fresh processes: they set up logging as the parent did.
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)


def _lifespan(
    runtime: Runtime, jobs: Sequence[Job], bot: UpdateSink | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the jobs and the bot with the app; stop them and close the database after."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(
                repeat(job.work, period_seconds=job.period_seconds, what=job.what), name=job.name
            )
            for job in jobs
        ]
        # Not a repeated job: it listens for changed API keys as long as the app runs.
        listener = key_cache.listen(runtime.database, runtime.keys)
        tasks.append(asyncio.create_task(listener, name="listen-key-changes"))
        if bot is not None:
            await bot.start()
        try:
            yield
        finally:
            if bot is not None:
                await bot.stop()
            for task in tasks:
                task.cancel()
            with suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks)
            await runtime.close()

    return lifespan


def _telegram(settings: Settings, runtime: Runtime) -> UpdateSink | None:
    """The bot in every server process: it delivers notifications (leased, so several processes
    and `incidents bot` never send one twice) and, in webhook mode, takes updates."""
    if settings.telegram_token is None:
        return None
    # aiogram takes seconds to import: only a configured bot pays for it.
    from incidents.telegram.bot import TelegramDoor

    return TelegramDoor(settings, runtime)
