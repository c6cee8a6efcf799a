"""Settings as operators write them: the bot's chats and its suggestions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from pydantic import ValidationError

from incidents.domain.incident import Source
from incidents.settings import Settings, TelegramChat


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_chats_keep_their_form_and_may_turn_suggestions_off() -> None:
    chats = settings(
        telegram_chats="-1001:operator, -1002 ,-1003:partner:nosuggest,-1004::nosuggest"
    )
    assert chats.telegram_chats == {
        -1001: TelegramChat(Source.OPERATOR),
        -1002: TelegramChat(None),
        -1003: TelegramChat(Source.PARTNER, suggest=False, bound=Source.PARTNER),
        -1004: TelegramChat(None, suggest=False),
    }
    assert chats.suggests_in(-1001)
    assert chats.suggests_in(-1002)
    assert not chats.suggests_in(-1003)
    assert not chats.suggests_in(-1004)


def test_suggestions_are_on_by_default_and_off_everywhere_when_told() -> None:
    default = settings(telegram_chats="-1001")
    assert default.telegram_suggest
    assert default.telegram_suggest_ttl == timedelta(minutes=10)
    off = settings(telegram_chats="-1001", telegram_suggest="off")
    assert not off.suggests_in(-1001)
    assert settings(telegram_suggest="on").telegram_suggest


def test_chats_see_their_own_source_or_all_as_configured() -> None:
    chats = settings(
        telegram_chats="-1001:operator,-1002,-1003:partner,-1004:monitoring:nosuggest,"
        "-1005:partner:all,-1006:operator:own,-1007:partner:NOSUGGEST:All"
    ).telegram_chats
    bound = {chat_id: chat.bound for chat_id, chat in chats.items()}
    assert bound == {
        -1001: None,
        -1002: None,
        -1003: Source.PARTNER,
        -1004: Source.MONITORING,
        -1005: None,
        -1006: Source.OPERATOR,
        -1007: None,
    }
    assert not chats[-1007].suggest


def test_suggestions_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENTS_TELEGRAM_CHATS", "-1001:partner:nosuggest,-1002")
    monkeypatch.setenv("INCIDENTS_TELEGRAM_SUGGEST_TTL", "90s")
    monkeypatch.setenv("INCIDENTS_TELEGRAM_SUGGEST_WORDS", "глючит, не пробивает ,")
    monkeypatch.setenv("INCIDENTS_TELEGRAM_SUGGEST_THINGS", "велосипед")
    read = settings()
    assert read.telegram_suggest_ttl == timedelta(seconds=90)
    assert read.telegram_suggest_words == ("глючит", "не пробивает")
    assert read.telegram_suggest_things == ("велосипед",)
    assert not read.suggests_in(-1001)
    assert read.suggests_in(-1002)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"telegram_chats": "-1001:partner:loud"}, "chat_id[:source[:nosuggest][:own|all]]"),
        ({"telegram_chats": "-1001:a:b:nosuggest"}, "chat_id[:source[:nosuggest][:own|all]]"),
        ({"telegram_chats": "-1001:partner:own:all"}, "chat_id[:source[:nosuggest][:own|all]]"),
        ({"telegram_chats": "-1001:nobody"}, "not a valid Source"),
        ({"telegram_suggest_ttl": "soon"}, "is not a duration"),
        ({"telegram_suggest_ttl": "0s"}, "longer than 0"),
        ({"telegram_suggest": "maybe"}, "telegram_suggest"),
    ],
)
def test_wrong_values_are_refused_with_the_right_form(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        settings(**values)
