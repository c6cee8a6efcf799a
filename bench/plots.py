"""PNG plots of a run: latency against table size, and throughput per endpoint."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.run import Result, Run


def _setups(results: list[Result]) -> list[tuple[str, int]]:
    return sorted({(r.database, r.workers) for r in results})


def _endpoints(results: list[Result]) -> list[str]:
    return list(dict.fromkeys(r.endpoint for r in results))


def latency_by_size(run: Run, path: Path) -> None:
    """p50 and p99 of each endpoint against the number of incidents, one panel per setup."""
    setups = _setups(run.results)
    figure, axes = plt.subplots(1, len(setups), figsize=(5 * len(setups), 4.5), squeeze=False)
    for axis, (database, workers) in zip(axes[0], setups, strict=True):
        mine = [r for r in run.results if (r.database, r.workers) == (database, workers)]
        for index, endpoint in enumerate(_endpoints(mine)):
            points = sorted((r.size, r.figures) for r in mine if r.endpoint == endpoint)
            sizes = [size for size, _ in points]
            color = f"C{index}"
            axis.plot(sizes, [f.p99_ms for _, f in points], "o-", color=color, label=endpoint)
            axis.plot(sizes, [f.p50_ms for _, f in points], ".:", color=color)
        axis.set(xscale="log", yscale="log", xlabel="incidents in the table", ylabel="ms")
        axis.set_title(f"{database}, {workers} worker(s): p99 (solid), p50 (dotted)", fontsize=9)
        axis.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def throughput_by_endpoint(run: Run, path: Path) -> None:
    """Requests per second of each endpoint at the largest size, per setup, beside pgbench."""
    largest = max(r.size for r in run.results)
    mine = [r for r in run.results if r.size == largest]
    setups = _setups(mine)
    endpoints = _endpoints(mine)
    figure, axis = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / (len(setups) + 1)
    for index, (database, workers) in enumerate(setups):
        rates = {
            r.endpoint: r.figures.rate
            for r in mine
            if (r.database, r.workers) == (database, workers)
        }
        xs = [n + index * width for n in range(len(endpoints))]
        axis.bar(xs, [rates.get(e, 0) for e in endpoints], width, label=f"{database} x{workers}")
    limits = {r.endpoint: r.limit for r in mine if r.limit}
    xs = [n + len(setups) * width for n in range(len(endpoints))]
    axis.bar(xs, [limits.get(e) or 0 for e in endpoints], width, label="pgbench", color="grey")
    axis.set_xticks([n + 0.4 - width / 2 for n in range(len(endpoints))], endpoints, fontsize=8)
    axis.set(yscale="log", ylabel="requests (pgbench: transactions) per second")
    axis.set_title(f"Throughput at {largest:,} incidents, 16 connections", fontsize=10)
    axis.legend(fontsize=8)
    axis.grid(True, axis="y", which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def draw(run: Run, folder: Path) -> list[str]:
    """Draw every plot of `run` into `folder`; their paths."""
    latency, throughput = folder / "latency_by_size.png", folder / "throughput.png"
    latency_by_size(run, latency)
    throughput_by_endpoint(run, throughput)
    return [str(latency), str(throughput)]
