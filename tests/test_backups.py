"""`incidents backup` and `restore`: a consistent copy taken while writes go on, restored into
the other kind of database with every row, id, version and timestamp as it was."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import subprocess
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from incidents.app import create_app
from incidents.db import archive
from incidents.db import backups as backups_db
from incidents.db.engine import create_engine
from incidents.db.migrate import upgrade_to_head
from incidents.domain.access import Actor, Role
from incidents.domain.incident import Source
from incidents.service import access, accounts, backups, incidents
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from tests.conftest import ClientMaker, KeyMaker, ScratchPostgres, TickingClock, report
from tests.serving import INCIDENTS


@pytest.fixture
async def other_url(
    database_url: str, postgres: ScratchPostgres | None, tmp_path: Path
) -> AsyncIterator[str]:
    """A new database of the other kind: a PostgreSQL one already migrated (from SQLite), or
    an SQLite file not made yet (from PostgreSQL), so both ways of starting are covered."""
    if database_url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path}/restored/incidents.db"
        return
    assert postgres is not None
    url = await postgres.new_database()
    yield url
    await postgres.drop(url)


async def _rows(
    url: str, *, skip: frozenset[str] = frozenset()
) -> dict[str, list[tuple[Any, ...]]]:
    """Every archived table's rows, in primary-key order, as Python values."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                table.name: [
                    tuple(row)
                    for row in await conn.execute(
                        select(table).order_by(*(table.primary_key.columns or table.columns))
                    )
                ]
                for table in archive.archived_tables()
                if table.name not in skip
            }
    finally:
        await engine.dispose()


