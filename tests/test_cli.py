"""The console script as users run it: migrate, serve with its bootstrap key, keys."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx

from tests.conftest import INCIDENTS, Server, serving

SECRET = re.compile(r"^\s*(inc_\S+)\s*$", re.MULTILINE)


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


def test_migrate_hides_the_database_password() -> None:
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


def test_serve_prints_a_bootstrap_admin_key_once(
    served: Server, database_url: str, tmp_path: Path
) -> None:
    printed = SECRET.findall(served.log())
    assert len(printed) == 1, served.log()
    admin = {"Authorization": f"Bearer {printed[0]}"}

    created = httpx.post(
        f"{served.url}/api/v1/incidents",
        json={"description": "Pickup point 7 is not answering", "source": "partner"},
        headers=admin,
    )
    assert created.status_code == 201
    assert created.json()["created_by"] == "key:bootstrap-admin"
    taken = httpx.patch(
        f"{served.url}{created.headers['Location']}",
        json={"status": "in_progress"},
        headers={**admin, "If-Match": created.headers["ETag"]},
    )
    assert taken.status_code == 200
    keys = httpx.get(f"{served.url}/api/v1/keys", headers=admin).json()
    assert [key["name"] for key in keys] == ["bootstrap-admin"]
    assert printed[0] not in str(keys)

    with serving(database_url, tmp_path) as again:
        assert SECRET.findall(again.log()) == []


def test_keys_commands(served: Server) -> None:
    made = served.cli(
        "keys", "create", "--name", "zabbix", "--role", "reporter", "--source", "monitoring"
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    assert SECRET.fullmatch(secret)
    auth = {"Authorization": f"Bearer {secret}"}

    ok = httpx.post(
        f"{served.url}/api/v1/incidents",
        json={"description": "CPU 99%", "source": "monitoring"},
        headers=auth,
    )
    assert ok.status_code == 201
    assert ok.json()["created_by"] == "key:zabbix"

    listed = served.cli("keys", "list")
    assert listed.returncode == 0
    line = next(line for line in listed.stdout.splitlines() if line.startswith("zabbix"))
    assert line.split() == ["zabbix", "reporter", "monitoring", *line.split()[3:5], "active"]
    assert secret not in listed.stdout

    twice = served.cli("keys", "create", "--name", "zabbix", "--role", "admin")
    assert twice.returncode == 1
    assert "exists already" in twice.stderr

    revoked = served.cli("keys", "revoke", "zabbix")
    assert revoked.returncode == 0
    refused = httpx.get(f"{served.url}/api/v1/incidents", headers=auth)
    assert refused.status_code == 401

    unknown = served.cli("keys", "revoke", "nobody")
    assert unknown.returncode == 1
    assert "nobody" in unknown.stderr

    bad_role = served.cli("keys", "create", "--name", "x", "--role", "superuser")
    assert bad_role.returncode != 0


def test_serve_with_two_workers_shares_one_database(database_url: str, tmp_path: Path) -> None:
    with serving(database_url, tmp_path, "--workers", "2") as served:
        secret = SECRET.findall(served.log())
        assert len(secret) == 1, served.log()  # the key is made once, before the workers start
        admin = {"Authorization": f"Bearer {secret[0]}"}
        for n in range(6):
            created = httpx.post(
                f"{served.url}/api/v1/incidents",
                json={"description": f"from either worker {n}", "source": "monitoring"},
                headers=admin,
            )
            assert created.status_code == 201, created.text
        listed = httpx.get(f"{served.url}/api/v1/incidents", headers=admin)
        assert listed.headers["X-Total-Count"] == "6"
