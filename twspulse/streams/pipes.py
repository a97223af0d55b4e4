"""Each data topic's flow, declared once: its model, its rows and table, its stages, its dead letters, its carrier.

Read a line of ``PIPES`` as the topic's whole path through the worker: records of ``topic`` are decoded with
the topic's model, turned into rows of ``table`` by ``rows``, written by the sink, handed to ``stages`` in
order, and whatever fails for good goes to ``dead_letter_topic`` with its reason. ``carrier`` names the Kafka
client that fetches the batches and commits them: a Faust agent, or the librdkafka batch consumer where Faust's
per-record path is too slow (job events, the pipeline's volume; see ``twspulse/streams/job_event_consumer.py``).
Both carriers run the same ``Flow`` (``twspulse/streams/flow.py``), so a pipe without a route moves from one
to the other by changing that one word (a routed pipe's state is sharded by partition: the batch carrier keeps
its topics' partitions together, Faust's assignor does not). The assertion at the end keeps every topic model
declared exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from twspulse.events import Contract, HostMetrics, JobEvent, JobLogChunk, WorkstationStatus
from twspulse.job_keys import job_key
from twspulse.streams.flow import Carrier, Flow, FlowParts, PerRecord, Rekey, RowMapper
from twspulse.streams.job_enricher import job_baselines
from twspulse.streams.rows import (
    ENRICHED_JOB_RUN_COLUMNS,
    HOST_METRIC_COLUMNS,
    JOB_LOG_COLUMNS,
    WORKSTATION_COLUMNS,
    host_metric_rows,
    job_log_row,
    workstation_row,
)
from twspulse.streams.stages import (
    StageFactory,
    job_failures,
    joblog_patterns,
    metric_anomalies,
    root_causes,
    runtime_anomalies,
)
from twspulse.topics import HOST_METRICS, JOB_EVENTS, JOB_EVENTS_BY_JOB, JOB_LOGS, WORKSTATIONS, TopicSpec

RowsFactory = Callable[[FlowParts, TopicSpec], RowMapper]


def per_record(to_rows: Callable[[Any], list[tuple[Any, ...]]]) -> RowsFactory:
    """Rows that each record gives on its own (no state)."""
    return lambda parts, topic: PerRecord(to_rows)


@dataclass(frozen=True)
class Pipe:
    """One topic's flow: topic (and so its model) -> rows -> table -> stages -> dead letters, on ``carrier``."""

    topic: TopicSpec
    carrier: Carrier
    table: str
    columns: Sequence[str]
    rows: RowsFactory
    stages: tuple[StageFactory, ...] = ()
    route: Rekey | None = None  # records keyed otherwise are forwarded there first (and read back from there)

    @property
    def model(self) -> type[Contract]:
        """The model its records are decoded with."""
        return self.topic.model

    @property
    def dead_letter_topic(self) -> str:
        """Where its records go when they fail for good (the worker counts every such topic in SQL)."""
        return self.topic.dlq

    def build(self, parts: FlowParts) -> Flow:
        """The run-time flow of this declaration, with its own producer for forwarded records and dead letters."""
        if self.route is not None:
            # the state is sharded by partition number, and both topics feed it: a job's history must meet
            # one shard whichever of them its events come from
            source, routed = parts.partitions(self.topic.name), parts.partitions(self.route.to.name)
            if source != routed:
                raise RuntimeError(
                    f"{self.topic.name} has {source} partitions and {self.route.to.name} {routed}: they must be "
                    "equal (increase the smaller one with kafka-topics --alter)"
                )
        return Flow(
            self.topic, self.table, self.columns, self.rows(parts, self.topic),
            [stage(parts) for stage in self.stages], parts, parts.producer(self.topic.name),
            self.dead_letter_topic, self.route,
        )  # fmt: skip


PIPES = (
    Pipe(JOB_EVENTS, "batch", "job_runs", ENRICHED_JOB_RUN_COLUMNS, job_baselines,
         stages=(job_failures, runtime_anomalies), route=Rekey(JOB_EVENTS_BY_JOB, job_key)),
    Pipe(JOB_LOGS, "faust", "job_logs", JOB_LOG_COLUMNS, per_record(lambda c: [job_log_row(c)]),
         stages=(joblog_patterns, root_causes)),
    Pipe(HOST_METRICS, "faust", "host_metrics", HOST_METRIC_COLUMNS, per_record(host_metric_rows),
         stages=(metric_anomalies,)),
    Pipe(WORKSTATIONS, "faust", "workstation_status", WORKSTATION_COLUMNS, per_record(lambda w: [workstation_row(w)])),
)  # fmt: skip

assert sorted(p.model.__name__ for p in PIPES) == sorted(
    m.__name__ for m in (JobEvent, JobLogChunk, HostMetrics, WorkstationStatus)
), "every topic model is declared exactly once"
