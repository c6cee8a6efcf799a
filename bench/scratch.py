"""A scratch PostgreSQL database for a benchmark, made afresh at each run."""

from __future__ import annotations

import asyncpg

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


async def fresh_postgres(name: str) -> str:
    """An empty database `name` (dropped first if a run left it); its asyncpg address."""
    admin = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{POSTGRES}/{name}"
