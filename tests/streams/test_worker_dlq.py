"""The worker on a real broker and database: good records land in tables, bad ones in <topic>.dlq.

What happens to each kind of bad input:
- bytes that are not JSON                  -> host.metrics.dlq, reason names the parse error
- JSON that misses required fields         -> tws.job.events.dlq, reason names the missing fields
- a joblog chunk with a NUL byte           -> stored, NUL replaced (PostgreSQL text cannot hold NUL)
- an out-of-range value the DB refuses     -> tws.job.events.dlq, reason "database refused row"
and in every case the good records around them still arrive and the worker keeps running.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from confluent_kafka import Consumer, Producer

from tests.helpers import count, wait_until
from twspulse.connectors.system import sample
from twspulse.events import DeadLetter, JobEvent, JobLogChunk, StatusCategory
from twspulse.streams.job_event_consumer import job_events_group


def _event(i: int, rc: int | None = 0) -> JobEvent:
    t = datetime(2026, 11, 24, 1, 0, tzinfo=UTC) + timedelta(minutes=i)
    return JobEvent(
        event_id=f"job{i}/run{i}/SUCC", job_id=f"job{i}", run_id=f"run{i}", plan_id="p1", job_name=f"JOB{i}",
        job_stream="DAILY", workstation="/MDM", status="SUCCESSFUL", internal_status="SUCC",
        category=StatusCategory.SUCCEEDED, return_code=rc, start_time=t - timedelta(seconds=30), end_time=t,
        status_time=t, observed_at=t,
    )  # fmt: skip


def _read_dlq(bootstrap: str, topic: str, n: int) -> list[DeadLetter]:
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "test-dlq-reader", "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    out: list[DeadLetter] = []
    try:

        def _poll() -> bool:
            msg = c.poll(1.0)
            if msg is not None and not msg.error():
                out.append(DeadLetter.model_validate_json(msg.value()))
            return len(out) >= n

        wait_until(_poll, timeout_s=60, interval_s=0, what=f"{n} records on {topic}")
    finally:
        c.close()
    return out


def test_malformed_records_go_to_dlq_and_good_ones_still_arrive(kafka: str, database_url: str, start_worker) -> None:  # type: ignore[no-untyped-def]
    p = Producer({"bootstrap.servers": kafka})
    for i in range(5):
        p.produce("tws.job.events", key=f"job{i}".encode(), value=_event(i).to_bytes())
    p.produce("tws.job.events", key=b"bad1", value=b'{"job_id": "x"}')
    p.produce("tws.job.events", key=b"bad2", value=_event(99, rc=2**40).to_bytes())  # int overflow in DB
    p.produce("host.metrics", key=b"h", value=b"\x00\xffnot json at all")
    p.produce("host.metrics", key=b"h", value=sample("test-host").to_bytes())
    chunk = JobLogChunk(
        run_id="run1", job_id="job1", job_name="JOB1", job_stream="DAILY", workstation="/MDM", return_code=12,
        internal_status="ABEND", chunk_index=0, chunk_count=1,
        content="start\nERROR: cannot open /data/in.csv\x00\nexit 12\n", total_bytes=40, truncated=False,
        fetched_at=datetime.now(UTC),
    )  # fmt: skip
    p.produce("tws.job.logs", key=b"run1", value=chunk.to_bytes())
    assert p.flush(30) == 0

    worker = start_worker(kafka, database_url)
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_runs") >= 5, what="5 job_runs rows", worker=worker)
    wait_until(lambda: count(database_url, "SELECT count(*) FROM host_metrics") >= 7, what="host rows")
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_logs") == 1, what="the joblog row")

    events_dlq = _read_dlq(kafka, "tws.job.events.dlq", 2)
    reasons = sorted(d.reason for d in events_dlq)
    assert any("does not match JobEvent" in r and "event_id" in r for r in reasons), reasons
    assert any("database refused row" in r for r in reasons), reasons
    # each keeps the key it was read with: bad1 never parsed, so its original key; the refused row was found
    # after the re-key, so it carries its job definition key and says so in source_topic/offset (replayed
    # onto tws.job.events as is, it is keyed as the TWS connector keys)
    assert {(d.key, d.source_topic) for d in events_dlq} == {
        ("bad1", "tws.job.events"),
        ("/MDM#/DAILY.JOB99", "twspulse.job-events.by-job"),
    }
    assert all(d.offset is not None for d in events_dlq)
    # ... and each dead letter is counted in SQL, by topic and error type, for the pipeline dashboard
    wait_until(lambda: count(database_url, "SELECT count(*) FROM dead_letters") == 3, what="3 dead_letters rows")
    with psycopg.connect(database_url) as conn:
        counted = conn.execute(
            "SELECT source_topic, error_type, count(*) FROM dead_letters GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    assert counted == [
        ("host.metrics", "ValidationError", 1),
        ("tws.job.events", "ValidationError", 1),
        ("twspulse.job-events.by-job", "DBError", 1),
    ]

    (metrics_dead,) = _read_dlq(kafka, "host.metrics.dlq", 1)
    assert metrics_dead.raw() == b"\x00\xffnot json at all"  # nothing lost: the original bytes are kept

    assert count(database_url, "SELECT count(*) FROM job_runs") == 5
    assert count(database_url, "SELECT count(*) FROM job_runs WHERE duration_s = 30") == 5
    assert (
        count(
            database_url,
            "SELECT count(*) FROM job_logs WHERE first_error_line = %s AND position(chr(65533) in content) > 0",
            "ERROR: cannot open /data/in.csv\ufffd",
        )
        == 1
    )
    assert worker.proc.poll() is None, worker.log()  # still running


def test_redelivered_events_do_not_duplicate_rows(kafka: str, database_url: str, start_worker) -> None:  # type: ignore[no-untyped-def]
    p = Producer({"bootstrap.servers": kafka})
    for _ in range(3):  # the same three events, three times (what a producer retry or replay does)
        for i in range(3):
            p.produce("tws.job.events", key=f"job{i}".encode(), value=_event(i).to_bytes())
    p.flush(30)
    worker = start_worker(kafka, database_url)
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_runs") >= 3, what="rows", worker=worker)
    # give the worker time to process all nine records, then check nothing was doubled
    wait_until(lambda: _committed(kafka) >= 9, what="worker to commit all 9 offsets")
    assert count(database_url, "SELECT count(*) FROM job_runs") == 3


def _committed(bootstrap: str) -> int:
    from confluent_kafka import TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": job_events_group("twspulse-worker")})
    try:
        tps = c.committed([TopicPartition("tws.job.events", p) for p in range(2)], timeout=10)
        return sum(max(tp.offset, 0) for tp in tps)
    finally:
        c.close()


def test_each_declared_pipe_dead_letters_a_malformed_record_of_its_topic_whichever_carrier_runs_it(
    kafka: str, database_url: str, start_worker
) -> None:  # type: ignore[no-untyped-def]
    """The worker runs what twspulse/streams/pipes.py declares: one malformed record on each declared topic, and
    each lands on that pipe's dead-letter topic (Faust agent or batch consumer alike), each counted once."""
    from twspulse.streams.pipes import PIPES

    p = Producer({"bootstrap.servers": kafka})
    for pipe in PIPES:
        p.produce(pipe.topic.name, key=f"bad-{pipe.carrier}".encode(), value=b'{"schema_version": 1}')
    assert p.flush(30) == 0
    worker = start_worker(kafka, database_url)
    for pipe in PIPES:
        (dead,) = _read_dlq(kafka, pipe.dead_letter_topic, 1)
        assert dead.source_topic == pipe.topic.name and dead.key == f"bad-{pipe.carrier}"
        assert dead.error_type == "ValidationError" and f"does not match {pipe.model.__name__}" in dead.reason
    wait_until(lambda: count(database_url, "SELECT count(*) FROM dead_letters") == len(PIPES), worker=worker,
               what="one dead_letters row per pipe")  # fmt: skip
    with psycopg.connect(database_url) as conn:
        topics = [r[0] for r in conn.execute("SELECT source_topic FROM dead_letters ORDER BY 1").fetchall()]
    assert topics == sorted(pipe.topic.name for pipe in PIPES)
    assert worker.proc.poll() is None, worker.log()
