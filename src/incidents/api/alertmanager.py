"""The Prometheus Alertmanager receiver: webhook payload version 4.

Alertmanager never resends what it was answered (a 2xx is delivered, a 4xx is dropped), so
every alert of a notification is recorded whatever the group's size, cut to fit where it must
be; an alert that cannot be recorded is refused alone, and said so; and a copy sent again
after a timeout is answered as the first was and counts nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema

from incidents.api.deps import ActorDep, RuntimeDep, SettingsDep
from incidents.api.errors import problem_responses
from incidents.api.fields import JsonInteger
from incidents.api.metrics import Metrics
from incidents.domain.access import Actor
from incidents.domain.alerts import DEDUP_KEY_MAX_LENGTH, AlertAction, storable
from incidents.domain.errors import DomainError, InvalidInput
from incidents.service.alert_groups import apply_notification
from incidents.service.alerts import Alert, Handled, Trigger, prepare_resolve, prepare_trigger

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/integrations", tags=["monitoring"])
ALERTMANAGER_PATH = "/api/v1/integrations/alertmanager"
# Labels that say most about an alert come first in its description.
LEADING_LABELS = ("alertname", "severity", "instance", "job")
Labels = dict[str, str]
CUT_DETAIL = "recorded cut to fit: its description or details were too long"
_RFC3339_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}")


def _date_time_text(value: object) -> object:
    """Only what the document promises, an RFC 3339 date-time string: no `0`, no `"1700000000"`
    (which lax parsing would take as seconds since 1970)."""
    if not isinstance(value, str) or not _RFC3339_START.match(value):
        raise ValueError("must be an RFC 3339 date-time string, e.g. 2026-11-23T10:15:00Z")
    return value


DateTime = Annotated[datetime, BeforeValidator(_date_time_text)]


class AlertmanagerAlert(BaseModel):
    """One alert of a notification; fields Alertmanager may add later are ignored."""

    model_config = ConfigDict(extra="allow")

    status: Literal["firing", "resolved"]
    labels: Labels
    annotations: Labels = Field(default_factory=dict)
    starts_at: DateTime = Field(alias="startsAt")
    ends_at: DateTime | None = Field(default=None, alias="endsAt")
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: Annotated[str, Field(min_length=1, max_length=DEDUP_KEY_MAX_LENGTH)]


# Each alert is checked on its own: one that breaks the format is answered `invalid` alone and
# the others go ahead, so the document promises the format while accepting any item.
RawAlert = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [AlertmanagerAlert.model_json_schema(by_alias=True, mode="validation"), {}],
            "description": "An Alertmanager alert. An item that does not match this format is "
            "answered with outcome `invalid` (and `detail`) while the other alerts go ahead.",
        }
    ),
]


class AlertmanagerNotification(BaseModel):
    """Alertmanager's webhook payload, version 4, as it sends it; any number of alerts."""

    model_config = ConfigDict(extra="allow")

    version: Literal["4"]
    group_key: str = Field(alias="groupKey")
    truncated_alerts: Annotated[int, JsonInteger] = Field(default=0, alias="truncatedAlerts")
    status: Literal["firing", "resolved"]
    receiver: str
    group_labels: Labels = Field(alias="groupLabels")
    common_labels: Labels = Field(alias="commonLabels")
    common_annotations: Labels = Field(alias="commonAnnotations")
    external_url: str = Field(alias="externalURL")
    alerts: list[RawAlert]


class AlertHandled(BaseModel):
    """What one alert of the notification did."""

    fingerprint: str
    action: AlertAction | None = Field(description="null when the alert could not be read.")
    outcome: str = Field(
        description="created, occurred_again, reopened, resolved, already_resolved, "
        "nothing_open, or invalid (see `detail`; nothing changed)",
        examples=["created"],
    )
    incident_id: int | None
    truncated: bool = Field(
        default=False,
        description="Recorded cut to fit: its description or details were too long (`detail`).",
    )
    detail: str | None = None


class NotificationHandled(BaseModel):
    """What each alert of a notification did, in the order they came."""

    alerts: list[AlertHandled]


def describe(alert: AlertmanagerAlert) -> str:
    """An incident description: the summary, the description, then the labels."""
    labels = alert.labels
    title = alert.annotations.get("summary") or labels.get("alertname") or "Alertmanager alert"
    ordered = [name for name in LEADING_LABELS if name in labels]
    ordered += sorted(name for name in labels if name not in LEADING_LABELS)
    lines = [
        title,
        alert.annotations.get("description", ""),
        ", ".join(f"{name}={labels[name]}" for name in ordered),
    ]
    return "\n".join(line.strip() for line in lines if line.strip())


def _details(alert: AlertmanagerAlert, notification: AlertmanagerNotification) -> dict[str, Any]:
    details = {
        "labels": alert.labels,
        "annotations": alert.annotations,
        "startsAt": alert.starts_at.isoformat(),
        "generatorURL": alert.generator_url,
        "externalURL": notification.external_url,
        "receiver": notification.receiver,
    }
    stored: dict[str, Any] = _storable(details)
    return stored


