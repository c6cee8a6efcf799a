"""Rate limiting use case: spend one request from a bucket every server process shares."""

from __future__ import annotations

from incidents.db import ratelimits
from incidents.domain.errors import RateLimited
from incidents.domain.ratelimit import Rate, retry_after
from incidents.service.runtime import Runtime


async def spend(runtime: Runtime, *, bucket: str, rate: Rate, who: str) -> None:
    """Count one request against `bucket`; raises RateLimited when `rate` admits no more.

    `who` names the bucket's owner in the refusal ("this key", "this address").
    """
    if rate.unlimited:
        return
    now = runtime.clock.now().timestamp()
    # One statement decides, atomically: no transaction around it (a bucket may be lost).
    async with runtime.database.atomic() as connection:
        admitted = await ratelimits.take(
            connection, bucket, now=now, interval=rate.interval, period=rate.period_seconds
        )
        tat = now if admitted is not None else await ratelimits.tat_of(connection, bucket)
    if admitted is None:
        raise RateLimited(who, str(rate), retry_after(tat or now, now, rate))
