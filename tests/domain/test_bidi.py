"""Bidirectional controls in people's text are isolated: nothing they open outlives the text."""

from __future__ import annotations

from incidents.domain.bidi import BIDI_CONTROLS, isolate_bidi

EMBEDDINGS = set("\u202a\u202b\u202d\u202e")
ISOLATES = set("\u2066\u2067\u2068")
PDF, PDI = "\u202c", "\u2069"
TRICKS = [
    "\u202eevil",
    "a\u202eb\u202cc",
    "\u2069\u202eescapes the isolate",
    "\u2067unclosed isolate",
    "\u2066a\u2069\u2069\u2069\u202b",
    "line one\u202e\nline two\u2067\r\nthree\u2029\u202dfour",
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" * 3,
]


def still_open(text: str) -> list[str]:
    """What `text` leaves open at its end, by the Unicode bidirectional algorithm's matching
    (a paragraph separator ends everything; a PDI closes its isolate and what it holds)."""
    stack: list[str] = []
    for char in text:
        if char in "\n\r\u2029":
            stack.clear()
        elif char in EMBEDDINGS | ISOLATES:
            stack.append(char)
        elif char == PDF and stack and stack[-1] in EMBEDDINGS:
            stack.pop()
        elif char == PDI and any(opened in ISOLATES for opened in stack):
            while stack.pop() not in ISOLATES:
                pass
    return stack


def test_text_without_controls_is_unchanged() -> None:
    for text in ("", "Scooter #42 offline", "Самокат №7", "عربى 42", "a\nb"):
        assert isolate_bidi(text) == text


def test_nothing_the_text_opens_stays_open_after_it() -> None:
    for text in TRICKS:
        shown = isolate_bidi(text)
        assert still_open(shown) == [], (text, shown)
        if not set(text) & set("\n\r\u2029"):  # one paragraph
            # Inside a page's own isolate, the text can not close it either.
            assert still_open("\u2068" + shown) == ["\u2068"], (text, shown)
        visible = [char for char in shown if char not in BIDI_CONTROLS]
        assert visible == [char for char in text if char not in BIDI_CONTROLS]
