"""The `incidents` command line: serve the API and manage the database and access."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from incidents import __version__
from incidents.domain.access import Actor, Role
from incidents.domain.clock import SystemClock
from incidents.domain.errors import DomainError
from incidents.domain.incident import Source
from incidents.launch import (
    check_port_free,
    database_problems,
    read_settings,
    require_existing_database,
    same_configuration,
    say_database,
)
from incidents.logs import configure_logging
from incidents.private_note import write_privately
from incidents.service import access, accounts, backups, failed_notices, webhooks
from incidents.service.bootstrap import FirstAccess, first_access
from incidents.service.runtime import Runtime
from incidents.service.storage import shown_url, why_unusable
from incidents.settings import Settings

# Plain help (no rich panels): no type names beside the options, only what to write.
app = typer.Typer(
    help="A registry of record for operational incidents.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(keys_app, name="keys")
users_app = typer.Typer(
    help="Manage the accounts people sign in to the console with.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(users_app, name="users")
webhooks_app = typer.Typer(
    help="Manage outgoing webhook subscriptions (docs/INTEGRATIONS.md).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(webhooks_app, name="webhooks")
outbox_app = typer.Typer(
    help="Chat notices and webhook deliveries given up on: list them, queue one again.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(outbox_app, name="outbox")

log = logging.getLogger("incidents")
CLI_ACTOR = Actor.system("cli")
T = TypeVar("T")


def _show_version(shown: bool) -> None:
    if shown:
        typer.echo(f"incidents {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """A registry of record for operational incidents."""


def _prepare(*, migrate: bool = True, creates: bool = False) -> Settings:
    """Read settings, set up logging, say which database, and bring its schema up to date.

    Only commands that set a registry up (`creates`) may make a new SQLite file; the others
    end in one line when it is missing.
    """
    settings = read_settings()
    configure_logging(settings.log_level, settings.log_format)
    say_database(settings)
    if not creates:
        require_existing_database(settings)
    if migrate:
        _migrate(settings)
    return settings


def _migrate(settings: Settings, *, announce: bool = False) -> None:
    """Apply pending migrations; only `migrate` and `serve` say so in the log."""
    from incidents.db.migrate import upgrade_to_head

    with database_problems(settings):
        asyncio.run(upgrade_to_head(settings.database_url))
    if announce:
        log.info("database schema is up to date (%s)", shown_url(settings.database_url))


def _run(settings: Settings, use_case: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run one use case against a registry opened for it; domain errors end the command."""

    async def run() -> T:
        runtime = Runtime.open(settings)
        try:
            return await use_case(runtime)
        finally:
            await runtime.close()

    try:
        with database_problems(settings):
            return asyncio.run(run())
    except DomainError as error:
        problem = why_unusable(settings.database_url, error)
        typer.echo(f"error: {problem or error.detail}", err=True)
        raise typer.Exit(code=1) from None


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit."""
    _migrate(_prepare(migrate=False, creates=True), announce=True)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(metavar="ADDRESS", help="Address to listen on.")
    ] = None,
    port: Annotated[int | None, typer.Option(metavar="PORT", help="Port to listen on.")] = None,
    no_migrate: Annotated[
        bool, typer.Option("--no-migrate", help="Skip migrations (a one-shot step ran them).")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Server processes (default: INCIDENTS_WORKERS, 1); on PostgreSQL, one per core.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Apply pending migrations, make a first admin key and account if there are none, serve."""
    import uvicorn

    from incidents.api.metrics import shared_across_processes
    from incidents.api.webhook import WebhookWithoutSecret, require_webhook_secret
    from incidents.app import create_app
    from incidents.serving import http_protocol

    settings = _prepare(migrate=False, creates=True)
    try:
        require_webhook_secret(settings)
    except WebhookWithoutSecret as refused:
        typer.echo(f"error: {refused}", err=True)
        raise typer.Exit(code=2) from None
    host, port = host or settings.host, port or settings.port
    check_port_free(host, port)
    if not no_migrate:
        _migrate(settings, announce=True)
    processes = workers or settings.workers
    first = _run(settings, first_access)
    if first is not None:
        _announce_first_access(first, settings)
    if not _run(settings, accounts.has_accounts):
        log.warning(
            "No one can sign in to the console yet. Make the first account with:\n"
            "    .venv/bin/incidents users create --username admin --role admin"
        )
    # Uvicorn shuts down gracefully on SIGTERM, then raises the signal again to the handler it
    # found. A graceful stop is a success: let that second signal end the process with status 0.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    # Several workers each build their app from the same environment, after the migrations
    # and the bootstrap key above ran once, here. Uvicorn spawns them fresh, so they inherit
    # the metrics directory set here before they import prometheus-client.
    with shared_across_processes(processes):
        uvicorn.run(
            "incidents.app:app_from_environment" if processes > 1 else create_app(settings),
            factory=processes > 1,
            workers=processes,
            host=host,
            port=port,
            log_level=settings.log_level,
            # Uvicorn has no deadline on request headers: ours cuts off half-sent ones.
            http=http_protocol(),
            log_config=None,  # keep the logging set up above
            access_log=False,  # the app logs one structured line per request itself
            # Only a configured proxy may name the client (rate limits count by address).
            proxy_headers=bool(settings.forwarded_allow_ips),
            forwarded_allow_ips=settings.forwarded_allow_ips or None,
        )


