"""The outbox hands out each chat's notices in order, and one chat's trouble holds no other."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from incidents.domain.access import Actor, Role
from incidents.domain.actors import ActorId
from incidents.domain.incident import Source, Status
from incidents.domain.notifications import ChatOrigin, NoticeKind
from incidents.service import incidents
from incidents.service.outbox import claim_notices, notice_failed, notice_sent
from incidents.service.runtime import Runtime
from tests.conftest import TickingClock

NOTIFY = -500
PARTNERS = -600
OPERATOR = Actor(who=ActorId.key("ops"), role=Role.OPERATOR)
PARTNER = Actor(who=ActorId.telegram(444), role=Role.OPERATOR)


async def test_each_chat_in_order_none_held_by_another(app: FastAPI, clock: TickingClock) -> None:
    runtime: Runtime = app.state.runtime
    made = await incidents.create_incident(
        runtime, actor=OPERATOR, description="db-1 disk full", source=Source.MONITORING
    )
    reported = await incidents.create_incident(
        runtime,
        actor=PARTNER,
        description="Report did not upload",
        source=Source.PARTNER,
        origin=ChatOrigin(PARTNERS, 7),
    )
    for status in (Status.IN_PROGRESS, Status.RESOLVED):
        for incident in (made.incident, reported.incident):
            await incidents.change_incident(
                runtime, actor=OPERATOR, incident_id=incident.id, status=status
            )

    first = await claim_notices(runtime, announce_chat=NOTIFY)
    assert [(n.kind, n.chat_id, n.moved_from, n.status) for n in first] == [
        (NoticeKind.CREATED, None, None, Status.NEW),
        (NoticeKind.CHANGED, None, Status.NEW, Status.IN_PROGRESS),
        (NoticeKind.CHANGED, PARTNERS, Status.NEW, Status.IN_PROGRESS),
        (NoticeKind.CHANGED, None, Status.IN_PROGRESS, Status.RESOLVED),
        (NoticeKind.CHANGED, PARTNERS, Status.IN_PROGRESS, Status.RESOLVED),
    ]
    assert first[2].reply_to == 7
    assert len({n.event_id for n in first}) == 5  # each tells its own audit event
    assert await claim_notices(runtime, announce_chat=NOTIFY) == []  # all leased

    # The announcement fails: the notification chat waits for it, the partners' chat does not.
    clock.advance(timedelta(minutes=2))  # every lease ran out
    await notice_failed(runtime, first[0], error="502")
    again = await claim_notices(runtime, announce_chat=NOTIFY)
    assert [(n.chat_id, n.status) for n in again] == [
        (PARTNERS, Status.IN_PROGRESS),
        (PARTNERS, Status.RESOLVED),
    ]
    for notice in again:
        await notice_sent(runtime, notice, posted=None)
    clock.advance(timedelta(seconds=5))  # past the announcement's backoff
    last = await claim_notices(runtime, announce_chat=NOTIFY)
    assert [(n.kind, n.status) for n in last] == [
        (NoticeKind.CREATED, Status.NEW),
        (NoticeKind.CHANGED, Status.IN_PROGRESS),
        (NoticeKind.CHANGED, Status.RESOLVED),
    ]
