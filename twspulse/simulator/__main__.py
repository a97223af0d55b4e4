"""`python -m simulator`: run a simulated engine in the foreground (the project CLI wraps the same call)."""

from __future__ import annotations

import argparse
from datetime import datetime

from twspulse.simulator.config import SimConfig
from twspulse.simulator.server import serve_forever


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=31116)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--speed", type=float, default=60.0, help="simulated seconds per real second")
    parser.add_argument("--jobs", type=int, default=None, help="jobs per production day (default 72)")
    parser.add_argument(
        "--start",
        type=datetime.fromisoformat,
        default=None,
        help="start of the first production day, ISO-8601 with offset (default: last UTC midnight)",
    )
    parser.add_argument("--user", default="twsuser")
    parser.add_argument("--password", default="twspass")
    parser.add_argument("--token", default=None, help="also accept this Bearer token")
    args = parser.parse_args(argv)
    options: dict[str, object] = {"seed": args.seed, "speed": args.speed, "total_jobs": args.jobs}
    if args.start is not None:
        options["start"] = args.start
    serve_forever(SimConfig(**options), args.host, args.port, args.user, args.password, args.token)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
