"""The console as built once with the app: its templates, session cookie, texts, and the
database handle and settings the composition root hands it."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.templating import Jinja2Templates

from incidents.domain.bidi import isolate_bidi
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from incidents.web.sessions import SessionCookie
from incidents.web.texts import Texts, texts_for

log = logging.getLogger(__name__)

HERE = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class Console:
    """What every console page needs, built once with the app."""

    templates: Jinja2Templates
    cookie: SessionCookie
    texts: Texts
    runtime: Runtime
    settings: Settings


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
    return Console(
        templates=templates,
        cookie=SessionCookie(secret, secure=settings.cookie_secure),
        texts=texts_for(settings.language),
        runtime=runtime,
        settings=settings,
    )
