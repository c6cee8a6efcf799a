"""Posts queued webhook deliveries, signed, each queue in order, with backoff; a delivery
that can not get through within the horizon is parked, never left at a queue's head."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import aiohttp

from incidents.domain.errors import StorageUnavailable
from incidents.domain.webhooks import (
    FIRST_RETRY,
    LONGEST_RETRY,
    TIMEOUT_SECONDS,
    Delivery,
    Outcome,
    headers,
    retry_delay,
)
from incidents.service import webhooks
from incidents.service.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pacing:
    """How a sender retries: the first delay, the cap, and when it gives up."""

    give_up_after: timedelta = timedelta(hours=24)
    first_retry: timedelta = FIRST_RETRY
    longest_retry: timedelta = LONGEST_RETRY
    timeout_seconds: float = TIMEOUT_SECONDS


class WebhookSender:
    """Drains the webhook deliveries: every server process runs one; claims keep them from
    sending one delivery twice, and a queue's next delivery waits for the one before."""

    def __init__(
        self,
        runtime: Runtime,
        pacing: Pacing,
        *,
        counted: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.pacing = pacing
        self.counted = counted
        self.storage_down = False

    async def deliver_due(self) -> int:
        """Send every delivery due now (the heads of the queues, again while any went);
        returns how many were acknowledged. A database that does not answer is said once
        (the job runs every second), not at every round."""
        try:
            acknowledged = await self._deliver_due()
        except StorageUnavailable:
            if not self.storage_down:
                log.warning("webhook deliveries wait: the database does not answer")
            self.storage_down = True
            return 0
        if self.storage_down:
            log.info("webhook deliveries go on: the database answers again")
        self.storage_down = False
        return acknowledged

    async def _deliver_due(self) -> int:
        acknowledged = 0
        while claimed := await webhooks.claim_deliveries(self.runtime):
            timeout = aiohttp.ClientTimeout(total=self.pacing.timeout_seconds)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                outcomes = await asyncio.gather(*(self._send(session, d) for d in claimed))
            went = outcomes.count(Outcome.DELIVERED)
            acknowledged += went
            if not went:
                break  # the rest back off: look again next round
        return acknowledged

    async def _send(self, session: aiohttp.ClientSession, delivery: Delivery) -> Outcome:
        """One attempt at `delivery`, settled in the database; how it ended."""
        error = await _post(session, delivery, int(self.runtime.clock.now().timestamp()))
        if error is None:
            await webhooks.delivered(self.runtime, delivery)
            return self._count(Outcome.DELIVERED)
        waited = self.runtime.clock.now() - delivery.created_at
        if waited >= self.pacing.give_up_after:
            log.warning(
                "webhook delivery %s to subscription %s given up after %s tries: %s",
                delivery.id,
                delivery.subscription_id,
                delivery.attempts,
                error,
            )
            await webhooks.give_up(self.runtime, delivery, error=error)
            return self._count(Outcome.FAILED)
        after = retry_delay(
            delivery.attempts, first=self.pacing.first_retry, longest=self.pacing.longest_retry
        )
        log.info(
            "webhook delivery %s not delivered (try %s): %s", delivery.id, delivery.attempts, error
        )
        await webhooks.retry_later(self.runtime, delivery, error=error, after=after)
        return self._count(Outcome.RETRIED)

    def _count(self, outcome: Outcome) -> Outcome:
        if self.counted is not None:
            self.counted(outcome)
        return outcome


async def _post(session: aiohttp.ClientSession, delivery: Delivery, timestamp: int) -> str | None:
    """POST the delivery's body, signed; None when the receiver acknowledged it (2xx), else
    what went wrong."""
    sent = headers(
        delivery.secret, delivery_id=delivery.id, timestamp=timestamp, body=delivery.body
    )
    try:
        async with session.post(
            delivery.url, data=delivery.body.encode(), headers=sent, allow_redirects=False
        ) as response:
            if 200 <= response.status < 300:
                return None
            return f"HTTP {response.status}"
    except TimeoutError:
        return "no answer within the timeout"
    except (aiohttp.ClientError, OSError, ValueError) as failure:
        return f"{type(failure).__name__}: {failure}"
