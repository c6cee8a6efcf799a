"""The Prometheus Alertmanager receiver: webhook payload version 4, one alert at a time."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from incidents.api.deps import ActorDep, RuntimeDep
from incidents.api.errors import problem_responses
from incidents.api.fields import JsonInteger
from incidents.domain.access import Actor
from incidents.domain.alerts import DEDUP_KEY_MAX_LENGTH, AlertAction
from incidents.domain.errors import InvalidInput
from incidents.domain.incident import DESCRIPTION_MAX_LENGTH, Source
from incidents.service import alerts
from incidents.service.alerts import Handled
from incidents.service.runtime import Runtime

router = APIRouter(prefix="/api/v1/integrations", tags=["monitoring"])
ALERTMANAGER_PATH = "/api/v1/integrations/alertmanager"
# Alertmanager sends a whole group of alerts at once: it may send more than other clients.
ALERTMANAGER_MAX_BODY_BYTES = 4 * 1024 * 1024

MAX_ALERTS = 1000
# Labels that say most about an alert come first in its description.
LEADING_LABELS = ("alertname", "severity", "instance", "job")
Labels = dict[str, str]
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


class AlertmanagerNotification(BaseModel):
    """Alertmanager's webhook payload, version 4, as it sends it."""

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
    alerts: list[AlertmanagerAlert] = Field(max_length=MAX_ALERTS)


class AlertHandled(BaseModel):
    """What one alert of the notification did."""

    fingerprint: str
    action: AlertAction
    outcome: str = Field(
        description="created, occurred_again, reopened, resolved, already_resolved, "
        "nothing_open, or invalid (see `detail`; nothing changed)",
        examples=["created"],
    )
    incident_id: int | None
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
    text = "\n".join(line.strip() for line in lines if line.strip())
    return text[:DESCRIPTION_MAX_LENGTH]


def _details(alert: AlertmanagerAlert, notification: AlertmanagerNotification) -> dict[str, Any]:
    return {
        "labels": alert.labels,
        "annotations": alert.annotations,
        "startsAt": alert.starts_at.isoformat(),
        "generatorURL": alert.generator_url,
        "externalURL": notification.external_url,
        "receiver": notification.receiver,
    }


async def _apply(
    runtime: Runtime,
    actor: Actor,
    alert: AlertmanagerAlert,
    notification: AlertmanagerNotification,
) -> Handled:
    if alert.status == "resolved":
        return await alerts.resolve_alert(runtime, actor=actor, dedup_key=alert.fingerprint)
    return await alerts.trigger_alert(
        runtime,
        actor=actor,
        dedup_key=alert.fingerprint,
        summary=describe(alert),
        source=Source.MONITORING,
        details=_details(alert, notification),
    )


async def _handle(
    runtime: Runtime,
    actor: Actor,
    alert: AlertmanagerAlert,
    notification: AlertmanagerNotification,
) -> AlertHandled:
    action = AlertAction.RESOLVE if alert.status == "resolved" else AlertAction.TRIGGER
    try:
        result = await _apply(runtime, actor, alert, notification)
    except InvalidInput as error:
        # One bad alert must not hold back the others of its group.
        return AlertHandled(
            fingerprint=alert.fingerprint,
            action=action,
            outcome="invalid",
            incident_id=None,
            detail=error.detail,
        )
    return AlertHandled(
        fingerprint=alert.fingerprint,
        action=action,
        outcome=result.outcome.value,
        incident_id=None if result.incident is None else result.incident.id,
    )


@router.post(
    "/alertmanager",
    response_model=NotificationHandled,
    responses=problem_responses(401, 403, 413, 422, 503),
    summary="Receive an Alertmanager notification",
)
async def receive_notification(
    notification: AlertmanagerNotification, runtime: RuntimeDep, actor: ActorDep
) -> NotificationHandled:
    """Each alert triggers (`firing`) or resolves (`resolved`) the incident keyed by its
    fingerprint, as `POST /api/v1/events` would; the answer says what each one did."""
    return NotificationHandled(
        alerts=[await _handle(runtime, actor, alert, notification) for alert in notification.alerts]
    )
