"""publish_history: weeks of job runs and host samples through the connectors' contracts, into a real Kafka."""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta

import numpy as np
import pytest
from confluent_kafka import Consumer, TopicPartition

from tests.simulator.conftest import START
from twspulse.connectors.tws.status_map import FINAL
from twspulse.demo_history import DRIFT_PER_WEEK, HistoryStats, drifting_job_definition, history_config, publish_history
from twspulse.events import Contract, HostMetrics, JobEvent
from twspulse.job_keys import job_key
from twspulse.producer import EventProducer
from twspulse.simulator.config import SimConfig
from twspulse.simulator.host_metrics import CROSSING_THRESHOLD, SimulatedHosts
from twspulse.simulator.plan import PlanBook
from twspulse.topics import HOST_METRICS, JOB_EVENTS

CONFIG = SimConfig(seed=42, start=START)
DAYS = 21
HOST_UNTIL = START + timedelta(days=1)


class RecordingProducer:
    """Stands in for EventProducer where only what is sent matters."""

    def __init__(self, transactional: bool = False) -> None:
        self.transactional = transactional
        self.records: list[tuple[str, str, bytes]] = []
        self.calls: list[str] = []

    def send(self, topic: str, key: str, value: Contract | None) -> None:
        assert value is not None
        self.records.append((topic, key, value.to_bytes()))

    def begin(self) -> None:
        self.calls.append("begin")

    def commit(self) -> None:
        self.calls.append("commit")

    def abort(self) -> None:
        self.calls.append("abort")

    def flush(self, timeout_s: float = 30.0) -> None:
        self.calls.append("flush")


def record(config: SimConfig = CONFIG, **options: object) -> tuple[RecordingProducer, HistoryStats]:
    producer = RecordingProducer()
    stats = publish_history(producer, config, DAYS, HOST_UNTIL, **options)  # type: ignore[arg-type]
    return producer, stats


