"""The database as the doors may speak of it: its URL for people, and why it could not be used."""

from __future__ import annotations

from pathlib import Path

from incidents.db.engine import redacted
from incidents.db.urls import connection_problem, sqlite_file, with_absolute_path


def shown_url(url: str) -> str:
    """`url` as it may be printed: the password hidden, an SQLite file's path absolute."""
    return redacted(with_absolute_path(url))


def missing_file(url: str) -> Path | None:
    """The absolute path of the SQLite file `url` names when there is no such file."""
    path = sqlite_file(url)
    return path if path is not None and not path.exists() else None


def why_unusable(url: str, error: BaseException) -> str | None:
    """One line on why the database at `url` failed with `error`, and how to fix it."""
    return connection_problem(url, error)
