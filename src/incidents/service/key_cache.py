"""Verified API keys held in each process, so that a request costs no query for its key.

The promise: a key revoked (or otherwise changed) stops working at once in the process that
revoked it, and within one second in every other process.

- On PostgreSQL a trigger on `api_keys` sends `NOTIFY incidents_api_keys` with the key's
  lookup; every process listens on a connection of its own and forgets that key when told.
  While the listening connection is down (and until it is back), nothing may have been heard,
  so the cache is emptied and each entry lives one second, as on SQLite.
- On SQLite (and wherever no one listens) an entry lives one second: a key is looked up at
  most once a second per process.

Unknown lookups are never cached (no memory for a stranger's guesses), and the cache holds at
most MAX_ENTRIES keys.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from incidents.db.api_keys import KEY_CHANGES_CHANNEL, StoredKey, listen_for_key_changes
from incidents.db.engine import Database

log = logging.getLogger(__name__)

# While a listener hears every change, an entry lives this long (a safety net only).
HEARD_LIFETIME_SECONDS = 300.0
# Without one: the promise's bound for other processes.
UNHEARD_LIFETIME_SECONDS = 1.0
MAX_ENTRIES = 10_000
# How long a dropped listener waits before it connects again.
RECONNECT_SECONDS = 1.0


@dataclass(slots=True)
class _Entry:
    stored: StoredKey
    fetched_at: float


class KeyCache:
    """Keys looked up recently, by their public lookup part."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, _Entry] = {}
        self._monotonic = monotonic
        # True only while a listener is connected and has emptied the cache since.
        self.listening = False

    def _lifetime(self) -> float:
        return HEARD_LIFETIME_SECONDS if self.listening else UNHEARD_LIFETIME_SECONDS

    def get(self, lookup: str) -> StoredKey | None:
        """The cached key for `lookup`, unless it is older than the current lifetime."""
        entry = self._entries.get(lookup)
        if entry is None:
            return None
        if self._monotonic() - entry.fetched_at >= self._lifetime():
            del self._entries[lookup]
            return None
        return entry.stored

    def put(self, lookup: str, stored: StoredKey) -> None:
        """Remember `stored` as just read from the database."""
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[lookup] = _Entry(stored, self._monotonic())

    def forget(self, lookup: str) -> None:
        """Drop one key (it changed)."""
        self._entries.pop(lookup, None)

    def clear(self) -> None:
        """Drop every key (a change may have been missed, or many changed)."""
        self._entries.clear()

    def heard(self, payload: str) -> None:
        """A notification: the key with this lookup changed (empty: any may have)."""
        if payload:
            self.forget(payload)
        else:
            self.clear()


async def listen(database: Database, cache: KeyCache) -> None:
    """Keep a listener on key changes for as long as the task runs (PostgreSQL only).

    Each time it (re)connects the cache is emptied, for changes made while no one listened.
    """
    if database.is_sqlite:
        return
    while True:
        try:
            async with listen_for_key_changes(database, cache.heard) as connection_lost:
                cache.clear()
                cache.listening = True
                await connection_lost.wait()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database is away: retry, meanwhile 1-second entries
            log.debug("listening on %s failed: %s", KEY_CHANGES_CHANNEL, error)
        finally:
            cache.listening = False
            cache.clear()
        await asyncio.sleep(RECONNECT_SECONDS)
