"""Schemathesis from outside, as a client generator would meet the API: the command line with
every check, its fuzzing and stateful phases and an admin key, against `incidents serve`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import serving

# A long scenario (processes started and waited on): `make test-slow` runs it, as CI does.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
SECRET = re.compile(r"^\s*(inc_\S+)\s*$", re.MULTILINE)
SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
UNLIMITED = {"INCIDENTS_RATE_LIMIT_PER_KEY": "0", "INCIDENTS_RATE_LIMIT_PER_IP": "0"}


@pytest.mark.skipif(SCHEMATHESIS is None, reason="the schemathesis command is not installed")
def test_schemathesis_finds_nothing(database_url: str, tmp_path: Path) -> None:
    assert SCHEMATHESIS is not None
    with serving(database_url, tmp_path, env=UNLIMITED) as server:
        key = SECRET.findall(server.banner())[0]
        run = subprocess.run(
            [
                SCHEMATHESIS, "run", f"{server.url}/openapi.json",
                "--checks", "all", "--phases", "fuzzing,stateful",
                "--header", f"Authorization: Bearer {key}",
                "--max-examples", "20", "--workers", "1", "--request-timeout", "60",
                "--continue-on-failure", "--seed", "17",
            ],
            cwd=ROOT,  # where schemathesis.toml is
            capture_output=True,
            text=True,
            check=False,
            timeout=540,
        )  # fmt: skip
    # Warnings may remain: the stateful phase finds the key's own name in GET /api/v1/keys
    # and revokes it, after which everything is 401, as it should be.
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert re.search(r"\d+ generated, \d+ passed", run.stdout), run.stdout[-3000:]