def _storable(value: Any) -> Any:
    """`value` with every text made storable (no NUL, no lone surrogate), keys included."""
    if isinstance(value, dict):
        return {storable(str(key)): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return storable(value) if isinstance(value, str) else value


def _prepare(
    actor: Actor, alert: AlertmanagerAlert, notification: AlertmanagerNotification
) -> Alert:
    if alert.status == "resolved":
        return prepare_resolve(actor, dedup_key=alert.fingerprint)
    return prepare_trigger(
        actor,
        dedup_key=alert.fingerprint,
        summary=describe(alert) or "Alertmanager alert",
        details=_details(alert, notification),
    )


def _fingerprint_of(raw: Any) -> str:
    value = raw.get("fingerprint") if isinstance(raw, dict) else None
    return storable(value)[:DEDUP_KEY_MAX_LENGTH] if isinstance(value, str) else ""


def _unreadable(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "alert"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _said(handled: Handled, prepared: Alert) -> AlertHandled:
    trigger = isinstance(prepared, Trigger)
    truncated = prepared.truncated if isinstance(prepared, Trigger) else False
    return AlertHandled(
        fingerprint=prepared.dedup_key,
        action=AlertAction.TRIGGER if trigger else AlertAction.RESOLVE,
        outcome=handled.outcome.value,
        incident_id=None if handled.incident is None else handled.incident.id,
        truncated=truncated,
        detail=CUT_DETAIL if truncated else None,
    )


@router.post(
    "/alertmanager",
    response_model=NotificationHandled,
    responses=problem_responses(401, 403, 413, 422, 503),
    summary="Receive an Alertmanager notification",
)
async def receive_notification(
    notification: AlertmanagerNotification,
    request: Request,
    runtime: RuntimeDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Each alert triggers (`firing`) or resolves (`resolved`) the incident keyed by its
    fingerprint, as `POST /api/v1/events` would; the answer says what each one did. Every
    alert is recorded, cut to fit when too long; one that cannot be read is `invalid` alone.
    The same notification sent again within `INCIDENTS_ALERTMANAGER_RETRY_WINDOW` is answered
    as the first was and counts nothing."""
    said: list[AlertHandled | None] = []  # None: applied, said after
    prepared: list[Alert] = []
    refused: list[tuple[AlertHandled, str]] = []  # with the reason
    for raw in notification.alerts:
        try:
            alert = AlertmanagerAlert.model_validate(raw)
        except ValidationError as error:
            refused.append((_refusal(_fingerprint_of(raw), None, _unreadable(error)), "invalid"))
            said.append(refused[-1][0])
            continue
        action = AlertAction.RESOLVE if alert.status == "resolved" else AlertAction.TRIGGER
        try:
            prepared.append(_prepare(actor, alert, notification))
        except DomainError as error:
            reason = "invalid" if isinstance(error, InvalidInput) else "forbidden"
            refused.append((_refusal(alert.fingerprint, action, error.detail), reason))
            said.append(refused[-1][0])
            continue
        said.append(None)

    def answer(handled: list[Handled]) -> dict[str, Any]:
        done = iter(_said(one, alert) for one, alert in zip(handled, prepared, strict=True))
        alerts = [next(done) if item is None else item for item in said]
        return NotificationHandled(alerts=alerts).model_dump(mode="json")

    body = await request.body()
    digest = hashlib.sha256(actor.name.encode() + b"\n" + body).hexdigest()
    given, again = await apply_notification(
        runtime,
        digest=digest,
        window=settings.alertmanager_retry_window,
        alerts=prepared,
        answer=answer,
    )
    if again:
        log.info("notification %s sent again: answered as before, nothing counted", digest[:12])
    else:
        _tell_refusals(request.app.state.metrics, refused, notification)
    return JSONResponse(given)


def _refusal(fingerprint: str, action: AlertAction | None, detail: str) -> AlertHandled:
    return AlertHandled(
        fingerprint=fingerprint, action=action, outcome="invalid", incident_id=None, detail=detail
    )


def _tell_refusals(
    metrics: Metrics,
    refused: list[tuple[AlertHandled, str]],
    notification: AlertmanagerNotification,
) -> None:
    """Log and count every alert refused, and the alerts Alertmanager itself left out."""
    for alert, reason in refused:
        metrics.refused("alertmanager", reason)
        log.warning(
            "Alertmanager alert %r of group %s refused: %s",
            alert.fingerprint,
            notification.group_key,
            alert.detail,
        )
    if notification.truncated_alerts:
        log.warning(
            "Alertmanager left %d alert(s) of group %s out of its notification (max_alerts)",
            notification.truncated_alerts,
            notification.group_key,
        )
