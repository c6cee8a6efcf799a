"""Alert use cases: trigger and resolve incidents by dedup key, as monitoring does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from incidents.db import audit as trail
from incidents.db import monitoring
from incidents.db.engine import Transaction, UniqueViolation
from incidents.db.monitoring import NewAlertIncident, Occurrence
from incidents.domain import audit
from incidents.domain.access import Actor, Permission, require, require_source
from incidents.domain.alerts import (
    AlertOutcome,
    check_dedup_key,
    check_details,
    fit_details,
    fit_text,
    storable,
)
from incidents.domain.errors import InvalidInput
from incidents.domain.incident import (
    DESCRIPTION_MAX_LENGTH,
    Incident,
    Source,
    Status,
    resolves_automatically,
    status_when_it_fires_again,
)
from incidents.domain.webhooks import Written
from incidents.service.outbox import announce_created_many, announce_moves
from incidents.service.runtime import Runtime
from incidents.service.webhooks import tell_hooks

# Status moves that follow from an alert are the registry's, not the reporter's.
EVENTS_ACTOR = Actor.system("events")
# An insert that collides re-reads the winner's row; a third collision would need the
# winner's incident closed in between, and a fourth is a bug.
ATTEMPTS = 4

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Handled:
    """What an alert did, and the incident it did it to (None: no open incident had the key)."""

    outcome: AlertOutcome
    incident: Incident | None


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger as the use case applies it: cleaned and cut to fit, with who reports and who
    moves status."""

    dedup_key: str
    summary: str
    source: Source
    details: dict[str, Any] | None
    reporter: Actor
    mover: Actor
    truncated: bool = False  # the summary or the details were cut to fit


@dataclass(frozen=True, slots=True)
class Resolve:
    """An all-clear as the use case applies it; `sent`: what it brought besides its key."""

    dedup_key: str
    source: Source
    reporter: Actor
    mover: Actor
    sent: dict[str, Any] | None = None


Alert = Trigger | Resolve


async def in_transaction_with_retry(
    runtime: Runtime, work: Callable[[Transaction], Awaitable[T]]
) -> T:
    """Run `work` in a write transaction, again when an insert loses a unique-key race."""
    for _ in range(ATTEMPTS):
        try:
            async with runtime.database.transaction() as tx:
                result = await work(tx)
                await tx.commit()
                return result
        except UniqueViolation:
            continue
    raise RuntimeError(f"an insert collided {ATTEMPTS} times in a row")


def _source_for(actor: Actor, source: Source | None) -> Source:
    """The source an alert speaks for: as given, else the one `actor` is bound to, else
    monitoring; a key bound elsewhere may not speak for it."""
    require(actor, Permission.REPORT)
    chosen = source or actor.bound_source or Source.MONITORING
    require_source(actor, chosen)
    return chosen


def prepare_trigger(
    actor: Actor,
    *,
    dedup_key: str,
    summary: str,
    source: Source | None = None,
    details: dict[str, Any] | None = None,
) -> Trigger:
    """A trigger checked for `actor` and cut to fit; raises what refuses it."""
    chosen = _source_for(actor, source)
    text = storable(summary).strip()
    if not text:
        raise InvalidInput("summary", "summary must not be blank.")
    # What a machine sent is kept, cut to fit where it must be, never refused for its size.
    summary, summary_cut = fit_text(text, DESCRIPTION_MAX_LENGTH)
    details, details_cut = fit_details(check_details(details))
    return Trigger(
        dedup_key=check_dedup_key(dedup_key),
        summary=summary,
        source=chosen,
        details=details,
        reporter=actor,
        mover=EVENTS_ACTOR,
        truncated=summary_cut or details_cut,
    )


def prepare_resolve(
    actor: Actor,
    *,
    dedup_key: str,
    source: Source | None = None,
    summary: str | None = None,
    details: dict[str, Any] | None = None,
) -> Resolve:
    """An all-clear checked for `actor`; what it brought besides its key is kept, cut to fit."""
    chosen = _source_for(actor, source)
    sent: dict[str, Any] = {}
    if summary is not None and summary.strip():
        sent["summary"], _ = fit_text(storable(summary.strip()), DESCRIPTION_MAX_LENGTH)
    if details is not None:
        sent["details"], _ = fit_details(check_details(details))
    return Resolve(
        dedup_key=check_dedup_key(dedup_key),
        source=chosen,
        reporter=actor,
        mover=EVENTS_ACTOR,
        sent=sent or None,
    )


