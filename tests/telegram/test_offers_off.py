"""Offers turned off: in one chat by its `nosuggest` field, or everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.telegram.conftest import OPS, PARTNERS, Chats

OFFER = "Looks like a problem report. Record it?"
REPORT = "самокат 4512 не в сети у Курской"


@pytest.fixture(params=["nosuggest", "off"])
def bot_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "nosuggest":
        return {"telegram_chats": f"{OPS}:operator:nosuggest,{PARTNERS}:partner"}
    return {"telegram_suggest": "off"}


async def test_a_chat_with_offers_off_stays_quiet(
    chats: Chats, bot_settings: dict[str, Any]
) -> None:
    await chats.say_unanswered(OPS, REPORT)
    card = await chats.say(OPS, f"[operator] {REPORT}")  # tags still report
    assert "#1" in card.text
    if "telegram_chats" in bot_settings:  # the other chat keeps its offers
        offer = await chats.say(PARTNERS, REPORT)
        assert offer.text == OFFER
    else:
        await chats.say_unanswered(PARTNERS, REPORT)
