"""The acting party as a typed value that renders to, and parses from, the trail's strings."""

from __future__ import annotations

import pytest

from incidents.domain.access import CHAT_MEMBER_ROLE, Role, chat_member, stable_part
from incidents.domain.actors import ActorId, ActorKind, kind_of


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("user:olga", ActorId.user("olga")),
        ("key:night-shift", ActorId.key("night-shift")),
        ("system:cli", ActorId.system("cli")),
        ("telegram:4242 (@olga)", ActorId.telegram(4242, "olga")),
        ("telegram:4242", ActorId.telegram(4242)),
        ("telegram:unknown", ActorId.telegram(None)),
        (
            "telegram:-1001234 (Ops (night) room)",
            ActorId.telegram_chat(-1001234, "Ops (night) room"),
        ),
        ("telegram:-1001234", ActorId.telegram_chat(-1001234)),
    ],
)
def test_the_trails_strings_round_trip(text: str, who: ActorId) -> None:
    assert ActorId.parse(text) == who
    assert str(who) == text


def test_a_telegram_user_is_their_id_for_good() -> None:
    assert ActorId.parse("telegram:4242 (@olga)").stable == "telegram:4242"
    assert stable_part("telegram:4242 (@new_name)") == "telegram:4242"
    assert stable_part("user:olga") == "user:olga"


@pytest.mark.parametrize("text", ["tests", "robot:7", "user:", ""])
def test_a_name_of_no_kind_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an actor name"):
        ActorId.parse(text)
    assert kind_of(text) is None


def test_chat_members_act_with_the_role_the_domain_gives_them() -> None:
    member = chat_member(4242, "olga")
    assert member.role is CHAT_MEMBER_ROLE is Role.OPERATOR
    assert member.name == "telegram:4242 (@olga)"
    assert member.who.kind is ActorKind.TELEGRAM
