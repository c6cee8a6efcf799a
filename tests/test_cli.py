"""The console script as users run it: migrate, serve with its bootstrap key, keys."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx

from tests.conftest import Server, serving
from tests.serving import INCIDENTS, at_a_terminal

SECRET = re.compile(r"^\s*(inc_\S+)\s*$", re.MULTILINE)


def _env(database_url: str) -> dict[str, str]:
    return {**os.environ, "INCIDENTS_DATABASE_URL": database_url}


def _log_line_with(server: Server, marker: str) -> str:
    """The server's log line containing `marker` (written just after the response went out)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in server.log().splitlines():
            if marker in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"no log line with {marker!r}:\n{server.log()}")


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
    printed = SECRET.findall(served.banner())
    assert len(printed) == 1, served.log()
    assert re.search(r"Console at /: username admin, password \S{12,}", served.banner())
    listed = served.cli("users", "list")
    assert "admin" in listed.stdout, listed.stdout + listed.stderr
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
    keys = httpx.get(
        f"{served.url}/api/v1/keys", headers={**admin, "X-Request-ID": "req-keys-1"}
    ).json()
    assert [key["name"] for key in keys] == ["bootstrap-admin"]
    assert printed[0] not in str(keys)

    request_line = _log_line_with(served, "req-keys-1")
    for field in ("route=/api/v1/keys", "status=200", "actor=key:bootstrap-admin", "latency_ms="):
        assert field in request_line, request_line

    with serving(database_url, tmp_path) as again:
        assert SECRET.findall(again.banner()) == []


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


PASSWORD = "correct horse battery staple"


def test_serve_offers_a_first_account(served: Server) -> None:
    offered = re.search(r"Console at /: username (\S+), password (\S+)", served.banner())
    assert offered is not None, served.log()
    assert served.sign_in(offered.group(1), offered.group(2)).status_code == 303


def test_users_commands(served: Server) -> None:
    made = served.cli(
        "users", "create", "--username", "Olga", "--role", "operator", "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "olga" in made.stdout
    assert PASSWORD not in made.stdout + made.stderr
    assert served.sign_in("olga", PASSWORD).status_code == 303

    listed = served.cli("users", "list")
    assert listed.returncode == 0
    line = next(line for line in listed.stdout.splitlines() if line.startswith("olga"))
    assert line.split()[1] == "operator"
    assert line.split()[-1] == "active"
    assert "never" not in line

    twice = served.cli(
        "users", "create", "--username", "olga", "--role", "admin", "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert twice.returncode == 1
    assert "exists already" in twice.stderr
    short = served.cli(
        "users", "create", "--username", "sam", "--role", "admin", "--password-stdin",
        stdin="short\n",
    )  # fmt: skip
    assert short.returncode == 1
    assert "at least 8 characters" in short.stderr
    assert "short" not in short.stdout

    changed = served.cli("users", "set-password", "olga", "--password-stdin", stdin="new pass 1\n")
    assert changed.returncode == 0, changed.stderr
    assert served.sign_in("olga", PASSWORD).status_code == 400
    assert served.sign_in("olga", "new pass 1").status_code == 303

    disabled = served.cli("users", "disable", "olga")
    assert disabled.returncode == 0
    assert served.cli("users", "list").stdout.splitlines()[-1].split()[-1] == "disabled"
    assert served.sign_in("olga", "new pass 1").status_code == 403

    for command in (["disable", "nobody"], ["set-password", "nobody", "--password-stdin"]):
        unknown = served.cli("users", *command, stdin="whatever-123\n")
        assert unknown.returncode == 1
        assert "nobody" in unknown.stderr


def test_users_create_prompts_for_the_password_twice(served: Server) -> None:
    status, shown = at_a_terminal(
        [*INCIDENTS, "users", "create", "--username", "rita", "--role", "reporter"],
        env=served.env, answers=[PASSWORD, PASSWORD],
    )  # fmt: skip
    assert status == 0, shown
    assert PASSWORD not in shown
    assert served.sign_in("rita", PASSWORD).status_code == 303


def test_users_create_without_a_terminal_names_password_stdin(served: Server) -> None:
    for args in (
        ["create", "--username", "rita", "--role", "reporter"],
        ["set-password", "admin"],
    ):
        refused = served.cli("users", *args, stdin="")
        assert refused.returncode == 2
        errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, refused.stderr
        assert "--password-stdin" in errors[0]
        assert "Aborted" not in refused.stderr


def test_no_bootstrap_key_once_an_account_exists(database_url: str, tmp_path: Path) -> None:
    made = subprocess.run(
        [*INCIDENTS, "users", "create", "--username", "admin", "--role", "admin",
         "--password-stdin"],
        env=_env(database_url), input=f"{PASSWORD}\n", capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with serving(database_url, tmp_path) as server:
        assert SECRET.findall(server.banner()) == []
        assert "No one can sign in" not in server.log()


def test_serve_with_two_workers_shares_one_database(database_url: str, tmp_path: Path) -> None:
    with serving(database_url, tmp_path, "--workers", "2") as served:
        secret = SECRET.findall(served.banner())
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


def _workers_started(server: Server, expected: int) -> int:
    """How many server processes logged their start, waiting a while for `expected` of them."""
    deadline = time.monotonic() + 20
    while True:
        started = len(re.findall(r"Started server process \[\d+\]", server.log()))
        if started >= expected or time.monotonic() > deadline:
            return started
        time.sleep(0.1)


def test_serve_takes_its_worker_count_from_the_environment(
    database_url: str, tmp_path: Path
) -> None:
    two = {"INCIDENTS_WORKERS": "2"}
    with serving(database_url, tmp_path, env=two) as served:
        assert _workers_started(served, 2) == 2, served.log()
        assert "Started parent process" in served.log()

    with serving(database_url, tmp_path, "--workers", "1", env=two) as served:
        assert _workers_started(served, 1) == 1, served.log()
        assert "Started parent process" not in served.log()
