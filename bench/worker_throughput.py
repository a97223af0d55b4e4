"""Events/s through the whole worker: Kafka topic -> Faust agent -> decode -> COPY/upsert -> PostgreSQL.

Run: .venv/bin/python bench/worker_throughput.py [--events 50000]
Starts a local Kafka broker and the embedded PostgreSQL (unless TWSPULSE_* URLs are set), pre-loads
tws.job.events, then starts `twspulse worker` as its own process and times how long the rows take to
land. Prints events/s, the time to the first row, and the worker's peak memory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg
from confluent_kafka import Producer

from bench.sink_throughput import make_rows
from twspulse.demo import start_worker, stop_worker
from twspulse.engines.stack import LocalStack
from twspulse.events import JobEvent, StatusCategory
from twspulse.settings import load_settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=50_000)
    args = ap.parse_args()
    settings = load_settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-worker-")), log_json=False)
    stack = LocalStack(settings, settings.data_dir)
    ep = stack.start()
    try:
        p = Producer({"bootstrap.servers": ep.kafka_bootstrap, "linger.ms": 50, "compression.type": "zstd"})
        for i, row in enumerate(make_rows(args.events)):
            e = JobEvent(
                event_id=str(row[1]), job_id=str(row[2]), run_id=str(row[3]), plan_id="p", job_name=str(row[5]),
                job_stream=str(row[6]), workstation="/MDM", status="SUCCESSFUL", internal_status="SUCC",
                category=StatusCategory.SUCCEEDED, return_code=0, status_time=row[0], observed_at=row[0],
            )  # type: ignore[arg-type]  # fmt: skip
            p.produce("tws.job.events", key=e.job_id.encode(), value=e.to_bytes())
            if i % 10_000 == 0:
                p.poll(0)
        p.flush(60)
        start = time.perf_counter()
        worker = start_worker(settings, ep.kafka_bootstrap, ep.database_url)
        proc = psutil.Process(worker.pid)
        peak = 0
        first = None
        while True:
            with psycopg.connect(ep.database_url) as conn:
                (n,) = conn.execute("SELECT count(*) FROM job_runs").fetchone() or (0,)
            try:
                peak = max(peak, proc.memory_info().rss)
            except psutil.NoSuchProcess:
                sys.exit("worker died")
            if n and first is None:
                first = time.perf_counter() - start
            if n >= args.events:
                break
            time.sleep(0.2)
        took = time.perf_counter() - start
        print(f"events={args.events}  total {took:.1f}s (incl. worker start)  first row after {first:.1f}s")
        print(f"throughput after first row: {args.events / (took - (first or 0)):,.0f} events/s")
        print(f"worker peak RSS {peak / 2**20:.0f} MiB")
        stop_worker(worker)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
