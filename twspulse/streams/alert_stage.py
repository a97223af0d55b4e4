"""Alert conditions -> deduplicated alert events on the ``alerts`` topic and in the ``alerts`` table.

The worker's detectors (failed runs, runtime and metric anomalies) report conditions as they see them;
``models.alerts.AlertBook`` turns repeats within the dedup window into updates of one alert and cleared
conditions into resolve events. The book lives in the worker's memory and is rebuilt from the table's open
alerts at start, so a restarted worker continues the alerts it had open instead of opening new ones.

Events go to the topic first (downstream consumers' contract), then to the table. A failed delivery raises,
so the batch that produced the conditions is not acked and is redelivered.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import psycopg
import structlog

from twspulse.connectors.producer import EventProducer
from twspulse.events import Alert
from twspulse.models.alerts import ALERT_COLUMNS, AlertBook, Condition, alert_row, open_alerts_from_db, publish_alerts
from twspulse.streams.timescale_sink import TimescaleSink

log = structlog.get_logger(__name__)

MAX_PENDING = 10_000  # findings waiting for their alert (oldest dropped first)
WORKER_KINDS = ("job_failed", "runtime_anomaly", "metric_anomaly")  # what the worker opens and resolves


class AlertStage:
    """Applies conditions to the alert book and publishes the resulting alert events."""

    def __init__(self, sink: TimescaleSink, producer: EventProducer, database_url: str, dedup_window_s: float):
        self._sink = sink
        self._producer = producer
        self._url = database_url
        self._window = dedup_window_s
        self._book: AlertBook | None = None
        self._lock = asyncio.Lock()  # agents of several topics share the book
        # findings about runs whose alert is not open yet (the joblog agent can be ahead of the event agent)
        self._pending: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()
        self.events_sent = 0

    async def apply(self, conditions: Sequence[Condition]) -> list[Alert]:
        """Turn conditions into alert events, deliver them, and return them."""
        if not conditions:
            return []
        async with self._lock:
            book = await self._loaded()
            events = book.apply_all(conditions)
            for event in list(events):
                run_id = event.evidence.get("run_id")
                if event.state == "firing" and isinstance(run_id, str) and run_id in self._pending:
                    summary, evidence = self._pending.pop(run_id)
                    if (enriched := book.enrich(event.dedup_key, run_id, summary, evidence)) is not None:
                        events.append(enriched)
            await self._deliver(events)
            return events

    async def enrich(self, updates: Sequence[tuple[str, str, str, dict[str, Any]]]) -> list[Alert]:
        """Add later findings (dedup key, run id, summary, evidence) to the alerts those runs opened."""
        if not updates:
            return []
        async with self._lock:
            book = await self._loaded()
            events = [
                e for key, run_id, summary, evidence in updates if (e := book.enrich(key, run_id, summary, evidence))
            ]
            await self._deliver(events)
            return events

    async def _loaded(self) -> AlertBook:
        if self._book is None:
            self._book = AlertBook(self._window, await asyncio.to_thread(self._open_alerts))
            log.info("alerts.book.loaded", open=len(self._book.open))
        return self._book

    async def _deliver(self, events: Sequence[Alert]) -> None:
        if not events:
            return
        await asyncio.to_thread(publish_alerts, self._producer, events)
        refused = await self._sink.write("alerts", ALERT_COLUMNS, [alert_row(e) for e in events])
        if refused:
            log.warning("alerts.rows_refused", count=len(refused), first=refused[0].reason)
        self.events_sent += len(events)

    def _open_alerts(self) -> dict[str, Alert]:
        with psycopg.connect(self._url) as conn:
            return open_alerts_from_db(conn, WORKER_KINDS)
