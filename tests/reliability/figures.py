"""Run the reliability scenarios and write their figures into docs/RELIABILITY.md.

    python -m tests.reliability.figures          # the CI size
    python -m tests.reliability.figures --full   # the full size (`make reliability`)

The figures section is rewritten only when every scenario passed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "RELIABILITY.md"
START = "<!-- figures:start -->"
END = "<!-- figures:end -->"
DEFAULT_TARGETS = [
    "tests/reliability",
    "tests/contract",
    "tests/security",
    "tests/api/test_rate_limits.py",
    "tests/test_scale_out.py",
]


def run(targets: list[str], *, full: bool) -> list[dict[str, Any]]:
    """Run pytest on `targets` with a report file; the records it got (pytest must pass)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.jsonl"
        env = {
            **os.environ,
            "INCIDENTS_RELIABILITY_REPORT": str(report),
            "INCIDENTS_RELIABILITY_FULL": "1" if full else "0",
            "INCIDENTS_REQUIRE_POSTGRES": "1",
        }
        command = [sys.executable, "-m", "pytest", *targets, "-p", "no:cacheprovider", "-q"]
        done = subprocess.run(command, cwd=ROOT, env=env, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the scenarios failed (pytest exit {done.returncode})")
        lines = report.read_text().splitlines() if report.exists() else []
    return [json.loads(line) for line in lines]


def _cell(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return "—" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


_NOTES = {
    "acknowledged": "acknowledged writes {}",
    "retried_creates": "unacknowledged creates retried {}",
    "half_written": "half-written incidents {}",
    "answered_503": "503 problem+json during outages {}",
    "slowest_answer_seconds": "slowest answer during an outage {} s",
    "slowest_recovery_seconds": "slowest recovery {} s",
    "in_flight_requests": "requests in flight at SIGTERM {}",
    "sends_finished_while_stopping": "Telegram sends finished while stopping {}",
    "exit_code": "exit status {}",
    "operations": "operations fuzzed {}",
    "rate_limited": "answered 429 {}",
    "sign_ins_checked": "passwords checked {}",
    "seconds": "{} s",
}


def table(records: list[dict[str, Any]]) -> str:
    """The figures as a Markdown table, one row per scenario and database, then totals."""
    rows = [
        "| scenario | database | requests driven | kills survived | acknowledged writes lost "
        "| duplicates | fuzz cases run | unexpected 5xx | also measured |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for record in sorted(records, key=lambda r: (r["scenario"], r["database"])):
        notes = "; ".join(
            template.format(_cell(record, key)) for key, template in _NOTES.items() if key in record
        )
        cells = [
            record["scenario"],
            record["database"],
            *(
                _cell(record, key)
                for key in ("requests", "kills", "lost", "duplicates", "fuzz_cases")
            ),
            _cell(record, "server_errors"),
            notes,
        ]
        rows.append("| " + " | ".join(cells) + " |")
    totals = {
        key: sum(int(r.get(key) or 0) for r in records)
        for key in ("requests", "kills", "lost", "duplicates", "fuzz_cases", "server_errors")
    }
    rows.append("| **all** | | " + " | ".join(f"**{totals[key]:,}**" for key in totals) + " | |")
    return "\n".join(rows)


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = " plus uncommitted changes" if git("status", "--porcelain", "--", "src") else ""
    return f"`{git('rev-parse', '--short', 'HEAD')}`{dirty}"


def section(records: list[dict[str, Any]], *, full: bool, targets: list[str]) -> str:
    """The figures section: which run produced it, and the table."""
    size = "full size (`INCIDENTS_RELIABILITY_FULL=1`)" if full else "CI size"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    flag = " --full" if full else ""
    return (
        f"{START}\n"
        f"Last run: {when}, {size}, on commit {_commit()}, by "
        f"`python -m tests.reliability.figures{flag}` over `{' '.join(targets)}` "
        f"({len(records)} scenario runs, all passed).\n\n"
        f"{table(records)}\n"
        f"{END}"
    )


def write(text: str) -> None:
    """Replace the figures section of docs/RELIABILITY.md."""
    document = DOCUMENT.read_text()
    before, rest = document.split(START, 1)
    _, after = rest.split(END, 1)
    DOCUMENT.write_text(before + text + after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full size, not the CI size")
    parser.add_argument("targets", nargs="*", default=DEFAULT_TARGETS, help="pytest targets")
    arguments = parser.parse_args()
    records = run(arguments.targets, full=arguments.full)
    write(section(records, full=arguments.full, targets=arguments.targets))
    print(f"figures of {len(records)} scenario runs written to {DOCUMENT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