@app.command()
def bot() -> None:
    """Run the Telegram bot with long polling (and deliver its notifications)."""
    from incidents.telegram.bot import run_polling

    settings = _prepare(creates=True)
    if settings.telegram_token is None:
        typer.echo("error: set INCIDENTS_TELEGRAM_TOKEN (from BotFather) first.", err=True)
        raise typer.Exit(code=1)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_polling(settings))


def _refusals(use_case: Callable[[], Coroutine[Any, Any, T]], settings: Settings) -> T:
    """Run a backup or restore; a file or database it refuses ends the command in one line."""
    with database_problems(settings):
        try:
            return asyncio.run(use_case())
        except backups.BackupRefused as refused:
            typer.echo(f"error: {refused}", err=True)
            raise typer.Exit(code=2) from None


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", hidden=True)],
) -> None:
    """Write the whole registry to FILE (gzip'd JSON lines), consistent while it serves,
    e.g. backups/incidents.jsonl.gz."""
    settings = _prepare(migrate=False)
    done = _refusals(lambda: backups.back_up(settings, file, clock=SystemClock()), settings)
    typer.echo(f"Backed up {done.rows} rows (schema {done.schema_revision}) to {file.resolve()}.")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(metavar="FILE", hidden=True)],
) -> None:
    """Load FILE, which `incidents backup` wrote, into the empty database
    INCIDENTS_DATABASE_URL names (either kind)."""
    settings = _prepare(migrate=False, creates=True)
    done = _refusals(lambda: backups.restore(settings, file), settings)
    typer.echo(
        f"Restored {done.rows} rows (schema {done.schema_revision}) from {file.resolve()} "
        f"into {shown_url(settings.database_url)}."
    )


def _announce_first_access(first: FirstAccess, settings: Settings) -> None:
    """Show the first key and password on the controlling terminal, or else in a file only
    this user may read, whose path the log names: never in the log stream, as log lines are
    shipped and kept (and a raised log level would hide them)."""
    rule = "=" * 72
    name, username = first.key.key.name, first.username
    banner = (
        f"{rule}\nThe registry was empty, so an admin API key named {name!r} and an admin "
        "account were made.\nThey are shown only now.\n\nAPI key (`Authorization: Bearer "
        f"<key>`, e.g. export TOKEN=<key>):\n\n    {first.key.secret}\n\nConsole at /: "
        f"username {username}, password {first.password}\n\nMake keys and accounts for "
        f"people and systems, then revoke this key (.venv/bin/incidents keys revoke {name}) "
        f"and change this password (.venv/bin/incidents users set-password {username}).\n\n"
        f"{same_configuration(settings)}\n{rule}"
    )
    written_to = write_privately(banner)
    if written_to is not None:
        log.warning(
            "The first admin API key and console password are in %s (readable only by this "
            "user, shown nowhere else): read them there, then delete the file",
            written_to,
        )


