"""The background work that exists for the chats: reminders and the morning digest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from incidents.service.digest import queue_due_digest
from incidents.service.reminders import check_reminders
from incidents.service.runtime import Runtime
from incidents.settings import Settings

# How often each process looks whether today's digest is due (a claim makes it one a day).
DIGEST_CHECK_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Job:
    """Work to repeat every `period_seconds` while a server process runs."""

    work: Callable[[], Awaitable[object]]
    period_seconds: float
    what: str


def chat_jobs(settings: Settings, runtime: Runtime) -> list[Job]:
    """The jobs the settings ask for: reminders unless both waits are 0, the digest when it has
    an hour and a notification chat to go to."""
    jobs = []
    policy = settings.reminder_policy()
    if policy.active:
        jobs.append(
            Job(
                partial(check_reminders, runtime, policy=policy),
                policy.check_period_seconds(),
                "reminders",
            )
        )
    if settings.digest_at is not None and settings.telegram_notify_chat is not None:
        jobs.append(
            Job(
                partial(queue_due_digest, runtime, at=settings.digest_at, zone=settings.zone),
                DIGEST_CHECK_SECONDS,
                "digest",
            )
        )
    return jobs
