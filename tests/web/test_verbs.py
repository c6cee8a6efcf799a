"""The console's buttons translate the domain's verbs: every move has a label in each language."""

from __future__ import annotations

import pytest

from incidents.domain.incident import TRANSITIONS, verb_for
from incidents.web.texts import texts_for


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_move_has_a_button(language: str) -> None:
    t = texts_for(language)
    for current, targets in TRANSITIONS.items():
        for target in targets:
            assert t.verbs[verb_for(current, target)].strip(), (language, current, target)
