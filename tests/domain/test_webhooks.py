"""What a webhook delivery says and how it is signed, without a database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from incidents.domain import audit
from incidents.domain.errors import InvalidInput
from incidents.domain.incident import Incident, Source, Status
from incidents.domain.webhooks import (
    Written,
    body,
    body_ids,
    body_pieces,
    check_url,
    event_pieces,
    headers,
    incident_view,
    moment,
    new_secret,
    retry_delay,
)

NOW = datetime(2026, 12, 7, 12, 0, 0, 123456, tzinfo=UTC)
SECRET = new_secret(bytes(range(32)))


def _written() -> Written:
    incident = Incident(
        17, 'Kiosk "B" — offline', Status.IN_PROGRESS, Source.PARTNER, 3, "key:a", NOW, NOW,
        "kiosk-b", 2, NOW, {"zone": ["north", 1]}, assignee="key:a", duplicates=(4, 9),
    )  # fmt: skip
    events = [(51, audit.changes(Status.NEW, Status.IN_PROGRESS, "on it")[0]),
              (52, audit.assigned(None, "key:a"))]  # fmt: skip
    return Written(incident, events, "key:a", "req-1", None, NOW)


def test_the_body_is_the_document_as_compact_json() -> None:
    written = _written()
    events = [
        {
            "id": event_id,
            "incident_id": 17,
            "kind": event.kind.value,
            "actor": "key:a",
            "request_id": "req-1",
            "client_request_id": None,
            "created_at": "2026-12-07T12:00:00.123456Z",
            **event.data,
        }
        for event_id, event in written.events
    ]
    document = {
        "type": "incident.changed",
        "timestamp": moment(NOW),
        "data": {"incident": incident_view(written.incident), "events": events},
    }
    assert body(written) == json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(body(written))["data"]["incident"]["duplicates"] == [4, 9]


def test_the_signature_is_what_standard_webhooks_makes() -> None:
    sent = body(_written())
    signed = headers(SECRET, delivery_id=7, timestamp=1_765_108_800, body=sent)
    expected = Webhook(SECRET).sign("msg_7", datetime.fromtimestamp(1_765_108_800, UTC), sent)
    assert signed["webhook-signature"] == expected
    assert signed["webhook-id"] == "msg_7"
    assert SECRET.startswith("whsec_")


@pytest.mark.parametrize(
    "url", ["https://a.example/x?y=1#z", "HTTP://host:8080/p", "http://127.0.0.1:9/h"]
)
def test_http_urls_are_taken(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(
    "url", ["ftp://a", "http://", "http://a b", "http://u@h/", "mailto:x@y", "http://h/\ud800"]
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_url(url)


def test_retries_double_from_the_first_up_to_the_longest() -> None:
    waits = [
        retry_delay(n, first=timedelta(seconds=2), longest=timedelta(minutes=5))
        for n in range(1, 11)
    ]
    assert [w.total_seconds() for w in waits] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_the_pieces_around_the_ids_make_the_same_body() -> None:
    written = _written()
    pieces = event_pieces(written)
    event_ids = [str(event_id) for event_id, _ in written.events]
    joined = pieces[0] + "".join(i + p for i, p in zip(event_ids, pieces[1:], strict=True))
    assert joined == body(written)
    all_pieces = body_pieces(written)
    ids = [str(i) for i in body_ids(written)]
    assert all_pieces[0] + "".join(i + p for i, p in zip(ids, all_pieces[1:], strict=True)) == (
        body(written)
    )
