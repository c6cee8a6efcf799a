"""A statement that runs out of time is StatementTimedOut (503 with Retry-After at every
door), on each path a request takes: a costly read, a transaction, the driver (PostgreSQL)."""

from __future__ import annotations

import pytest

from incidents.db.engine import Database, EngineOptions
from incidents.domain.error_meanings import meaning_of
from incidents.domain.errors import StatementTimedOut

# Counts to a hundred million: far past any deadline below.
ENDLESS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) "
    "SELECT count(*) FROM n"
)


async def test_a_statement_out_of_time_is_a_503_on_every_path(database_url: str) -> None:
    options = EngineOptions(statement_timeout_ms=200, costly_timeout_ms=100)
    database = Database.from_url(database_url, options)
    try:
        with pytest.raises(StatementTimedOut) as costly:
            async with database.costly_reads() as conn:
                await conn.exec_driver_sql(ENDLESS)
        assert meaning_of(costly.value).status == 503
        if database.driver is not None:
            with pytest.raises(StatementTimedOut):
                async with database.transaction() as tx:
                    await tx.connection.exec_driver_sql(ENDLESS)
            with pytest.raises(StatementTimedOut):
                async with database.driver.connection() as driver:
                    await driver.fetchval(ENDLESS)
        # The connections are fine afterwards.
        async with database.costly_reads() as conn:
            assert (await conn.exec_driver_sql("SELECT 1")).scalar_one() == 1
    finally:
        await database.dispose()
