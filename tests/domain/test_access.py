"""Permissions: each one its own member, each with the least role that holds it."""

from __future__ import annotations

from incidents.domain.access import LEAST_ROLE, Actor, Permission, Role, allows
from incidents.domain.actors import ActorId


def test_permissions_are_distinct() -> None:
    assert len(list(Permission)) == 4
    assert len({p.value for p in Permission}) == 4
    assert set(LEAST_ROLE) == set(Permission)


def test_each_role_holds_the_permissions_up_to_it() -> None:
    reporter = Actor(who=ActorId.key("r"), role=Role.REPORTER)
    operator = Actor(who=ActorId.key("o"), role=Role.OPERATOR)
    assert allows(reporter, Permission.READ)
    assert allows(reporter, Permission.REPORT)
    assert not allows(reporter, Permission.CHANGE)
    assert allows(operator, Permission.CHANGE)
    assert not allows(operator, Permission.MANAGE_ACCESS)
    assert allows(Actor.system("tests"), Permission.MANAGE_ACCESS)
