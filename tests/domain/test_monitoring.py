"""The pure rules of monitoring: automatic moves, dedup keys, details, search, heartbeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incidents.domain.alerts import check_dedup_key, check_details
from incidents.domain.errors import IllegalTransition, InvalidInput
from incidents.domain.heartbeat import (
    Heartbeat,
    HeartbeatState,
    check_timeout,
    dedup_key_of,
    silence_description,
)
from incidents.domain.incident import (
    Status,
    check_transition,
    resolves_automatically,
    search_words,
    searchable_text,
    status_when_it_fires_again,
)


def test_monitoring_resolves_new_and_in_progress_but_a_person_may_not_skip() -> None:
    assert [s for s in Status if resolves_automatically(s)] == [Status.NEW, Status.IN_PROGRESS]
    with pytest.raises(IllegalTransition):
        check_transition(Status.NEW, Status.RESOLVED)


def test_firing_again_reopens_only_a_resolved_incident() -> None:
    assert status_when_it_fires_again(Status.NEW) is Status.NEW
    assert status_when_it_fires_again(Status.IN_PROGRESS) is Status.IN_PROGRESS
    assert status_when_it_fires_again(Status.RESOLVED) is Status.IN_PROGRESS
    with pytest.raises(ValueError, match="closed"):
        status_when_it_fires_again(Status.CLOSED)


def test_search_folds_case_in_every_script() -> None:
    assert searchable_text("Самокат #42 STRAẞE") == "самокат #42 strasse"
    assert search_words("  САМОКАТ  самокат #42 ") == ("самокат", "#42")
    assert search_words("") == ()
    with pytest.raises(InvalidInput):
        search_words(" ".join(str(n) for n in range(11)))


def test_dedup_keys_are_trimmed_bounded_and_not_a_heartbeats() -> None:
    assert check_dedup_key("  a  ") == "a"
    for bad in ("", "  ", "k" * 256, "a\x00b", "heartbeat:x"):
        with pytest.raises(InvalidInput):
            check_dedup_key(bad)


def test_details_are_finite_json() -> None:
    assert check_details(None) is None
    assert check_details({"a": [1, "b"]}) == {"a": [1, "b"]}
    lone_surrogates = ({"a": "\ud800"}, {"\udfff": 1}, {"a": ["ok", {"b": "x\udc80"}]})
    for bad in (
        {"a": float("nan")},
        {"a": "\x00"},
        {"a": object()},
        *lone_surrogates,
    ):
        with pytest.raises(InvalidInput):
            check_details(bad)


def test_a_heartbeat_is_overdue_after_its_due_time() -> None:
    seen = datetime(2026, 11, 23, 9, 0, 0, 500_000, tzinfo=UTC)
    beat = Heartbeat("nightly", 60, seen, seen + timedelta(seconds=60), None)
    assert beat.state(seen + timedelta(seconds=60)) is HeartbeatState.UP
    assert beat.state(seen + timedelta(seconds=61)) is HeartbeatState.OVERDUE
    assert dedup_key_of("nightly") == "heartbeat:nightly"
    expected = "no check-in from nightly since 2026-11-23T09:00:00Z"
    assert silence_description("nightly", seen) == expected
    assert check_timeout(1) == 1
    with pytest.raises(InvalidInput):
        check_timeout(0)
