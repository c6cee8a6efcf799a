"""Hostile text and odd ids through the bot: every reply is well-formed Telegram HTML that shows
the text as it was sent, and an odd id gets a reply, not an error."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.security.test_markup import HOSTILE
from tests.telegram.conftest import NOTIFY, OPS, Chats
from tests.telegram.fake_bot_api import Call, plain

# The tags Telegram's HTML parse mode knows; anything else makes it refuse the message.
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
TELEGRAM_TAGS |= {"span", "tg-spoiler", "tg-emoji", "blockquote"}
ODD_IDS = ["-1", "0", str(2**63), str(2**64), "abc", "1.5", "\x00", "#", "<b>1</b>", "١"]


class _TelegramHtml(HTMLParser):
    """Collects the tags of a message and checks every `&` starts an entity Telegram knows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[str] = []
        self.entities: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_entityref(self, name: str) -> None:
        self.entities.append(name)


def _well_formed(call: Call) -> str:
    """The text a chat shows for a message the bot sent, after checking its markup."""
    assert call.params.get("parse_mode", "HTML") == "HTML"
    parser = _TelegramHtml()
    parser.feed(call.text)
    parser.close()
    assert set(parser.tags) <= TELEGRAM_TAGS, (parser.tags, call.text)
    assert set(parser.entities) <= {"lt", "gt", "amp", "quot"}, (parser.entities, call.text)
    return plain(call.text)


async def test_hostile_text_is_shown_as_sent(chats: Chats) -> None:
    for text in HOSTILE:
        card = await chats.say(OPS, f"/new {text}")
        assert text in _well_formed(card), card.text
        [incident, *_] = await chats.incidents()
        assert incident["description"] == text
        noted = await chats.say(OPS, f"/note {incident['id']} {text}")
        _well_formed(noted)
        shown = await chats.say(OPS, f"/show {incident['id']}")
        assert text in _well_formed(shown), shown.text
    listing = await chats.say(OPS, "/list")
    _well_formed(listing)
    # Reported elsewhere, announced in the notification chat.
    mark = len(chats.api.calls)
    body = {"description": HOSTILE[2], "source": "partner"}
    await chats.http.post("/api/v1/incidents", json=body)
    announced = await chats.api.wait_for("sendMessage", after=mark)
    assert int(announced.params["chat_id"]) == NOTIFY
    assert HOSTILE[2] in _well_formed(announced)


async def test_odd_ids_get_a_reply(chats: Chats) -> None:
    for command in ("show", "take", "note", "resolve"):
        for raw in ODD_IDS:
            reply = await chats.say(OPS, f"/{command} {raw} x")
            assert _well_formed(reply).strip(), (command, raw)
    assert await chats.incidents() == []
