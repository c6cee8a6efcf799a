"""Every text the console shows, in each language it speaks; templates take them from here."""

from __future__ import annotations

from functools import cache

from babel import Locale

from incidents.web.texts import en, ru
from incidents.web.texts.catalog import Texts

__all__ = ["LANGUAGES", "Texts", "counted", "texts_for"]

LANGUAGES = ("en", "ru")


def texts_for(language: str) -> Texts:
    """The texts of `language` (`en` or `ru`)."""
    return {"en": en.TEXTS, "ru": ru.TEXTS}[language]


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def counted(forms: dict[str, str], n: int, language: str) -> str:
    """`n` with the words its plural category takes in `language` (Babel's CLDR rules):
    `1 time`, `2 times`; `1 раз`, `2 раза`, `5 раз`."""
    category = _locale(language).plural_form(abs(n))
    return forms.get(category, forms["other"]).format(n=n)
