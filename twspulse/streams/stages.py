"""The stages a pipe declares (``twspulse/streams/pipes.py``), each built once per worker from its shared parts.

A stage runs after its batch's rows are stored and gets only the records whose rows are (``Flow``, in
``twspulse/streams/flow.py``); it returns the alert conditions it found, which the flow applies to the alert
book once all stages of the batch ran.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from twspulse.events import HostMetrics, JobEvent, JobLogChunk
from twspulse.models.alerts import Condition
from twspulse.streams.annotation_stage import AnnotationStage
from twspulse.streams.anomaly_stage import ANOMALY_COLUMNS
from twspulse.streams.enrichment import Enrichment
from twspulse.streams.flow import FlowParts, Stage, Stored
from twspulse.streams.job_alerts import job_conditions
from twspulse.streams.joblog_mining import JoblogMiner

StageFactory = Callable[[FlowParts], Stage]


def _finals(stored: Sequence[Stored]) -> list[tuple[JobEvent, Enrichment]]:
    """The job events that recorded a final outcome in their job's baseline (the job-event pipe's stored records
    are ``(JobEvent, Enrichment)``; a cast for the batch, not a check per event: this runs at the pipe's volume)."""
    return cast(list[tuple[JobEvent, Enrichment]], [item for item in stored if item[1].state_changed])


def job_failures(parts: FlowParts) -> Stage:
    """``job_failed`` fires on a failed run's final event and resolves on the job's next success."""

    async def stage(stored: Sequence[Stored]) -> Sequence[Condition]:
        return job_conditions(_finals(stored))

    return stage


def runtime_anomalies(parts: FlowParts) -> Stage:
    """Each successful run's duration scored against its job's recent runs; scores into ``anomalies``."""

    async def stage(stored: Sequence[Stored]) -> Sequence[Condition]:
        finals = _finals(stored)
        if not finals:
            return []
        rows, conditions = await parts.anomalies.score_runs(finals)
        await parts.sink.write("anomalies", ANOMALY_COLUMNS, rows)
        return conditions

    return stage


def metric_anomalies(parts: FlowParts) -> Stage:
    """Each host sample's levels scored against their series' recent past; scores into ``anomalies``."""

    async def stage(stored: Sequence[Stored]) -> Sequence[Condition]:
        samples = [record for record, _ in stored if isinstance(record, HostMetrics)]
        rows, conditions = await parts.anomalies.score_hosts(samples)
        await parts.sink.write("anomalies", ANOMALY_COLUMNS, rows)
        return conditions

    return stage


def _last_chunks(stored: Sequence[Stored]) -> list[JobLogChunk]:
    """The chunks that complete a run's joblog (its earlier chunks were stored before: same key, same partition)."""
    return [c for c, _ in stored if isinstance(c, JobLogChunk) and c.chunk_index == c.chunk_count - 1]


def joblog_patterns(parts: FlowParts) -> Stage:
    """A finished joblog's lines, error lines and error patterns (``twspulse/streams/joblog_mining.py``)."""
    miner = JoblogMiner(parts.sink)

    async def stage(stored: Sequence[Stored]) -> Sequence[Condition]:
        await miner.mine(_last_chunks(stored))
        return []

    return stage


def root_causes(parts: FlowParts) -> Stage:
    """A finished joblog's failed run annotated with its root cause, added to the run's ``job_failed`` alert."""
    annotations = AnnotationStage(parts.settings.llm, parts.database_url, parts.alerts)

    async def stage(stored: Sequence[Stored]) -> Sequence[Condition]:
        await annotations.annotate([c.run_id for c in _last_chunks(stored)])
        return []

    return stage
