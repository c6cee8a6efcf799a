"""The `incidents` command line: serve the API and manage the database."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from incidents.settings import Settings

app = typer.Typer(
    help="A registry of record for operational incidents.",
    no_args_is_help=True,
    add_completion=False,
)


def _migrate(settings: Settings) -> None:
    from incidents.db.migrate import upgrade_to_head

    asyncio.run(upgrade_to_head(settings.database_url))


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit."""
    settings = Settings()
    _configure_logging(settings)
    _migrate(settings)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Apply pending migrations, then serve the API."""
    import uvicorn

    from incidents.api.app import create_app

    settings = Settings()
    _configure_logging(settings)
    _migrate(settings)
    # Uvicorn shuts down gracefully on SIGTERM, then raises the signal again to the handler it
    # found. A graceful stop is a success: let that second signal end the process with status 0.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
        proxy_headers=False,
    )


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def main() -> None:
    """Entry point of the `incidents` console script."""
    app()