@keys_app.command("create")
def keys_create(
    name: Annotated[
        str, typer.Option(metavar="NAME", help="Unique name, e.g. zabbix or partner-acme.")
    ],
    role: Annotated[Role, typer.Option(metavar="ROLE", help="reporter, operator or admin.")],
    source: Annotated[
        Source | None,
        typer.Option(
            metavar="SOURCE",
            help="Only let the key report incidents of this source (operator, monitoring, "
            "partner).",
        ),
    ] = None,
) -> None:
    """Create an API key; its secret is printed alone on the last line."""
    settings = _prepare()
    issued = _run(
        settings,
        lambda runtime: access.issue_key(
            runtime, actor=CLI_ACTOR, name=name, role=role, source=source
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
    found = _run(settings, lambda runtime: access.list_keys(runtime, actor=CLI_ACTOR))
    if not found:
        typer.echo("No keys.")
        return
    typer.echo(f"{'NAME':<32} {'ROLE':<9} {'SOURCE':<11} {'LAST USED':<20} STATE")
    for key in found:
        used = _moment(key.last_used_at)
        state = "revoked" if key.revoked_at else "active"
        source = key.source.value if key.source else "any"
        typer.echo(f"{key.name:<32} {key.role.value:<9} {source:<11} {used:<20} {state}")


@keys_app.command("revoke")
def keys_revoke(
    name: Annotated[str, typer.Argument(metavar="NAME", hidden=True)],
) -> None:
    """Revoke the API key named NAME; it stops working at once."""
    settings = _prepare()
    _run(settings, lambda runtime: access.revoke_key(runtime, actor=CLI_ACTOR, name=name))
    typer.echo(f"Revoked key {name!r}.")


def _read_password(from_stdin: bool) -> str:
    """The new password: the first line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        typer.echo(
            "error: no terminal to type the password at: give it on the first line of stdin "
            "with --password-stdin (e.g. printf '%s\\n' \"$PASSWORD\" | .venv/bin/incidents "
            "users create --username olga --role operator --password-stdin)",
            err=True,
        )
        raise typer.Exit(code=2)
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin, not a prompt."
    ),
]


@users_app.command("create")
def users_create(
    username: Annotated[
        str, typer.Option(metavar="NAME", help="Unique name to sign in with, e.g. olga.")
    ],
    role: Annotated[Role, typer.Option(metavar="ROLE", help="reporter, operator or admin.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a console account; the password is asked for, never shown."""
    settings = _prepare()
    password = _read_password(password_stdin)
    account = _run(
        settings,
        lambda runtime: accounts.create_account(
            runtime, actor=CLI_ACTOR, username=username, role=role, password=password
        ),
    )
    typer.echo(f"Created account {account.username!r} ({account.role.value}).")


@users_app.command("list")
def users_list() -> None:
    """List console accounts (never their passwords)."""
    settings = _prepare()
    found = _run(settings, lambda runtime: accounts.list_accounts(runtime, actor=CLI_ACTOR))
    if not found:
        typer.echo("No accounts.")
        return
    typer.echo(f"{'USERNAME':<32} {'ROLE':<9} {'LAST SIGN-IN':<20} STATE")
    for account in found:
        signed_in = _moment(account.last_sign_in_at)
        state = "disabled" if account.disabled_at else "active"
        typer.echo(f"{account.username:<32} {account.role.value:<9} {signed_in:<20} {state}")


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(metavar="USERNAME", hidden=True)],
) -> None:
    """Disable the account USERNAME; its sessions end at once."""
    settings = _prepare()
    _run(
        settings,
        lambda runtime: accounts.disable_account(runtime, actor=CLI_ACTOR, username=username),
    )
    typer.echo(f"Disabled account {username!r}.")


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(metavar="USERNAME", hidden=True)],
    password_stdin: PasswordStdin = False,
) -> None:
    """Give the account USERNAME a new password; its open sessions end."""
    settings = _prepare()
    password = _read_password(password_stdin)
    _run(
        settings,
        lambda runtime: accounts.set_password(
            runtime, actor=CLI_ACTOR, username=username, password=password
        ),
    )
    typer.echo(f"Set a new password for {username!r}.")


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="Where to post: an http:// or https:// URL.")],
    source: Annotated[
        Source | None, typer.Option(help="Only changes of this source's incidents.")
    ] = None,
    description: Annotated[str, typer.Option(help="What the subscription is for.")] = "",
) -> None:
    """Subscribe a receiver to incident changes; its signing secret is printed alone on the
    last line."""
    settings = _prepare()
    made = _run(
        settings,
        lambda runtime: webhooks.subscribe(
            runtime, actor=CLI_ACTOR, url=url, source=source, description=description
        ),
    )
    hook = made.subscription
    typer.echo(f"Subscribed webhook {hook.id} to {hook.url} ({_sources(hook.source)}).")
    typer.echo("Its signing secret is shown only now:")
    typer.echo(made.secret)


