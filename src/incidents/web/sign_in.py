"""Signing in and out of the console, and choosing its language."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from incidents.domain.accounts import clean_username
from incidents.domain.errors import (
    AccountDisabled,
    RateLimited,
    TooManySignInFailures,
    WrongCredentials,
)
from incidents.service import accounts, ratelimits
from incidents.web.errors import ConsoleRoute, message_for, status_of
from incidents.web.language import LANGUAGE_COOKIE, LANGUAGE_COOKIE_AGE
from incidents.web.sessions import Session
from incidents.web.texts import LANGUAGES
from incidents.web.visit import Visit, VisitDep

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def local_path(candidate: str | None) -> str:
    """`candidate` when it is a path on this site, else `/` (no redirects to elsewhere)."""
    if (
        not candidate
        or not candidate.startswith("/")
        or candidate.startswith("//")
        or "\\" in candidate
        or any(ord(char) < 0x20 for char in candidate)
    ):
        return "/"
    return candidate


def _page(visit: Visit, *, username: str = "", error: Exception | None = None) -> Response:
    params = visit.request.query_params
    notice = visit.t.signed_out if "signed-out" in params else None
    response = visit.render(
        "sign_in.html",
        {
            "username": username,
            "next": local_path(params.get("next")),
            "notice": notice,
            "message": None if error is None else message_for(error, visit.t),
        },
        status_code=200 if error is None else status_of(error),
    )
    if isinstance(error, TooManySignInFailures | RateLimited):
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


@router.get("/sign-in")
async def sign_in_page(visit: VisitDep) -> Response:
    """The sign-in form; someone already signed in goes straight on."""
    if visit.actor is not None:
        return visit.redirect(local_path(visit.request.query_params.get("next")))
    return _page(visit)


@router.post("/sign-in")
async def sign_in(visit: VisitDep) -> Response:
    """Check the username and password; on success start a new session and go on."""
    form = await visit.form()
    username = str(form.get("username") or "")
    password = str(form.get("password") or "")
    request = visit.request
    address = request.client.host if request.client else "unknown"
    settings = visit.console.settings
    try:
        # Every attempt counts against the address, as requests without a valid key do.
        await ratelimits.spend(
            visit.runtime, bucket=f"ip:{address}", rate=settings.rate_limit_per_ip, who=address
        )
        signed_in = await accounts.authenticate_password(
            visit.runtime,
            username=username,
            password=password,
            request_id=getattr(visit.request.state, "request_id", None),
        )
    except (WrongCredentials, AccountDisabled, TooManySignInFailures, RateLimited) as error:
        return _page(visit, username=username, error=error)
    now = visit.runtime.clock.now()
    session = visit.session.signed_in(clean_username(username), now, signed_in.generation)
    visit.begin(session, signed_in.actor)
    return visit.redirect(local_path(str(form.get("next") or "/")))


@router.post("/sign-out")
async def sign_out(visit: VisitDep) -> Response:
    """End the account's sessions on the server (a copied cookie stops working too); the
    cookie keeps only a new CSRF token."""
    if visit.actor is not None and visit.session.username is not None:
        await visit.form()
        await accounts.sign_out(visit.runtime, username=visit.session.username)
        visit.begin(Session.anonymous(), None)
    return visit.redirect("/sign-in?signed-out")


@router.get("/language")
async def choose_language(visit: VisitDep) -> Response:
    """The header's EN / RU switch: remember the language in this browser, then go back."""
    params = visit.request.query_params
    chosen = params.get("to") or ""
    response = visit.redirect(local_path(params.get("next")))
    if chosen in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=LANGUAGE_COOKIE_AGE,
            httponly=True,
            samesite="lax",
            secure=visit.console.cookie.secure,
            path="/",
        )
    return response
