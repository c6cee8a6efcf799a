"""A change written whole in one statement (PostgreSQL, on the driver): the incident's new
state, its events and the notices to the chats that follow it, together or not at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidents.db.incidents import incident_of_record
from incidents.db.tables import INCIDENT_COLUMNS_SQL
from incidents.domain.incident import Incident, Resolution, Status
from incidents.domain.notifications import THREAD_STARTERS, NoticeKind
from incidents.domain.webhooks import HookType

# Optimistic: the write applies only to the version the change was decided on ($8); when
# another change came first, nothing is written and no row comes back. Each webhook
# subscription that wants the incident gets a delivery: its body's pieces come from Python
# ($18, see domain/webhooks.py's `event_pieces`), joined here with the events' ids.
# The followers are those of `chats.threads_of` (chats with a thread of the incident or of
# one folded into it), or, with none and `$14`, the announcement chat (NULL), as
# `service.outbox` queues them.
_CHANGE = f"""
WITH changed AS (
    UPDATE incidents SET description = $2, search_text = $3, status = $4, assignee = $5,
        resolution = $6, version = version + 1, updated_at = $7,
        -- The first take and first resolve, once each (twin: incidents.first_moves).
        first_taken_at = CASE WHEN status = 'new' AND $4::varchar = 'in_progress'
            THEN COALESCE(first_taken_at, $7) ELSE first_taken_at END,
        first_resolved_at = CASE WHEN status <> 'resolved' AND $4::varchar = 'resolved'
            THEN COALESCE(first_resolved_at, $7) ELSE first_resolved_at END
    WHERE id = $1 AND version = $8
    RETURNING {INCIDENT_COLUMNS_SQL}
), event AS (
    INSERT INTO incident_events (incident_id, kind, actor, request_id, client_request_id,
        created_at, data)
    SELECT changed.id, e.item ->> 'kind', $9, $10, $11, $7, e.item -> 'data'
    FROM changed, jsonb_array_elements($12::jsonb) WITH ORDINALITY AS e(item, n)
    ORDER BY e.n
    RETURNING id
), followers AS (
    SELECT DISTINCT m.chat_id FROM chat_messages m
    WHERE m.role = ANY($13::text[]) AND m.incident_id IN (
        SELECT $1::bigint UNION ALL SELECT d.id FROM incidents d WHERE d.duplicate_of = $1)
), told AS (
    SELECT chat_id FROM followers
    UNION ALL
    SELECT NULL::bigint WHERE $14::boolean AND NOT EXISTS (SELECT 1 FROM followers)
), notice AS (
    INSERT INTO outbox (kind, incident_id, chat_id, actor, to_status, from_status, note,
        event_id, created_at, attempts, next_attempt_at)
    SELECT '{NoticeKind.CHANGED.value}', changed.id, told.chat_id, $9, changed.status, $15,
        $16, (SELECT max(id) FROM event), $7, 0, $7
    FROM changed, told WHERE $17::boolean
), delivery AS (
    INSERT INTO webhook_deliveries (webhook_id, incident_id, type, body, created_at, attempts,
        next_attempt_at)
    SELECT w.id, changed.id, '{HookType.CHANGED.value}', told_body.body, $7, 0, $7
    FROM changed, webhooks w, (
        SELECT ($18::text[])[1]
            || string_agg(ev.id::text || ($18::text[])[ev.n + 1], '' ORDER BY ev.n) AS body
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM event) AS ev
    ) AS told_body
    WHERE w.ended_at IS NULL AND (w.source IS NULL OR w.source = changed.source)
)
SELECT changed.*, ARRAY(SELECT d.id FROM incidents d WHERE d.duplicate_of = changed.id
    ORDER BY d.id) AS duplicates
FROM changed
"""  # noqa: S608 (the interpolated value is our own enum constant)

_THREAD_STARTERS = sorted(role.value for role in THREAD_STARTERS)


async def write_change(
    driver: Any,
    current: Incident,
    *,
    description: str,
    search_text: str,
    status: Status,
    assignee: str | None,
    resolution: Resolution | None,
    events: list[tuple[str, dict[str, Any]]],
    actor: str,
    request_id: str | None,
    client_request_id: str | None,
    notify: bool,
    moved_from: Status | None,
    note: str | None,
    announce_if_unfollowed: bool,
    body_pieces: list[str],
    now: datetime,
) -> Incident | None:
    """Write `current`'s new state with `events` and, with `notify`, a notice to each chat
    following it and a webhook delivery to each subscription that wants it (`body_pieces`
    around the events' ids); None (nothing written) when `current` is not the stored
    version."""
    record = await driver.fetchrow(
        _CHANGE,
        current.id,
        description,
        search_text,
        status.value,
        assignee,
        None if resolution is None else resolution.value,
        now,
        current.version,
        actor,
        request_id,
        client_request_id,
        [{"kind": kind, "data": data} for kind, data in events],
        _THREAD_STARTERS,
        announce_if_unfollowed,
        None if moved_from is None else moved_from.value,
        note,
        notify,
        body_pieces,
    )
    return None if record is None else incident_of_record(record)
