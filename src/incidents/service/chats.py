"""Chat use cases: what a chat message is tied to, and edits of people's messages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from incidents.db import chats
from incidents.db import incidents as incident_store
from incidents.db.engine import UniqueViolation
from incidents.domain.access import Actor, Permission, require
from incidents.domain.incident import Incident, clean_text
from incidents.domain.notifications import (
    EDITABLE,
    EDITED_NOTE,
    Attachment,
    ChatOrigin,
    Link,
    LinkRole,
    Thread,
)
from incidents.service.changes import Wanted, apply_change
from incidents.service.runtime import Runtime


class EditOutcome(StrEnum):
    """What an edit of a chat message did."""

    NOTED = "noted"  # appended to the incident the message reported or annotated
    REPEATED = "repeated"  # that edit was applied already (a redelivery)
    UNTIED = "untied"  # the message is tied to no incident: it may report one now
    IGNORED = "ignored"  # the message was a command: its edit changes nothing


@dataclass(frozen=True, slots=True)
class Edited:
    """The outcome of an edit, and the incident it was appended to."""

    outcome: EditOutcome
    incident: Incident | None = None


async def link_of(runtime: Runtime, message: Thread) -> Link | None:
    """What a chat message is tied to, if anything."""
    async with runtime.database.reads() as conn:
        return await chats.link_of(conn, message)


async def link_message(
    runtime: Runtime, message: Thread, *, incident_id: int | None, role: LinkRole
) -> None:
    """Tie a message the bot sent to an incident (a prompt to none); once is enough."""
    try:
        async with runtime.database.transaction() as tx:
            link = Link(message, incident_id, role)
            await chats.insert_link(tx.connection, link, now=runtime.clock.now())
            await tx.commit()
    except UniqueViolation:
        return


async def files_of(runtime: Runtime, incident_id: int) -> list[Attachment]:
    """The photos and documents chat messages brought to an incident."""
    async with runtime.database.reads() as conn:
        return await chats.files_of(conn, incident_id)


async def record_edit(runtime: Runtime, *, actor: Actor, origin: ChatOrigin, text: str) -> Edited:
    """Append `edited: <text>` to the incident an edited message reported or annotated.

    What the reporter first wrote stays; the trail shows the correction. An edit is applied
    once however often Telegram delivers it.
    """
    require(actor, Permission.CHANGE)
    message, edit_date = origin.message, origin.edit_date or 0
    assert message is not None, "an edit is of a message"
    note = clean_text(EDITED_NOTE.format(text=text.strip()), field="description_append")
    async with runtime.database.transaction() as tx:
        link = await chats.link_of(tx.connection, message)
        if link is None or link.incident_id is None:
            return Edited(EditOutcome.UNTIED)
        if link.role not in EDITABLE:
            return Edited(EditOutcome.IGNORED)
        if link.edit_date is not None and edit_date <= link.edit_date:
            return Edited(EditOutcome.REPEATED)
        current = await incident_store.get_incident(
            tx.connection, link.incident_id, for_update=True
        )
        assert current is not None, "links refer to incidents by foreign key"
        now = runtime.clock.now()
        changed = await apply_change(
            tx, current, Wanted(note=note), actor=actor, origin=origin, now=now
        )
        await chats.record_edit(tx.connection, message, edit_date=edit_date)
        await tx.commit()
    return Edited(EditOutcome.NOTED, changed)
