"""The console script as users run it: `incidents migrate` and `incidents serve`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx

from tests.conftest import INCIDENTS


def _env(database_url: str) -> dict[str, str]:
    return {**os.environ, "INCIDENTS_DATABASE_URL": database_url}


def test_migrate_creates_the_sqlite_folder_and_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/nested/folder/incidents.db"

    result = subprocess.run(
        [*INCIDENTS, "migrate"], env=_env(url), capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "nested" / "folder" / "incidents.db").is_file()
    assert "up to date" in result.stderr


def test_migrate_hides_the_database_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres:s3cret-pass@127.0.0.1:1/none"
    result = subprocess.run(
        [*INCIDENTS, "migrate"],
        env={**_env(url), "INCIDENTS_DB_CONNECT_TIMEOUT_SECONDS": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "s3cret-pass" not in result.stdout + result.stderr


def test_serve_answers_over_real_http(served: str) -> None:
    created = httpx.post(
        f"{served}/api/v1/incidents",
        json={"description": "Pickup point 7 is not answering", "source": "partner"},
    )
    assert created.status_code == 201
    location = created.headers["Location"]

    taken = httpx.patch(
        f"{served}{location}",
        json={"status": "in_progress"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert taken.status_code == 200
    assert taken.json()["status"] == "in_progress"

    listed = httpx.get(f"{served}/api/v1/incidents", params={"status": "in_progress"})
    assert listed.headers["X-Total-Count"] == "1"
    assert httpx.get(f"{served}/ready").status_code == 200
