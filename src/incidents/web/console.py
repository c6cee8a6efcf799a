"""The console as built once with the app: its templates, session cookie, texts, and the
database handle and settings the composition root hands it."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from incidents.domain.bidi import isolate_bidi
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from incidents.web.language import language_of, switch_url
from incidents.web.people import person, person_name
from incidents.web.sessions import SessionCookie
from incidents.web.texts import LANGUAGES, Texts, texts_for

log = logging.getLogger(__name__)

HERE = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class Console:
    """What every console page needs, built once with the app."""

    templates: Jinja2Templates
    cookie: SessionCookie
    runtime: Runtime
    settings: Settings

    def language(self, request: Request) -> str:
        """The language `request` is answered in: the visitor's choice, their browser's, or
        the registry's default."""
        return language_of(request, self.settings.language)

    def texts(self, request: Request) -> Texts:
        """The console's texts in the language of `request`."""
        return texts_for(self.language(request))


def make_console(settings: Settings, runtime: Runtime) -> Console:
    """The console over `runtime`, in the language and with the session key `settings` name."""
    if settings.secret_key is None:
        secret = secrets.token_urlsafe(32)
        log.warning(
            "INCIDENTS_SECRET_KEY is not set: console sessions are signed with a random key "
            "made now, so they end when the server restarts and do not span server processes"
        )
    else:
        secret = settings.secret_key.get_secret_value()
    templates = Jinja2Templates(directory=HERE / "templates")
    # `|bidi` on people's text: a description can not reorder the page around it.
    templates.env.filters["bidi"] = isolate_bidi
    templates.env.globals["person"] = person
    templates.env.globals["person_name"] = person_name
    templates.env.globals["switch_url"] = switch_url
    templates.env.globals["languages"] = LANGUAGES
    return Console(
        templates=templates,
        cookie=SessionCookie(secret, secure=settings.cookie_secure),
        runtime=runtime,
        settings=settings,
    )
