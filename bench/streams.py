"""The stream worker measured end to end on a real Kafka broker, on TimescaleDB and on plain PostgreSQL.

Run: .venv/bin/python -m bench.streams [--events 50000] [--rate 1000] [--seconds 20] [--rekey]
     [--engines timescaledb,postgresql]
Each engine (the embedded database, TimescaleDB 2.29 or plain PostgreSQL 18) gets its own fresh stack and
the same steps 1-3; a table at the end puts the figures side by side.
(as a module from the repository root: run as a script, this file would shadow the `streams` package)
1. throughput: --events job events (2,000 job definitions; each run as HOLD, READY, EXEC and its final
   status, or only final statuses with --final-only) pre-loaded into tws.job.events, keyed by job
   definition as the TWS connector keys them (--rekey: by job instance, so the worker re-keys them
   first), then `twspulse worker` started as its own process; events/s from the first row to the last,
   through decode -> enrichment (changelog-backed baseline table) -> COPY/upsert into job_runs;
2. latency: with the worker running, events offered at --rate events/s for --seconds; event-to-row
   latency = row insert time (ingested_at) minus the moment the event was produced, p50/p95/p99;
3. the worker's peak RSS;
4. the joblog pattern miner's lines/s on the output of simulated failed runs (in this process).
Starts its own engines unless TWSPULSE_KAFKA_BOOTSTRAP / TWSPULSE_DATABASE_URL are set.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import psycopg
from confluent_kafka import Producer

from twspulse import db
from twspulse.demo import start_worker, stop_worker
from twspulse.engines.stack import LocalStack
from twspulse.events import JobEvent, StatusCategory
from twspulse.job_keys import job_key
from twspulse.kafka_clients import librdkafka_config
from twspulse.settings import load_settings

T0 = datetime(2025, 1, 1, tzinfo=UTC)  # far enough back that no bulk event is newer than the latency probes


PHASES = (("WAITING", "HOLD", StatusCategory.WAITING), ("READY", "READY", StatusCategory.WAITING),
          ("RUNNING", "EXEC", StatusCategory.RUNNING))  # fmt: skip


def event(i: int, observed: datetime | None = None, final_only: bool = False) -> JobEvent:
    """Event i: a run's HOLD, READY, EXEC and final status in turn (as the connector sees a run), or only
    final statuses with ``final_only`` (the worst case: every event changes a baseline)."""
    run, phase = (i, 3) if final_only else divmod(i, 4)
    job = run % 2000
    day = run // 2000
    start = T0 + timedelta(days=day, seconds=job * 30)
    end = start + timedelta(seconds=60 + (run * 7919) % 90)
    ok = (run * 31) % 17 != 0
    if phase < 3:
        status, internal, category = PHASES[phase]
        when = start if phase == 2 else start - timedelta(seconds=10 - phase)
    else:
        status, internal = ("SUCCESSFUL", "SUCC") if ok else ("ERROR", "ABEND")
        category = StatusCategory.SUCCEEDED if ok else StatusCategory.FAILED
        when = end
    return JobEvent(
        event_id=f"j{job}-d{day}/r{run}/{internal}", job_id=f"j{job}-d{day}", run_id=f"r{run}",
        plan_id=f"p{day}", job_name=f"JOB_{job:04d}", job_stream=f"STREAM_{job % 80:02d}", workstation="/MDM",
        status=status, internal_status=internal, category=category,
        return_code=(0 if ok else 12) if phase == 3 else None,
        sched_time=start - timedelta(seconds=5), start_time=start if phase >= 2 else None,
        end_time=end if phase == 3 else None, status_time=when, run_attempt=1, observed_at=observed or when,
    )  # fmt: skip


def rows(url: str) -> int:
    with psycopg.connect(url) as conn:
        (n,) = conn.execute("SELECT count(*) FROM job_runs").fetchone() or (0,)
    return int(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--final-only", action="store_true", help="every event a final status (worst case)")
    ap.add_argument("--workers", type=int, default=1, help="worker processes (one consumer group)")
    ap.add_argument("--rekey", action="store_true", help="key by job instance id: the worker re-keys first")
    ap.add_argument("--engines", default="timescaledb,postgresql",
                    help="embedded databases to run in turn (TWSPULSE_DATABASE_URL: that one only)")  # fmt: skip
    args = ap.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    if load_settings().database_url:
        engines = ["external"]
    results = []
    for engine in engines:
        print(f"--- {engine}")
        results.append(run_engine(args, engine))
    keys = list(results[0])
    width = max(len(k) for k in keys)
    cols = [max(len(r[k]) for k in keys) for r in results]
    print()
    for k in keys:
        print(f"{k:<{width}}  " + "  ".join(f"{r[k]:>{c}}" for r, c in zip(results, cols, strict=True)))
    mine_rate()


def run_engine(args: argparse.Namespace, engine: str) -> dict[str, str]:
    """Throughput, latency and RSS with the database of ``engine``; returns the figures for the table."""
    overrides: dict[str, object] = {"data_dir": Path(tempfile.mkdtemp(prefix="bench-streams-")), "log_json": False}
    if engine != "external":
        overrides["local_db_engine"] = engine
    settings = load_settings(**overrides)
    stack = LocalStack(settings, settings.data_dir)
    ep = stack.start()
    result = {"engine": db.engine_mode(ep.database_url) if engine == "external" else engine}
    producer = Producer(
        librdkafka_config(ep.kafka_bootstrap, "bench-streams")
        | {"linger.ms": 20, "compression.type": "zstd", "partitioner": "murmur2_random"}
    )

    def key(e: JobEvent) -> bytes:
        return (e.job_id if args.rekey else job_key(e)).encode()

    try:
        for i in range(args.events):
            e = event(i, final_only=args.final_only)
            producer.produce("tws.job.events", key=key(e), value=e.to_bytes())
            if i % 5000 == 0:
                producer.poll(0)
        producer.flush(60)
        t_start = time.perf_counter()
        workers = [
            start_worker(settings.model_copy(update={"data_dir": settings.data_dir / f"w{n}"}), ep.kafka_bootstrap,
                         ep.database_url)
            for n in range(args.workers)
        ]  # fmt: skip
        procs = [psutil.Process(w.pid) for w in workers]
        peak = first = 0.0
        while (n := rows(ep.database_url)) < args.events:
            peak = max(peak, sum(p.memory_info().rss for p in procs))
            if n and not first:
                first = time.perf_counter()
            time.sleep(0.2)
        done = time.perf_counter()
        rate = args.events / (done - first)
        print(f"throughput: {args.events:,} job events in {done - first:.1f}s after the first row = "
              f"{rate:,.0f} events/s (worker start to first row {first - t_start:.1f}s)")  # fmt: skip
        result["job events/s"] = f"{rate:,.0f}"

        n_lat = int(args.rate * args.seconds)
        latency_from = datetime.now(UTC)
        begin = time.perf_counter()
        for k in range(n_lat):
            due = begin + k / args.rate
            while (now := time.perf_counter()) < due:
                time.sleep(min(0.001, due - now))
            e = event(args.events + k, observed=datetime.now(UTC), final_only=args.final_only)
            producer.produce("tws.job.events", key=key(e), value=e.to_bytes())
            producer.poll(0)
            peak = max(peak, sum(p.memory_info().rss for p in procs)) if k % 1000 == 0 else peak
        producer.flush(30)
        offered = n_lat / (time.perf_counter() - begin)
        while rows(ep.database_url) < args.events + n_lat:
            time.sleep(0.2)
        with psycopg.connect(ep.database_url) as conn:
            p50, p95, p99 = conn.execute(
                "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP "
                "(ORDER BY extract(epoch FROM ingested_at - observed_at)) FROM job_runs WHERE observed_at > %s",
                (latency_from,),
            ).fetchone()[0]
        print(f"latency at {offered:,.0f} events/s offered: event-to-row p50={p50 * 1000:.0f} ms "
              f"p95={p95 * 1000:.0f} ms p99={p99 * 1000:.0f} ms over {n_lat:,} events")  # fmt: skip
        print(f"worker peak RSS {peak / 2**20:.0f} MiB ({args.workers} worker process(es))")
        result["latency probe, events/s offered"] = f"{offered:,.0f}"
        result["event-to-row p50/p95/p99 ms"] = f"{p50 * 1000:.0f} / {p95 * 1000:.0f} / {p99 * 1000:.0f}"
        result["worker peak RSS MiB"] = f"{peak / 2**20:.0f}"
        for w in workers:
            stop_worker(w)
    finally:
        stack.stop()
    return result


def mine_rate(repeat: int = 50) -> None:
    """Lines/s of the joblog pattern miner over the output of 400 simulated failed runs, seen `repeat`
    times (after the first pass the templates are known: the steady state of a long-running worker)."""
    from bench.patterns_loghub import simulated_joblog_lines
    from twspulse.joblog.miner import PatternMiner

    lines = simulated_joblog_lines()
    miner = PatternMiner()
    start = time.perf_counter()
    for _ in range(repeat):
        for line in lines:
            miner.add(line)
    took = time.perf_counter() - start
    print(f"pattern miner: {len(lines) * repeat:,} joblog lines in {took:.1f}s = "
          f"{len(lines) * repeat / took:,.0f} lines/s ({len(miner):,} patterns)")  # fmt: skip


if __name__ == "__main__":
    main()
