"""The migrations build exactly the schema the code declares, and can be walked back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from incidents.db.engine import create_engine
from incidents.db.migrate import alembic_config, upgrade_to_head
from incidents.db.tables import exists_on, incidents, metadata
from incidents.db.types import UTCDateTime


def _diff(connection: Connection) -> list[Any]:
    dialect = connection.dialect.name
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            # Alembic does not read `ddl_if`: leave out what exists on another database only.
            "include_object": lambda item, *_: exists_on(item, dialect),
        },
    )
    return list(compare_metadata(context, metadata))


def _downgrade_to_base(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_migrations_walk_down_and_up_again(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_downgrade_to_base)
            await connection.commit()
            tables = await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync))
            assert "incidents" not in tables
    finally:
        await engine.dispose()

    await upgrade_to_head(database_url)
    await upgrade_to_head(database_url)  # a second run is a no-op

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


def _downgrade_to(revision: str) -> Callable[[Connection], None]:
    def downgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    return downgrade


async def test_monitoring_upgrade_keeps_and_fills_existing_incidents(database_url: str) -> None:
    engine = create_engine(database_url)
    created = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_downgrade_to("0002"))
            await connection.commit()
            old = sa.table(
                "incidents",
                *(sa.column(name) for name in ("description", "status", "source", "version")),
                sa.column("created_by"),
                sa.column("created_at", UTCDateTime()),
                sa.column("updated_at", UTCDateTime()),
            )
            await connection.execute(
                old.insert().values(
                    description="Самокат #42 OFFLINE",
                    status="new",
                    source="monitoring",
                    version=1,
                    created_by="key:zabbix",
                    created_at=created,
                    updated_at=created,
                )
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO incident_events (incident_id, kind, actor, created_at, data) "
                    "VALUES (1, 'created', 'key:zabbix', :at, '{}')"
                ),
                {"at": created.replace(tzinfo=None)},
            )
            await connection.commit()
    finally:
        await engine.dispose()

    await upgrade_to_head(database_url)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(sa.select(incidents))).one()
            events = await connection.execute(sa.text("SELECT count(*) FROM incident_events"))
            assert events.scalar_one() == 1
    finally:
        await engine.dispose()
    assert row.search_text == "самокат #42 offline"
    assert row.occurrences == 1
    assert row.last_seen_at == created
    assert row.dedup_key is None
    assert row.details is None


async def test_chat_threads_become_chat_messages_and_queued_notices_keep_their_chat(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    at = datetime(2026, 11, 1, 8, 0)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_downgrade_to("0007"))
            for n, author in ((1, "telegram:111"), (2, "key:zabbix")):
                await connection.execute(
                    sa.text(
                        "INSERT INTO incidents (id, description, status, source, version, "
                        "created_by, created_at, updated_at, occurrences, last_seen_at, "
                        "search_text) VALUES (:n, 'x', 'new', 'operator', 1, :author, :at, "
                        ":at, 1, :at, 'x')"
                    ),
                    {"n": n, "author": author, "at": at},
                )
                await connection.execute(
                    sa.text("INSERT INTO chat_threads VALUES (:n, :chat, :n)"),
                    {"n": n, "chat": -100 - n},
                )
            await connection.execute(
                sa.text(
                    "INSERT INTO outbox (kind, incident_id, actor, created_at, attempts, "
                    "next_attempt_at) VALUES ('changed', 1, 'key:ops', :at, 0, :at)"
                ),
                {"at": at},
            )
            await connection.commit()
    finally:
        await engine.dispose()

    await upgrade_to_head(database_url)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            links = await connection.execute(
                sa.text("SELECT chat_id, message_id, incident_id, role FROM chat_messages")
            )
            queued = await connection.execute(sa.text("SELECT chat_id FROM outbox"))
            assert sorted(tuple(row) for row in links) == [
                (-102, 2, 2, "announcement"),
                (-101, 1, 1, "report"),
            ]
            assert queued.scalar_one() == -101
    finally:
        await engine.dispose()
