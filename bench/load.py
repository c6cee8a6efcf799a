"""Drive a running server with wrk: one endpoint at a time, figures parsed from its Lua report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).parent / "lua"
THREADS = 2


@dataclass(frozen=True, slots=True)
class Figures:
    """Throughput and latency of one load run, and what went wrong in it."""

    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers plus socket errors
    requests: int


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(command, check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


def run_wrk(
    url: str,
    script: str,
    *,
    token: str,
    seconds: float,
    connections: int,
    ids: Path | None = None,
) -> Figures:
    """Load `url` with `script` (a file in bench/lua) for `seconds` over `connections`."""
    env = {
        **os.environ,
        "BENCH_LUA": str(LUA),
        "BENCH_TOKEN": token,
        "BENCH_THREADS": str(THREADS),
        "BENCH_IDS": str(ids or ""),
    }
    command = [
        ensure_wrk(),
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
    ]
    command += ["-s", str(LUA / script), url]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("BENCH "))
    seconds_run = data["duration_us"] / 1e6
    return Figures(
        rate=data["requests"] / seconds_run,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["status_errors"] + data["socket_errors"],
        requests=data["requests"],
    )
