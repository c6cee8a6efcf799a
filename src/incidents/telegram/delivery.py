"""What a failed call to Telegram means for a notice: retry in order, follow the chat to its
new id, wait as told, or give up (the bot is not in the chat, or Telegram refuses it)."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
)

from incidents.domain.notifications import FailureReason

# What Telegram says when the bot is no longer in a group (403).
_NOT_THERE = ("kicked", "not a member", "bot was removed", "chat was deleted")
# Refusals that mean the message is as meant already (edited so, or deleted).
_DONE = ("message is not modified", "message to delete not found")


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed call: why (None: a passing failure, retried in the chat's order), how long
    Telegram asked to wait, the chat's new id, whether the bot is out of the chat."""

    reason: FailureReason | None
    retry_after: float = 0.0
    moved_to: int | None = None
    left: bool = False
    done: bool = False  # nothing failed after all: what was asked is there


def failure_of(error: Exception) -> Failure:
    """What `error`, raised by a call to Telegram, means."""
    text = str(error).lower()
    if isinstance(error, TelegramRetryAfter):
        return Failure(None, retry_after=float(error.retry_after))
    if isinstance(error, TelegramMigrateToChat):
        return Failure(None, moved_to=int(error.migrate_to_chat_id))
    if isinstance(error, TelegramForbiddenError):
        left = any(words in text for words in _NOT_THERE)
        return Failure(FailureReason.LEFT_CHAT if left else FailureReason.FORBIDDEN, left=left)
    if isinstance(error, TelegramBadRequest | TelegramNotFound):
        if any(words in text for words in _DONE):
            return Failure(None, done=True)
        if "chat not found" in text:
            return Failure(FailureReason.CHAT_NOT_FOUND)
        return Failure(FailureReason.BAD_REQUEST)
    # Network, timeouts, 5xx, an HTML error page, an unauthorized token: mended by time or by
    # the operator, so the notice keeps its place.
    return Failure(None)
