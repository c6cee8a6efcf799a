"""Webhook subscription routes, for admins: subscribe, list, unsubscribe."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from incidents.api.deps import ActorDep, RuntimeDep
from incidents.api.errors import problem_responses
from incidents.domain.incident import MAX_ID, Source
from incidents.domain.webhooks import (
    DESCRIPTION_MAX_LENGTH,
    DESCRIPTION_PATTERN,
    URL_MAX_LENGTH,
    URL_PATTERN,
    Subscription,
)
from incidents.service import webhooks

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


class WebhookCreate(BaseModel):
    """A new subscription: where to post, whose incidents (null: every source's), why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://tickets.example/hooks/incidents",
                    "source": "monitoring",
                    "description": "Open a ticket for each monitoring incident",
                }
            ]
        },
    )

    url: Annotated[
        str,
        WithJsonSchema(
            {"type": "string", "maxLength": URL_MAX_LENGTH, "pattern": URL_PATTERN},
            mode="validation",
        ),
    ] = Field(max_length=URL_MAX_LENGTH, description="An http:// or https:// URL with a host.")
    source: Source | None = Field(
        default=None,
        description="Only changes of this source's incidents; null: every source's. Left out "
        "by an admin bound to a source, that source.",
    )
    description: Annotated[
        str,
        WithJsonSchema(
            {
                "type": "string",
                "maxLength": DESCRIPTION_MAX_LENGTH,
                "pattern": DESCRIPTION_PATTERN,
            },
            mode="validation",
        ),
    ] = Field(default="", max_length=DESCRIPTION_MAX_LENGTH, description="What it is for.")


class WebhookOut(BaseModel):
    """A subscription as listed; its secret is never shown again."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    source: Source | None
    description: str
    created_by: str
    created_at: datetime


class WebhookCreated(WebhookOut):
    """A subscription just made, with its signing secret: shown this once."""

    secret: str = Field(
        description="`whsec_` and base64 of 32 random bytes: the key of the "
        "`webhook-signature` HMAC (Standard Webhooks); not shown again."
    )


def _out(subscription: Subscription) -> WebhookOut:
    return WebhookOut.model_validate(subscription)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses=problem_responses(401, 403, 422, 503),
    summary="Subscribe a receiver to incident changes",
)
async def subscribe(body: WebhookCreate, runtime: RuntimeDep, actor: ActorDep) -> WebhookCreated:
    """Every change of a matching incident is posted to `url`, signed; the secret to verify
    the signatures is in this answer only."""
    source = body.source if "source" in body.model_fields_set else actor.bound_source
    made = await webhooks.subscribe(
        runtime, actor=actor, url=body.url, source=source, description=body.description
    )
    return WebhookCreated(**_out(made.subscription).model_dump(), secret=made.secret)


@router.get(
    "",
    response_model=list[WebhookOut],
    responses=problem_responses(401, 403, 503),
    summary="List webhook subscriptions",
)
async def list_webhooks(runtime: RuntimeDep, actor: ActorDep) -> list[WebhookOut]:
    """Every active subscription the caller may see; never their secrets."""
    return [_out(found) for found in await webhooks.list_subscriptions(runtime, actor=actor)]


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="End a webhook subscription",
)
async def unsubscribe(
    webhook_id: Annotated[int, Path(ge=1, le=MAX_ID)], runtime: RuntimeDep, actor: ActorDep
) -> Response:
    """Nothing more is posted to it, not even what it had yet to receive."""
    await webhooks.unsubscribe(runtime, actor=actor, webhook_id=webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
