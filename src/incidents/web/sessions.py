"""The console session: a signed, HttpOnly, SameSite cookie holding who signed in, and a CSRF
token that every form must send back."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE_NAME = "incidents_session"
CSRF_FIELD = "csrf_token"
_SALT = "incidents.console.session"


@dataclass(frozen=True, slots=True)
class Session:
    """What the cookie carries. Anonymous sessions carry only the CSRF token."""

    csrf: str
    username: str | None = None
    signed_in_at: datetime | None = None
    # The account's session generation at sign-in; signing out anywhere moves it on.
    generation: int = 0

    @classmethod
    def anonymous(cls) -> Session:
        """A fresh session with nobody signed in and a new CSRF token."""
        return cls(csrf=secrets.token_urlsafe(32))

    def signed_in(self, username: str, at: datetime, generation: int) -> Session:
        """A new session for `username`, with a new CSRF token (no token survives sign-in)."""
        return replace(
            Session.anonymous(), username=username, signed_in_at=at, generation=generation
        )

    def accepts(self, submitted: str | None) -> bool:
        """Whether a form's CSRF token is this session's, compared in constant time."""
        return submitted is not None and hmac.compare_digest(submitted.encode(), self.csrf.encode())


class SessionCookie:
    """Reads and writes the session cookie, signed with the console's secret key."""

    def __init__(self, secret: str, *, secure: bool) -> None:
        self._serializer = URLSafeSerializer(secret, salt=_SALT)
        self.secure = secure

    def read(self, request: Request) -> Session | None:
        """The request's session; None when there is no cookie or its signature is wrong."""
        raw = request.cookies.get(COOKIE_NAME)
        if not raw:
            return None
        try:
            data: Any = self._serializer.loads(raw)
            return _from_json(data)
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    def write(self, response: Response, session: Session) -> None:
        """Set the cookie to `session` on `response`."""
        response.set_cookie(
            COOKIE_NAME,
            self._serializer.dumps(_to_json(session)),
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/",
        )


def _to_json(session: Session) -> dict[str, str | int]:
    data: dict[str, str | int] = {"csrf": session.csrf}
    if session.username is not None and session.signed_in_at is not None:
        data["user"] = session.username
        data["at"] = session.signed_in_at.isoformat()
        data["gen"] = session.generation
    return data


def _from_json(data: Any) -> Session:
    csrf = data["csrf"]
    if not isinstance(csrf, str):
        raise TypeError("csrf")
    user, at, generation = data.get("user"), data.get("at"), data.get("gen")
    if isinstance(user, str) and isinstance(at, str) and type(generation) is int:
        signed_in_at = datetime.fromisoformat(at)
        return Session(csrf=csrf, username=user, signed_in_at=signed_in_at, generation=generation)
    return Session(csrf=csrf)
