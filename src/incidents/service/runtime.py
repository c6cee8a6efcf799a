"""What every use case runs against: the database and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from incidents.db.engine import Database
from incidents.domain.clock import Clock, SystemClock
from incidents.service.costly import CostlyGate
from incidents.service.key_cache import KeyCache
from incidents.settings import Settings


@dataclass(frozen=True, slots=True)
class Runtime:
    """What every use case runs against: the database and the clock, built once at start,
    and the process's verified keys."""

    database: Database
    clock: Clock = field(default_factory=SystemClock)
    keys: KeyCache = field(default_factory=KeyCache)
    costly: CostlyGate = field(default_factory=CostlyGate)

    @classmethod
    def open(cls, settings: Settings, *, clock: Clock | None = None) -> Runtime:
        """The database `settings` name (connections open on first use) and the clock."""
        database = Database.from_url(settings.database_url, settings.engine_options())
        costly = CostlyGate(
            at_once=settings.db_costly_at_once, timeout_ms=settings.db_costly_timeout_ms
        )
        return cls(database=database, clock=clock or SystemClock(), costly=costly)

    async def check(self) -> None:
        """Raise StorageUnavailable unless the database answers."""
        await self.database.ping()

    async def close(self) -> None:
        """Close every pooled database connection."""
        await self.database.dispose()
