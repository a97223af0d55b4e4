"""`twspulse anomalies score` prints the flags the worker raises, and the worker stores why a point was flagged."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from click.testing import CliRunner

from twspulse.events import DiskUsage, HostMetrics, JobEvent, StatusCategory
from twspulse.models.cli import anomalies_group
from twspulse.streams.anomaly_stage import ANOMALY_COLUMNS, AnomalyStage
from twspulse.streams.enrichment import Enrichment
from twspulse.streams.timescale_sink import TimescaleSink

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def _cpu_series() -> list[float]:
    rng = np.random.default_rng(7)
    t = np.arange(1500)
    cpu = 30 + 8 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 1.5, len(t))
    cpu[700] = 97.0  # a spike
    cpu[1100:] += 25  # a level shift
    return [round(float(v), 3) for v in cpu]


def _sample(i: int, cpu: float) -> HostMetrics:
    return HostMetrics(
        host="db01", time=T0 + timedelta(minutes=5 * i), cpu_percent=cpu, load_1m=1.0, memory_percent=50.0,
        memory_used_bytes=1, swap_percent=0.0, net_bytes_sent=i, net_bytes_recv=i,
        disks=[DiskUsage(mount="/data", device="/dev/sdb1", total_bytes=100, used_bytes=60, used_percent=60.0)],
    )  # fmt: skip


def test_cli_flags_equal_the_worker_flags_and_rows_carry_the_evidence(database_url: str) -> None:
    cpu = _cpu_series()

    async def worker() -> list[Any]:
        sink = TimescaleSink(database_url)
        try:
            stage = AnomalyStage(sink, threshold=0.9)
            conditions = []
            for start in range(0, len(cpu), 100):  # batches, as the worker gets them
                batch = [_sample(i, cpu[i]) for i in range(start, min(start + 100, len(cpu)))]
                rows, found = await stage.score_hosts(batch)
                assert not await sink.write("anomalies", ANOMALY_COLUMNS, rows)
                conditions += [c for c in found if c.metric == "cpu.percent"]
            return conditions
        finally:
            await sink.close()

    conditions = asyncio.run(worker())
    worker_flags = [i for i, c in enumerate(conditions) if c.firing]

    text = "timestamp,value\n" + "".join(f"{_sample(i, v).time.isoformat()},{v}\n" for i, v in enumerate(cpu))
    result = CliRunner().invoke(anomalies_group, ["score", "-"], input=text)
    assert result.exit_code == 0, result.output
    cli_flags = [i for i, r in enumerate(csv.DictReader(io.StringIO(result.stdout))) if r["is_anomaly"] == "true"]

    assert cli_flags == worker_flags
    assert 700 in worker_flags
    with psycopg.connect(database_url) as conn:
        stored = conn.execute(
            "SELECT time, evidence FROM anomalies WHERE is_anomaly AND metric = 'cpu.percent' ORDER BY time"
        ).fetchall()
    assert [t for t, _ in stored] == [_sample(i, 0).time for i in worker_flags]
    spike = stored[worker_flags.index(700)][1]
    assert spike["component"] == "level" and spike["expected_high"] < 97.0 and spike["score"] >= 0.9
    assert conditions[700].evidence["component"] == "level" and "usual" in conditions[700].summary


def _run(day: int, duration: float) -> tuple[JobEvent, Enrichment]:
    start = T0 + timedelta(days=day, hours=2)
    end = start + timedelta(seconds=duration)
    event = JobEvent(
        event_id=f"j{day}/r{day}/SUCC", job_id=f"j{day}", run_id=f"r{day}", plan_id=f"p{day}", job_name="LOAD",
        job_stream="DAILY", workstation="/MDM", folder="/FIN/", status="X", internal_status="SUCC",
        category=StatusCategory.SUCCEEDED, return_code=0, sched_time=start, start_time=start, end_time=end,
        status_time=end, run_attempt=1, observed_at=end,
    )  # fmt: skip
    return event, Enrichment("/MDM#/FIN/DAILY.LOAD", None, None, None, None, None, None, None, False)


def test_cli_runtimes_flags_equal_the_worker_runtime_flags(database_url: str) -> None:
    durations = [600.0 + (d * 37 % 13) for d in range(40)] + [3000.0, 605.0, 2900.0, 611.0, 240.0, 604.0]
    runs = [_run(d, v) for d, v in enumerate(durations)]

    async def worker() -> list[Any]:
        sink = TimescaleSink(database_url)
        try:
            _, conditions = await AnomalyStage(sink, threshold=0.9).score_runs(runs)
            return conditions
        finally:
            await sink.close()

    worker_flags = [i for i, c in enumerate(asyncio.run(worker())) if c.firing]
    lines = [f"{e.status_time.isoformat()},{v}\n" for (e, _), v in zip(runs, durations, strict=True)]
    text = "timestamp,value\n" + "".join(lines)
    result = CliRunner().invoke(anomalies_group, ["score", "--runtimes", "-"], input=text)
    assert result.exit_code == 0, result.output
    cli_flags = [i for i, r in enumerate(csv.DictReader(io.StringIO(result.stdout))) if r["is_anomaly"] == "true"]
    assert cli_flags == worker_flags == [40, 42, 44]  # the two slow runs and the fast one, no ordinary run
