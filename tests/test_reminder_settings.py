"""The settings of reminders, the digest and the time zone: as people write them, and a bad
one ends a command with one line naming it."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from incidents.domain.incident import Status
from incidents.settings import Settings
from tests.test_configuration import _incidents, _one_line_error


def test_defaults() -> None:
    settings = Settings(_env_file=None)
    assert settings.remind_new_after == timedelta(minutes=15)
    assert settings.remind_in_progress_after == timedelta(hours=4)
    assert settings.digest_at == time(9, 0)
    assert settings.timezone == "UTC"


def test_as_people_write_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENTS_REMIND_NEW_AFTER", "30s")
    monkeypatch.setenv("INCIDENTS_REMIND_IN_PROGRESS_AFTER", "0")
    monkeypatch.setenv("INCIDENTS_DIGEST_AT", "07:30")
    monkeypatch.setenv("INCIDENTS_TIMEZONE", "Europe/Berlin")
    settings = Settings(_env_file=None)
    assert settings.remind_new_after == timedelta(seconds=30)
    assert settings.reminder_policy().interval(Status.IN_PROGRESS) is None
    assert settings.digest_at == time(7, 30)
    assert settings.zone.key == "Europe/Berlin"


def test_an_empty_digest_hour_turns_it_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INCIDENTS_DIGEST_AT", "")
    assert Settings(_env_file=None).digest_at is None
    monkeypatch.delenv("INCIDENTS_DIGEST_AT")
    env_file = tmp_path / ".env"
    env_file.write_text("INCIDENTS_DIGEST_AT=\n")
    assert Settings(_env_file=env_file).digest_at is None
    env_file.write_text("INCIDENTS_DIGEST_AT=08:15\n")
    assert Settings(_env_file=env_file).digest_at == time(8, 15)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("INCIDENTS_REMIND_NEW_AFTER", "soon", "is not a duration"),
        ("INCIDENTS_REMIND_IN_PROGRESS_AFTER", "-5m", "is not a duration"),
        ("INCIDENTS_DIGEST_AT", "25:00", "is not a time of day"),
        ("INCIDENTS_DIGEST_AT", "9am", "is not a time of day"),
        ("INCIDENTS_TIMEZONE", "Mars/Olympus", "is not a time zone"),
    ],
)
def test_a_bad_value_is_one_line(name: str, value: str, says: str, tmp_path: Path) -> None:
    env = {"INCIDENTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", name: value}
    line = _one_line_error(_incidents("serve", cwd=tmp_path, env=env))
    assert line.startswith(f"error: {name}: ")
    assert says in line
