"""The `incidents` command line: serve the API and manage the database and access."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from incidents.domain.access import Actor, Role
from incidents.domain.errors import DomainError
from incidents.domain.incident import Source
from incidents.service import access
from incidents.service.context import Registry
from incidents.settings import Settings

app = typer.Typer(
    help="A registry of record for operational incidents.",
    no_args_is_help=True,
    add_completion=False,
)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

log = logging.getLogger("incidents")
CLI_ACTOR = Actor.system("cli")
T = TypeVar("T")


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _prepare() -> Settings:
    """Read settings, set up logging and bring the schema up to date."""
    from incidents.db.migrate import upgrade_to_head

    settings = Settings()
    _configure_logging(settings)
    asyncio.run(upgrade_to_head(settings.database_url))
    return settings


def _run(settings: Settings, use_case: Callable[[Registry], Awaitable[T]]) -> T:
    """Run one use case against a registry opened for it; domain errors end the command."""

    async def run() -> T:
        registry = Registry.open(settings)
        try:
            return await use_case(registry)
        finally:
            await registry.close()

    try:
        return asyncio.run(run())
    except DomainError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(code=1) from None


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit."""
    _prepare()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes; on PostgreSQL, one per CPU core.")
    ] = 1,
) -> None:
    """Apply pending migrations, make a first admin key if there is none, then serve the API."""
    import uvicorn

    settings = _prepare()
    issued = _run(settings, access.bootstrap_admin_key)
    if issued is not None:
        _announce_bootstrap_key(issued.secret)
    # Uvicorn shuts down gracefully on SIGTERM, then raises the signal again to the handler it
    # found. A graceful stop is a success: let that second signal end the process with status 0.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    # Several workers each build their app from the same environment, after the migrations
    # and the bootstrap key above ran once, here.
    uvicorn.run(
        "incidents.cli:served_app" if workers > 1 else served_app(settings),
        factory=workers > 1,
        workers=workers,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
        proxy_headers=False,
    )


def served_app(settings: Settings | None = None) -> Any:  # a FastAPI app: only api/ imports it
    """The app `incidents serve` runs, with the Telegram webhook when settings ask for it."""
    from incidents.api.app import create_app

    settings = settings or Settings()
    webhook = None
    if settings.telegram_webhook_url:
        from incidents.telegram.bot import TelegramDoor

        webhook = TelegramDoor
    return create_app(settings, webhook=webhook)


@app.command()
def bot() -> None:
    """Run the Telegram bot with long polling (and deliver its notifications)."""
    from incidents.telegram.bot import run_polling

    settings = _prepare()
    if settings.telegram_token is None:
        typer.echo("error: set INCIDENTS_TELEGRAM_TOKEN (from BotFather) first.", err=True)
        raise typer.Exit(code=1)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_polling(settings))


def _announce_bootstrap_key(secret: str) -> None:
    rule = "=" * 72
    log.warning(
        "\n%s\nNo API key existed, so an admin key named %r was made. It is shown only now:\n\n"
        "    %s\n\nUse it as `Authorization: Bearer <key>`, e.g. export TOKEN=<key>.\n"
        "Make keys for people and systems with it, then revoke it.\n%s",
        rule,
        access.BOOTSTRAP_KEY_NAME,
        secret,
        rule,
    )


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Unique name, e.g. zabbix or partner-acme.")],
    role: Annotated[Role, typer.Option(help="reporter, operator or admin.")],
    source: Annotated[
        Source | None, typer.Option(help="Only let the key report incidents of this source.")
    ] = None,
) -> None:
    """Create an API key; its secret is printed alone on the last line."""
    settings = _prepare()
    issued = _run(
        settings,
        lambda registry: access.issue_key(
            registry, actor=CLI_ACTOR, name=name, role=role, source=source
        ),
    )
    bound = f", reports only {issued.key.source.value}" if issued.key.source else ""
    typer.echo(f"Created key {issued.key.name!r} ({issued.key.role.value}{bound}).")
    typer.echo("Its secret is shown only now:")
    typer.echo(issued.secret)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never their secrets)."""
    settings = _prepare()
    found = _run(settings, lambda registry: access.list_keys(registry, actor=CLI_ACTOR))
    if not found:
        typer.echo("No keys.")
        return
    typer.echo(f"{'NAME':<32} {'ROLE':<9} {'SOURCE':<11} {'LAST USED':<20} STATE")
    for key in found:
        used = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never"
        state = "revoked" if key.revoked_at else "active"
        source = key.source.value if key.source else "any"
        typer.echo(f"{key.name:<32} {key.role.value:<9} {source:<11} {used:<20} {state}")


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke an API key; it stops working at once."""
    settings = _prepare()
    _run(settings, lambda registry: access.revoke_key(registry, actor=CLI_ACTOR, name=name))
    typer.echo(f"Revoked key {name!r}.")


def main() -> None:
    """Entry point of the `incidents` console script."""
    app()
    sys.exit(0)
