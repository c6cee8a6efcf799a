"""API key routes, for admins: issue, list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from incidents.api.deps import ActorDep, RuntimeDep
from incidents.api.errors import problem_responses
from incidents.api.schemas import KeyCreate, KeyIssued, KeyOut
from incidents.domain.access import NAME_PATTERN
from incidents.service import access

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=KeyIssued,
    responses=problem_responses(401, 403, 409, 422, 503),
    summary="Issue an API key",
)
async def issue_key(body: KeyCreate, runtime: RuntimeDep, actor: ActorDep) -> KeyIssued:
    """Create a key; its secret is in this answer only.

    A bound caller that leaves `source` out makes a key bound to its own source; an explicit
    `null` asks for an unbound key, which only an unbound caller may make.
    """
    source = body.source if "source" in body.model_fields_set else actor.bound_source
    issued = await access.issue_key(
        runtime, actor=actor, name=body.name, role=body.role, source=source
    )
    return KeyIssued(**KeyOut.model_validate(issued.key).model_dump(), secret=issued.secret)


@router.get(
    "",
    response_model=list[KeyOut],
    responses=problem_responses(401, 403, 503),
    summary="List API keys",
)
async def list_keys(runtime: RuntimeDep, actor: ActorDep) -> list[KeyOut]:
    """Every key, revoked ones included; never their secrets."""
    return [KeyOut.model_validate(key) for key in await access.list_keys(runtime, actor=actor)]


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 503),
    summary="Revoke an API key",
)
async def revoke_key(
    name: Annotated[str, Path(pattern=NAME_PATTERN.pattern)],
    runtime: RuntimeDep,
    actor: ActorDep,
) -> Response:
    """Revoke a key; it stops working at once, in every server process."""
    await access.revoke_key(runtime, actor=actor, name=name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
