"""The migrations build exactly the schema the code declares, and can be walked back."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from incidents.db.engine import create_engine
from incidents.db.migrate import alembic_config, upgrade_to_head
from incidents.db.tables import metadata


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
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
