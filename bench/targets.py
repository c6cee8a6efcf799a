"""The targets (issue 16), checked on a run's own figures against the same run's pgbench."""

from __future__ import annotations

from dataclasses import dataclass

from bench.run import Result, Run


@dataclass(frozen=True, slots=True)
class Verdict:
    """One target on one setup: what was measured against what was asked."""

    target: str
    setup: str
    measured: str
    met: bool


# Issue 16's floors (PostgreSQL at the largest size, one worker), in requests a second.
FLOORS = {"create": 750, "patch": 650, "get": 1500, "list": 700, "search": 100}
# SQLite, one worker, at the largest size.
SQLITE_FLOORS = {"create": 400, "get": 1200}
# With two workers, create against pgbench's single-row INSERT of the same run.
CREATE_SHARE_X2 = 0.15
# p99 at the largest size against p99 at the smallest, for every endpoint that reads or writes.
P99_GROWTH = 1.5
_GROWTH_ENDPOINTS = ("first page", "list", "get", "search", "create", "patch")


def _find(
    run: Run, workers: int, size: int, endpoint: str, database: str = "postgresql"
) -> Result | None:
    return next(
        (
            r
            for r in run.results
            if (r.database, r.workers, r.size, r.endpoint) == (database, workers, size, endpoint)
        ),
        None,
    )


def _floors(run: Run, database: str, floors: dict[str, int], largest: int) -> list[Verdict]:
    found = []
    for endpoint, floor in floors.items():
        result = _find(run, 1, largest, endpoint, database)
        if result is None:
            continue
        rate = result.figures.rate
        limit = result.limit
        share = f" ({rate / limit:.1%} of pgbench {limit:,.0f})" if limit else ""
        found.append(
            Verdict(
                f"{endpoint} >= {floor:,}/s at {largest:,}",
                f"{database} x1",
                f"{rate:,.0f}/s{share}",
                rate >= floor,
            )
        )
    return found


def _growth(run: Run, database: str, workers: int, smallest: int, largest: int) -> list[Verdict]:
    found = []
    for endpoint in _GROWTH_ENDPOINTS:
        small = _find(run, workers, smallest, endpoint, database)
        big = _find(run, workers, largest, endpoint, database)
        if small is None or big is None or smallest == largest:
            continue
        growth = big.figures.p99_ms / small.figures.p99_ms
        measured = (
            f"p99 {big.figures.p99_ms:.0f} ms at {largest:,} vs {small.figures.p99_ms:.0f} ms "
            f"at {smallest:,}: x{growth:.2f}"
        )
        found.append(
            Verdict(
                f"{endpoint} p99 at {largest:,} <= {P99_GROWTH}x at {smallest:,}",
                f"{database} x{workers}",
                measured,
                growth <= P99_GROWTH,
            )
        )
    return found


def _verdicts_for(run: Run, workers: int, smallest: int, largest: int) -> list[Verdict]:
    setup = f"postgresql x{workers}"
    found = _floors(run, "postgresql", FLOORS, largest) if workers == 1 else []
    create = _find(run, workers, largest, "create")
    if workers == 2 and create and create.limit:
        share = create.figures.rate / create.limit
        measured = f"{create.figures.rate:,.0f}/s = {share:.1%} of pgbench {create.limit:,.0f}"
        found.append(
            Verdict(
                f"create >= {CREATE_SHARE_X2:.0%} of pgbench INSERT", setup, measured,
                share >= CREATE_SHARE_X2,
            )
        )  # fmt: skip
    found += _growth(run, "postgresql", workers, smallest, largest)
    first, deep = (
        _find(run, workers, largest, "first page"),
        _find(run, workers, largest, "deep cursor"),
    )
    if first and deep:
        cost = deep.figures.p99_ms / first.figures.p99_ms
        measured = (
            f"p99 {deep.figures.p99_ms:.0f} vs {first.figures.p99_ms:.0f} ms (x{cost:.2f}); "
            f"{deep.figures.rate:,.0f} vs {first.figures.rate:,.0f} req/s"
        )
        found.append(
            Verdict("cursor page at depth <= 1.5x first page", setup, measured, cost <= 1.5)
        )
    return found


def verdicts(run: Run) -> list[Verdict]:
    """Every target the run can judge."""
    sizes = sorted({r.size for r in run.results if r.database == "postgresql"})
    found = []
    if sizes:
        for workers in sorted({r.workers for r in run.results if r.database == "postgresql"}):
            found += _verdicts_for(run, workers, sizes[0], sizes[-1])
    lite = sorted({r.size for r in run.results if r.database == "sqlite"})
    if lite:
        found += _floors(run, "sqlite", SQLITE_FLOORS, lite[-1])
        found += _growth(run, "sqlite", 1, lite[0], lite[-1])
    errors = sum(r.figures.errors for r in run.results)
    requests = sum(r.figures.requests for r in run.results)
    found.append(Verdict("no errors under load", "all", f"{errors} of {requests:,}", errors == 0))
    for label, (first, last) in run.memory.items():
        growth = (last - first) / first if first else 0.0
        measured = f"{first / 1024:.0f} -> {last / 1024:.0f} MiB ({growth:+.0%})"
        found.append(Verdict("worker memory flat (< +20%)", label, measured, growth < 0.2))
    return found


def targets_table(run: Run) -> str:
    """The verdicts as a Markdown table."""
    lines = ["| target | setup | measured | met |", "|---|---|---|---|"]
    for v in verdicts(run):
        lines.append(f"| {v.target} | {v.setup} | {v.measured} | {'yes' if v.met else 'no'} |")
    return "\n".join(lines)
