"""The offer in Russian, as the README's transcript shows it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.telegram.conftest import BORIS, OPS, Chats
from tests.telegram.fake_bot_api import plain


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    return {"language": "ru"}


async def test_one_tap_records_in_russian(chats: Chats) -> None:
    offer = await chats.say(OPS, "самокат 4512 не в сети у Курской")
    assert offer.text == "Похоже на сообщение о проблеме. Записать?"
    assert offer.buttons == ["Записать", "Нет"]
    mark = len(chats.api.calls)
    await chats.press(offer, "Записать", user=BORIS)
    card = await chats.api.wait_for("editMessageText", after=mark)
    assert plain(card.text).splitlines()[:2] == [
        "Инцидент #1 · новый",
        "Источник: оператор · сообщил telegram:111 (@anna)",
    ]
    assert card.buttons == ["Взять", "Ложная тревога"]
