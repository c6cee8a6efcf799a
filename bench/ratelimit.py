"""`python -m bench.ratelimit`: what counting every request against its key's bucket costs.

Serves an empty registry on SQLite and on PostgreSQL, one worker, and loads the first page
of the list with wrk: with the rate limits off, then on with a limit so high that nothing is
refused (every request still takes from its key's bucket). Rounds alternate, so a busy
machine slows both alike. Prints requests per second and the cost of the limits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from bench.load import ensure_wrk, run_wrk
from bench.run import _postgres_target, _sqlite_target
from bench.server import make_key, serving

PAGE = "/api/v1/incidents?limit=20"
SETTINGS = {"off": "0", "on": "1000000/second"}


def measure(database_url: str, folder: Path, *, rounds: int, seconds: float) -> dict[str, float]:
    """Median requests per second of each setting over `rounds` alternating rounds."""
    token = make_key(database_url)
    rates: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for _ in range(rounds):
        for name, limit in SETTINGS.items():
            os.environ["INCIDENTS_RATE_LIMIT_PER_KEY"] = limit
            with serving(database_url, workers=1, log=folder / "serve.log") as served:
                figures = run_wrk(
                    served.url + PAGE, "path.lua", token=token, seconds=seconds, connections=16
                )
            if figures.errors:
                raise RuntimeError(f"{figures.errors} errors with the limits {name}")
            rates[name].append(figures.rate)
    os.environ.pop("INCIDENTS_RATE_LIMIT_PER_KEY")
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ratelimit", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each (default 3)")
    parser.add_argument("--seconds", type=float, default=8, help="seconds a round (default 8)")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/incidents_bench",
        help="a PostgreSQL database the run may drop and create (default: %(default)s)",
    )
    args = parser.parse_args()
    ensure_wrk()
    print("| database | limits off, req/s | limits on, req/s | cost |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-ratelimit-") as scratch:
        folder = Path(scratch)
        for target in (_sqlite_target(folder), _postgres_target(args.postgres)):
            rates = measure(target.url, folder, rounds=args.rounds, seconds=args.seconds)
            cost = 1 - rates["on"] / rates["off"]
            print(f"| {target.database} | {rates['off']:.0f} | {rates['on']:.0f} | {cost:.0%} |")


if __name__ == "__main__":
    main()
