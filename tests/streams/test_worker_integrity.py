"""The worker on a real broker and database never stalls on bad rows and never stores what was not committed.

- a poison job event (a 400,000-character job name the database's index refuses, SQLSTATE 54000) costs one
  dead letter with the reason; the events behind it are stored promptly (no retry loop);
- records of a Kafka transaction that aborted never reach a table, on every topic the worker reads;
- every dead letter gets exactly one ``dead_letters`` row: the worker's own and the connector's (written
  straight to ``<topic>.dlq``, with no source offset), and a record on a DLQ that is not a dead letter;
- a worker stopped (SIGTERM) in a database outage exits within seconds, and what it could not store is
  stored by the next worker once the database is back.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka import Consumer, Producer

from tests.helpers import count, wait_until
from twspulse import db
from twspulse.connectors.system import sample
from twspulse.demo import stop_worker, worker_env
from twspulse.engines.postgres import LocalPostgres
from twspulse.events import DeadLetter, JobEvent, JobLogChunk, StatusCategory, WorkstationStatus
from twspulse.job_keys import job_key
from twspulse.streams.dead_letters import DEAD_LETTER_COLUMNS, Consumed, dead_letter_row
from twspulse.streams.timescale_sink import TimescaleSink


class Worker:
    """``twspulse worker`` as its own process, with settings of this test."""

    def __init__(self, bootstrap: str, database_url: str, log_file: Path, **settings: str):
        env = worker_env(bootstrap, database_url, log_file.parent / "worker-data", worker_batch_seconds="0.3",
                         log_json="false", **settings)  # fmt: skip
        self.log_file = log_file
        self._out = log_file.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "twspulse.cli", "worker"], env=env, stdout=self._out,
                                     stderr=subprocess.STDOUT)  # fmt: skip

    def stop(self) -> float:
        """SIGTERM; returns the seconds the worker took to exit."""
        began = time.monotonic()
        stop_worker(self.proc)
        self._out.close()
        return time.monotonic() - began

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


def _event(i: int, **changes: Any) -> JobEvent:
    t = datetime(2026, 11, 24, 1, 0, tzinfo=UTC) + timedelta(seconds=i)
    fields: dict[str, Any] = dict(
        event_id=f"job{i}/run{i}/SUCC", job_id=f"job{i}", run_id=f"run{i}", plan_id="p1", job_name=f"JOB{i % 7}",
        job_stream="DAILY", workstation="/MDM", status="SUCCESSFUL", internal_status="SUCC",
        category=StatusCategory.SUCCEEDED, return_code=0, start_time=t - timedelta(seconds=30), end_time=t,
        status_time=t, observed_at=t,
    )  # fmt: skip
    fields.update(changes)
    return JobEvent(**fields)


def _produce_events(p: Producer, events: list[JobEvent]) -> None:
    for e in events:
        p.produce("tws.job.events", key=job_key(e).encode(), value=e.to_bytes())


def _dlq(bootstrap: str, topic: str, timeout_s: float = 5.0) -> list[DeadLetter]:
    """Everything on ``topic`` now (read to its end)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-read-{topic}", "auto.offset.reset": "earliest",
                  "enable.partition.eof": True})  # fmt: skip
    c.subscribe([topic])
    out: list[DeadLetter] = []
    deadline, eofs = time.monotonic() + timeout_s, set()
    try:
        while time.monotonic() < deadline and len(eofs) < 2:
            msg = c.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                eofs.add(msg.partition())
                continue
            out.append(DeadLetter.model_validate_json(msg.value() or b""))
    finally:
        c.close()
    return out


