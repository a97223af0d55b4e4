"""What polling costs the engine: requests per minute for a large plan, and poll latency.

Run: .venv/bin/python -m bench.poll_cost [--jobs 50000] [--interval 10] [--full-every 300] [--minutes 10]
Starts the simulator with a plan of --jobs jobs (frozen clock, moved by --interval simulated seconds per
poll, from 08:00 of the plan day, the busy part) and a local Kafka broker, then runs the real connector:
one full scan, incremental polls, a full scan every --full-every seconds. Prints requests per minute
sent to the engine, jobs transferred per minute, and poll latency percentiles (full and incremental).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from twspulse.connectors.tws.client import TwsClient
from twspulse.connectors.tws.runner import build_poller
from twspulse.engines.kafka import LocalKafka
from twspulse.logs import configure_logging
from twspulse.settings import load_settings
from twspulse.simulator.config import SimConfig
from twspulse.simulator.server import SimulatorServer

DAY = datetime(2026, 11, 24, tzinfo=UTC)  # a fixed production day: same plan, same figures, every run


async def measure(args: argparse.Namespace, bootstrap: str, sim: SimulatorServer) -> None:
    polls = int(args.minutes * 60 / args.interval)
    settings = load_settings(
        tws_url=sim.base_url,
        tws_full_scan_interval_s=args.full_every,
        tws_max_requests_per_s=1000.0,  # measure the cost itself, not our cap
        tws_page_size=args.page_size,
    )
    simulated = [0.0]
    async with TwsClient(settings) as client:
        poller = build_poller(settings, bootstrap, client)
        poller._clock = lambda: simulated[0]  # full-scan schedule follows simulated time
        full_lat, inc_lat = [], []
        first = None
        for _ in range(polls):
            sim.clock.advance(args.interval)
            simulated[0] += args.interval
            t = time.perf_counter()
            r = await poller.poll_once()
            if first is None:  # catch-up: every job and every failure of the day so far, once
                first = r
                print(f"first poll (catch-up): {r.requests} requests, {r.jobs_seen} jobs, {r.joblogs} joblogs, "
                      f"{time.perf_counter() - t:.1f} s")  # fmt: skip
                continue
            (full_lat if r.full_scans else inc_lat).append(time.perf_counter() - t)
        tot = poller.totals
    assert first is not None
    minutes = (polls - 1) * args.interval / 60
    steady_requests = tot.requests - first.requests
    print(f"plan: {args.jobs} jobs; then {polls - 1} polls every {args.interval:.0f}s over {minutes:.1f} simulated min")
    print(f"steady state: {steady_requests / minutes:,.1f} requests/min to the engine "
          f"({tot.full_scans - 1} full scans, {tot.joblogs - first.joblogs} joblogs)")  # fmt: skip
    print(f"jobs transferred: {(tot.jobs_seen - first.jobs_seen) / minutes:,.0f}/min; "
          f"events published {tot.events - first.events}")  # fmt: skip
    for name, lat in (("full scan", full_lat), ("incremental", inc_lat)):
        if len(lat) >= 2:
            q = statistics.quantiles(lat, n=20)
            print(f"{name:<12} polls={len(lat):>3} latency p50={statistics.median(lat) * 1000:,.0f} ms "
                  f"p95={q[18] * 1000:,.0f} ms max={max(lat) * 1000:,.0f} ms")  # fmt: skip
        elif lat:
            print(f"{name:<12} polls={len(lat):>3} latency {lat[0] * 1000:,.0f} ms")
    print(f"peak RSS (connector + simulator) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=50_000)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--full-every", type=float, default=300.0)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--page-size", type=int, default=1000)
    args = ap.parse_args()
    configure_logging("WARNING", json=False)
    kafka = LocalKafka(Path(tempfile.mkdtemp(prefix="bench-kafka-")), load_settings().cache_dir)
    kafka.start()
    sim = SimulatorServer(SimConfig(seed=42, start=DAY, speed=0, total_jobs=args.jobs))
    sim.start()
    try:
        sim.clock.advance(8 * 3600)
        asyncio.run(measure(args, kafka.bootstrap, sim))
    finally:
        sim.stop()
        kafka.stop()


if __name__ == "__main__":
    main()
