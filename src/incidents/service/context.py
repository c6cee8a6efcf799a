"""What every use case runs against: the database and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from incidents.db.engine import Database
from incidents.domain.clock import Clock, SystemClock
from incidents.settings import Settings


@dataclass(frozen=True, slots=True)
class Registry:
    """The registry's storage and time, built once at start and handed to every door."""

    database: Database
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def open(cls, settings: Settings, *, clock: Clock | None = None) -> Registry:
        """A registry over the database `settings` name; connections open on first use."""
        database = Database.from_url(settings.database_url, settings.engine_options())
        return cls(database=database, clock=clock or SystemClock())

    async def check(self) -> None:
        """Raise StorageUnavailable unless the database answers."""
        await self.database.ping()

    async def close(self) -> None:
        """Close every pooled database connection."""
        await self.database.dispose()
