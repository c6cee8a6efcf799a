"""How big a run is: the sizes, the server setups and how long each endpoint is loaded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Setup:
    """One server setup to load: a database, and how many worker processes serve it."""

    database: str  # "postgresql" or "sqlite"
    workers: int


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a run does, in order: fill to each size, then load every setup at it."""

    name: str
    sizes: tuple[int, ...]
    seconds: int  # of load per endpoint and setup
    setups: tuple[Setup, ...]
    # Setups loaded only at the largest size, to keep the run bounded.
    largest_only: tuple[Setup, ...] = ()
    pgbench_seconds: int = 2
    connections: int = 16
    plots: bool = True
    deep: int = 100_000

    def setups_at(self, size: int) -> tuple[Setup, ...]:
        """The setups loaded once the table holds `size` incidents."""
        return self.setups + (self.largest_only if size == self.sizes[-1] else ())

    def depth_at(self, size: int) -> int:
        """How deep the deep page goes: 100k, or half the table when it is smaller."""
        return min(self.deep, size // 2)


PG1, PG2 = Setup("postgresql", 1), Setup("postgresql", 2)
LITE1, LITE2 = Setup("sqlite", 1), Setup("sqlite", 2)

PLANS = {
    "full": Plan(
        "full",
        sizes=(10_000, 100_000, 1_000_000),
        seconds=3,
        setups=(PG1, PG2, LITE1),
        largest_only=(LITE2,),
    ),
    "quick": Plan(
        "quick",
        sizes=(5_000,),
        seconds=1,
        setups=(PG2, LITE1),
        pgbench_seconds=1,
    ),
    # For the test suite: SQLite only, a few hundred rows, no plots.
    "smoke": Plan(
        "smoke",
        sizes=(300,),
        seconds=1,
        setups=(LITE1,),
        connections=4,
        plots=False,
    ),
}
