"""`python -m bench.fairness`: costly work can not starve the rest (issue 27).

On each database: 100,000 incidents (bench/dataset.py), `incidents serve` with one worker;
first the stats of a year, timed alone; then 24 clients on one key hammer the costly kinds
(a year's stats and a text search at a deep offset) while another key reads one incident
over and over. Prints the reader's p50 and p95 and its statuses, and what the costly
clients got (200, 429 refused at once, 503 out of time).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.serving import create_key, secret_of

from bench import server
from bench.fill import fill_postgres, fill_sqlite
from bench.scratch import fresh_postgres
from incidents.db.migrate import upgrade_to_head

NAME = "incidents_bench_fairness"
COSTLY_CLIENTS = 24
STATS_CALLS = 7


def _get(url: str, key: str) -> tuple[int, float]:
    """One GET: its status and wall time in milliseconds."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as refused:
        refused.read()
        status = refused.code
    except OSError:
        status = 0  # no answer at all
    return status, (time.perf_counter() - started) * 1000


def _prepare(kind: str, count: int, scratch: Path) -> str:
    """A filled scratch database of `kind`; its URL (for `incidents serve`)."""
    now = datetime.now(UTC)
    if kind == "sqlite":
        path = scratch / "fairness.db"
        url = f"sqlite+aiosqlite:///{path}"
        asyncio.run(upgrade_to_head(url))
        fill_sqlite(str(path), have=0, want=count, now=now)
        return url

    dsn = asyncio.run(fresh_postgres(NAME))
    asyncio.run(upgrade_to_head(dsn.replace("postgresql://", "postgresql+asyncpg://", 1)))
    asyncio.run(fill_postgres(dsn, have=0, want=count, now=now))
    return dsn


def _key(database_url: str, name: str, role: str) -> str:
    created = create_key(server.environment(database_url), name, role)
    if created.returncode != 0:
        raise RuntimeError(created.stderr)
    return secret_of(created)


def _hammer(costly: list[str], key: str, stop: Any, answers: Any) -> None:
    """COSTLY_CLIENTS threads sending costly requests back to back until `stop`; what they
    got, by status, put on `answers`."""
    got: Counter[int] = Counter()
    lock = threading.Lock()

    def hammering(n: int) -> None:
        while not stop.is_set():
            status, _ = _get(costly[n % len(costly)], key)
            with lock:
                got[status] += 1

    threads = [threading.Thread(target=hammering, args=(n,)) for n in range(COSTLY_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers.put(got)


def measure(kind: str, count: int, seconds: float, scratch: Path) -> None:
    """Fill, serve, time a year's stats alone, then the fairness run; print both."""
    url = _prepare(kind, count, scratch)
    hammer, reader = _key(url, "hammer", "admin"), _key(url, "reader", "reporter")
    today = datetime.now(UTC).date()
    year = f"since={today - timedelta(days=365)}&until={today}"
    with server.serving(url, workers=1, log=scratch / f"serve-{kind}.log") as served:
        stats_url = f"{served.url}/api/v1/stats?{year}"
        _get(stats_url, reader)  # warm up
        alone = [_get(stats_url, reader) for _ in range(STATS_CALLS)]
        costly = [stats_url, f"{served.url}/api/v1/incidents?q=%25%20_%20%25_&offset=9000"]
        # The hammering clients in a process of their own: their threads must not hold the
        # reader's GIL, or the figure would be the client's own wait.
        stop = multiprocessing.Event()
        answers: multiprocessing.Queue[Counter[int]] = multiprocessing.Queue()
        clients = multiprocessing.Process(target=_hammer, args=(costly, hammer, stop, answers))
        clients.start()
        reads: list[tuple[int, float]] = []
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            reads.append(_get(f"{served.url}/api/v1/incidents/1", reader))
        stop.set()
        got: Counter[int] = answers.get(timeout=120)
        clients.join()
    times = sorted(ms for _, ms in reads)
    p95 = times[int(len(times) * 0.95) - 1] if len(times) >= 20 else max(times)
    print(
        f"{kind}: {count:,} incidents; a year's stats alone: median "
        f"{statistics.median(ms for _, ms in alone):.0f} ms "
        f"(statuses {sorted(Counter(s for s, _ in alone).items())})"
    )
    print(
        f"{kind}: {COSTLY_CLIENTS} costly clients for {seconds:.0f} s: another key's GET "
        f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms over {len(times)} reads, "
        f"statuses {sorted(Counter(s for s, _ in reads).items())}; costly answers "
        f"{sorted(got.items())}"
    )


def main() -> None:
    """Run the measurement on each database asked for."""
    parser = argparse.ArgumentParser(prog="python -m bench.fairness", description=__doc__)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    for kind in args.databases:
        with tempfile.TemporaryDirectory() as scratch:
            measure(kind, args.incidents, args.seconds, Path(scratch))


if __name__ == "__main__":
    main()
