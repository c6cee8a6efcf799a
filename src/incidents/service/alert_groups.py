"""An Alertmanager notification as one use case: every alert of it applied in one
transaction, and a copy sent again within the retry window answered alike, counting nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from incidents.db import replays
from incidents.db.engine import Transaction
from incidents.service.alerts import Alert, Handled, apply_in, in_transaction_with_retry
from incidents.service.runtime import Runtime


async def apply_notification(
    runtime: Runtime,
    *,
    digest: str,
    window: timedelta,
    alerts: Sequence[Alert],
    answer: Callable[[list[Handled]], Any],
) -> tuple[Any, bool]:
    """Apply `alerts` and keep `answer` of what they did under `digest`; or, when a
    notification with the same digest was applied within `window`, its answer again.

    Returns the answer and whether it was given before (a retry).
    """

    async def work(tx: Transaction) -> tuple[Any, bool]:
        now = runtime.clock.now()
        if window > timedelta(0):
            given = await replays.answer_since(tx.connection, digest, since=now - window)
            if given is not None:
                return given, True
            # A concurrent copy waits here for this one to commit, then finds its answer.
            await replays.claim(tx.connection, digest, now=now)
        said = answer(await apply_in(tx, alerts, now=now))
        if window > timedelta(0):
            await replays.record_answer(tx.connection, digest, said)
        return said, False

    return await in_transaction_with_retry(runtime, work)
