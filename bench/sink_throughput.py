"""The worker's database sink (COPY into staging + idempotent upsert) on both engines, side by side.

Run: .venv/bin/python -m bench.sink_throughput [--rows 200000] [--batch 2000] [--engines timescaledb,postgresql]
For each engine (the embedded server, TimescaleDB 2.29 built from source or plain PostgreSQL 18, both
started in a temporary folder; TWSPULSE_DATABASE_URL is measured as one more column when set):
1. rows/s of ``job_runs`` rows written through ``TimescaleSink`` (fresh inserts, then a full redelivery
   where every row is already present), with batch latency p50/p95/p99;
2. the database size of one day of the demo's data (the simulator's production day of job runs, as the
   history of ``make demo`` publishes it, and its four hosts sampled every 15 s as the system connector
   does), written through the same sink: as written, and on TimescaleDB after every chunk is compressed
   (the compression policies' settings: segment by job stream / host and metric).
Prints one table with a column per engine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from twspulse import db
from twspulse.demo_history import publish_history
from twspulse.engines.postgres import LocalPostgres
from twspulse.events import HostMetrics, JobEvent, StatusCategory
from twspulse.settings import load_settings
from twspulse.simulator.config import SimConfig
from twspulse.streams.rows import HOST_METRIC_COLUMNS, JOB_RUN_COLUMNS, host_metric_rows, job_run_row
from twspulse.streams.timescale_sink import TimescaleSink

Row = tuple[object, ...]
SIZE_TABLES = ("job_runs", "host_metrics")


def make_rows(n: int) -> list[Row]:
    """``n`` narrow job_runs rows, one a second."""
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


class _Collector:
    """Takes what ``publish_history`` would send to Kafka (the EventProducer surface it uses)."""

    transactional = False

    def __init__(self) -> None:
        self.job_runs: list[Row] = []
        self.host_metrics: list[Row] = []

    def send(self, topic: str, key: str, value: Any) -> None:
        if isinstance(value, JobEvent):
            self.job_runs.append(job_run_row(value))
        elif isinstance(value, HostMetrics):
            self.host_metrics.extend(host_metric_rows(value))

    def flush(self, timeout_s: float = 30.0) -> None:
        """Nothing is buffered."""


def demo_day() -> _Collector:
    """One day of the demo's data: the simulator's production day and four hosts every 15 s."""
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    collector = _Collector()
    publish_history(collector, SimConfig(seed=42, start=day), 1, host_until=day, step_s=15)  # type: ignore[arg-type]
    return collector


async def _write(url: str, table: str, columns: Sequence[str], rows: list[Row], batch: int) -> list[float]:
    sink = TimescaleSink(url)
    lat = []
    try:
        for i in range(0, len(rows), batch):
            t = time.perf_counter()
            refused = await sink.write(table, columns, rows[i : i + batch])
            assert not refused, refused[:3]
            lat.append((time.perf_counter() - t) * 1000)
    finally:
        await sink.close()
    return lat


def measure_throughput(url: str, rows: list[Row], batch: int) -> dict[str, str]:
    """Fresh and redelivered rows/s with batch latencies."""
    out = {}
    for label in ("fresh insert", "redelivery"):
        start = time.perf_counter()
        lat = asyncio.run(_write(url, "job_runs", JOB_RUN_COLUMNS, rows, batch))
        took = time.perf_counter() - start
        q = statistics.quantiles(lat, n=100)
        out[f"{label} rows/s"] = f"{len(rows) / took:,.0f}"
        out[f"{label} batch p50/p95/p99 ms"] = f"{q[49]:.1f} / {q[94]:.1f} / {q[98]:.1f}"
    return out


def _size(conn: psycopg.Connection[Any], table: str, timescale: bool) -> int:
    query = "SELECT hypertable_size(%s::regclass)" if timescale else "SELECT pg_total_relation_size(%s::regclass)"
    row = conn.execute(query, (table,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def measure_size(url: str, day: _Collector, batch: int) -> dict[str, str]:
    """Size of one demo day as written, and (TimescaleDB) after compressing every chunk."""
    asyncio.run(_write(url, "job_runs", JOB_RUN_COLUMNS, day.job_runs, batch))
    asyncio.run(_write(url, "host_metrics", HOST_METRIC_COLUMNS, day.host_metrics, batch))
    timescale = db.engine_mode(url) == "timescaledb"
    mib = 2**20
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE job_runs, host_metrics")
        written = {t: _size(conn, t, timescale) for t in SIZE_TABLES}
        out = {
            "demo day rows (job_runs + host_metrics)": f"{len(day.job_runs):,} + {len(day.host_metrics):,}",
            "demo day as written, MiB": f"{sum(written.values()) / mib:.2f}",
        }
        if timescale:
            for t in SIZE_TABLES:
                conn.execute(f"SELECT count(compress_chunk(c, if_not_compressed => true)) FROM show_chunks('{t}') c")
            compressed = {t: _size(conn, t, timescale) for t in SIZE_TABLES}
            ratio = sum(written.values()) / max(sum(compressed.values()), 1)
            out["demo day compressed, MiB"] = f"{sum(compressed.values()) / mib:.2f} ({ratio:.1f}x smaller)"
        else:
            out["demo day compressed, MiB"] = "n/a (no compression)"
    return out


def _fresh_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    db.migrate(url)
    return url


def run_engine(admin_url: str, rows: list[Row], day: _Collector, batch: int) -> dict[str, str]:
    """Every measurement on one server, each in its own fresh database."""
    url = _fresh_database(admin_url, "bench_sink")
    result = {"engine": _engine_label(url)}
    result.update(measure_throughput(url, rows, batch))
    result.update(measure_size(_fresh_database(admin_url, "bench_size"), day, batch))
    return result


def _engine_label(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
        version = conn.execute("SHOW server_version").fetchone()
    pg = f"PostgreSQL {version[0] if version else '?'}"
    return f"TimescaleDB {row[0]} / {pg}" if row else pg


def print_table(results: list[dict[str, str]]) -> None:
    """One row per measurement, one column per engine."""
    keys = list(results[0])
    width = max(len(k) for k in keys)
    cols = [max(len(r.get(k, "")) for k in keys) for r in results]
    for k in keys:
        print(f"{k:<{width}}  " + "  ".join(f"{r.get(k, ''):>{c}}" for r, c in zip(results, cols, strict=True)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=2000, help="rows per sink write (the worker's batch size)")
    ap.add_argument("--engines", default="timescaledb,postgresql", help="embedded engines to measure")
    args = ap.parse_args()
    settings = load_settings()
    rows = make_rows(args.rows)
    t0 = time.perf_counter()
    day = demo_day()
    print(f"demo day built in {time.perf_counter() - t0:.1f}s; {args.rows:,} rows per throughput run, "
          f"batches of {args.batch:,}")  # fmt: skip
    results = []
    for engine in [e for e in args.engines.split(",") if e]:
        server = LocalPostgres(Path(tempfile.mkdtemp(prefix=f"bench-{engine}-")) / "data", engine=engine)
        try:
            results.append(run_engine(server.start(), rows, day, args.batch))
        finally:
            server.stop()
    if settings.database_url:
        results.append(run_engine(settings.database_url, rows, day, args.batch))
    print_table(results)


if __name__ == "__main__":
    main()
