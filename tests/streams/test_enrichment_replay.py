"""Enrichment on the real broker: a replay of the topic from offset 0 neither adds rows nor double-counts
the per-job state (kept in a changelog-backed table, restored by the restarted worker), and out-of-order
events land by event time."""

from __future__ import annotations

import psycopg
import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from tests.helpers import count, wait_until
from tests.streams.test_enrichment import run
from twspulse.job_keys import job_key
from twspulse.settings import Settings
from twspulse.streams.enrichment import enrich
from twspulse.streams.job_event_consumer import job_events_group

ENRICHED = (
    "SELECT event_id, expected_duration_s, failure_streak, successes_before_failure, breaks_pattern, "
    "runtime_above_p95, late_start_s FROM job_runs ORDER BY event_id"
)


def _committed(bootstrap: str, group: str, topic: str) -> int:
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        parts = c.list_topics(topic, timeout=10).topics[topic].partitions
        return sum(max(tp.offset, 0) for tp in c.committed([TopicPartition(topic, p) for p in parts], timeout=10))
    finally:
        c.close()


def _rewind(bootstrap: str, group: str, topics: list[str]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    meta = admin.list_topics(timeout=10).topics
    for t in topics:
        tps = [TopicPartition(t, p, 0) for p in meta[t].partitions]
        fut = admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(group, tps)])
        for f in fut.values():
            f.result()


# Keyed by job definition, as the TWS connector keys: the events are enriched where they arrive; keyed
# otherwise, the worker re-keys them onto the by-job topic first, and the replay goes through that hop again.
@pytest.mark.parametrize("keyed_by", ["job definition", "something else"])
def test_replay_from_offset_zero_changes_no_row_and_no_baseline(
    kafka: str, database_url: str, start_worker, settings: Settings, keyed_by: str
) -> None:  # type: ignore[no-untyped-def]
    """A replay of the source topic from offset 0 adds no row and counts nothing twice."""
    events = [run(d, 100 + d, ok=d % 6 != 5) for d in range(14)]
    assert len({job_key(e) for e in events}) == 1
    KEY = job_key(events[0]).encode() if keyed_by == "job definition" else b"one-partition"
    events.append(run(14, 0, status="EXEC"))
    # out of order: day 13's SUCC is produced before its EXEC
    events += [run(13, 0, status="EXEC")]
    p = Producer({"bootstrap.servers": kafka})
    # one Kafka key for the whole test, so one partition keeps the order end to end: whatever is produced
    # after the replay is processed after it
    for e in events:
        p.produce("tws.job.events", key=KEY, value=e.to_bytes())
    p.flush(30)

    worker = start_worker(kafka, database_url)
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_runs") == len(events), worker=worker,
               what="every event as a row")  # fmt: skip
    with psycopg.connect(database_url) as conn:
        before = conn.execute(ENRICHED).fetchall()
        latest = conn.execute(
            "SELECT internal_status FROM job_runs WHERE job_id = 'job13' ORDER BY time DESC LIMIT 1"
        ).fetchone()
    assert latest == ("SUCC",)  # by event time: the late EXEC sorts before its SUCC
    assert any(r[4] for r in before)  # a pattern break was flagged (a failure after 5 successes)
    assert any(r[1] is not None for r in before)
    worker.stop()

    group = job_events_group(settings.worker_id)
    _rewind(kafka, group, ["tws.job.events"])  # the whole pipeline downstream sees the replay
    assert _committed(kafka, group, "tws.job.events") == 0
    # the baseline must not be double-counted by the replay: a new failure, produced behind the replayed
    # events (same partition, so processed after them), must see exactly the real history
    state: dict[str, object] = {}
    for e in sorted(events, key=lambda e: e.status_time):
        enrich(e, state)
    new_failure = run(15, 3, ok=False)
    expected = enrich(new_failure, state)
    p.produce("tws.job.events", key=KEY, value=new_failure.to_bytes())
    p.flush(30)
    worker2 = start_worker(kafka, database_url)
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_runs") == len(events) + 1, worker=worker2,
               timeout_s=90, what="the replay and the new failure")  # fmt: skip
    with psycopg.connect(database_url) as conn:
        after = conn.execute(ENRICHED + " LIMIT %s", (len(events) + 1,)).fetchall()
    assert [r for r in after if r[0] != new_failure.event_id] == before  # the replay changed no row
    with psycopg.connect(database_url) as conn:
        got = conn.execute(
            "SELECT failure_streak, successes_before_failure, expected_duration_s FROM job_runs "
            "WHERE event_id = %s", (new_failure.event_id,)
        ).fetchone()  # fmt: skip
    assert got == (expected.failure_streak, expected.successes_before_failure, expected.expected_duration_s)
