"""Rows/s of the worker's database sink (COPY into staging + idempotent upsert) on a real PostgreSQL.

Run: .venv/bin/python -m bench.sink_throughput [--rows 200000] [--batch 500]
Uses TWSPULSE_DATABASE_URL when set, else starts the embedded PostgreSQL in a temporary folder.
Prints rows/s for fresh inserts and for a full redelivery (every row already present), batch latency
percentiles and peak memory of this process.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streams.rows import JOB_RUN_COLUMNS, job_run_row
from streams.timescale_sink import TimescaleSink
from twspulse import db
from twspulse.engines.postgres import LocalPostgres
from twspulse.events import JobEvent, StatusCategory
from twspulse.settings import load_settings


def make_rows(n: int) -> list[tuple[object, ...]]:
    t0 = datetime(2026, 11, 24, tzinfo=UTC)
    rows = []
    for i in range(n):
        t = t0 + timedelta(seconds=i)
        e = JobEvent(
            event_id=f"job{i}/run{i}/SUCC", job_id=f"job{i}", run_id=f"run{i}", plan_id="p", job_name=f"JOB{i % 500}",
            job_stream=f"S{i % 40}", workstation="/MDM", status="SUCCESSFUL", internal_status="SUCC",
            category=StatusCategory.SUCCEEDED, return_code=0, start_time=t - timedelta(seconds=40), end_time=t,
            status_time=t, observed_at=t,
        )  # fmt: skip
        rows.append(job_run_row(e))
    return rows


async def run(url: str, rows: list[tuple[object, ...]], batch: int) -> None:
    sink = TimescaleSink(url)
    for label in ("fresh insert", "redelivery (all duplicates)"):
        lat = []
        start = time.perf_counter()
        for i in range(0, len(rows), batch):
            t = time.perf_counter()
            await sink.write("job_runs", JOB_RUN_COLUMNS, rows[i : i + batch])
            lat.append((time.perf_counter() - t) * 1000)
        took = time.perf_counter() - start
        q = statistics.quantiles(lat, n=100)
        print(
            f"{label:<28} {len(rows) / took:>10,.0f} rows/s  batch={batch}  "
            f"latency ms p50={q[49]:.1f} p95={q[94]:.1f} p99={q[98]:.1f}"
        )
    await sink.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args()
    settings = load_settings()
    server = None
    url = settings.database_url
    if not url:
        server = LocalPostgres(Path(tempfile.mkdtemp(prefix="bench-pg-")) / "data")
        url = server.start()
    db.migrate(url)
    rows = make_rows(args.rows)
    asyncio.run(run(url, rows, args.batch))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if server:
        server.stop()


if __name__ == "__main__":
    main()
