"""`python -m bench [--quick | --smoke]`: run the benchmark and write its figures and plots."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.load import ensure_wrk
from bench.plan import PLANS
from bench.report import results_table, write
from bench.run import run
from bench.targets import targets_table

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/incidents_bench"


def main() -> None:
    """Parse the command line, run the chosen plan, write the report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, well under a minute")
    size.add_argument("--smoke", action="store_true", help="SQLite, 300 rows: checks the harness")
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        help="a PostgreSQL database the run may drop and create (default: %(default)s)",
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="where PERFORMANCE.md and perf/ go (docs/)"
    )
    args = parser.parse_args()
    plan = PLANS["smoke" if args.smoke else "quick" if args.quick else "full"]
    ensure_wrk()
    outcome = run(plan, postgres_dsn=args.postgres)
    print(results_table(outcome))
    print(targets_table(outcome))
    root = args.output or Path(__file__).parents[1] / "docs"
    print(f"wrote {write(outcome, root)} in {outcome.seconds:.0f} s")


if __name__ == "__main__":
    main()
