"""What a deployment does to TimescaleDB, end to end on the real engine (TimescaleDB 2.29, PostgreSQL 18).

- the worker's sink (binary COPY into a staging table, ``INSERT ... ON CONFLICT DO NOTHING``) into
  hypertables spanning several chunks, redelivery writing nothing twice;
- rows arriving late, through the running worker, into chunks the compression policy already compressed:
  no error, no loss, and a redelivered batch adds no duplicate;
- the retention policy dropping chunks while the worker keeps writing;
- the background scheduler (not ``CALL run_job``) running every refresh policy and a compression policy;
- the model jobs' series read from the ``host_metrics_1h`` continuous aggregate over compressed raw chunks.

Skipped when the suite runs on plain PostgreSQL only (TWSPULSE_LOCAL_DB_ENGINE=postgresql).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from confluent_kafka import Producer

from tests.conftest import PgServers
from tests.helpers import count, wait_until
from twspulse.events import HostMetrics, JobEvent, StatusCategory
from twspulse.job_keys import job_key
from twspulse.models.series import host_resource_series
from twspulse.streams.rows import JOB_RUN_COLUMNS, job_run_row
from twspulse.streams.timescale_sink import TimescaleSink


@pytest.fixture
def ts_url(pg_servers: PgServers) -> Iterator[str]:
    """A fresh migrated database on the TimescaleDB server."""
    if not pg_servers.enabled("timescaledb"):
        pytest.skip("TWSPULSE_LOCAL_DB_ENGINE=postgresql: the suite runs without TimescaleDB")
    url = pg_servers.create_database("timescaledb")
    yield url
    pg_servers.drop_database(url)


def _event(t: datetime, i: int, job: str = "LOAD") -> JobEvent:
    end = t + timedelta(seconds=60)
    return JobEvent(
        event_id=f"{job}{i}/run{i}/SUCC", job_id=f"{job}{i}", run_id=f"run-{job}-{i}", plan_id="p", job_name=job,
        job_stream="DAILY", workstation="/MDM", folder="/FIN/", status="SUCCESSFUL", internal_status="SUCC",
        category=StatusCategory.SUCCEEDED, return_code=0, sched_time=t, start_time=t, end_time=end,
        status_time=end, observed_at=end,
    )  # fmt: skip


def _metrics(t: datetime, host: str = "web01", cpu: float = 40.0) -> HostMetrics:
    return HostMetrics(
        host=host, time=t, cpu_percent=cpu, load_1m=0.5, memory_percent=50.0, memory_used_bytes=1 << 30,
        swap_percent=0.0, net_bytes_sent=0, net_bytes_recv=0,
    )  # fmt: skip


def _job_id(conn: psycopg.Connection[Any], proc: str, relation: str) -> int:
    row = conn.execute(
        "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = %s AND hypertable_name = %s",
        (proc, relation),
    ).fetchone()
    assert row, f"no {proc} job on {relation}"
    return int(row[0])


def _compressed_chunks(url: str, table: str) -> int:
    return count(
        url,
        "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = %s AND is_compressed",
        table,
    )


def _produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    p = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random"})
    for key, value in records:
        p.produce(topic, key=key, value=value)
    assert p.flush(30) == 0


def test_sink_copies_into_hypertable_chunks_and_redelivery_writes_nothing_twice(ts_url: str) -> None:
    t0 = datetime.now(UTC) - timedelta(days=30)
    rows = [job_run_row(_event(t0 + timedelta(minutes=10 * i), i)) for i in range(30 * 144)]  # 30 days

    async def run() -> tuple[bool, list[Any], list[Any]]:
        sink = TimescaleSink(ts_url)
        try:
            async with sink.connection() as conn:
                binary = await sink._binary_types(conn, "job_runs", JOB_RUN_COLUMNS) is not None
            first = [r for i in range(0, len(rows), 1000) for r in await sink.write("job_runs", JOB_RUN_COLUMNS,
                                                                                     rows[i : i + 1000])]  # fmt: skip
            again = await sink.write("job_runs", JOB_RUN_COLUMNS, rows[::7])
            return binary, first, again
        finally:
            await sink.close()

    binary, refused, again = asyncio.run(run())
    assert binary, "job_runs columns are all binary-safe: the worker's path is the binary COPY"
    assert refused == [] and again == []
    assert count(ts_url, "SELECT count(*) FROM job_runs") == len(rows)
    assert count(ts_url, "SELECT count(DISTINCT event_id) FROM job_runs") == len(rows)
    chunks = count(ts_url, "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'job_runs'")
    assert chunks >= 5  # 7-day chunks over 30 days: the COPY was routed into each


@pytest.mark.slow
def test_late_rows_into_compressed_chunks_through_the_worker(kafka: str, ts_url: str, start_worker) -> None:  # type: ignore[no-untyped-def]
    """Compressed by the policy, then written to again by the worker: late rows land, redelivery adds nothing."""
    old = datetime.now(UTC) - timedelta(days=21)
    first = [_event(old + timedelta(hours=i), i) for i in range(48)]
    key = job_key(first[0]).encode()  # one job definition: one partition keeps the order end to end
    _produce(kafka, "tws.job.events", [(key, e.to_bytes()) for e in first])
    worker = start_worker(kafka, ts_url)
    wait_until(lambda: count(ts_url, "SELECT count(*) FROM job_runs") == len(first), worker=worker,
               what="the first rows")  # fmt: skip

    with psycopg.connect(ts_url, autocommit=True) as conn:
        conn.execute(f"CALL run_job({_job_id(conn, 'policy_compression', 'job_runs')})")
    compressed = _compressed_chunks(ts_url, "job_runs")
    assert compressed >= 1, "the compression policy (14 days) compressed the three-week-old chunks"

    late = [_event(old + timedelta(hours=i, minutes=30), 1000 + i) for i in range(24)]
    sentinel = _event(datetime.now(UTC) - timedelta(minutes=5), 9999)
    records = [*first, *late, *first[:10], sentinel]  # late rows, a redelivery of ten, then a fresh row
    _produce(kafka, "tws.job.events", [(key, e.to_bytes()) for e in records])
    total = len(first) + len(late) + 1
    wait_until(lambda: count(ts_url, "SELECT count(*) FROM job_runs WHERE event_id = %s", sentinel.event_id),
               worker=worker, what="the fresh row behind the late ones")  # fmt: skip

    assert count(ts_url, "SELECT count(*) FROM job_runs") == total
    assert count(ts_url, "SELECT count(*) FROM (SELECT event_id FROM job_runs GROUP BY 1 HAVING count(*) > 1) d") == 0
    assert count(ts_url, "SELECT count(*) FROM dead_letters") == 0, worker.log()
    assert _compressed_chunks(ts_url, "job_runs") == compressed  # the chunks stay compressed (partially)
    assert "Traceback" not in worker.log()


@pytest.mark.slow
def test_retention_drops_old_chunks_while_the_worker_writes(kafka: str, ts_url: str, start_worker) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    expired = [_metrics(now - timedelta(days=40, hours=h)) for h in range(0, 72, 2)]  # past the 30-day policy
    fresh = [_metrics(now - timedelta(minutes=m)) for m in range(60, 0, -1)]
    _produce(kafka, "host.metrics", [(b"web01", m.to_bytes()) for m in [*expired, *fresh[:20]]])
    worker = start_worker(kafka, ts_url)
    rows_per_sample = 7  # cpu, load, memory % and bytes, swap, net sent and received (no disks)
    wait_until(lambda: count(ts_url, "SELECT count(DISTINCT time) FROM host_metrics") == len(expired) + 20,
               worker=worker, what="the first samples")  # fmt: skip
    old_chunks = count(
        ts_url,
        "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'host_metrics' "
        "AND range_end < now() - INTERVAL '30 days'",
    )
    assert old_chunks >= 2

    stop = threading.Event()

    def keep_producing() -> None:  # the worker is busy writing while the policy drops chunks
        for m in fresh[20:]:
            if stop.is_set():
                return
            _produce(kafka, "host.metrics", [(b"web01", m.to_bytes())])

    producer = threading.Thread(target=keep_producing)
    producer.start()
    with psycopg.connect(ts_url, autocommit=True) as conn:
        conn.execute(f"CALL run_job({_job_id(conn, 'policy_retention', 'host_metrics')})")
    producer.join(60)
    stop.set()

    wait_until(lambda: count(ts_url, "SELECT count(DISTINCT time) FROM host_metrics") == len(fresh),
               worker=worker, what="every fresh sample, and no expired one")  # fmt: skip
    assert count(ts_url, "SELECT count(*) FROM host_metrics WHERE time < now() - INTERVAL '30 days'") == 0
    assert (
        count(
            ts_url,
            "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'host_metrics' "
            "AND range_end < now() - INTERVAL '30 days'",
        )
        == 0
    )
    assert count(ts_url, "SELECT count(*) FROM host_metrics") >= len(fresh) * rows_per_sample
    assert count(ts_url, "SELECT count(*) FROM dead_letters") == 0, worker.log()
    assert worker.proc.poll() is None


def _host_rows(days: int, now: datetime) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=days)
    for i in range(days * 24 * 6):  # every 10 minutes
        t = start + timedelta(minutes=10 * i)
        rows.append((t, "db01", "cpu.percent", "", 30.0 + (i % 37)))
        rows.append((t, "db01", "disk.used_percent", "/data", 50.0 + i / 100))
    return rows


def _load_host_rows(url: str, rows: list[tuple[Any, ...]]) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY host_metrics (time, host, metric, device, value) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)


def test_the_background_scheduler_runs_every_refresh_policy_and_compression(ts_url: str) -> None:
    """Policies run by TimescaleDB's own background workers, as in production: nothing calls run_job."""
    _load_host_rows(ts_url, _host_rows(4, datetime.now(UTC)))
    with psycopg.connect(ts_url, autocommit=True) as conn:
        # level 0: compression and the aggregates on raw tables; level 1: host_metrics_1h, built on
        # host_metrics_1m, which reads what its parent materialized (in production the hourly policy
        # simply catches up at its next run)
        levels = conn.execute(
            """SELECT j.job_id, coalesce(s.total_successes, 0),
                      CASE WHEN ca.parent_mat_hypertable_id IS NULL THEN 0 ELSE 1 END
                 FROM timescaledb_information.jobs j
                 LEFT JOIN timescaledb_information.job_stats s USING (job_id)
                 LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.user_view_name = j.hypertable_name
                WHERE j.proc_name = 'policy_refresh_continuous_aggregate'
                   OR (j.proc_name = 'policy_compression' AND j.hypertable_name = 'host_metrics')"""
        ).fetchall()
    jobs = {job_id: before for job_id, before, _ in levels}
    assert len(jobs) == 5  # four refresh policies and host_metrics' compression

    def ran(level: int) -> bool:
        ids = [j for j, _, lv in levels if lv == level]
        with psycopg.connect(ts_url) as conn:
            done = dict(
                conn.execute(
                    "SELECT job_id, total_successes FROM timescaledb_information.job_stats WHERE job_id = ANY(%s)",
                    (ids,),
                ).fetchall()
            )
        return all(done.get(j, 0) > jobs[j] for j in ids)

    for level in (0, 1):
        with psycopg.connect(ts_url, autocommit=True) as conn:
            for job_id, _, lv in levels:
                if lv == level:
                    conn.execute("SELECT alter_job(%s, next_start => now())", (job_id,))
        wait_until(lambda lv=level: ran(lv), timeout_s=120, what=f"the scheduler to run the level-{level} policies")
    assert count(ts_url, "SELECT count(*) FROM timescaledb_information.job_stats "
                         "WHERE job_id = ANY(%s) AND last_run_status <> 'Success'", list(jobs)) == 0  # fmt: skip
    assert _compressed_chunks(ts_url, "host_metrics") >= 1  # chunks older than 2 days
    with psycopg.connect(ts_url) as conn:
        for view, schema, mat in conn.execute(
            "SELECT view_name, materialization_hypertable_schema, materialization_hypertable_name "
            "FROM timescaledb_information.continuous_aggregates WHERE view_name LIKE 'host_metrics%%'"
        ).fetchall():
            n = conn.execute(f'SELECT count(*) FROM "{schema}"."{mat}"').fetchone()
            assert n and n[0] > 0, f"{view}: the policy materialized nothing"


