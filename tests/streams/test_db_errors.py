"""Database errors by kind, against a real PostgreSQL: what happens to each.

- permanent (the rows' own fault: 22 data exception, 23 integrity, 54 program limit, what psycopg cannot
  send): the offending row is isolated by bisection and returned with its reason (the worker dead-letters
  it), every other row of the batch is stored, in a few round trips and without any retry wait;
- transient (08 connection, 40 rollback, 53 resources, 57 operator intervention, 58 system, a pool
  without connections): the same rows are retried with backoff until they land, and the wait ends
  (``Stopping``) as soon as the worker stops;
- schema (a missing table or column): waited for like a transient error (tests/streams/test_timescale_sink.py).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors
from psycopg_pool import PoolTimeout

from twspulse.engines.postgres import LocalPostgres
from twspulse.events import JobEvent, StatusCategory
from twspulse.streams.db_errors import ErrorKind, classify
from twspulse.streams.retry_policy import RetryPolicy, Stopping, StopSignal
from twspulse.streams.rows import JOB_RUN_COLUMNS, job_run_row
from twspulse.streams.timescale_sink import TimescaleSink


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (errors.ProgramLimitExceeded("index row size 900040 exceeds btree version 4 maximum 2704"), "permanent"),
        (errors.NumericValueOutOfRange("integer out of range"), "permanent"),
        (errors.CharacterNotInRepertoire("invalid byte sequence for encoding UTF8: 0x00"), "permanent"),
        (errors.UniqueViolation("duplicate key"), "permanent"),
        (errors.NotNullViolation("null value in column"), "permanent"),
        (psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"), "permanent"),
        (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), "permanent"),
        (errors.AdminShutdown("terminating connection due to administrator command"), "transient"),
        (errors.CannotConnectNow("the database system is starting up"), "transient"),
        (errors.ConnectionFailure("connection failure"), "transient"),
        (errors.DeadlockDetected("deadlock detected"), "transient"),
        (errors.SerializationFailure("could not serialize access"), "transient"),
        (errors.DiskFull("could not extend file"), "transient"),
        (errors.TooManyConnections("sorry, too many clients already"), "transient"),
        (errors.LockNotAvailable("could not obtain lock"), "transient"),
        (psycopg.OperationalError("connection refused"), "transient"),  # no SQLSTATE: no server answered
        (PoolTimeout("couldn't get a connection after 10.00 sec"), "transient"),
        (errors.UndefinedColumn('column "v" does not exist'), "schema"),
        (errors.UndefinedTable('relation "t" does not exist'), "schema"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else v,
)
def test_errors_are_classified_by_sqlstate_class(exc: BaseException, kind: str) -> None:
    assert classify(exc) is ErrorKind(kind)


def _event(i: int, **changes: Any) -> JobEvent:
    t = datetime(2026, 11, 24, 1, 0, tzinfo=UTC) + timedelta(seconds=i)
    fields: dict[str, Any] = dict(
        event_id=f"job{i}/run{i}/SUCC", job_id=f"job{i}", run_id=f"run{i}", plan_id="p1", job_name=f"JOB{i}",
        job_stream="DAILY", workstation="/MDM", status="SUCCESSFUL", internal_status="SUCC",
        category=StatusCategory.SUCCEEDED, return_code=0, start_time=t - timedelta(seconds=30), end_time=t,
        status_time=t, observed_at=t,
    )  # fmt: skip
    fields.update(changes)
    return JobEvent(**fields)


def _oversized_name() -> str:
    # varied text, so TOAST compression cannot bring the index entry under its 2,704-byte limit
    return "".join(f"{i:07d}" for i in range(900_000 // 7))[:900_000]


@pytest.mark.parametrize(
    ("poison", "reason"),
    [
        ({"job_name": _oversized_name()}, "54000"),  # index row size ... exceeds maximum (ProgramLimitExceeded)
        ({"return_code": 2**40}, "22003"),  # integer out of range
    ],
    ids=["oversized job_name", "value out of range"],
)
def test_one_bad_row_in_2000_is_isolated_in_a_few_round_trips_and_the_rest_is_stored(
    database_url: str, poison: dict[str, Any], reason: str
) -> None:
    rows = [job_run_row(_event(i, **(poison if i == 1234 else {}))) for i in range(2000)]

    async def run() -> tuple[list, int, float]:  # type: ignore[type-arg]
        sink = TimescaleSink(database_url)
        started = time.monotonic()
        try:
            refused = await sink.write("job_runs", JOB_RUN_COLUMNS, rows)
            return refused, sink.transactions, time.monotonic() - started
        finally:
            await sink.close()

    refused, transactions, took = asyncio.run(run())
    assert [r.index for r in refused] == [1234]
    assert reason in refused[0].reason, refused[0].reason
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT count(*), count(*) FILTER (WHERE job_id = 'job1234') FROM job_runs").fetchone()
    assert stored == (1999, 0)
    # bisection: two halves per level, ~11 levels for 2,000 rows (a text retry of a binary misfit doubles it),
    # where one row at a time took 2,000 transactions; and no retry wait anywhere
    assert transactions <= 4 * math.ceil(math.log2(2000)) + 4, transactions
    assert took < 15, took


def test_a_batch_with_several_bad_rows_stores_all_good_ones(database_url: str) -> None:
    rows = [job_run_row(_event(i, return_code=2**40 if i % 100 == 7 else 0)) for i in range(500)]

    async def run() -> list:  # type: ignore[type-arg]
        sink = TimescaleSink(database_url)
        try:
            return await sink.write("job_runs", JOB_RUN_COLUMNS, rows)
        finally:
            await sink.close()

    refused = asyncio.run(run())
    assert [r.index for r in refused] == [7, 107, 207, 307, 407]
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM job_runs").fetchone() == (495,)


def test_a_terminated_connection_is_retried_and_the_batch_lands(database_url: str) -> None:
    """pg_terminate_backend (what a failover or an admin does): 57P01 or a dropped connection, both transient."""
    rows = [job_run_row(_event(i)) for i in range(100)]

    async def run() -> list:  # type: ignore[type-arg]
        sink = TimescaleSink(database_url, retry=RetryPolicy(base_delay_s=0.05))
        try:
            assert await sink.write("job_runs", JOB_RUN_COLUMNS, rows[:50]) == []
            with psycopg.connect(database_url, autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
            assert killed is not None and killed[0] >= 1  # the sink's pooled connection
            return await sink.write("job_runs", JOB_RUN_COLUMNS, rows[50:])
        finally:
            await sink.close()

    assert asyncio.run(run()) == []
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM job_runs").fetchone() == (100,)


def test_a_stopped_server_is_waited_for_and_a_stopping_worker_is_not(tmp_path: Path) -> None:
    """The server goes away: a write waits (not refused, not dead-lettered) and lands once the server is back;
    a worker that stops meanwhile gets ``Stopping`` within a second, not after the retry loop."""
    server = LocalPostgres(tmp_path / "pg")
    url = server.start()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY)")

        async def run() -> tuple[float, list]:  # type: ignore[type-arg]
            stop = StopSignal()
            sink = TimescaleSink(url, retry=RetryPolicy(stop, base_delay_s=0.1, max_backoff_s=1.0))
            try:
                assert await sink.write("t", ("id",), [(0,)]) == []
                await asyncio.to_thread(server.stop)
                # a worker stopping during the outage
                stopping = asyncio.create_task(sink.write("t", ("id",), [(1,)]))
                await asyncio.sleep(1.5)
                assert not stopping.done()
                stop.set()
                began = time.monotonic()
                with pytest.raises(Stopping):
                    await stopping
                stopped_in = time.monotonic() - began
                # a worker that keeps running: the write waits for the server and lands
                sink2 = TimescaleSink(url, retry=RetryPolicy(base_delay_s=0.1, max_backoff_s=1.0))
                try:
                    waiting = asyncio.create_task(sink2.write("t", ("id",), [(2,), (3,)]))
                    await asyncio.sleep(2.0)
                    assert not waiting.done()
                    restart = threading.Thread(target=server.start)
                    restart.start()
                    refused = await asyncio.wait_for(waiting, 60)
                    restart.join()
                finally:
                    await sink2.close()
                return stopped_in, refused
            finally:
                await sink.close()

        stopped_in, refused = asyncio.run(run())
        assert stopped_in < 3.0, stopped_in  # within the stop grace (2 s) plus a poll, not a 30 s backoff
        assert refused == []
        with psycopg.connect(url) as conn:
            assert [r[0] for r in conn.execute("SELECT id FROM t ORDER BY id").fetchall()] == [0, 2, 3]
    finally:
        server.stop()