@webhooks_app.command("list")
def webhooks_list() -> None:
    """List active webhook subscriptions (never their secrets)."""
    settings = _prepare()
    found = _run(settings, lambda runtime: webhooks.list_subscriptions(runtime, actor=CLI_ACTOR))
    if not found:
        typer.echo("No webhooks.")
        return
    typer.echo(f"{'ID':<6} {'SOURCE':<11} {'CREATED':<17} URL")
    for hook in found:
        source = hook.source.value if hook.source else "any"
        typer.echo(f"{hook.id:<6} {source:<11} {_moment(hook.created_at):<17} {hook.url}")


@webhooks_app.command("remove")
def webhooks_remove(webhook_id: Annotated[int, typer.Argument(help="The webhook's id.")]) -> None:
    """End a webhook subscription; nothing more is sent to it."""
    settings = _prepare()
    _run(
        settings,
        lambda runtime: webhooks.unsubscribe(runtime, actor=CLI_ACTOR, webhook_id=webhook_id),
    )
    typer.echo(f"Removed webhook {webhook_id}.")


WEBHOOK_PREFIX = "webhook-"


@outbox_app.command("failed")
def outbox_failed(
    limit: Annotated[int, typer.Option(help="Show at most this many, the latest first.")] = 100,
) -> None:
    """List the chat notices given up (Telegram refused them, the bot left the chat, ...) and
    the webhook deliveries given up (never acknowledged)."""
    settings = _prepare()
    notices = _run(settings, lambda runtime: failed_notices.failed(runtime, limit=limit))
    deliveries = _run(settings, webhooks.parked_deliveries)
    if not notices:
        typer.echo("No failed notices.")
    else:
        typer.echo(
            f"{'ID':<8} {'KIND':<9} {'CHAT':<16} {'INCIDENT':<9} {'FAILED':<17} {'WHY':<15} ERROR"
        )
    for notice in notices:
        chat = "notify chat" if notice.chat_id is None else str(notice.chat_id)
        incident = "-" if notice.incident_id is None else f"#{notice.incident_id}"
        error = " ".join((notice.last_error or "").split())[:120]
        typer.echo(
            f"{notice.id:<8} {notice.kind:<9} {chat:<16} {incident:<9} "
            f"{_moment(notice.failed_at):<17} {notice.failure or '-':<15} {error}"
        )
    if not deliveries:
        typer.echo("No failed deliveries.")
        return
    typer.echo(f"{'ID':<14} {'INCIDENT':<9} {'TRIES':<6} {'FAILED':<17} WHERE, WHY")
    for parked in deliveries:
        typer.echo(
            f"{WEBHOOK_PREFIX + str(parked.id):<14} #{parked.incident_id:<8} {parked.attempts:<6} "
            f"{_moment(parked.failed_at):<17} {parked.url}: {parked.last_error or ''}"
        )


@outbox_app.command("retry")
def outbox_retry(
    failed_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="A failed notice's id, or a webhook delivery's (webhook-N), as `failed` lists.",
        ),
    ],
) -> None:
    """Queue a failed notice or webhook delivery again, with fresh tries, in its order."""
    settings = _prepare()
    if failed_id.startswith(WEBHOOK_PREFIX) and failed_id[len(WEBHOOK_PREFIX) :].isdecimal():
        delivery_id = int(failed_id[len(WEBHOOK_PREFIX) :])
        _run(settings, lambda runtime: webhooks.requeue_delivery(runtime, delivery_id))
        typer.echo(f"Delivery {failed_id} is queued again.")
        return
    if not failed_id.isdecimal():
        typer.echo(
            f"error: {failed_id!r} is not an id `incidents outbox failed` lists "
            "(a number, or webhook-N)",
            err=True,
        )
        raise typer.Exit(code=2)
    notice_id = int(failed_id)
    if not _run(settings, lambda runtime: failed_notices.retry(runtime, notice_id)):
        typer.echo(f"error: no failed notice {notice_id} (see `incidents outbox failed`)", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"Notice {notice_id} queued again.")


def _sources(source: Source | None) -> str:
    return "every source" if source is None else f"{source.value} incidents"


def _moment(when: datetime | None) -> str:
    """A time for a listing, to the minute, or `never`."""
    return when.strftime("%Y-%m-%d %H:%M") if when else "never"


def main() -> None:
    """Entry point of the `incidents` console script."""
    app()
    sys.exit(0)
