"""Bidirectional control characters in people's text, kept from reordering what surrounds it."""

from __future__ import annotations

import re

# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
BIDI_CONTROLS = frozenset(map(chr, (*range(0x202A, 0x202F), *range(0x2066, 0x206A))))
ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")
FSI, PDI = "\u2068", "\u2069"
# Paragraph separators end every embedding and isolate: each paragraph is isolated alone.
_PARAGRAPHS = re.compile("([\n\r\x1c-\x1e\x85\u2029])")


def isolate_bidi(text: str) -> str:
    """`text` with each paragraph (line) holding a bidirectional control wrapped in an
    isolate (FSI…PDI).

    Whatever the line opens is closed at its end, and a PDI it did not open is dropped (it
    would close the isolate early), so a description can not reorder the text around it.
    Text without such controls comes back unchanged.
    """
    if BIDI_CONTROLS.isdisjoint(text):
        return text
    return "".join(_isolate_line(part) for part in _PARAGRAPHS.split(text))


def _isolate_line(line: str) -> str:
    if BIDI_CONTROLS.isdisjoint(line):
        return line
    kept, open_isolates = [], 0
    for char in line:
        if char == PDI:
            if open_isolates == 0:
                continue
            open_isolates -= 1
        elif char in ISOLATE_OPENERS:
            open_isolates += 1
        kept.append(char)
    # The closing PDIs end the line's own isolates, then ours; a PDI ends embeddings too.
    return FSI + "".join(kept) + PDI * (open_isolates + 1)
