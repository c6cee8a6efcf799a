"""Rendering is total: whatever the API accepted (actor names, owners, texts), every card,
notice, reminder and digest renders, and Telegram takes it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.domain.digest import DayCounts, Digest, Waiting
from incidents.domain.errors import InvalidInput
from incidents.domain.incident import Incident, Source, Status
from incidents.domain.owners import check_assignee
from incidents.domain.reminders import telegram_handle
from incidents.telegram.reminder_texts import ReminderTexts
from incidents.telegram.texts import Change, Texts
from tests.telegram.fake_bot_api import MESSAGE_LIMIT, html_problem, plain

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LANGUAGES = ("en", "ru")

# Owners in the three forms the API takes (domain/owners.py), whether or not they exist.
owners = st.from_regex(
    r"(user|key):[a-z0-9][a-z0-9._-]{0,30}|telegram:[0-9]{1,20}( \(@[A-Za-z0-9_]{1,32}\))?",
    fullmatch=True,
)
# What the trail may name as an actor (a key's name, a Telegram user's username, ...).
actors = st.text(min_size=1, max_size=200) | owners
texts = st.text(max_size=5000)
tricky = ["telegram:² (@x)", "telegram:١٢ (@x)", "telegram:12 (@)", "telegram:", "user:<b>"]


def _incident(description: str, created_by: str, owner: str | None) -> Incident:
    return Incident(
        id=12,
        description=description,
        status=Status.IN_PROGRESS,
        source=Source.OPERATOR,
        version=3,
        created_by=created_by,
        created_at=AT,
        updated_at=AT,
        dedup_key=None,
        occurrences=1,
        last_seen_at=AT,
        details=None,
        assignee=owner,
    )


def _taken(message: str) -> None:
    """As Telegram checks a message in parse mode HTML."""
    assert html_problem(message) is None, message
    shown = plain(message)
    assert shown.strip()
    assert len(shown) <= MESSAGE_LIMIT


@pytest.mark.parametrize("language", LANGUAGES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(description=texts, created_by=actors, owner=st.none() | owners, note=st.none() | texts)
def test_cards_notices_and_reminders_render_whatever_was_accepted(
    language: str, description: str, created_by: str, owner: str | None, note: str | None
) -> None:
    words = Texts(language)
    incident = _incident(description, created_by, owner)
    _taken(words.card(incident))
    _taken(words.card(incident, heading=words.words.announced))
    change = Change(incident.id, Status.NEW, Status.IN_PROGRESS, created_by, AT, note)
    _taken(words.change(change))
    _taken(words.merged(incident.id, 7))
    reminders = ReminderTexts(words, language)
    for status in (Status.NEW, Status.IN_PROGRESS):
        _taken(reminders.reminder(incident, status=status, waited_seconds=900))


@pytest.mark.parametrize("language", LANGUAGES)
@settings(max_examples=60, deadline=None)
@given(
    oldest=st.lists(
        st.tuples(st.text(max_size=300), st.none() | owners | st.sampled_from(tricky)),
        max_size=5,
    )
)
def test_the_digest_renders_whatever_was_accepted(
    language: str, oldest: list[tuple[str, str | None]]
) -> None:
    waiting = [
        Waiting(i + 1, summary, Status.NEW, Source.PARTNER, AT - timedelta(hours=i), owner)
        for i, (summary, owner) in enumerate(oldest)
    ]
    digest = Digest(
        at=AT,
        day=date(2026, 12, 7),
        open={Status.NEW: {Source.PARTNER: len(waiting)}} if waiting else {},
        oldest=waiting,
        yesterday=DayCounts(date(2026, 12, 6), reported=3, resolved=1),
    )
    _taken(ReminderTexts(Texts(language), language).digest(digest))


@pytest.mark.parametrize("owner", tricky)
def test_an_owner_only_the_trail_could_name_still_renders(owner: str) -> None:
    """Owners stored before the API checked them as it does now."""
    words = Texts("en")
    incident = _incident("Kiosk 4 offline", "key:ops", owner)
    _taken(words.card(incident))
    _taken(
        ReminderTexts(words, "en").reminder(incident, status=Status.IN_PROGRESS, waited_seconds=60)
    )


def test_telegram_owners_take_ascii_digits_only() -> None:
    assert check_assignee("telegram:4242 (@olga)") == "telegram:4242 (@olga)"
    assert check_assignee("telegram:4242") == "telegram:4242"
    for owner in ("telegram:² (@x)", "telegram:١٢", "telegram:olga", "telegram:12 (@a)b"):
        with pytest.raises(InvalidInput):
            check_assignee(owner)
    assert telegram_handle("telegram:² (@x)") is None
    assert telegram_handle("telegram:42 (@x)") == (42, "x")
