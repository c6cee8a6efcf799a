"""Each request's visit to the console: its session, who is signed in, and how to answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from incidents.domain.access import Actor
from incidents.domain.errors import Unauthenticated
from incidents.service import accounts
from incidents.service.runtime import Runtime
from incidents.web.console import Console
from incidents.web.errors import CsrfRefused, FormRefused, SignInRequired, console_of
from incidents.web.sessions import CSRF_FIELD, Session
from incidents.web.texts import Texts

# Forms are small: a description of at most 10,000 characters and a few fields.
MAX_FORM_FIELDS = 20


@dataclass(slots=True)
class Visit:
    """One request to the console: its session, who is signed in, and how to answer."""

    request: Request
    console: Console
    runtime: Runtime
    session: Session
    actor: Actor | None
    session_changed: bool

    @property
    def t(self) -> Texts:
        """The console's texts, in this visitor's language."""
        return self.console.texts(self.request)

    def require_sign_in(self) -> Actor:
        """The signed-in actor; raises SignInRequired to send anyone else to the sign-in page."""
        if self.actor is None:
            url = self.request.url
            if self.request.method != "GET":
                raise SignInRequired("/")
            raise SignInRequired(f"{url.path}?{url.query}" if url.query else url.path)
        return self.actor

    async def form(self) -> FormData:
        """The submitted form, once its CSRF token proved it came from this session's page."""
        try:
            form = await self.request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
        except HTTPException as refused:  # Starlette's answer to a form it would not parse
            raise FormRefused(str(refused.detail), max_fields=MAX_FORM_FIELDS) from None
        submitted = form.get(CSRF_FIELD)
        if not self.session.accepts(submitted if isinstance(submitted, str) else None):
            raise CsrfRefused()
        return form

    def begin(self, session: Session, actor: Actor | None) -> None:
        """Replace the session (sign-in, sign-out); the answer sets the new cookie."""
        self.session, self.actor, self.session_changed = session, actor, True

    def render(self, template: str, context: dict[str, Any], *, status_code: int = 200) -> Response:
        """A page from `template`, with the texts, the actor and the CSRF token at hand."""
        response = self.console.templates.TemplateResponse(
            self.request,
            template,
            {"t": self.t, "actor": self.actor, "csrf_token": self.session.csrf, **context},
            status_code=status_code,
        )
        return self._with_cookie(response)

    def redirect(self, url: str) -> Response:
        """See other: after a form, the browser loads `url` with GET."""
        return self._with_cookie(RedirectResponse(url, status_code=303))

    def _with_cookie(self, response: Response) -> Response:
        if self.session_changed:
            self.console.cookie.write(response, self.session)
        return response


async def get_visit(request: Request) -> Visit:
    """The visit of `request`: its session (a new one if none), and its account checked afresh."""
    console = console_of(request)
    runtime = console.runtime
    session = console.cookie.read(request)
    changed = session is None
    session = session or Session.anonymous()
    actor = None
    if session.username is not None and session.signed_in_at is not None:
        try:
            actor = await accounts.authenticate_session(
                runtime,
                username=session.username,
                signed_in_at=session.signed_in_at,
                generation=session.generation,
                request_id=getattr(request.state, "request_id", None),
                client_request_id=getattr(request.state, "client_request_id", None),
            )
        except Unauthenticated:
            session, changed = Session.anonymous(), True
    # An error page keeps the header (who is signed in, sign out) of the page that failed.
    request.state.console_actor, request.state.console_csrf = actor, session.csrf
    if actor is not None:
        request.state.actor = actor.name  # for the request's log line, as the API names keys
    return Visit(request, console, runtime, session, actor, changed)


VisitDep = Annotated[Visit, Depends(get_visit)]
