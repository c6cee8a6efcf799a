"""Housekeeping forgets drained rate-limit buckets and notifications past their retention."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import Table, func, select

from incidents.db.tables import outbox, rate_limits
from incidents.domain.notifications import RETENTION
from incidents.service import housekeeping
from incidents.service.outbox import claim_notices, pending_notices
from incidents.service.runtime import Runtime
from tests.conftest import TickingClock, report


async def _rows(runtime: Runtime, table: Table) -> int:
    async with runtime.database.reads() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_tidy_forgets_old_notices_and_drained_buckets(
    app: FastAPI, client: httpx.AsyncClient, clock: TickingClock
) -> None:
    runtime: Runtime = app.state.runtime
    await report(client, "Old news")
    assert await _rows(runtime, rate_limits) == 1  # one bucket: the operator's key
    assert await pending_notices(runtime) == 1

    # Nothing is due yet: a fresh bucket and a fresh notice stay.
    assert await housekeeping.tidy(runtime) == housekeeping.Tidied(buckets=0, notices=0)

    clock.advance(RETENTION + timedelta(minutes=1))
    await report(client, "Fresh news")
    tidied = await housekeeping.tidy(runtime)

    assert tidied == housekeeping.Tidied(buckets=0, notices=1)
    assert await pending_notices(runtime) == 1  # the fresh one
    clock.advance(timedelta(minutes=2))
    assert (await housekeeping.tidy(runtime)).buckets == 1
    assert await _rows(runtime, rate_limits) == 0


async def test_a_notice_being_sent_is_not_forgotten(
    app: FastAPI, client: httpx.AsyncClient, clock: TickingClock
) -> None:
    runtime: Runtime = app.state.runtime
    await report(client, "Old but in flight")
    clock.advance(RETENTION + timedelta(minutes=1))
    assert len(await claim_notices(runtime)) == 1  # a sender holds it now

    assert (await housekeeping.tidy(runtime)).notices == 0
    assert await _rows(runtime, outbox) == 1
