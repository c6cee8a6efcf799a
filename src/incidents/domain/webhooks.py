"""Outgoing webhooks: who subscribes, what a delivery says, how it is signed (Standard
Webhooks), and how long it is retried."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from incidents.domain.audit import NewEvent
from incidents.domain.errors import InvalidInput
from incidents.domain.incident import Incident, Source

# What a subscription's URL may be: http or https, a host (no credentials, no IPv6 literal),
# an optional port, then anything but white space and control characters. The API's document
# gives the same pattern, so the schema and the server agree.
URL_PATTERN = (
    r"^[hH][tT][tT][pP][sS]?://[^\s/?#@:\[\]\\\u0000-\u001f\u007f]+"
    r"(:[0-9]{1,5})?([/?#][^\s\u0000-\u001f\u007f]*)?$"
)
# A description: any text without NUL (no database holds it).
DESCRIPTION_PATTERN = r"^[^\u0000]*$"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix Standard Webhooks gives secrets)
URL_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 500
# How long a receiver has to answer one delivery.
TIMEOUT_SECONDS = 10.0
# A sender holds a claimed delivery this long (well past the timeout) before another may.
LEASE = timedelta(seconds=60)
# Retries: the first after a couple of seconds, doubling up to a few minutes.
FIRST_RETRY = timedelta(seconds=2)
LONGEST_RETRY = timedelta(minutes=5)


class HookType(StrEnum):
    """What a delivery tells of."""

    CREATED = "incident.created"
    CHANGED = "incident.changed"


class Outcome(StrEnum):
    """How one attempt at a delivery ended (the metric's label)."""

    DELIVERED = "delivered"
    RETRIED = "retried"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Subscription:
    """A receiver of the registry's changes; `source` None: every source's."""

    id: int
    url: str
    source: Source | None
    description: str
    created_by: str
    created_at: datetime

    def wants(self, incident: Incident) -> bool:
        """Whether a change of `incident` goes to this receiver."""
        return self.source is None or self.source == incident.source


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery as a sender claimed it: where, what, and its tries so far."""

    id: int
    subscription_id: int
    incident_id: int
    url: str
    secret: str
    body: str
    created_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class Parked:
    """A delivery given up on, as `incidents outbox failed` lists it."""

    id: int
    subscription_id: int
    url: str
    incident_id: int
    type: str
    attempts: int
    created_at: datetime
    failed_at: datetime
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Written:
    """One incident's change as written: the incident after it and the events it wrote."""

    incident: Incident
    events: Sequence[tuple[int, NewEvent]]  # (event id, event)
    actor: str
    request_id: str | None
    client_request_id: str | None
    at: datetime
    created: bool = False


def check_url(url: str) -> str:
    """`url` if it is an absolute http or https URL with a host (URL_PATTERN); raises
    InvalidInput."""
    if len(url) > URL_MAX_LENGTH:
        raise InvalidInput("url", f"url must be at most {URL_MAX_LENGTH} characters.")
    if re.fullmatch(URL_PATTERN, url) is None or not _encodable(url):
        raise InvalidInput(
            "url", "url must be an http:// or https:// URL with a host, without spaces."
        )
    return url


def _encodable(text: str) -> bool:
    """Whether `text` is text (JSON's lone "\ud800" is not: no database holds it)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_description(description: str) -> str:
    """A subscription's description, trimmed; raises InvalidInput when too long."""
    if re.fullmatch(DESCRIPTION_PATTERN, description) is None or not _encodable(description):
        raise InvalidInput("description", "description must not contain NUL characters.")
    text = description.strip()
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise InvalidInput(
            "description", f"description must be at most {DESCRIPTION_MAX_LENGTH} characters."
        )
    return text


def new_secret(random_bytes: bytes) -> str:
    """A signing secret as Standard Webhooks writes it: `whsec_` and base64 of the bytes."""
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode()


def secret_key(secret: str) -> bytes:
    """The bytes a `whsec_` secret stands for (the HMAC key)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def message_id(delivery_id: int) -> str:
    """The `webhook-id` of a delivery: one per delivery, the same on every retry."""
    return f"msg_{delivery_id}"


def signature(secret: str, *, message: str, timestamp: int, body: str) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the secret's bytes."""
    signed = f"{message}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, *, delivery_id: int, timestamp: int, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt at a delivery."""
    message = message_id(delivery_id)
    return {
        "content-type": "application/json",
        "webhook-id": message,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message=message, timestamp=timestamp, body=body),
    }


