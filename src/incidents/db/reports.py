"""A report written whole in one statement (PostgreSQL, on the driver): the incident, its
`created` event and its announcement in the outbox, together or not at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidents.db.incidents import incident_of_record
from incidents.db.tables import INCIDENT_COLUMNS_SQL
from incidents.domain.audit import EventKind
from incidents.domain.incident import Incident, Source, Status, searchable_text
from incidents.domain.notifications import NoticeKind
from incidents.domain.webhooks import HookType

# Data-modifying CTEs: one round trip and one implicit transaction. The event refers to the
# incident and the notice to the event through the CTEs' RETURNING; the counter trigger on
# incidents and the foreign keys run as for separate statements. Each webhook subscription
# that wants the incident gets a delivery: its body's pieces come from Python ($10, see
# domain/webhooks.py's `body_pieces`), joined here with the ids the statement makes.
_REPORT = f"""
WITH incident AS (
    INSERT INTO incidents (description, search_text, status, source, version, created_by,
        created_at, updated_at, occurrences, last_seen_at)
    VALUES ($1, $2, '{Status.NEW.value}', $3, 1, $4, $5, $5, 1, $5)
    RETURNING {INCIDENT_COLUMNS_SQL}
), event AS (
    INSERT INTO incident_events (incident_id, kind, actor, request_id, client_request_id,
        created_at, data)
    SELECT id, '{EventKind.CREATED.value}', $6, $7, $8, $5, $9::jsonb FROM incident
    RETURNING id, incident_id
), notice AS (
    INSERT INTO outbox (kind, incident_id, chat_id, actor, to_status, note, event_id,
        created_at, attempts, next_attempt_at)
    SELECT '{NoticeKind.CREATED.value}', incident_id, NULL, $6, '{Status.NEW.value}', $1, id,
        $5, 0, $5
    FROM event
), delivery AS (
    INSERT INTO webhook_deliveries (webhook_id, incident_id, type, body, created_at, attempts,
        next_attempt_at)
    SELECT w.id, event.incident_id, '{HookType.CREATED.value}',
        ($10::text[])[1] || event.incident_id || ($10::text[])[2] || event.id
            || ($10::text[])[3] || event.incident_id || ($10::text[])[4],
        $5, 0, $5
    FROM event, webhooks w
    WHERE w.ended_at IS NULL AND (w.source IS NULL OR w.source = $3)
)
SELECT * FROM incident
"""  # noqa: S608 (the interpolated values are our own enum constants)


async def insert_report(
    driver: Any,
    *,
    description: str,
    source: Source,
    reporter: str,
    actor: str,
    request_id: str | None,
    client_request_id: str | None,
    event_data: dict[str, Any],
    body_pieces: list[str],
    now: datetime,
) -> Incident:
    """A new incident in status `new`, its `created` event, the announcement of it and a
    webhook delivery to each subscription that wants it (`body_pieces` around the ids)."""
    record = await driver.fetchrow(
        _REPORT,
        description,
        searchable_text(description),
        source.value,
        reporter,
        now,
        actor,
        request_id,
        client_request_id,
        event_data,
        body_pieces,
    )
    return incident_of_record(record)
