"""`python -m bench.backup`: how long `incidents backup` and `restore` take for N incidents
(10,000 by default; `--incidents 1000000` for the figure docs/OPERATIONS.md quotes), each way:
backed up from SQLite and restored into PostgreSQL, then backed up from PostgreSQL and
restored into a new SQLite file. Prints the time, rows and file size of each step.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.fill import fill_sqlite
from bench.scratch import fresh_postgres
from incidents.db.migrate import upgrade_to_head
from incidents.domain.clock import SystemClock
from incidents.service import backups
from incidents.settings import Settings

NAME = "incidents_bench_backup"


async def _fresh_postgres() -> str:
    """An empty PostgreSQL database for the restore (dropped first if a run left it)."""
    dsn = await fresh_postgres(NAME)
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


def _settings(url: str) -> Settings:
    return Settings(database_url=url, _env_file=None)


async def _timed_backup(url: str, path: Path) -> str:
    started = time.perf_counter()
    done = await backups.back_up(_settings(url), path, clock=SystemClock())
    took = time.perf_counter() - started
    size = (await asyncio.to_thread(path.stat)).st_size / 1_000_000
    return f"{done.rows:>11,} rows {took:>8.1f} s {size:>9.1f} MB"


async def _timed_restore(url: str, path: Path) -> str:
    started = time.perf_counter()
    done = await backups.restore(_settings(url), path)
    return f"{done.rows:>11,} rows {time.perf_counter() - started:>8.1f} s"


async def run(count: int, scratch: Path) -> None:
    """Fill SQLite with `count` incidents, then take and restore a backup each way."""
    first = scratch / "first.db"
    first_url = f"sqlite+aiosqlite:///{first}"
    await upgrade_to_head(first_url)
    started = time.perf_counter()
    fill_sqlite(str(first), have=0, want=count, now=datetime.now(UTC))
    print(f"filled {count:,} incidents (SQLite) in {time.perf_counter() - started:.1f} s")
    postgres_url = await _fresh_postgres()
    second_url = f"sqlite+aiosqlite:///{scratch}/second.db"
    steps = [
        ("backup   SQLite", _timed_backup(first_url, scratch / "from-sqlite.jsonl.gz")),
        ("restore  -> PostgreSQL", _timed_restore(postgres_url, scratch / "from-sqlite.jsonl.gz")),
        ("backup   PostgreSQL", _timed_backup(postgres_url, scratch / "from-postgres.jsonl.gz")),
        ("restore  -> SQLite", _timed_restore(second_url, scratch / "from-postgres.jsonl.gz")),
    ]
    for name, step in steps:
        print(f"{name:<24} {await step}")


def main() -> None:
    """Parse the size, run, print."""
    parser = argparse.ArgumentParser(prog="python -m bench.backup", description=__doc__)
    parser.add_argument("--incidents", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="incidents-bench-backup-") as scratch:
        asyncio.run(run(args.incidents, Path(scratch)))


if __name__ == "__main__":
    main()