async def trigger_alert(
    runtime: Runtime,
    *,
    actor: Actor,
    dedup_key: str,
    summary: str,
    source: Source | None = None,
    details: dict[str, Any] | None = None,
) -> Handled:
    """Report that the problem `dedup_key` names is there.

    No open incident of the source with the key: a new one (`created`). An open one counts
    one more occurrence (`occurred_again`); a resolved one goes back to in_progress
    (`reopened`). Without `source`, the one `actor` is bound to, else monitoring.
    """
    trigger = prepare_trigger(
        actor, dedup_key=dedup_key, summary=summary, source=source, details=details
    )
    [handled] = await apply_alerts(runtime, [trigger])
    return handled


async def resolve_alert(
    runtime: Runtime,
    *,
    actor: Actor,
    dedup_key: str,
    source: Source | None = None,
    summary: str | None = None,
    details: dict[str, Any] | None = None,
) -> Handled:
    """Report that the problem `dedup_key` names is gone: the source's open incident with the
    key is resolved."""
    resolve = prepare_resolve(
        actor, dedup_key=dedup_key, source=source, summary=summary, details=details
    )
    [handled] = await apply_alerts(runtime, [resolve])
    return handled


async def apply_alerts(runtime: Runtime, alerts: Sequence[Alert]) -> list[Handled]:
    """Apply prepared alerts, in order, in one transaction; what each did."""
    return await in_transaction_with_retry(
        runtime, lambda tx: apply_in(tx, alerts, now=runtime.clock.now())
    )


async def apply_in(tx: Transaction, alerts: Sequence[Alert], *, now: datetime) -> list[Handled]:
    """Apply alerts inside `tx`, many in each statement; raises UniqueViolation when a
    concurrent trigger inserted one of the keys.

    An alert whose key (or incident) an earlier alert of the same call touches waits for the
    next round, so each sees what the earlier did.
    """
    done: dict[int, Handled] = {}
    waiting = list(enumerate(alerts))
    while waiting:
        waiting = await _apply_round(tx, waiting, done, now=now)
    return [done[index] for index in range(len(alerts))]


@dataclass
class _Round:
    """What one round of alerts does, by kind of write."""

    creates: list[tuple[int, Trigger]] = field(default_factory=list)
    # (index, trigger, incident, status it fires into)
    fires: list[tuple[int, Trigger, Incident, Status]] = field(default_factory=list)
    resolves: list[tuple[int, Resolve, Incident]] = field(default_factory=list)


async def _apply_round(
    tx: Transaction,
    waiting: list[tuple[int, Alert]],
    done: dict[int, Handled],
    *,
    now: datetime,
) -> list[tuple[int, Alert]]:
    """Apply the alerts of `waiting` that touch what no earlier one of them does; the rest."""
    later: list[tuple[int, Alert]] = []
    plan = _Round()
    for source in dict.fromkeys(alert.source for _, alert in waiting):
        mine = [(index, alert) for index, alert in waiting if alert.source == source]
        keys = [alert.dedup_key for _, alert in mine]
        found = await monitoring.open_by_key(tx.connection, source, keys)
        unknown = [k for k in keys if k not in found]
        roots = await monitoring.roots_by_key(tx.connection, source, unknown) if unknown else {}
        keys_taken: set[str] = set()
        incidents_taken: set[int] = set()
        for index, alert in mine:
            current = found.get(alert.dedup_key)
            if isinstance(alert, Trigger) and current is None:
                current = roots.get(alert.dedup_key)
            taken = current is not None and current.id in incidents_taken
            if alert.dedup_key in keys_taken or taken:
                later.append((index, alert))
                continue
            keys_taken.add(alert.dedup_key)
            if current is not None:
                incidents_taken.add(current.id)
            _plan(plan, done, index, alert, current)
    await _create(tx, plan.creates, done, now=now)
    await _fire(tx, plan.fires, done, now=now)
    await _resolve(tx, plan.resolves, done, now=now)
    return later


def _plan(
    plan: _Round, done: dict[int, Handled], index: int, alert: Alert, current: Incident | None
) -> None:
    """Put `alert` where its write belongs, or settle it when it changes nothing."""
    if isinstance(alert, Trigger):
        if current is None:
            plan.creates.append((index, alert))
        else:
            plan.fires.append((index, alert, current, status_when_it_fires_again(current.status)))
    elif current is None:
        done[index] = Handled(AlertOutcome.NOTHING_OPEN, None)
    elif not resolves_automatically(current.status):
        done[index] = Handled(AlertOutcome.ALREADY_RESOLVED, current)
    else:
        plan.resolves.append((index, alert, current))


