"""Configuration as a newcomer meets it: `.env.example` as it is, `.env` read by every command,
database URLs as people write them, and one line for each mistake."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from incidents.settings import Settings
from tests.conftest import serving
from tests.serving import INCIDENTS

ROOT = Path(__file__).parents[1]


def _incidents(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command line in `cwd`, with no INCIDENTS_ setting but those of `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTS_")}
    return subprocess.run(
        [*INCIDENTS, *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_env_example_unchanged_is_a_valid_configuration() -> None:
    loaded = Settings(_env_file=ROOT / ".env.example")
    defaults = Settings(_env_file=None)
    # Every empty value means "not set": the defaults hold, none is an empty string.
    assert loaded.telegram_notify_chat is None
    assert loaded.telegram_token is None
    assert loaded.secret_key is None
    assert loaded.model_dump() == defaults.model_dump()


def test_an_empty_environment_variable_means_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    # compose passes `.env`'s empty values on to the containers as empty variables.
    for name in ("TELEGRAM_NOTIFY_CHAT", "PORT", "WORKERS", "TELEGRAM_USERS", "COOKIE_SECURE"):
        monkeypatch.setenv(f"INCIDENTS_{name}", "")
    settings = Settings(_env_file=None)
    assert settings.telegram_notify_chat is None
    assert settings.port == 8000


def test_every_command_reads_dot_env_and_names_its_database(tmp_path: Path) -> None:
    shutil.copyfile(ROOT / ".env.example", tmp_path / ".env")

    made = _incidents("migrate", cwd=tmp_path)
    listed = _incidents("keys", "list", cwd=tmp_path)

    assert made.returncode == 0, made.stderr
    assert listed.returncode == 0, listed.stderr
    # The path as it is, absolute: the same words name the same file from any folder.
    for said in (made.stderr, listed.stderr):
        assert f"database: sqlite+aiosqlite:///{tmp_path}/data/incidents.db" in said
    assert (tmp_path / "data" / "incidents.db").is_file()
    # Only `migrate` and `serve` say the schema is up to date.
    assert "up to date" not in listed.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["keys", "list"],
        ["keys", "create", "--name", "x", "--role", "admin"],
        ["keys", "revoke", "x"],
        ["users", "list"],
        ["users", "disable", "olga"],
        ["backup", "b.jsonl.gz"],
    ],
)
def test_a_command_that_manages_never_makes_a_database(command: list[str], tmp_path: Path) -> None:
    elsewhere = tmp_path / "another-folder"
    elsewhere.mkdir()

    line = _one_line_error(_incidents(*command, cwd=elsewhere))

    assert f"no database at {elsewhere}/data/incidents.db" in line
    assert "INCIDENTS_DATABASE_URL" in line
    assert "folder you started the server in" in line
    assert not (elsewhere / "data").exists()


def test_the_database_line_hides_the_password(tmp_path: Path) -> None:
    url = "postgresql://someone:s3cret-pass@127.0.0.1:1/none"
    (tmp_path / ".env").write_text(f"INCIDENTS_DATABASE_URL={url}\n")

    listed = _incidents("keys", "list", cwd=tmp_path)

    assert listed.returncode == 1
    assert "database: postgresql+asyncpg://someone:***@127.0.0.1:1/none" in listed.stderr
    assert "s3cret-pass" not in listed.stdout + listed.stderr


def test_the_banner_says_how_to_reach_the_same_database(database_url: str, tmp_path: Path) -> None:
    with serving(database_url, tmp_path) as server:
        banner = server.banner()
    assert "It was named in the environment" in banner
    assert "INCIDENTS_DATABASE_URL" in banner
    assert ".venv/bin/incidents keys revoke bootstrap-admin" in banner


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one `error:` line of a failed command, and no traceback."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    "written",
    [
        "postgresql://postgres@127.0.0.1:5432/postgres",
        "postgres://postgres@127.0.0.1:5432/postgres",
        "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
    ],
)
def test_postgres_urls_as_people_write_them(written: str) -> None:
    assert Settings(database_url=written, _env_file=None).database_url == (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )


def test_a_plain_sqlite_url_works(tmp_path: Path) -> None:
    made = _incidents("migrate", cwd=tmp_path, env={"INCIDENTS_DATABASE_URL": "sqlite:///plain.db"})
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "plain.db").is_file()


def _postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://someone:pw@127.0.0.1/db", "'mysql' is not a database this service runs on"),
        ("postgresql://postgres@127.0.0.1:1/incidents", "nothing accepts connections at"),
        ("postgresql://postgres@no-such-host.invalid/incidents", "is unknown"),
        ("sqlite:////proc/no/such/folder/x.db", "no database at /proc/no/such/folder/x.db"),
        ("sqlite://./data/incidents.db", "three slashes before a relative path"),
        ("sqlite://", "three slashes before a relative path"),
        ("sqlite:///:memory:", "in-memory"),
        ("postgresql://postgres@127.0.0.1:port/incidents", "not a database URL"),
        ("127.0.0.1:5432/incidents", "not a database URL"),
    ],
)
def test_a_database_that_can_not_be_used_is_one_line(url: str, says: str, tmp_path: Path) -> None:
    env = {"INCIDENTS_DATABASE_URL": url, "INCIDENTS_DB_CONNECT_TIMEOUT_SECONDS": "2"}
    line = _one_line_error(_incidents("keys", "list", cwd=tmp_path, env=env))
    assert says in line
    assert "pw@" not in line


@pytest.mark.skipif(not _postgres_answers(), reason="no PostgreSQL on 127.0.0.1:5432")
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://postgres@127.0.0.1:5432/no_such_db_17", "createdb"),
        ("postgresql://no_such_role_17:pw@127.0.0.1:5432/postgres", "check the user and password"),
    ],
)
def test_a_postgres_refusal_is_one_line(url: str, says: str, tmp_path: Path) -> None:
    env = {"INCIDENTS_DATABASE_URL": url}
    for command in (["migrate"], ["keys", "list"], ["serve", "--port", "1"]):
        assert says in _one_line_error(_incidents(*command, cwd=tmp_path, env=env))


def test_migrate_says_when_an_sqlite_file_can_not_be_made(tmp_path: Path) -> None:
    env = {"INCIDENTS_DATABASE_URL": "sqlite:////proc/no/such/folder/x.db"}
    assert "can not be used" in _one_line_error(_incidents("migrate", cwd=tmp_path, env=env))


def test_version_and_help_without_type_names(tmp_path: Path) -> None:
    version = _incidents("--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert re.fullmatch(r"incidents \d+\.\d+\.\d+\S*\n", version.stdout)
    for command in (
        [], ["serve"], ["migrate"], ["backup"], ["restore"], ["keys"], ["keys", "create"],
        ["keys", "revoke"], ["users", "create"], ["users", "set-password"],
    ):  # fmt: skip
        shown = _incidents(*command, "--help", cwd=tmp_path)
        assert shown.returncode == 0, shown.stderr
        # No `<bool>`, `<str>`, `<int range>` or `TEXT` beside an option: only what to write.
        assert not re.search(r"<[a-z ]+>|\b(TEXT|INTEGER|BOOLEAN)\b", shown.stdout), shown.stdout


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    env = {
        "INCIDENTS_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/incidents",
        "INCIDENTS_LOG_LEVEL": "debug",
    }
    failed = _incidents("keys", "list", cwd=tmp_path, env=env)
    assert failed.returncode != 0
    assert "ConnectionRefusedError" in failed.stderr


def test_serve_on_a_taken_port_names_it_and_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"INCIDENTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
        line = _one_line_error(
            _incidents("serve", "--host", "127.0.0.1", "--port", str(port), cwd=tmp_path, env=env)
        )
    assert f"port {port} on 127.0.0.1 is taken" in line
    assert f"INCIDENTS_PORT={port + 1} make run" in line


def test_keys_create_exits_non_zero_when_it_refuses(tmp_path: Path) -> None:
    env = {"INCIDENTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    assert _incidents("migrate", cwd=tmp_path, env=env).returncode == 0
    refused = _incidents("keys", "create", "--name", "", "--role", "admin", cwd=tmp_path, env=env)
    assert "name must be" in _one_line_error(refused)
    assert refused.stdout == ""
