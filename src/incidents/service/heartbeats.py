"""Heartbeat use cases: check in, list, and open an incident for each silence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from incidents.db import heartbeats as stored
from incidents.db.engine import Transaction
from incidents.domain.access import (
    Actor,
    Permission,
    check_name,
    require,
    require_source,
    visible_sources,
)
from incidents.domain.alerts import HEARTBEAT_KEY_PREFIX
from incidents.domain.heartbeat import (
    Heartbeat,
    HeartbeatState,
    check_timeout,
    dedup_key_of,
    silence_description,
)
from incidents.domain.incident import Incident, Source
from incidents.service.alerts import (
    Resolve,
    Trigger,
    apply_in,
    in_transaction_with_retry,
)
from incidents.service.runtime import Runtime

HEARTBEATS_ACTOR = Actor.system("heartbeats")


@dataclass(frozen=True, slots=True)
class HeartbeatView:
    """A heartbeat and its state at the time it was read."""

    heartbeat: Heartbeat
    state: HeartbeatState


async def check_in(
    runtime: Runtime,
    *,
    actor: Actor,
    name: str,
    timeout_seconds: int | None,
    default_timeout_seconds: int,
) -> HeartbeatView:
    """Record that job `name` ran; it is due again within its timeout.

    Without `timeout_seconds` a known heartbeat keeps its timeout and a new one takes the
    default. The unresolved incident of an earlier silence is resolved by `system:heartbeats`.
    """
    require(actor, Permission.REPORT)
    require_source(actor, Source.MONITORING)
    check_name(name)
    if timeout_seconds is not None:
        check_timeout(timeout_seconds)

    async def work(tx: Transaction) -> HeartbeatView:
        now = runtime.clock.now()
        known = await stored.get_heartbeat(tx.connection, name)
        if timeout_seconds is not None:
            timeout = timeout_seconds
        else:
            timeout = default_timeout_seconds if known is None else known.timeout_seconds
        due_at = now + timedelta(seconds=timeout)
        write = stored.insert_heartbeat if known is None else stored.record_check_in
        heartbeat = await write(
            tx.connection, name=name, timeout_seconds=timeout, due_at=due_at, now=now
        )
        all_clear = Resolve(dedup_key_of(name), Source.MONITORING, actor, HEARTBEATS_ACTOR)
        await apply_in(tx, [all_clear], now=now)
        return HeartbeatView(heartbeat, heartbeat.state(now))

    return await in_transaction_with_retry(runtime, work)


async def list_heartbeats(runtime: Runtime, *, actor: Actor) -> list[HeartbeatView]:
    """Every heartbeat by name, with its state now and its silence's unresolved incident."""
    require(actor, Permission.READ)
    if visible_sources(actor, (Source.MONITORING,)) is None:
        return []  # heartbeats report as monitoring: a key bound elsewhere sees none
    async with runtime.database.reads() as conn:
        found = await stored.list_heartbeats(conn, key_prefix=HEARTBEAT_KEY_PREFIX)
    now = runtime.clock.now()
    return [HeartbeatView(heartbeat, heartbeat.state(now)) for heartbeat in found]


async def check_heartbeats(runtime: Runtime) -> list[Incident]:
    """Open (or reopen) an incident for every heartbeat that went silent; return them.

    Safe to run in several processes at once: each silence is claimed by one conditional
    update, and only the checker that claimed it reports it.
    """
    async with runtime.database.reads() as conn:
        names = await stored.overdue_names(conn, now=runtime.clock.now())
    reported = []
    for name in names:
        incident = await in_transaction_with_retry(runtime, partial(_report_silence, runtime, name))
        if incident is not None:
            reported.append(incident)
    return reported


async def _report_silence(runtime: Runtime, name: str, tx: Transaction) -> Incident | None:
    now = runtime.clock.now()
    heartbeat = await stored.claim_alert(tx.connection, name, now=now)
    if heartbeat is None:
        return None  # another checker claimed it, or the job checked in meanwhile
    trigger = Trigger(
        dedup_key=dedup_key_of(name),
        summary=silence_description(name, heartbeat.last_seen_at),
        source=Source.MONITORING,
        details={
            "heartbeat": name,
            "timeout_seconds": heartbeat.timeout_seconds,
            "last_seen_at": heartbeat.last_seen_at.isoformat(),
        },
        reporter=HEARTBEATS_ACTOR,
        mover=HEARTBEATS_ACTOR,
    )
    [handled] = await apply_in(tx, [trigger], now=now)
    return handled.incident
