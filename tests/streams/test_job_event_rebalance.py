"""Two workers on a real broker: when a partition moves, its per-job baselines move with it.

A second worker joining takes partitions from the first and restores their state from the changelog; the
first one leaving hands all partitions to the second, which restores the rest. Either way a new failure
is enriched with the job's whole history (successes before it, failure streak, expected duration). A
worker that processed a moved partition without restoring it would see an empty history.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from confluent_kafka import KafkaError, Message, Producer
from confluent_kafka.admin import AdminClient

from tests.helpers import count, wait_until
from twspulse.events import JobEvent, StatusCategory
from twspulse.job_keys import job_key
from twspulse.streams.job_event_consumer import job_events_group

T0 = datetime(2026, 11, 1, tzinfo=UTC)
JOBS = [f"J{n:02d}" for n in range(8)]


def _run(job: str, day: int, ok: bool = True) -> JobEvent:
    start = T0 + timedelta(days=day, hours=1)
    end = start + timedelta(seconds=100 + day)
    internal, category = ("SUCC", StatusCategory.SUCCEEDED) if ok else ("ABEND", StatusCategory.FAILED)
    return JobEvent(
        event_id=f"{job}-{day}/{internal}", job_id=f"{job}-{day}", run_id=f"{job}-r{day}", plan_id="p",
        job_name=job, job_stream="NIGHT", workstation="/MDM", status="X", internal_status=internal,
        category=category, return_code=0 if ok else 12, sched_time=start, start_time=start, end_time=end,
        status_time=end, run_attempt=1, observed_at=end,
    )  # fmt: skip


def _produce(kafka: str, events: list[JobEvent]) -> set[int]:
    """Keyed by job definition, as the connector keys; returns the partitions they landed on."""
    partitions: set[int] = set()

    def delivered(err: KafkaError | None, msg: Message) -> None:
        assert err is None, err
        partitions.add(msg.partition() or 0)

    p = Producer({"bootstrap.servers": kafka, "partitioner": "murmur2_random"})
    for e in events:
        p.produce("tws.job.events", key=job_key(e).encode(), value=e.to_bytes(), on_delivery=delivered)
    assert p.flush(30) == 0
    return partitions


def _members_with_partitions(kafka: str) -> int:
    group = job_events_group("twspulse-worker")
    admin = AdminClient({"bootstrap.servers": kafka})  # kept referenced until the answer: a dropped client drops it
    (fut,) = admin.describe_consumer_groups([group], request_timeout=10).values()
    desc = fut.result(timeout=15)
    return sum(1 for m in desc.members if m.assignment and m.assignment.topic_partitions)


def _failures(url: str, day: int) -> list[tuple[str, int, int, float]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT job_name, successes_before_failure, failure_streak, expected_duration_s FROM job_runs "
            "WHERE internal_status = 'ABEND' AND run_id LIKE %s ORDER BY job_name",
            (f"%-r{day}",),
        ).fetchall()


def test_baselines_follow_their_partition_when_workers_join_and_leave(
    kafka: str, database_url: str, start_worker
) -> None:  # type: ignore[no-untyped-def]
    history = [_run(job, day) for day in range(6) for job in JOBS]
    assert _produce(kafka, history) == {0, 1}  # the jobs spread over both partitions
    first = start_worker(kafka, database_url)
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_runs") == len(history), worker=first,
               what="the history as rows")  # fmt: skip

    second = start_worker(kafka, database_url)  # joins: takes one partition, restores its baselines
    wait_until(lambda: _members_with_partitions(kafka) == 2, worker=second, what="both workers owning a partition")
    _produce(kafka, [_run(job, 6, ok=False) for job in JOBS])
    wait_until(lambda: len(_failures(database_url, 6)) == len(JOBS), worker=second, what="day 6 failures")
    # six successes before, first failure, median of days 0-5 (100..105 s): history intact on both workers
    assert _failures(database_url, 6) == [(job, 6, 1, 102.5) for job in JOBS]

    first.stop()  # leaves: the second worker takes its partition and restores what the first stored
    wait_until(lambda: _members_with_partitions(kafka) == 1, worker=second, what="one worker owning all")
    _produce(kafka, [_run(job, 7, ok=False) for job in JOBS])
    wait_until(lambda: len(_failures(database_url, 7)) == len(JOBS), worker=second, what="day 7 failures")
    assert _failures(database_url, 7) == [(job, 0, 2, 102.5) for job in JOBS]
    assert second.proc.poll() is None, second.log()
