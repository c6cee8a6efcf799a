"""The run as a Markdown table (into docs/PERFORMANCE.md) and PNG plots (into docs/perf/)."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

from bench.run import Result, Run
from bench.targets import targets_table

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _row(result: Result) -> str:
    f = result.figures
    limit = f"{result.limit:,.0f}" if result.limit else "-"
    ratio = f"{f.rate / result.limit:.0%}" if result.limit else "-"
    return (
        f"| {result.database} | {result.workers} | {result.size:,} | {result.endpoint} "
        f"| {f.rate:,.0f} | {f.p50_ms:.1f} | {f.p99_ms:.1f} | {f.errors} | {limit} | {ratio} |"
    )


def results_table(run: Run) -> str:
    """Every measured figure, one row per database, workers, size and endpoint."""
    head = (
        "| database | workers | incidents | endpoint | req/s | p50 ms | p99 ms | errors "
        "| pgbench tps | API / pgbench |\n|---|--:|--:|---|--:|--:|--:|--:|--:|--:|"
    )
    return "\n".join([head, *map(_row, run.results)])


def _limits_table(run: Run) -> str:
    sizes = sorted({size for per in run.limits.values() for size in per})
    if not sizes:
        return "pgbench did not run (no PostgreSQL in this plan)."
    statements = sorted({s for per in run.limits.values() for d in per.values() for s in d})
    head = "| pgbench statements | " + " | ".join(f"{s:,} rows" for s in sizes) + " |"
    lines = [head, "|---|" + "--:|" * len(sizes)]
    limits = run.limits.get("postgresql", {})
    for statement in statements:
        cells = [f"{limits.get(size, {}).get(statement, 0):,.0f}" for size in sizes]
        lines.append(f"| {statement} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _memory_table(run: Run) -> str:
    lines = ["| setup | worker RSS after warm-up | at the end |", "|---|--:|--:|"]
    for label, (first, last) in run.memory.items():
        lines.append(f"| {label} | {first / 1024:.0f} MiB | {last / 1024:.0f} MiB |")
    return "\n".join(lines)


def section(run: Run, *, plots: list[str]) -> str:
    """The generated part of docs/PERFORMANCE.md."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cores = os.cpu_count()
    pictures = "\n".join(f"![{Path(p).stem}](perf/{Path(p).name})" for p in plots)
    search = "measured" if run.search else "skipped: the list has no `q` parameter yet"
    # Others' work on the same cores shows here: the figures are only as quiet as the machine.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return "\n\n".join(
        [
            BEGIN,
            f"Run `{run.plan}` of {when} on {platform.machine()}, {cores} cores, "
            f"{run.seconds / 60:.1f} minutes; wrk with 2 threads and 16 connections per "
            f"endpoint; text search {search}; load average at the end (1, 5, 15 min): {load}.",
            targets_table(run),
            results_table(run),
            _limits_table(run),
            _memory_table(run),
            pictures,
            END,
        ]
    )


def write(run: Run, root: Path) -> Path:
    """Write the section into `root`/PERFORMANCE.md, the plots and JSON into `root`/perf/."""
    perf = root / "perf"
    perf.mkdir(parents=True, exist_ok=True)
    (perf / f"{run.plan}.json").write_text(run.to_json())
    plots = _plots(run, perf) if run.results else []
    document = root / "PERFORMANCE.md"
    text = document.read_text() if document.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    document.write_text(pattern.sub(lambda _: section(run, plots=plots), text, count=1))
    return document


def _plots(run: Run, perf: Path) -> list[str]:
    try:
        from bench.plots import draw
    except ImportError:  # matplotlib is in the `bench` extra only
        return []
    return draw(run, perf)
