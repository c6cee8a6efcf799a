"""What every command checks before its work: settings, the database, the port; each mistake
ends the command with one line saying what is wrong and how to fix it."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import typer
from pydantic import ValidationError

from incidents.domain.errors import DomainError
from incidents.logs import JsonFormatter
from incidents.service.storage import missing_file, shown_url, why_unusable
from incidents.settings import Settings


def read_settings() -> Settings:
    """The settings from the environment and `./.env`; a bad one ends the command in one line."""
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "INCIDENTS_" + "_".join(str(part) for part in problem["loc"]).upper()
            # Never the value itself: it may be a password or a token.
            message = problem["msg"].removeprefix("Value error, ")
            typer.echo(f"error: {name}: {message}", err=True)
        raise typer.Exit(code=2) from None


@contextlib.contextmanager
def database_problems(settings: Settings) -> Iterator[None]:
    """A database that can not be reached ends the command with one line (a traceback at
    INCIDENTS_LOG_LEVEL=debug)."""
    try:
        yield
    except (DomainError, typer.Exit):
        raise
    except Exception as error:
        problem = why_unusable(settings.database_url, error)
        if problem is None or settings.log_level == "debug":
            raise
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(code=1) from None


def say_database(settings: Settings) -> None:
    """Name the database the command acts on, password hidden, on stderr (so that
    `$(incidents keys create …)` still captures only the secret); a JSON object a line when
    the log is JSON, as log shippers expect of stderr then."""
    line = f"database: {shown_url(settings.database_url)}"
    if settings.log_format == "json":
        record = logging.LogRecord("incidents", logging.INFO, __file__, 0, line, None, None)
        line = JsonFormatter().format(record)
    typer.echo(line, err=True)


def require_existing_database(settings: Settings) -> None:
    """End a command that only reads or manages when its SQLite file does not exist: making
    an empty one would answer from the wrong registry (and a key made there never works)."""
    missing = missing_file(settings.database_url)
    if missing is None:
        return
    typer.echo(
        f"error: there is no database at {missing}: run the command from the folder you "
        "started the server in, or set INCIDENTS_DATABASE_URL to the server's database "
        "(`incidents migrate` makes a new one)",
        err=True,
    )
    raise typer.Exit(code=2)


def check_port_free(host: str, port: int) -> None:
    """End `serve` in one line when another process listens on the port already."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                return  # uvicorn will say what else is wrong with the address
            typer.echo(
                f"error: port {port} on {host} is taken (another `incidents serve`?). Choose "
                f"another with --port {port + 1}, or INCIDENTS_PORT={port + 1} in the "
                f"environment or .env (INCIDENTS_PORT={port + 1} make run).",
                err=True,
            )
            raise typer.Exit(code=1) from None


def same_configuration(settings: Settings) -> str:
    """How to point the command line at this server's database."""
    where = f"This server's database is {shown_url(settings.database_url)}."
    if "INCIDENTS_DATABASE_URL" in os.environ:
        return (
            f"{where} It was named in the environment: run the command line with the same "
            "INCIDENTS_DATABASE_URL exported (or put it in ./.env), else it acts on another."
        )
    return (
        f"{where} The command line reads the same settings (the environment and ./.env): "
        f"run it from this directory ({Path.cwd()})."
    )
