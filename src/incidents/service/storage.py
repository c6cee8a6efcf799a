"""The database as the doors may speak of it: its URL for people, and why it could not be used."""

from __future__ import annotations

from incidents.db.engine import redacted
from incidents.db.urls import connection_problem


def shown_url(url: str) -> str:
    """`url` as it may be printed: the password hidden."""
    return redacted(url)


def why_unusable(url: str, error: BaseException) -> str | None:
    """One line on why the database at `url` failed with `error`, and how to fix it."""
    return connection_problem(url, error)
