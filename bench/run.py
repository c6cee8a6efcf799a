"""One benchmark run: fill each database to each size, load every endpoint, compare pgbench."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg

from bench import fill, server
from bench.dataset import bench_epoch
from bench.load import Figures, run_wrk
from bench.pgbench import have_pgbench, run_pgbench
from bench.plan import Plan, Setup
from bench.probe import PostgresProbe, Probe, SqliteProbe, cursor_at

API = "/api/v1/incidents"
# Between two loads, so requests still queued from one do not slow the next.
SETTLE_SECONDS = 1.0
# Each endpoint's figures are set against the pgbench statement the API issues for it.
LIMIT_OF = {
    "create": "insert",
    "get": "get",
    "patch": "update",
    "first page": "first page",
    "list": "list",
    "deep offset": "offset",
    "deep cursor": "cursor",
}


@dataclass(frozen=True, slots=True)
class Result:
    """One endpoint loaded on one setup at one size."""

    database: str
    workers: int
    size: int
    endpoint: str
    figures: Figures
    limit: float | None  # pgbench transactions per second of the same statements


@dataclass
class Run:
    """What one run found: results, pgbench limits and worker memory per setup."""

    plan: str
    results: list[Result]
    limits: dict[str, dict[int, dict[str, float]]]  # database -> size -> statement -> tps
    memory: dict[str, tuple[int, int]]  # setup label -> (RSS KiB after warm-up, at the end)
    seconds: float = 0.0
    search: bool = False

    def to_json(self) -> str:
        """The run as JSON, for the record next to the table."""
        return json.dumps(asdict(self), indent=1)


@dataclass
class Target:
    """A database the run fills and loads."""

    database: str
    url: str
    probe: Probe
    grow: Callable[[int, int], None]
    dsn: str | None = None


def _postgres_target(dsn: str) -> Target:
    admin = dsn.rsplit("/", 1)[0] + "/postgres"
    name = dsn.rsplit("/", 1)[1]

    async def recreate() -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(recreate())
    now = bench_epoch()
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)

    def grow(have: int, want: int) -> None:
        asyncio.run(fill.fill_postgres(dsn, have=have, want=want, now=now))

    return Target("postgresql", url, PostgresProbe(dsn), grow, dsn)


def _sqlite_target(folder: Path) -> Target:
    path = folder / "bench.db"
    now = bench_epoch()

    def grow(have: int, want: int) -> None:
        fill.fill_sqlite(str(path), have=have, want=want, now=now)

    return Target("sqlite", f"sqlite+aiosqlite:///{path}", SqliteProbe(str(path)), grow)


def _has_search(url: str) -> bool:
    """Whether the list takes a text search `q` (a later issue adds it)."""
    with urllib.request.urlopen(f"{url}/openapi.json", timeout=10) as answer:  # noqa: S310
        schema = json.load(answer)
    parameters = schema["paths"][API]["get"].get("parameters", [])
    return any(p["name"] == "q" for p in parameters)


def _write_ids(folder: Path, name: str, ids: list[int]) -> Path:
    path = folder / f"{name}.ids"
    path.write_text("".join(f"{n}\n" for n in ids))
    return path


def _endpoints(
    plan: Plan, target: Target, base: str, size: int, folder: Path, search: bool
) -> list[tuple[str, Callable[[], tuple[str, str, Path | None]]]]:
    """(name, what to load) for each endpoint, in order; writes last, so reads see the fill."""
    depth = plan.depth_at(size)
    probe = target.probe
    page = f"{base}?limit=50"
    root = base.removesuffix(API)
    found = [
        # No database, no key: what the HTTP stack alone serves, the ceiling of the others.
        ("health", lambda: (f"{root}/health", "path.lua", None)),
        ("first page", lambda: (page, "path.lua", None)),
        ("list", lambda: (f"{base}?status=new&limit=50", "path.lua", None)),
        ("deep cursor", lambda: (f"{page}&cursor={cursor_at(probe, depth)}", "path.lua", None)),
        ("deep offset", lambda: (f"{base}?offset={depth}&limit=50", "path.lua", None)),
        ("get", lambda: (base, "get_by_id.lua", _ids(folder, probe, None))),
    ]
    if search:
        found.append(("search", lambda: (f"{page}&q=offline", "path.lua", None)))
    found.append(("create", lambda: (base, "create.lua", None)))
    found.append(("patch", lambda: (base, "patch.lua", _ids(folder, probe, "in_progress"))))
    return found


def _ids(folder: Path, probe: Probe, status: str | None) -> Path:
    return _write_ids(folder, status or "any", probe.ids(status=status, limit=20_000))


def _load_setup(
    plan: Plan, target: Target, setup: Setup, size: int, token: str, folder: Path, run: Run
) -> None:
    """Serve the database with `setup` and load every endpoint in turn."""
    with server.serving(target.url, workers=setup.workers, log=folder / "serve.log") as served:
        base = served.url + API
        run.search = _has_search(served.url)
        # Warm-up at full concurrency (pools and caches fill), not recorded.
        run_wrk(
            f"{base}?limit=50", "path.lua", token=token, seconds=2, connections=plan.connections
        )
        rss_first = max(served.worker_rss_kib())
        limits = run.limits.get(target.database, {}).get(size, {})
        for name, make in _endpoints(plan, target, base, size, folder, run.search):
            time.sleep(SETTLE_SECONDS)
            url, script, ids = make()
            figures = run_wrk(
                url,
                script,
                token=token,
                seconds=plan.seconds,
                connections=plan.connections,
                ids=ids,
            )
            limit = limits.get(LIMIT_OF.get(name, ""))
            run.results.append(Result(target.database, setup.workers, size, name, figures, limit))
            _say(setup, size, name, figures, limit)
        run.memory[f"{setup.database} x{setup.workers} @{size}"] = (
            rss_first,
            max(served.worker_rss_kib()),
        )


def _say(setup: Setup, size: int, name: str, figures: Figures, limit: float | None) -> None:
    ratio = f"  {figures.rate / limit:6.1%} of pgbench" if limit else ""
    print(
        f"{setup.database:>10} x{setup.workers} {size:>9,} {name:<12}"
        f" {figures.rate:8.0f}/s  p50 {figures.p50_ms:7.2f} ms  p99 {figures.p99_ms:7.2f} ms"
        f"  errors {figures.errors}{ratio}",
        flush=True,
    )


def _pgbench_limits(plan: Plan, target: Target, size: int) -> dict[str, float]:
    """pgbench's rate for each statement group the API issues, at the load's concurrency."""
    assert target.dsn is not None
    assert isinstance(target.probe, PostgresProbe)
    depth = plan.depth_at(size)
    position = target.probe.position_at(depth)
    variables = {
        "maxid": str(target.probe.count()),
        "depth": str(depth),
        "at": position.created_at.isoformat(),
        "id": str(position.id),
    }
    limits = {}
    for statement in [*LIMIT_OF.values(), "create", "count(*)"]:
        limits[statement] = run_pgbench(
            target.dsn,
            statement,
            seconds=plan.pgbench_seconds,
            clients=plan.connections,
            variables=variables,
        )
        print(f"  pgbench {size:>9,} {statement:<12} {limits[statement]:9.0f} tps", flush=True)
    target.probe.forget_pgbench()
    return limits


def _targets(plan: Plan, folder: Path, postgres_dsn: str) -> list[Target]:
    databases = {setup.database for size in plan.sizes for setup in plan.setups_at(size)}
    found = []
    if "postgresql" in databases:
        found.append(_postgres_target(postgres_dsn))
    if "sqlite" in databases:
        found.append(_sqlite_target(folder))
    return found


def run(plan: Plan, *, postgres_dsn: str) -> Run:
    """Carry out `plan`; every figure is also printed as it is measured."""
    started = time.monotonic()
    outcome = Run(plan.name, [], {}, {})
    folder = Path(tempfile.mkdtemp(prefix="incidents-bench-"))
    try:
        for target in _targets(plan, folder, postgres_dsn):
            token = server.make_key(target.url)
            filled = 0
            for size in plan.sizes:
                began = time.monotonic()
                target.grow(filled, size)
                filled = size
                print(f"{target.database}: {size:,} incidents in {time.monotonic() - began:.1f} s")
                if target.dsn is not None and have_pgbench():
                    limits = _pgbench_limits(plan, target, size)
                    outcome.limits.setdefault(target.database, {})[size] = limits
                for setup in plan.setups_at(size):
                    if setup.database == target.database:
                        _load_setup(plan, target, setup, size, token, folder, outcome)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    outcome.seconds = time.monotonic() - started
    return outcome
