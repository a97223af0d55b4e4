"""One batch of job events -> enriched ``job_runs`` rows, streaming scores and alerts, then the new baselines.

The order is what makes a batch safe to retry or redeliver: the stored per-job state changes only once
the batch's rows, scores and alerts are out, so a batch retried after a failure still sees its events
as new; and the caller commits the source offsets only after this returns, so the changelog is never
behind them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog

from twspulse.events import JobEvent
from twspulse.job_keys import job_key
from twspulse.streams.alert_stage import AlertStage
from twspulse.streams.anomaly_stage import ANOMALY_COLUMNS, AnomalyStage
from twspulse.streams.changelog_table import ChangelogTable
from twspulse.streams.dead_letters import refused
from twspulse.streams.enrichment import Enrichment, enrich
from twspulse.streams.job_alerts import job_conditions
from twspulse.streams.rows import ENRICHED_JOB_RUN_COLUMNS, enriched_job_run_row
from twspulse.streams.timescale_sink import TimescaleSink

log = structlog.get_logger(__name__)


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """What ``enrich`` may change: the outcomes list (its items are never changed in place)."""
    return {**state, "outcomes": list(state.get("outcomes", []))}


class JobEnricher:
    """Per-job baselines (a changelog-backed table keyed by job definition) -> enriched rows."""

    def __init__(self, table: ChangelogTable, sink: TimescaleSink, anomalies: AnomalyStage, alerts: AlertStage):
        self.table = table
        self._sink = sink
        self._anomalies = anomalies
        self._alerts = alerts

    async def enrich(
        self, records: list[tuple[JobEvent, int, Any]], owned: Callable[[], bool] = lambda: True
    ) -> list[tuple[Any, str]]:
        """Enrich and write (event, its partition, its owner) records; return (owner, reason) of refused rows.

        ``owned`` says whether this worker surely still owns the batch's partitions: a batch that outlived the
        group's poll interval (say, the database was down for minutes) does not store its baselines, which
        would overwrite those of the partitions' new owner; that owner redelivers the batch.
        """
        rows: list[tuple[Any, ...]] = []
        owners: list[Any] = []
        dirty: dict[str, tuple[int, dict[str, Any]]] = {}  # key -> (partition, state after the batch)
        finals: list[tuple[JobEvent, Enrichment]] = []
        for record, partition, owner in records:
            key = job_key(record)
            # a copy: the stored state changes only after the batch's rows, scores and alerts are out
            state = dirty[key][1] if key in dirty else _copy_state(self.table.get(partition, key))
            enrichment = enrich(record, state)
            if enrichment.state_changed:
                dirty[key] = (partition, state)
                finals.append((record, enrichment))
            rows.append(enriched_job_run_row(record, enrichment))
            owners.append(owner)
        rejected = refused(owners, await self._sink.write("job_runs", ENRICHED_JOB_RUN_COLUMNS, rows))
        if finals:
            anomaly_rows, conditions = await self._anomalies.score_runs(finals)
            await self._sink.write("anomalies", ANOMALY_COLUMNS, anomaly_rows)
            await self._alerts.apply([*job_conditions(finals), *conditions])
        if dirty and not owned():
            log.warning("job_events.baselines_not_stored", jobs=len(dirty), why="the batch outlived the poll interval")
        elif dirty:
            # one changelog record per changed job per batch, queued in C and flushed once, off the event loop
            await asyncio.to_thread(self.table.put, dirty)
        return rejected
