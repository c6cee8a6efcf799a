"""Fixtures of the reliability scenarios."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import ScratchPostgres


@pytest.fixture
async def postgres_url(postgres: ScratchPostgres | None) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database (scenarios about PostgreSQL alone)."""
    if postgres is None:
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    url = await postgres.new_database()
    yield url
    await postgres.drop(url)
