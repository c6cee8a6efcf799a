"""The benchmark harness still runs: a smoke run on SQLite prints figures and writes its table."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
ROW = re.compile(
    r"^\| sqlite \| 1 \| 300 \| ([a-z ]+) \| [\d,]+ \| [\d.]+ \| [\d.]+ \| (\d+) \|", re.M
)


# Slow (servers loaded with wrk for seconds per endpoint): `make test-slow` runs it, CI does.
@pytest.mark.slow
def test_the_smoke_run_measures_every_endpoint(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        reason = "wrk is not installed (`make test` installs it from Debian's packages)"
        if os.environ.get("INCIDENTS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"the benchmark smoke run is required here: {reason}")
        pytest.skip(reason)
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--output", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"sqlite x1 +300 get +\d+/s +p50 +[\d.]+ ms", result.stdout), result.stdout

    table = (tmp_path / "PERFORMANCE.md").read_text()
    rows = dict(ROW.findall(table))
    endpoints = {"health", "first page", "list", "deep offset", "deep cursor", "get", "create"}
    assert endpoints | {"patch"} <= set(rows), table
    assert set(rows.values()) == {"0"}, "no request may fail under load"
    assert (tmp_path / "perf" / "smoke.json").is_file()
