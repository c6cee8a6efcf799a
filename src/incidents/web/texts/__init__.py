"""Every text the console shows, in each language it speaks; templates take them from here."""

from __future__ import annotations

from incidents.web.texts import en, ru
from incidents.web.texts.catalog import Texts

__all__ = ["Texts", "texts_for"]


def texts_for(language: str) -> Texts:
    """The texts of `language` (`en` or `ru`)."""
    return {"en": en.TEXTS, "ru": ru.TEXTS}[language]
