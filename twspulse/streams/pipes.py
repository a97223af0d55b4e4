"""Which topic feeds which table, through which model and row mapping.

One declaration per data topic read by a Faust agent; the decoding agent is the same for all of them.
Job events are not here: the job-event consumer enriches them into ``job_runs`` rows
(twspulse/streams/job_event_consumer.py); the assertion below keeps every topic model covered by one or the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from twspulse.events import Contract, HostMetrics, JobEvent, JobLogChunk, WorkstationStatus
from twspulse.streams.rows import (
    HOST_METRIC_COLUMNS,
    JOB_LOG_COLUMNS,
    WORKSTATION_COLUMNS,
    host_metric_rows,
    job_log_row,
    workstation_row,
)
from twspulse.topics import HOST_METRICS, JOB_EVENTS, JOB_LOGS, WORKSTATIONS, TopicSpec


@dataclass(frozen=True)
class Pipe:
    """Topic -> model -> rows -> table."""

    topic: TopicSpec
    table: str
    columns: Sequence[str]
    to_rows: Callable[[Any], list[tuple[Any, ...]]]

    def decode(self, raw: bytes) -> Contract:
        """Parse and validate one record value (raises ``pydantic.ValidationError``)."""
        return self.topic.model.model_validate_json(raw)


PIPES = (
    Pipe(JOB_LOGS, "job_logs", JOB_LOG_COLUMNS, lambda c: [job_log_row(c)]),
    Pipe(HOST_METRICS, "host_metrics", HOST_METRIC_COLUMNS, host_metric_rows),
    Pipe(WORKSTATIONS, "workstation_status", WORKSTATION_COLUMNS, lambda w: [workstation_row(w)]),
)

assert {p.topic.model for p in PIPES} | {JOB_EVENTS.model} == {JobEvent, JobLogChunk, HostMetrics, WorkstationStatus}
