"""Job events -> enriched ``job_runs`` rows, against per-job-definition baselines; the new baselines stored last.

The row mapper of the job-event pipe (``twspulse/streams/pipes.py``). The order is what makes a batch safe to
retry or redeliver: ``rows`` works on copies of the stored states, and the table changes only in ``settle``,
which the flow calls once the batch's rows, scores and alerts are out (``twspulse/streams/flow.py``), so a batch
retried after a failure still sees its events as new; and the carrier commits the source offsets only after
that, so the changelog is never behind them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import structlog

from twspulse.events import JobEvent
from twspulse.job_keys import job_key
from twspulse.streams.changelog_table import ChangelogTable
from twspulse.streams.enrichment import enrich
from twspulse.streams.flow import Decoded, FlowParts, Mapped, Stored
from twspulse.streams.rows import enriched_job_run_row
from twspulse.topics import TopicSpec

log = structlog.get_logger(__name__)


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """What ``enrich`` may change: the outcomes list (its items are never changed in place)."""
    return {**state, "outcomes": list(state.get("outcomes", []))}


class JobEnricher:
    """Per-job baselines (a changelog-backed table keyed by job definition, sharded like the source partitions)."""

    def __init__(self, table: ChangelogTable):
        self.table = table

    def assign(self, partitions: set[int]) -> None:
        """Own exactly these partitions' baselines: restore the new ones, drop the others."""
        self.table.assign(partitions)

    def rows(self, batch: Sequence[Decoded]) -> Mapped:
        """One enriched row per event; ``state``: the changed baselines, key -> (partition, state)."""
        dirty: dict[str, tuple[int, dict[str, Any]]] = {}
        rows: list[tuple[Any, ...]] = []
        items: list[Stored] = []
        stored_state = self.table.get
        for decoded, consumed in batch:  # the hot path: one pass, locals only
            record: JobEvent = decoded  # type: ignore[assignment]  # the pipe's model (a cast costs a call)
            key = job_key(record)
            # a copy: the stored state changes only after the batch's rows, scores and alerts are out
            state = dirty[key][1] if key in dirty else _copy_state(stored_state(consumed.partition, key))
            enrichment = enrich(record, state)
            if enrichment.state_changed:
                dirty[key] = (consumed.partition, state)
            rows.append(enriched_job_run_row(record, enrichment))
            items.append((record, enrichment))
        owners = [consumed for _, consumed in batch]  # one row per event
        return Mapped(rows, owners, items, owners, dirty)

    async def settle(self, mapped: Mapped, owned: Callable[[], bool]) -> None:
        """Store the changed baselines.

        ``owned`` says whether this worker surely still owns the batch's partitions: a batch that outlived the
        group's poll interval (say, the database was down for minutes) does not store its baselines, which
        would overwrite those of the partitions' new owner; that owner redelivers the batch.
        """
        dirty = mapped.state
        if dirty and not owned():
            log.warning("job_events.baselines_not_stored", jobs=len(dirty), why="the batch outlived the poll interval")
        elif dirty:
            # one changelog record per changed job per batch, queued in C and flushed once, off the event loop
            await asyncio.to_thread(self.table.put, dirty)


def job_baselines(parts: FlowParts, topic: TopicSpec) -> JobEnricher:
    """The job-event pipe's row mapper, with its changelog topic (as many partitions as ``topic``) in place."""
    producer = parts.producer("job-baselines")
    # the name a Faust table "job-baselines" of this app had: a worker upgraded from it resumes its state
    table = ChangelogTable(parts.bootstrap, f"{parts.settings.worker_id}-job-baselines-changelog", producer,
                           parts.security)  # fmt: skip
    table.ensure_topic(parts.partitions(topic.name))
    return JobEnricher(table)
