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

# Data-modifying CTEs: one round trip and one implicit transaction. The event refers to the
# incident and the notice to the event through the CTEs' RETURNING; the counter trigger on
# incidents and the foreign keys run as for separate statements. When a webhook subscription
# wants the incident nothing is written: the report takes the transaction's path, which
# queues the deliveries (service/webhooks.py's `tell_hooks`).
_REPORT = f"""
WITH incident AS (
    INSERT INTO incidents (description, search_text, status, source, version, created_by,
        created_at, updated_at, occurrences, last_seen_at)
    SELECT $1::text, $2::text, '{Status.NEW.value}', $3::text, 1, $4::text, $5::timestamptz,
        $5::timestamptz, 1, $5::timestamptz
    WHERE NOT EXISTS (SELECT 1 FROM webhooks w
        WHERE w.ended_at IS NULL AND (w.source IS NULL OR w.source = $3::text))
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
    now: datetime,
) -> Incident | None:
    """A new incident in status `new`, its `created` event and the announcement of it; None
    (nothing written) when a webhook subscription wants it."""
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
    )
    return None if record is None else incident_of_record(record)
