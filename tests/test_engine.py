"""The database engine's promises that no HTTP test can see."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from incidents.db.engine import Database, EngineOptions
from incidents.db.migrate import upgrade_to_head

FULL = 2  # PRAGMA synchronous: 1 is NORMAL, 2 is FULL


async def _synchronous(database: Database) -> int:
    async with database.transaction() as tx:
        level: int = (await tx.connection.execute(text("PRAGMA synchronous"))).scalar_one()
        return level


async def test_sqlite_writes_are_fsynced_again_after_an_atomic_statement(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    await upgrade_to_head(url)
    # One pooled connection: the one `atomic` used is the one the next write gets.
    database = Database.from_url(url, EngineOptions(pool_size=1))
    try:
        assert await _synchronous(database) == FULL
        async with database.atomic() as connection:
            assert (await connection.execute(text("PRAGMA synchronous"))).scalar_one() == 1
            await connection.execute(text("INSERT INTO rate_limits VALUES ('key:a', 1.0)"))
        assert await _synchronous(database) == FULL

        with pytest.raises(RuntimeError):
            async with database.atomic():
                raise RuntimeError("the caller failed")
        assert await _synchronous(database) == FULL

        # The statement committed by itself: a new read finds its row.
        async with database.reads() as conn:
            rows = (await conn.execute(text("SELECT bucket FROM rate_limits"))).all()
        assert [row.bucket for row in rows] == ["key:a"]
    finally:
        await database.dispose()