def test_model_series_read_the_continuous_aggregate_over_compressed_chunks(ts_url: str) -> None:
    """``twspulse train`` reads host series from host_metrics_1h: materialized, compressed raw rows below it."""
    now = datetime.now(UTC)
    _load_host_rows(ts_url, _host_rows(10, now))
    with psycopg.connect(ts_url, autocommit=True) as conn:
        conn.execute(f"CALL run_job({_job_id(conn, 'policy_compression', 'host_metrics')})")
        conn.execute("CALL refresh_continuous_aggregate('host_metrics_1m', NULL, NULL)")
        conn.execute("CALL refresh_continuous_aggregate('host_metrics_1h', NULL, NULL)")
        series = {s.key: s for s in host_resource_series(conn, now - timedelta(days=10))}
        raw = dict(
            conn.execute(
                """SELECT time_bucket('1 hour', time), avg(value) FROM host_metrics
                    WHERE metric = 'disk.used_percent' GROUP BY 1"""
            ).fetchall()
        )
    assert _compressed_chunks(ts_url, "host_metrics") >= 5
    disk = series["db01/disk.used_percent//data"].frame
    assert len(disk) >= 10 * 24 - 1
    for ds, y in zip(disk["ds"], disk["y"], strict=True):
        assert y == pytest.approx(raw[ds.to_pydatetime().replace(tzinfo=UTC)], rel=1e-9), ds