async def _create(
    tx: Transaction, creates: list[tuple[int, Trigger]], done: dict[int, Handled], *, now: datetime
) -> None:
    if not creates:
        return
    new = [
        NewAlertIncident(
            description=trigger.summary,
            source=trigger.source,
            created_by=trigger.reporter.name,
            dedup_key=trigger.dedup_key,
            details=trigger.details,
            details_truncated=trigger.truncated,
        )
        for _, trigger in creates
    ]
    made = await monitoring.insert_alert_incidents(tx.connection, new, now=now)
    event_ids = await trail.insert_many(
        tx.connection,
        [
            (incident.id, audit.created(), t.reporter.name)
            for incident, (_, t) in zip(made, creates, strict=True)
        ],
        request=creates[0][1].reporter,
        now=now,
    )
    await announce_created_many(
        tx,
        [
            (incident, t.reporter, e)
            for incident, (_, t), e in zip(made, creates, event_ids, strict=True)
        ],
        now=now,
    )
    request = creates[0][1].reporter
    await tell_hooks(
        tx,
        [
            _written(incident, e, audit.created(), t.reporter.name, request, now, created=True)
            for incident, (_, t), e in zip(made, creates, event_ids, strict=True)
        ],
    )
    for (index, _), incident in zip(creates, made, strict=True):
        done[index] = Handled(AlertOutcome.CREATED, incident)


async def _fire(
    tx: Transaction,
    fires: list[tuple[int, Trigger, Incident, Status]],
    done: dict[int, Handled],
    *,
    now: datetime,
) -> None:
    if not fires:
        return
    after = await monitoring.record_occurrences(
        tx.connection,
        [
            Occurrence(
                incident=current,
                status=target,
                # Firing again in the same status keeps how it ended; reopening clears it.
                resolution=current.resolution if target == current.status else None,
                details=trigger.details,
                details_truncated=trigger.truncated,
            )
            for _, trigger, current, target in fires
        ],
        now=now,
    )
    events: list[tuple[int, audit.NewEvent, str]] = []
    for (_, trigger, current, target), incident in zip(fires, after, strict=True):
        if target == current.status:
            events.append(
                (incident.id, audit.occurred_again(incident.occurrences), trigger.reporter.name)
            )
        else:
            happened = audit.reopened(
                current.status, target, incident.occurrences, reported_by=trigger.reporter.name
            )
            events.append((incident.id, happened, trigger.mover.name))
    event_ids = await trail.insert_many(
        tx.connection, events, request=fires[0][1].reporter, now=now
    )
    request = fires[0][1].reporter
    await tell_hooks(
        tx,
        [
            _written(incident, event_id, event, actor, request, now)
            for (_, event, actor), incident, event_id in zip(events, after, event_ids, strict=True)
        ],
    )
    moves = []
    for (index, trigger, current, target), incident, event_id in zip(
        fires, after, event_ids, strict=True
    ):
        if target == current.status:
            done[index] = Handled(AlertOutcome.OCCURRED_AGAIN, incident)
        else:
            moves.append((incident, trigger.mover, current.status, event_id))
            done[index] = Handled(AlertOutcome.REOPENED, incident)
    await announce_moves(tx, moves, now=now)


async def _resolve(
    tx: Transaction,
    resolves: list[tuple[int, Resolve, Incident]],
    done: dict[int, Handled],
    *,
    now: datetime,
) -> None:
    if not resolves:
        return
    after = await monitoring.resolve_all(
        tx.connection, [current for _, _, current in resolves], now=now
    )
    events = [
        (
            current.id,
            audit.resolved(current.status, reported_by=resolve.reporter.name, sent=resolve.sent),
            resolve.mover.name,
        )
        for _, resolve, current in resolves
    ]
    event_ids = await trail.insert_many(
        tx.connection, events, request=resolves[0][1].reporter, now=now
    )
    request = resolves[0][1].reporter
    await tell_hooks(
        tx,
        [
            _written(incident, event_id, event, actor, request, now)
            for (_, event, actor), incident, event_id in zip(events, after, event_ids, strict=True)
        ],
    )
    moves = []
    for (index, resolve, current), incident, event_id in zip(
        resolves, after, event_ids, strict=True
    ):
        moves.append((incident, resolve.mover, current.status, event_id))
        done[index] = Handled(AlertOutcome.RESOLVED, incident)
    await announce_moves(tx, moves, now=now)


def _written(
    incident: Incident,
    event_id: int,
    event: audit.NewEvent,
    actor: str,
    request: Actor,
    now: datetime,
    *,
    created: bool = False,
) -> Written:
    """One alert's write as the webhooks tell of it (the trail's request ids are the
    batch's, as `trail.insert_many` records them)."""
    return Written(
        incident=incident,
        events=[(event_id, event)],
        actor=actor,
        request_id=request.request_id,
        client_request_id=request.client_request_id,
        at=now,
        created=created,
    )
