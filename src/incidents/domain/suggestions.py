"""Suggestions: the bot's offer to record an untagged message that reads like a report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from incidents.domain.notifications import Attachment, Thread


class SuggestionState(StrEnum):
    """Where an offer stands; only a pending one may be answered."""

    PENDING = "pending"  # offered, waiting for Record or No
    RECORDED = "recorded"  # someone pressed Record: the message reported an incident
    DECLINED = "declined"  # someone pressed No: the offer is taken back
    EXPIRED = "expired"  # nobody answered in time: the offer is taken back


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An offer about a person's message (`message`), made by the bot's reply (`reply_id`).

    A message is offered at most once, whatever becomes of the offer and however often the
    message is edited: `text` is kept (an edit while pending corrects it) because the bot
    can not read a message back from Telegram when Record is pressed.
    """

    message: Thread
    author: str
    text: str
    file: Attachment | None
    state: SuggestionState
    expires_at: datetime
    reply_id: int | None = None
    incident_id: int | None = None
