"""Back up the whole registry to a file and restore it into an empty database of either kind
(docs/OPERATIONS.md, "Backups and moving to PostgreSQL")."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from incidents.db import archive, backups
from incidents.db.engine import ensure_sqlite_directory
from incidents.db.migrate import known_revisions, upgrade_to, upgrade_to_head
from incidents.domain.clock import Clock
from incidents.settings import Settings

BackupRefused = archive.ArchiveError


@dataclass(frozen=True, slots=True)
class BackupDone:
    """What a finished backup or restore holds."""

    path: Path
    rows: int
    schema_revision: str


async def back_up(settings: Settings, path: Path, *, clock: Clock) -> BackupDone:
    """Write the registry to `path` (gzip'd JSON lines), read in one transaction while it
    serves; the file appears under its name only once complete, and the backup is recorded."""
    partial = path.with_name(path.name + ".partial")
    async with backups.long_running(
        settings.database_url, settings.db_connect_timeout_seconds
    ) as engine:
        try:
            raw = partial.open("wb")
        except OSError as error:
            raise BackupRefused(f"{partial} can not be written ({error.strerror})") from None
        try:
            with raw, gzip.open(raw, "wt", encoding="utf-8", compresslevel=6) as out:
                rows, revision = await backups.dump(engine, out.write, now=clock.now())
                out.flush()
                raw.flush()
                os.fsync(raw.fileno())
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        # Its own transaction, whose first statement writes (SQLite then waits for the lock).
        async with engine.connect() as conn:
            await backups.record(conn, finished_at=clock.now(), revision=revision, rows=rows)
            await conn.commit()
    return BackupDone(path=path, rows=rows, schema_revision=revision)


def _lines(path: Path) -> Iterator[str]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            yield from lines
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise BackupRefused(f"{path} can not be read as a backup ({error})") from None


async def restore(settings: Settings, path: Path) -> BackupDone:
    """Load the backup at `path` into the empty database `settings` name: its schema is made
    at the backup's revision, the rows loaded in one transaction, then the schema upgraded."""
    header = archive.read_header(_lines(path))
    if header.schema_revision not in known_revisions():
        raise BackupRefused(
            f"{path} was made at schema revision {header.schema_revision}, which this version "
            "does not know: restore it with the version of incidents that made it (or newer)"
        )
    url = settings.database_url
    ensure_sqlite_directory(url)
    async with backups.long_running(url, settings.db_connect_timeout_seconds) as engine:
        async with engine.connect() as conn:
            present = await backups.schema_revision(conn)
            if present is not None:
                await backups.refuse_unless_empty(conn)
            if present not in (None, header.schema_revision):
                raise BackupRefused(
                    f"the database's schema is at revision {present} and the backup's at "
                    f"{header.schema_revision}: restore into a database with no tables yet "
                    "(a new SQLite file, or a PostgreSQL database just created), which is "
                    "made at the backup's revision"
                )
        if present is None:
            # A new database: made as it was when the backup was taken, upgraded after.
            await upgrade_to(url, header.schema_revision)
        lines = _lines(path)
        archive.read_header(lines)
        rows = await backups.load(engine, lines)
    await upgrade_to_head(url)
    return BackupDone(path=path, rows=rows, schema_revision=header.schema_revision)