def test_a_poison_job_event_costs_one_dead_letter_and_the_events_behind_it_land_promptly(
    kafka: str, database_url: str, tmp_path: Path
) -> None:
    # 400,000 characters: its job key repeats the name, and key plus value must fit the broker's 1 MB record limit
    poison = _event(100, job_name="".join(f"{i:07d}" for i in range(400_000 // 7))[:400_000])
    p = Producer({"bootstrap.servers": kafka, "message.max.bytes": 2 * 1024 * 1024})
    _produce_events(p, [_event(i) for i in range(100)])
    _produce_events(p, [poison])
    _produce_events(p, [_event(i) for i in range(101, 300)])
    assert p.flush(30) == 0

    worker = Worker(kafka, database_url, tmp_path / "worker.log")
    try:
        began = time.monotonic()
        wait_until(lambda: count(database_url, "SELECT count(*) FROM job_runs") >= 299, timeout_s=90,
                   what="the 299 good events")  # fmt: skip
        stored_in = time.monotonic() - began
        wait_until(lambda: count(database_url, "SELECT count(*) FROM dead_letters") >= 1, what="the dead_letters row")
        time.sleep(2)  # nothing more may come: no second dead letter, no retry
        (dead,) = _dlq(kafka, "tws.job.events.dlq")
        assert dead.error_type == "DBError" and "ProgramLimitExceeded [54000]" in dead.reason, dead.reason
        assert JobEvent.model_validate_json(dead.raw()).event_id == poison.event_id  # whole, replayable
        assert count(database_url, "SELECT count(*) FROM job_runs") == 299
        assert count(database_url, "SELECT count(*) FROM job_runs WHERE job_id = 'job100'") == 0
        assert count(database_url, "SELECT count(*) FROM dead_letters WHERE reason LIKE '%54000%'") == 1
        assert count(database_url, "SELECT count(*) FROM dead_letters") == 1
        log = worker.log()
        assert "sink.db.unavailable" not in log and "worker.batch.retry" not in log, log[-3000:]
        assert stored_in < 45, stored_in  # worker start (~10-20 s) included; the old retry loop never got there
    finally:
        worker.stop()


def test_records_of_an_aborted_transaction_never_reach_a_table(kafka: str, database_url: str, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    chunk = JobLogChunk(run_id="r1", job_id="j1", job_name="J", job_stream="S", workstation="/W",
                        internal_status="ABEND", chunk_index=0, chunk_count=1, content="x\n", total_bytes=2,
                        truncated=False, fetched_at=now)  # fmt: skip
    ws = WorkstationStatus(workstation="/W", linked=True, running=True, active_states=["LINKED"], observed_at=now)

    def records(tag: str) -> list[tuple[str, bytes, bytes]]:
        event = _event(1 if tag == "aborted" else 2)
        return [
            ("tws.job.events", job_key(event).encode(), event.to_bytes()),
            ("tws.job.logs", b"r", chunk.model_copy(update={"run_id": f"run-{tag}"}).to_bytes()),
            ("host.metrics", b"h", sample(f"host-{tag}").to_bytes()),
            ("tws.workstations", b"w", ws.model_copy(update={"workstation": f"/W-{tag}"}).to_bytes()),
        ]

    p = Producer({"bootstrap.servers": kafka, "transactional.id": "test-aborting-connector"})
    p.init_transactions(30)
    p.begin_transaction()
    for topic, key, value in records("aborted"):
        p.produce(topic, key=key, value=value)
    p.flush(30)  # on the partitions' logs, readable by a read_uncommitted consumer...
    p.abort_transaction(30)  # ... until the abort marker says otherwise
    p.begin_transaction()
    for topic, key, value in records("committed"):
        p.produce(topic, key=key, value=value)
    p.commit_transaction(30)

    worker = Worker(kafka, database_url, tmp_path / "worker.log")
    try:
        for sql in ("SELECT count(*) FROM job_runs WHERE job_id = 'job2'",
                    "SELECT count(*) FROM job_logs WHERE run_id = 'run-committed'",
                    "SELECT count(*) FROM host_metrics WHERE host = 'host-committed' LIMIT 1",
                    "SELECT count(*) FROM workstation_status WHERE workstation = '/W-committed'"):  # fmt: skip
            wait_until(lambda sql=sql: count(database_url, sql) >= 1, timeout_s=90, what=sql)
        time.sleep(1)
        assert count(database_url, "SELECT count(*) FROM job_runs") == 1
        assert count(database_url, "SELECT count(*) FROM job_logs WHERE run_id = 'run-aborted'") == 0
        assert count(database_url, "SELECT count(*) FROM host_metrics WHERE host = 'host-aborted'") == 0
        assert count(database_url, "SELECT count(*) FROM workstation_status WHERE workstation = '/W-aborted'") == 0
    finally:
        worker.stop()


def test_every_dead_letter_gets_one_dead_letters_row(kafka: str, database_url: str, tmp_path: Path) -> None:
    """The connector's dead letters (no source offset: the record never reached its topic) are counted like the
    worker's own; a record on a DLQ that is not a dead letter is counted too; none twice."""
    now = datetime.now(UTC)
    p = Producer({"bootstrap.servers": kafka, "transactional.id": "test-connector"})
    p.init_transactions(30)
    p.begin_transaction()
    for topic, reason in [("tws.job.events", "engine payload failed validation: status_time: bad"),
                          ("tws.job.logs", "joblog not found: run r9"),
                          ("tws.workstations", "workstation failed validation: name")]:  # fmt: skip
        dead = DeadLetter.wrap(source_topic=topic, raw=b"{}", reason=reason, error_type="ValidationError",
                               failed_at=now, key="k")  # fmt: skip
        p.produce(f"{topic}.dlq", key=b"k", value=dead.to_bytes())
    p.produce("host.metrics.dlq", key=b"x", value=b"not a dead letter")
    p.commit_transaction(30)
    p2 = Producer({"bootstrap.servers": kafka})
    p2.produce("tws.job.events", key=b"bad", value=b'{"job_id": "x"}')  # the worker's own dead letter
    assert p2.flush(30) == 0

    worker = Worker(kafka, database_url, tmp_path / "worker.log")
    try:
        wait_until(lambda: count(database_url, "SELECT count(*) FROM dead_letters") >= 5, timeout_s=90,
                   what="5 dead_letters rows")  # fmt: skip
        time.sleep(2)
        with psycopg.connect(database_url) as conn:
            rows = conn.execute(
                'SELECT source_topic, error_type, partition IS NOT NULL, "offset" IS NOT NULL, reason '
                "FROM dead_letters ORDER BY 1, 2"
            ).fetchall()
    finally:
        worker.stop()
    assert [(r[0], r[1]) for r in rows] == [
        ("host.metrics.dlq", "MalformedDeadLetter"),
        ("tws.job.events", "ValidationError"),  # the worker's own (has the source offset)
        ("tws.job.events", "ValidationError"),  # the connector's (its position on tws.job.events.dlq)
        ("tws.job.logs", "ValidationError"),
        ("tws.workstations", "ValidationError"),
    ], rows
    assert all(r[2] and r[3] for r in rows)
    assert any("joblog not found" in r[4] for r in rows)


def test_dead_letters_rows_are_idempotent_per_dead_letter(database_url: str) -> None:
    """Read twice (a redelivered DLQ batch) or written twice (a redelivered source batch dead-lettered again):
    one row per dead letter."""
    now = datetime.now(UTC)
    own = DeadLetter.wrap(source_topic="tws.job.events", raw=b"x", reason="r", error_type="ValidationError",
                          failed_at=now, partition=1, offset=42, source_time=now - timedelta(seconds=5))  # fmt: skip
    own_again = own.model_copy(update={"failed_at": now + timedelta(minutes=3)})  # the redelivered batch's
    connector = DeadLetter.wrap(source_topic="tws.job.logs", raw=b"x", reason="joblog not found",
                                error_type="TwsNotFound", failed_at=now)  # fmt: skip
    read = [
        Consumed("tws.job.events.dlq", None, own.to_bytes(), 0, 7, None),
        Consumed("tws.job.events.dlq", None, own_again.to_bytes(), 1, 3, None),
        Consumed("tws.job.logs.dlq", None, connector.to_bytes(), 0, 0, None),
    ]

    async def run() -> None:
        sink = TimescaleSink(database_url)
        try:
            for _ in range(2):
                assert await sink.write("dead_letters", DEAD_LETTER_COLUMNS, [dead_letter_row(c) for c in read]) == []
        finally:
            await sink.close()

    asyncio.run(run())
    with psycopg.connect(database_url) as conn:
        rows = conn.execute('SELECT source_topic, partition, "offset" FROM dead_letters ORDER BY 1').fetchall()
    assert rows == [("tws.job.events", 1, 42), ("tws.job.logs", 0, 0)]


def test_a_worker_stopped_in_a_database_outage_exits_promptly_and_loses_nothing(kafka: str, tmp_path: Path) -> None:
    server = LocalPostgres(tmp_path / "pg")
    url = server.start()
    db.migrate(url)
    p = Producer({"bootstrap.servers": kafka})
    try:
        _produce_events(p, [_event(i) for i in range(50)])
        p.produce("host.metrics", key=b"h", value=sample("before").to_bytes())
        assert p.flush(30) == 0
        first = Worker(kafka, url, tmp_path / "worker1.log")
        wait_until(lambda: count(url, "SELECT count(*) FROM job_runs") >= 50, timeout_s=90, what="the first 50")
        wait_until(lambda: count(url, "SELECT count(*) FROM host_metrics WHERE host = 'before'") >= 1, what="host")

        server.stop()
        _produce_events(p, [_event(i) for i in range(50, 100)])
        p.produce("host.metrics", key=b"h", value=sample("during").to_bytes())
        assert p.flush(30) == 0
        time.sleep(4)  # both consumers have their batch in hand, retrying
        exited_in = first.stop()
        assert first.proc.returncode is not None
        assert exited_in < 10, (exited_in, first.log()[-3000:])

        server.start()
        second = Worker(kafka, url, tmp_path / "worker2.log")
        try:
            wait_until(lambda: count(url, "SELECT count(*) FROM job_runs") >= 100, timeout_s=90,
                       what="all 100 events")  # fmt: skip
            wait_until(lambda: count(url, "SELECT count(*) FROM host_metrics WHERE host = 'during'") >= 1,
                       timeout_s=60, what="the host sample sent during the outage")  # fmt: skip
            assert count(url, "SELECT count(*) FROM dead_letters") == 0  # an outage is waited for, never dead-lettered
        finally:
            second.stop()
    finally:
        server.stop()


def test_a_worker_restarted_after_a_crash_gets_its_partitions_within_seconds(
    kafka: str, database_url: str, tmp_path: Path
) -> None:
    """kill -9, then a new worker: the dead member leaves the group after the session timeout (10 s; it was
    Faust's 60 s), or at once with static membership (``worker_instance_id``), which this test uses for one
    of the two restarts. Measured here: 61 s before, 9-11 s dynamic, 6-7 s static (most of it the start)."""
    p = Producer({"bootstrap.servers": kafka})

    def produce(tag: str) -> None:
        _produce_events(p, [_event(i, event_id=f"{tag}{i}/r/SUCC", job_id=f"{tag}{i}") for i in range(8)])
        for i in range(8):
            p.produce("host.metrics", key=f"{tag}{i}".encode(), value=sample(f"{tag}-{i}").to_bytes())
        assert p.flush(30) == 0

    def stored(tag: str) -> bool:
        runs = count(database_url, f"SELECT count(*) FROM job_runs WHERE job_id LIKE '{tag}%'")
        hosts = count(database_url, f"SELECT count(DISTINCT host) FROM host_metrics WHERE host LIKE '{tag}-%'")
        return runs >= 8 and hosts >= 8

    took = {}
    for round_, settings in (("a", {}), ("b", {"worker_instance_id": "w0"})):
        first = Worker(kafka, database_url, tmp_path / f"{round_}1.log", **settings)
        produce(f"{round_}x")
        wait_until(lambda r=round_: stored(f"{r}x"), timeout_s=90, what="the first worker's rows")
        first.proc.kill()  # a crash: no commit, no leaving the group
        first.proc.wait(10)
        began = time.monotonic()
        second = Worker(kafka, database_url, tmp_path / f"{round_}2.log", **settings)
        try:
            produce(f"{round_}y")
            wait_until(
                lambda r=round_: stored(f"{r}y"), timeout_s=60, interval_s=0.2, what="the restarted worker's rows"
            )
            took[round_] = time.monotonic() - began
        finally:
            second.stop()
    assert took["a"] < 30 and took["b"] < 25, took  # was > 60 s: the dead member's 60-second session timeout