def _archived(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The rows a backup file holds, decoded as restore decodes them."""
    with gzip.open(path, "rt", encoding="utf-8") as opened:
        lines = iter(opened)
        archive.read_header(lines)
        found: dict[str, list[tuple[Any, ...]]] = {}
        current = ""
        for item in archive.read_body(lines):
            if isinstance(item, archive.Section):
                current = item.table.name
                found[current] = []
            elif "end" not in item:
                found[current].append(tuple(item.values()))
        return found


async def _busy(client: httpx.AsyncClient, stop: asyncio.Event) -> int:
    """Report and move incidents until told to stop; how many were reported."""
    made = 0
    while not stop.is_set():
        body = await report(client, f"Load {made}")
        made += 1
        await client.patch(f"/api/v1/incidents/{body['id']}", json={"status": "in_progress"})
        await client.patch(f"/api/v1/incidents/{body['id']}", json={"note": "looking"})
    return made


async def _fill(client: httpx.AsyncClient, app: FastAPI) -> None:
    """A registry with something in every kind of row a person makes."""
    first = await report(client, "Scooter #42 offline")
    second = await report(client, "Scooter #42 offline again")
    taken = await client.patch(f"/api/v1/incidents/{first['id']}", json={"status": "in_progress"})
    assert taken.status_code == 200, taken.text
    folded = await client.patch(
        f"/api/v1/incidents/{second['id']}",
        json={"status": "closed", "resolution": "duplicate", "duplicate_of": first["id"]},
    )
    assert folded.status_code == 200, folded.text
    beat = await client.post("/api/v1/heartbeats/nightly", json={"timeout_seconds": 3600})
    assert beat.status_code < 300, beat.text
    await accounts.create_account(
        app.state.runtime,
        actor=Actor.system("tests"),
        username="olga",
        role=Role.OPERATOR,
        password="correct horse battery",
    )


async def test_a_backup_taken_under_writes_restores_into_the_other_database(
    app: FastAPI,
    settings: Settings,
    clock: TickingClock,
    client_for: ClientMaker,
    make_key: KeyMaker,
    other_url: str,
    tmp_path: Path,
) -> None:
    secret = await make_key("operator", name="night-shift")
    async with client_for(secret) as client:
        await _fill(client, app)
        stop = asyncio.Event()
        writer = asyncio.create_task(_busy(client, stop))
        await report(client, "before the backup")
        path = tmp_path / "under-writes.jsonl.gz"
        done = await backups.back_up(settings, path, clock=clock)
        await report(client, "after the backup")  # the writer went on meanwhile
        stop.set()
        assert await writer > 0

    held = _archived(path)
    assert done.rows == sum(len(rows) for rows in held.values())
    # One snapshot: every incident has its events and no event has lost its incident.
    incident_ids = {row[0] for row in held["incidents"]}
    assert {row[1] for row in held["incident_events"]} == incident_ids
    descriptions = {row[1] for row in held["incidents"]}
    assert "before the backup" in descriptions
    assert "after the backup" not in descriptions

    target = Settings(database_url=other_url, _env_file=None)
    restored = await backups.restore(settings=target, path=path)
    assert restored.rows == done.rows
    assert await _rows(other_url) == held


async def test_a_quiet_registry_comes_back_whole_and_carries_on(
    app: FastAPI,
    settings: Settings,
    database_url: str,
    clock: TickingClock,
    client_for: ClientMaker,
    make_key: KeyMaker,
    other_url: str,
    tmp_path: Path,
) -> None:
    secret = await make_key("operator", name="night-shift")
    async with client_for(secret) as client:
        await _fill(client, app)
    path = tmp_path / "quiet.jsonl.gz"
    await backups.back_up(settings, path, clock=clock)

    await backups.restore(Settings(database_url=other_url, _env_file=None), path)

    # Every row as it was (the backup noted itself after writing the file).
    source = await _rows(database_url, skip=frozenset({"backups"}))
    assert await _rows(other_url, skip=frozenset({"backups"})) == source
    assert len((await _rows(other_url))["backups"]) == 0
    assert len((await _rows(database_url))["backups"]) == 1
    moved = create_app(Settings(database_url=other_url, _env_file=None), clock=clock)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=moved),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {secret}"},
        ) as there:
            # The same key works, the same incidents answer, and new ids follow the old ones.
            listed = (await there.get("/api/v1/incidents")).json()
            assert len(listed) == 2
            fresh = await report(there, "after the move")
            assert fresh["id"] == max(item["id"] for item in listed) + 1
            counts = (await there.get("/metrics")).text
            assert 'incidents_by_status{status="in_progress"} 1.0' in counts
            assert 'incidents_by_status{status="closed"} 1.0' in counts
    finally:
        await moved.state.runtime.close()


async def test_metrics_show_when_the_last_backup_finished(
    client: httpx.AsyncClient, settings: Settings, clock: TickingClock, tmp_path: Path
) -> None:
    name = "incidents_backup_last_success_timestamp_seconds"
    assert f"{name} 0.0" in (await client.get("/metrics")).text

    await backups.back_up(settings, tmp_path / "one.jsonl.gz", clock=clock)

    shown = (await client.get("/metrics")).text
    value = next(line for line in shown.splitlines() if line.startswith(f"{name} "))
    assert float(value.split()[1]) == pytest.approx(clock.current.timestamp(), abs=1)


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*INCIDENTS, *args],
        env={**os.environ, "INCIDENTS_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )


async def test_the_command_line_moves_a_registry_and_refuses_a_database_in_use(
    database_url: str, other_url: str, tmp_path: Path
) -> None:
    runtime = Runtime.open(Settings(database_url=database_url, _env_file=None))
    try:
        await access.issue_key(
            runtime, actor=Actor.system("tests"), name="zabbix", role=Role.REPORTER
        )
    finally:
        await runtime.close()
    path = tmp_path / "cli.jsonl.gz"

    taken = _cli(database_url, "backup", str(path))
    assert taken.returncode == 0, taken.stderr
    assert str(path) in taken.stdout
    with gzip.open(path, "rt") as opened:
        header = json.loads(opened.readline())
    assert header["format"] == "incidents-backup"
    assert header["format_version"] == 1

    assert _cli(other_url, "restore", str(path)).returncode == 0
    again = _cli(other_url, "restore", str(path))
    assert again.returncode == 2
    errors = [line for line in again.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: the database is not empty (table api_keys has rows): restore only into a new, "
        "empty database"
    ], again.stderr
    assert [row[1] for row in (await _rows(other_url))["api_keys"]] == ["zabbix"]


def test_files_that_can_not_be_used_are_one_line(sqlite_template: Path, tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{sqlite_template}"
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    for args, words in [
        (("restore", str(notes)), "can not be read as a backup"),
        (("backup", str(tmp_path / "no" / "such" / "b.gz")), "can not be written"),
    ]:
        refused = _cli(database_url, *args)
        assert refused.returncode == 2, refused.stderr
        errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, refused.stderr
        assert words in errors[0], refused.stderr
        assert "Traceback" not in refused.stderr


def _report_from_another_process(url: str, description: str) -> None:
    """Report an incident on its own connection and event loop, and wait for its commit."""

    async def report_there() -> None:
        runtime = Runtime.open(Settings(database_url=url, _env_file=None))
        try:
            await incidents.create_incident(
                runtime,
                actor=Actor.system("tests"),
                description=description,
                source=Source.MONITORING,
            )
        finally:
            await runtime.close()

    elsewhere = threading.Thread(target=lambda: asyncio.run(report_there()))
    elsewhere.start()
    elsewhere.join(timeout=60)


async def test_a_change_committed_while_the_backup_reads_is_wholly_outside_it(
    client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    await report(client, "before the backup")
    lines: list[str] = []

    def write(line: str) -> None:
        lines.append(line)
        # Between reading the incidents and reading their events: a new incident and its
        # `created` event commit. One snapshot holds neither; reading table by table would
        # keep its event without its incident.
        if line.startswith('{"table":"incident_events"'):
            _report_from_another_process(database_url, "during the backup")

    async with backups_db.long_running(database_url, 5.0) as engine:
        rows, _ = await backups_db.dump(engine, write, now=datetime.now(UTC))

    path = tmp_path / "during.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(lines)
    held = _archived(path)
    assert [row[1] for row in held["incidents"]] == ["before the backup"]
    assert {row[1] for row in held["incident_events"]} == {held["incidents"][0][0]}
    assert rows == sum(len(found) for found in held.values())
    # It did commit, and the next backup has it.
    assert len((await _rows(database_url))["incidents"]) == 2


async def test_a_backup_of_another_schema_revision_wants_a_database_without_tables(
    settings: Settings, database_url: str, other_url: str, clock: TickingClock, tmp_path: Path
) -> None:
    made = tmp_path / "made.jsonl.gz"
    await backups.back_up(settings, made, clock=clock)
    with gzip.open(made, "rt", encoding="utf-8") as opened:
        header, *rest = opened.readlines()
    older = tmp_path / "older.jsonl.gz"
    with gzip.open(older, "wt", encoding="utf-8") as out:
        found = json.loads(header)
        out.write(json.dumps({**found, "schema_revision": "0014"}) + "\n")
        out.writelines(rest)

    if not other_url.startswith("postgresql"):
        await upgrade_to_head(other_url)  # an SQLite file is made and migrated on first use
    # The other database is migrated, to this version's revision, and holds no rows.
    with pytest.raises(backups.BackupRefused, match="restore into a database with no tables"):
        await backups.restore(Settings(database_url=other_url, _env_file=None), older)
    assert all(rows == [] for rows in (await _rows(other_url)).values())
