"""Apply Alembic migrations from code, so `incidents migrate` and `serve` need no alembic.ini."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL, Connection

from incidents.db.engine import EngineOptions, create_engine, ensure_sqlite_directory

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade_to_head(url: str | URL) -> None:
    """Create or upgrade the schema of the database at `url` to the newest revision."""
    ensure_sqlite_directory(url)
    # Migrations may run long: no statement timeout, one connection.
    engine = create_engine(url, EngineOptions(pool_size=1, statement_timeout_ms=0))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade)
            await connection.commit()
    finally:
        await engine.dispose()


# Any fixed number: serializes processes that start at once against one PostgreSQL.
_MIGRATION_LOCK_ID = 7_263_011


def _upgrade(connection: Connection, revision: str = "head") -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys_off(connection)
    else:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_ID})")
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"migrations left broken foreign keys: {broken}")


def _sqlite_foreign_keys_off(connection: Connection) -> None:
    """Let batch mode rebuild tables that others refer to (this engine is thrown away after).

    SQLite switches foreign key checks only outside a transaction, so this goes to the
    driver before SQLAlchemy begins one; the check after the upgrade stands in for them.
    """
    cursor = connection.connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=OFF")
    finally:
        cursor.close()


async def upgrade_to(url: str | URL, revision: str) -> None:
    """Create or upgrade the schema of the database at `url` to `revision` (a restore loads
    a backup at the revision it was made at, then goes on to the newest)."""
    ensure_sqlite_directory(url)
    engine = create_engine(url, EngineOptions(pool_size=1, statement_timeout_ms=0))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade, revision)
            await connection.commit()
    finally:
        await engine.dispose()


def known_revisions() -> set[str]:
    """Every schema revision this version's migrations know."""
    from alembic.script import ScriptDirectory

    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
