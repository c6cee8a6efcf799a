"""Inline buttons: exactly the moves the transition table allows now, and Record / No."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from incidents.domain.incident import Incident, Status, Verb, verbs_allowed
from incidents.telegram.texts import Texts


class IncidentAction(CallbackData, prefix="inc"):
    """A button press: move incident `id`, drawn while it was in `status`, by `verb`.

    A press after the incident moved elsewhere is stale; a note added meanwhile is not.
    """

    id: int
    verb: Verb
    status: Status


def buttons(incident: Incident, texts: Texts) -> InlineKeyboardMarkup | None:
    """One button per allowed move, and "False alarm" while open; none for a closed incident."""
    row = [
        InlineKeyboardButton(
            text=texts.words.verbs[verb],
            callback_data=IncidentAction(id=incident.id, verb=verb, status=incident.status).pack(),
        )
        for verb in verbs_allowed(incident.status)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


class OfferAnswer(CallbackData, prefix="sug"):
    """A press on an offer to record person's message `message_id` (in the offer's chat)."""

    message_id: int
    record: bool


def offer_buttons(message_id: int, texts: Texts) -> InlineKeyboardMarkup:
    """Record and No, for the offer about message `message_id`."""
    row = [
        InlineKeyboardButton(
            text=label, callback_data=OfferAnswer(message_id=message_id, record=record).pack()
        )
        for label, record in ((texts.words.record, True), (texts.words.decline, False))
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])
