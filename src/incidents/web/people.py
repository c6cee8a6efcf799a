"""People as the console names them: accounts by name, `key night-shift`, chat members by
@username, the registry's own parts by what they are; the raw actor name only as a tooltip."""

from __future__ import annotations

from markupsafe import Markup, escape

from incidents.domain.actors import ActorId, ActorKind
from incidents.domain.bidi import isolate_bidi
from incidents.web.texts import Texts


def person_name(name: str, t: Texts) -> str:
    """What the console calls the actor the audit trail names `name`."""
    try:
        who = ActorId.parse(name)
    except ValueError:
        return name
    if who.kind == ActorKind.USER:
        return who.id
    if who.kind == ActorKind.KEY:
        return t.person_key.format(name=who.id)
    if who.kind == ActorKind.TELEGRAM:
        return f"@{who.display_name}" if who.display_name else t.person_member.format(id=who.id)
    return t.person_system.get(who.id) or t.person_system_other.format(name=who.id)


def person(name: str, t: Texts) -> Markup:
    """The actor's name for a page: a span that keeps its words whole and holds the raw actor
    name as its tooltip."""
    shown = isolate_bidi(person_name(name, t))
    return Markup('<span class="person" title="{}">{}</span>').format(
        escape(isolate_bidi(name)), escape(shown)
    )
