"""The owner field: it offers the registry's people (service.people), me and nobody, rather
than a text to type, and takes nothing else."""

from __future__ import annotations

from incidents.domain.access import Actor, Permission, require
from incidents.service import incidents, people
from incidents.service.runtime import Runtime
from incidents.web.errors import InvalidChoice
from incidents.web.people import person_name
from incidents.web.texts import Texts


async def owner_choices(
    runtime: Runtime, actor: Actor, current: str | None, t: Texts
) -> list[tuple[str, str]]:
    """The owner field's choices, (value, label): nobody, me, then the registry's people."""
    choices = [("", t.nobody), ("me", t.owner_me.format(name=person_name(actor.name, t)))]
    known = await people.known_people(runtime, actor=actor)
    if current and current != actor.name and current not in known:
        # Whoever owns it now stays choosable, named as such, even if no longer offered.
        choices.append((current, t.owner_other.format(name=person_name(current, t))))
    return choices + [(name, person_name(name, t)) for name in known if name != actor.name]


async def owner_chosen(runtime: Runtime, actor: Actor, number: int, chosen: str) -> str | None:
    """The owner a form chose: nobody, the one who sent it, or someone the field offered;
    raises InvalidChoice for anyone else (Forbidden first for a role that may not change it)."""
    require(actor, Permission.CHANGE)
    if chosen in ("", "me"):
        return None if not chosen else actor.name
    if chosen in await people.known_people(runtime, actor=actor):
        return chosen
    current = await incidents.get_incident(runtime, actor=actor, incident_id=number)
    if chosen == current.assignee:
        return chosen
    raise InvalidChoice()