def moment(when: datetime) -> str:
    """RFC 3339 in UTC with `Z`, as the API writes times."""
    return when.isoformat().replace("+00:00", "Z")


def incident_view(incident: Incident) -> dict[str, Any]:
    """An incident as `GET /api/v1/incidents/{id}` shows it."""
    return {
        "id": incident.id,
        "description": incident.description,
        "status": incident.status.value,
        "source": incident.source.value,
        "version": incident.version,
        "created_by": incident.created_by,
        "created_at": moment(incident.created_at),
        "updated_at": moment(incident.updated_at),
        "dedup_key": incident.dedup_key,
        "occurrences": incident.occurrences,
        "last_seen_at": moment(incident.last_seen_at),
        "details": incident.details,
        "details_truncated": incident.details_truncated,
        "assignee": incident.assignee,
        "resolution": None if incident.resolution is None else incident.resolution.value,
        "duplicate_of": incident.duplicate_of,
        "duplicates": list(incident.duplicates),
    }


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _rest(fields: dict[str, Any]) -> str:
    """An object's members after a leading one, from the comma on, with the closing brace."""
    return "," + _json(fields)[1:]


def body_pieces(written: Written) -> list[str]:
    """The body of a delivery of `written` around its ids: they go between the pieces, in the
    order `body_ids` gives (the incident's id, then each event's id and incident id).

    So a statement that makes the ids can finish the body (db/reports.py), and `body` gives
    the same bytes from the same pieces.
    """
    kind = HookType.CREATED if written.created else HookType.CHANGED
    incident = incident_view(written.incident)
    del incident["id"]
    pieces = [f'{{"type":{_json(kind.value)},"timestamp":{_json(moment(written.at))},'
              '"data":{"incident":{"id":']  # fmt: skip
    opening = _rest(incident) + ',"events":[{"id":'
    for _, event in written.events:
        pieces += [opening, ',"incident_id":']
        rest = {
            "kind": event.kind.value,
            "actor": written.actor,
            "request_id": written.request_id,
            "client_request_id": written.client_request_id,
            "created_at": moment(written.at),
            **event.data,
        }
        opening = _rest(rest) + ',{"id":'
    pieces.append(opening.removesuffix(',{"id":') + "]}}")
    return pieces


def body_ids(written: Written) -> list[int]:
    """The ids that go between `body_pieces`: the incident's, then each event's and the
    incident's again."""
    ids = [written.incident.id]
    for event_id, _ in written.events:
        ids += [event_id, written.incident.id]
    return ids


def event_pieces(written: Written) -> list[str]:
    """The body of a delivery of `written` around its events' ids alone, the incident's id
    put in (a change's statement makes only the events' ids: db/changes.py)."""
    pieces = body_pieces(written)
    incident_id = str(written.incident.id)
    return [pieces[k] + incident_id + pieces[k + 1] for k in range(0, len(pieces), 2)]


def body(written: Written) -> str:
    """The JSON a delivery of `written` posts: its type, when, the incident as GET shows it
    after the change, and the events the change wrote as the trail shows them."""
    pieces = body_pieces(written)
    ids = body_ids(written)
    return pieces[0] + "".join(str(i) + piece for i, piece in zip(ids, pieces[1:], strict=True))


def retry_delay(attempts: int, *, first: timedelta, longest: timedelta) -> timedelta:
    """Backoff after the `attempts`-th failure: `first`, doubling, capped at `longest`."""
    doubled: timedelta = first * 2 ** min(max(attempts - 1, 0), 30)
    return min(doubled, longest)
