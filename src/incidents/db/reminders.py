"""Queries on reminders: which incidents have waited long enough, and the claim of each one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import incidents, reminders
from incidents.domain.incident import Status
from incidents.domain.reminders import MAX_REMINDERS

# At most this many incidents are reminded of in one round; the next round takes the rest.
ROUND_SIZE = 200


def _waiting_since(status: Status) -> ColumnElement[datetime]:
    """The column a wait in `status` is measured from (see domain.reminders.waiting_since)."""
    return incidents.c.created_at if status == Status.NEW else incidents.c.updated_at


async def due_ids(
    conn: AsyncConnection, *, status: Status, wait: timedelta, now: datetime
) -> list[int]:
    """Incidents in `status` whose next reminder is due: a wait of `wait` began and no
    reminder of it was queued yet, or the next of its series is due (and the cap not reached)."""
    since = _waiting_since(status)
    series_of_this_wait = and_(
        reminders.c.status == status.value, reminders.c.waiting_since == since
    )
    query = (
        select(incidents.c.id)
        .outerjoin(reminders, reminders.c.incident_id == incidents.c.id)
        .where(
            incidents.c.status == status.value,
            since <= now - wait,
            or_(
                reminders.c.incident_id.is_(None),
                ~series_of_this_wait,
                and_(reminders.c.sent < MAX_REMINDERS, reminders.c.next_at <= now),
            ),
        )
        .order_by(since)
        .limit(ROUND_SIZE)
    )
    return list((await conn.execute(query)).scalars())


async def claim(
    conn: AsyncConnection,
    incident_id: int,
    *,
    status: Status,
    waiting_since: datetime,
    wait: timedelta,
    now: datetime,
) -> int | None:
    """Claim the next reminder of an incident's wait; its number (1..MAX_REMINDERS), or None
    when none is due or another process claimed it.

    Call with the incident row locked. One conditional write: of several processes exactly one
    gets each reminder.
    """
    row = (
        await conn.execute(select(reminders).where(reminders.c.incident_id == incident_id))
    ).one_or_none()
    same_wait = (
        row is not None and row.status == status.value and row.waiting_since == waiting_since
    )
    sent = row.sent if same_wait and row is not None else 0
    due = waiting_since + wait * (sent + 1)
    if sent >= MAX_REMINDERS or due > now:
        return None
    # After a pause (the server was down), the next one waits a whole interval from now.
    values = {
        "status": status.value,
        "waiting_since": waiting_since,
        "sent": sent + 1,
        "next_at": max(waiting_since + wait * (sent + 2), now + wait),
    }
    if row is None:
        await conn.execute(reminders.insert().values(incident_id=incident_id, **values))
        return 1
    unchanged = and_(
        reminders.c.incident_id == incident_id,
        reminders.c.sent == row.sent,
        reminders.c.status == row.status,
        reminders.c.waiting_since == row.waiting_since,
    )
    result = await conn.execute(reminders.update().where(unchanged).values(**values))
    return sent + 1 if result.rowcount == 1 else None
