"""The pure rules: transition table, enum parsing and text cleaning."""

from __future__ import annotations

import itertools

import pytest

from incidents.domain.errors import IllegalTransition, InvalidInput
from incidents.domain.incident import (
    DESCRIPTION_MAX_LENGTH,
    OPEN_STATUSES,
    Source,
    Status,
    allowed_next,
    append_note,
    check_transition,
    clean_text,
)

ALLOWED = {
    (Status.NEW, Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Status.RESOLVED),
    (Status.RESOLVED, Status.IN_PROGRESS),
    (Status.RESOLVED, Status.CLOSED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_only_the_table_transitions_are_allowed(current: Status, target: Status) -> None:
    if (current, target) in ALLOWED or current == target:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as refused:
            check_transition(current, target)
        assert refused.value.current is current
        assert refused.value.target is target
        assert set(refused.value.allowed) == {t for c, t in ALLOWED if c == current}


def test_allowed_next_lists_the_table() -> None:
    assert allowed_next(Status.NEW) == (Status.IN_PROGRESS,)
    assert allowed_next(Status.RESOLVED) == (Status.IN_PROGRESS, Status.CLOSED)
    assert allowed_next(Status.CLOSED) == ()


def test_closed_is_final_and_says_so() -> None:
    with pytest.raises(IllegalTransition, match="closed"):
        check_transition(Status.CLOSED, Status.IN_PROGRESS)


@pytest.mark.parametrize("raw", ["new", "NEW", "New"])
def test_status_parses_in_any_case(raw: str) -> None:
    assert Status(raw) is Status.NEW


def test_source_parses_in_any_case_and_rejects_unknown() -> None:
    assert Source("Partner") is Source.PARTNER
    with pytest.raises(ValueError, match="customer"):
        Source("customer")


def test_clean_text_trims() -> None:
    assert clean_text("  Scooter #42 offline \n", field="description") == "Scooter #42 offline"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_clean_text_refuses_blank(blank: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_text(blank, field="description")
    assert refused.value.field == "description"


def test_clean_text_bounds_length_after_trimming() -> None:
    longest = "x" * DESCRIPTION_MAX_LENGTH
    assert clean_text(f"  {longest}  ", field="d") == longest
    with pytest.raises(InvalidInput, match="at most"):
        clean_text(longest + "x", field="d")


def test_append_note_adds_a_line() -> None:
    assert append_note("a", "b") == "a\nb"


def test_open_means_not_closed() -> None:
    assert set(OPEN_STATUSES) == set(Status) - {Status.CLOSED}
