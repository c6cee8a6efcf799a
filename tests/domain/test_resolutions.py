"""The lifecycle rules beside the transition table: resolutions, dismissals, the taker."""

from __future__ import annotations

import pytest

from incidents.domain.access import Actor, Role, assignee_meant
from incidents.domain.actors import ActorId
from incidents.domain.errors import IllegalTransition, InvalidInput
from incidents.domain.incident import (
    Resolution,
    Status,
    Verb,
    assignee_after,
    resolution_after,
    verbs_allowed,
)
from incidents.domain.owners import check_assignee

NEW, WORK, DONE, CLOSED = Status.NEW, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED
FIXED, FALSE, DUP = Resolution.FIXED, Resolution.FALSE_ALARM, Resolution.DUPLICATE


@pytest.mark.parametrize(
    ("current", "target", "had", "asked", "after"),
    [
        (WORK, DONE, None, None, FIXED),
        (DONE, WORK, FIXED, None, None),
        (DONE, CLOSED, FIXED, None, FIXED),
        (NEW, CLOSED, None, FALSE, FALSE),
        (WORK, CLOSED, None, DUP, DUP),
        (DONE, CLOSED, FIXED, FALSE, FALSE),
        (CLOSED, CLOSED, FALSE, FALSE, FALSE),
        (NEW, WORK, None, None, None),
        (NEW, NEW, None, None, None),
    ],
)
def test_the_resolution_after_a_change(
    current: Status,
    target: Status,
    had: Resolution | None,
    asked: Resolution | None,
    after: Resolution | None,
) -> None:
    assert resolution_after(current, target, had=had, asked=asked) == after


@pytest.mark.parametrize("current", [NEW, WORK])
def test_closing_early_without_a_resolution_says_what_would_work(current: Status) -> None:
    with pytest.raises(IllegalTransition, match="needs the resolution false_alarm or duplicate"):
        resolution_after(current, CLOSED, had=None, asked=None)


@pytest.mark.parametrize(
    ("current", "target", "had", "asked", "error"),
    [
        (WORK, DONE, None, FALSE, InvalidInput),
        (WORK, WORK, None, FIXED, InvalidInput),
        (NEW, CLOSED, None, FIXED, IllegalTransition),
        (CLOSED, CLOSED, FIXED, FALSE, IllegalTransition),
        (CLOSED, WORK, FIXED, None, IllegalTransition),
    ],
)
def test_resolutions_that_do_not_fit_are_refused(
    current: Status,
    target: Status,
    had: Resolution | None,
    asked: Resolution | None,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        resolution_after(current, target, had=had, asked=asked)


def test_taking_assigns_a_person_or_a_key_never_the_registry() -> None:
    assert assignee_after(NEW, WORK, had=None, actor="user:olga") == "user:olga"
    assert assignee_after(NEW, WORK, had="key:a", actor="user:olga") == "key:a"
    assert assignee_after(DONE, WORK, had=None, actor="user:olga") is None
    assert assignee_after(NEW, WORK, had=None, actor="system:events") is None


def test_assignees_are_actor_names_and_me_and_none_mean_what_they_say() -> None:
    olga = Actor(who=ActorId.user("olga"), role=Role.OPERATOR)
    assert check_assignee(" telegram:4242 (@olga_ops) ") == "telegram:4242 (@olga_ops)"
    assert assignee_meant(olga, "ME") == "user:olga"
    assert assignee_meant(olga, "none") is None
    for bad in ("olga", "system:events", "user:", "user:\tx", "user:" + "x" * 200):
        with pytest.raises(InvalidInput):
            check_assignee(bad)


def test_a_false_alarm_can_be_called_while_open() -> None:
    assert verbs_allowed(NEW) == (Verb.TAKE, Verb.DISMISS)
    assert verbs_allowed(DONE) == (Verb.REOPEN, Verb.CLOSE, Verb.DISMISS)
    assert verbs_allowed(CLOSED) == ()
