"""The issue's targets, checked on a run's own figures (PostgreSQL, same run)."""

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


def _find(run: Run, workers: int, size: int, endpoint: str) -> Result | None:
    return next(
        (
            r
            for r in run.results
            if (r.database, r.workers, r.size, r.endpoint)
            == ("postgresql", workers, size, endpoint)
        ),
        None,
    )


def _verdicts_for(run: Run, workers: int, smallest: int, largest: int) -> list[Verdict]:
    setup = f"postgresql x{workers}"
    found = []
    create = _find(run, workers, largest, "create")
    if create and create.limit:
        share = create.figures.rate / create.limit
        measured = f"{create.figures.rate:,.0f}/s = {share:.1%} of pgbench {create.limit:,.0f}"
        found.append(Verdict("create >= 25% of pgbench INSERT", setup, measured, share >= 0.25))
    small, big = _find(run, workers, smallest, "list"), _find(run, workers, largest, "list")
    if small and big and smallest != largest:
        growth = big.figures.p99_ms / small.figures.p99_ms
        measured = (
            f"p99 {big.figures.p99_ms:.0f} ms at {largest:,} vs {small.figures.p99_ms:.0f} ms "
            f"at {smallest:,}: x{growth:.2f}"
        )
        found.append(
            Verdict("filtered first page p99 1M <= 1.5x 10k", setup, measured, growth <= 1.5)
        )
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
