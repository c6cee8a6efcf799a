"""The examples run with what `make run` installs: no test tools."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
# Importing any of these fails, as on a machine where only `make run` installed packages.
TEST_TOOLS = ("httpx", "pytest", "schemathesis", "playwright")
WITHOUT_TEST_TOOLS = f"""
import runpy, sys
for name in {TEST_TOOLS!r}:
    sys.modules[name] = None
sys.argv = ["examples/telegram_demo.py"]
runpy.run_path("examples/telegram_demo.py", run_name="__main__")
"""


def test_the_telegram_demo_needs_no_test_tools() -> None:
    demo = subprocess.run(
        [sys.executable, "-c", WITHOUT_TEST_TOOLS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "Scooter #42 is not responding" in demo.stdout
    assert "bot (sendMessage)" in demo.stdout


def test_the_telegram_demo_speaks_the_configured_language(tmp_path: Path) -> None:
    demo = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "telegram_demo.py")],
        cwd=tmp_path,
        env={**os.environ, "INCIDENTS_LANGUAGE": "ru"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "Инцидент #1 · новый" in demo.stdout
    assert "Incident #1" not in demo.stdout
