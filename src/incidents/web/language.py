"""Each visitor's language: the header's switch (a cookie) first, then what the browser asks
for (`Accept-Language`), then the registry's default (`INCIDENTS_LANGUAGE`)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from incidents.web.texts import LANGUAGES

LANGUAGE_COOKIE = "incidents_language"
# Remembered for a year: a browser keeps the language its person chose.
LANGUAGE_COOKIE_AGE = 365 * 86400
# Longer headers are not read further: browsers send a handful of languages.
ACCEPT_LANGUAGE_READ = 512


def language_of(request: Request, default: str) -> str:
    """The language to answer `request` in."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return accepted(request.headers.get("accept-language", ""), default)


def accepted(header: str, default: str) -> str:
    """The language of ours that `header` (`ru-RU,ru;q=0.9,en;q=0.8`) prefers, else `default`."""
    best, best_q = default, 0.0
    # Only a higher weight wins: among equal ones, the first the browser gave.
    for part in header[:ACCEPT_LANGUAGE_READ].split(","):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().split("-")[0].casefold()
        quality = _quality(params)
        if tag.strip() == "*" and quality > best_q:
            best, best_q = default, quality
        elif language in LANGUAGES and quality > best_q:
            best, best_q = language, quality
    return best


def _quality(params: str) -> float:
    name, _, value = params.strip().partition("=")
    if name.strip() != "q":
        return 1.0
    try:
        quality = float(value)
    except ValueError:
        return 0.0
    return quality if 0.0 <= quality <= 1.0 else 0.0


def switch_url(request: Request, language: str) -> str:
    """The header switch's link: choose `language`, then come back to this page."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/language?{urlencode({'to': language, 'next': here})}"