def read_records(bootstrap: str, topic: str) -> list[tuple[str, bytes]]:
    """Every committed (key, value) of a topic, from the beginning to the end it had when asked."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"history-{topic}",
                         "isolation.level": "read_committed", "enable.auto.commit": False})  # fmt: skip
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        wanted = sum(ends.values())
        records: list[tuple[str, bytes]] = []
        deadline = time.monotonic() + 30
        while len(records) < wanted and time.monotonic() < deadline:
            for msg in consumer.consume(1000, timeout=1.0):
                key, value = msg.key(), msg.value()
                if not msg.error() and key is not None and value is not None:
                    records.append((key.decode(), value))
        return records
    finally:
        consumer.close()


def durations_by_day(events: list[JobEvent], key: str) -> tuple[np.ndarray, np.ndarray]:
    """Days since the history start and log durations of the successful runs of job `key`."""
    start = START - timedelta(days=DAYS)
    runs = [e for e in events if job_key(e) == key and e.category == "succeeded"]
    days = np.array([(e.start_time - start).total_seconds() / 86400 for e in runs if e.start_time])
    logs = np.log([(e.end_time - e.start_time).total_seconds() for e in runs if e.start_time and e.end_time])
    return days, logs


def test_history_lands_in_kafka_as_the_connectors_publish_it(kafka: str) -> None:
    producer = EventProducer(kafka, client_id="history-test")
    started = time.monotonic()
    stats = publish_history(producer, CONFIG, DAYS, HOST_UNTIL)
    assert time.monotonic() - started < 10  # 21 days x 72 jobs and 4 hosts x 96 samples a day, quickly

    history_start = START - timedelta(days=DAYS)
    assert stats.start == history_start and stats.days == DAYS
    job_records = read_records(kafka, JOB_EVENTS.name)
    assert len(job_records) == stats.events > DAYS * 40
    events = [JobEvent.model_validate_json(value) for _, value in job_records]
    assert all(key == job_key(event) for (key, _), event in zip(job_records, events, strict=True))
    assert len({e.event_id for e in events}) == len(events)  # no run published twice
    assert all(e.category in FINAL and e.run_id and e.end_time == e.status_time for e in events)
    assert sum(e.category == "failed" for e in events) == stats.failed_runs > 0
    for e in events:
        assert e.start_time is not None and history_start <= e.start_time < START
        assert e.status_time <= START + timedelta(hours=12)  # a late run of the last day may end after midnight
        assert e.observed_at == e.status_time
    assert len({e.plan_id for e in events}) == DAYS

    host_records = read_records(kafka, HOST_METRICS.name)
    assert len(host_records) == stats.samples == len(stats.hosts) * (DAYS + 1) * 96
    samples = [HostMetrics.model_validate_json(value) for _, value in host_records]
    assert all(key == sample.host for (key, _), sample in zip(host_records, samples, strict=True))
    assert {s.host for s in samples} == set(stats.hosts)
    assert min(s.time for s in samples) == history_start and max(s.time for s in samples) < HOST_UNTIL

    fleet = SimulatedHosts(CONFIG)
    assert (stats.growing_host, stats.growing_mount) == (fleet.growing_host, fleet.growing_mount)
    assert stats.expected_crossing == fleet.expected_crossing(fleet.growing_host, fleet.growing_mount, 90.0)
    assert stats.threshold == CROSSING_THRESHOLD
    assert stats.cpu_spikes >= 3 * len(stats.hosts) * 3
    assert stats.drifting_job is not None and stats.drift_per_week == DRIFT_PER_WEEK
    days, logs = durations_by_day(events, stats.drifting_job)
    assert len(days) >= 15
    assert np.polyfit(days, logs, 1)[0] * 7 > 0.5 * math.log1p(DRIFT_PER_WEEK)


def test_same_config_publishes_the_same_records() -> None:
    first, stats = record()
    second, _ = record()
    assert first.records == second.records
    assert first.calls == ["flush"]
    assert stats.events + stats.samples + stats.joblog_records == len(first.records)


def test_a_transactional_producer_gets_one_committed_transaction() -> None:
    producer = RecordingProducer(transactional=True)
    publish_history(producer, CONFIG, 2, START)  # type: ignore[arg-type]
    assert producer.calls == ["begin", "commit", "flush"]


def test_runs_are_only_shortened_so_every_job_still_starts_after_its_predecessor() -> None:
    producer, stats = record()
    published = {
        e.run_id: e for e in (JobEvent.model_validate_json(v) for t, _, v in producer.records if t == JOB_EVENTS.name)
    }
    book = PlanBook(history_config(CONFIG, DAYS))  # the same plans, untouched
    drifted = drifting_job_definition(book)
    seen = 0
    for day in range(DAYS):
        plan = book.plan(day)
        for stream in plan.streams:
            if plan.is_carried(stream):
                continue
            previous_end: datetime | None = None
            for job in stream.jobs:
                for run in job.runs:
                    event = published[run.id]
                    assert event.end_time is not None and event.start_time is not None
                    planned = run.end - run.start
                    actual = (event.end_time - event.start_time).total_seconds()
                    assert 1 <= actual <= planned
                    if not job.definition.profile.weekly_growth and job.definition is not drifted:
                        assert actual == planned  # jobs without drift are published as planned
                    seen += 1
                if not job.runs:
                    previous_end = None  # a canceled job frees its successor at once
                    continue
                first = published[job.runs[0].id]
                assert first.start_time is not None
                if previous_end is not None:
                    assert first.start_time >= previous_end
                previous_end = published[job.runs[-1].id].end_time
    assert seen == stats.events


def test_growing_jobs_meet_the_live_simulators_runtime_at_its_start() -> None:
    # The plan's own drift restarts at the live simulator's day 0: history is anchored so it ends there.
    producer, _ = record(drift_per_week=0.0)
    events = [JobEvent.model_validate_json(v) for t, _, v in producer.records if t == JOB_EVENTS.name]
    book = PlanBook(history_config(CONFIG, DAYS))
    growing = max(book.job_definitions, key=lambda job: job.profile.weekly_growth)
    anchor = (1 + growing.profile.weekly_growth) ** (-DAYS / 7)
    planned = {
        run.id: run.end - run.start
        for day in range(DAYS)
        for job in book.plan(day).jobs
        if job.definition is growing
        for run in job.runs
    }
    runs = [e for e in events if e.run_id in planned]
    assert len(runs) >= DAYS // 2
    for e in runs:
        assert e.run_id and e.end_time and e.start_time
        ratio = (e.end_time - e.start_time).total_seconds() / planned[e.run_id]
        assert ratio == pytest.approx(anchor, abs=0.01 + 1 / planned[e.run_id])


def test_drift_can_be_switched_off_and_bad_arguments_are_rejected() -> None:
    _, stats = record(drift_per_week=0.0)
    assert stats.drifting_job is None and stats.drift_per_week == 0.0
    producer = RecordingProducer()
    for days, until, step in (
        (0, HOST_UNTIL, 900),
        (DAYS, HOST_UNTIL, 0),
        (DAYS, HOST_UNTIL.replace(tzinfo=None), 900),
    ):
        with pytest.raises(ValueError):
            publish_history(producer, CONFIG, days, until, step)  # type: ignore[arg-type]
    assert producer.records == []
