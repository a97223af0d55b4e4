"""Alert conditions -> deduplicated alert events on the ``alerts`` topic and in the ``alerts`` table.

The worker's detectors (failed runs, runtime and metric anomalies) report conditions as they see them;
``models.alerts.AlertBook`` turns repeats within the dedup window into updates of one alert and cleared
conditions into resolve events. The book lives in the worker's memory and is rebuilt from the table's open
alerts at start, so a restarted worker continues the alerts it had open instead of opening new ones.

Several workers: conditions of a job or a host always reach the worker that owns its partition, so one worker
writes an alert's opening, repeats and resolution. A root cause, though, comes from the joblog, keyed by run:
the worker that annotates a run may not be the one that opened the run's ``job_failed`` alert (nor may the
alert be open yet: the joblog can be ahead of the job events). So an enrichment whose alert is not open in
this worker's book looks it up where every worker writes, the ``alerts`` table, and adopts it; one whose
alert is not there yet waits (``retry_pending``, every few seconds, up to ``PENDING_TTL_S``) instead of being
dropped. The table is written right after the topic, so what one worker published, another finds.

Events go to the topic first (downstream consumers' contract), then to the table. A failed delivery raises,
so the batch that produced the conditions is not acked and is redelivered.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import psycopg
import structlog

from twspulse.events import Alert
from twspulse.models.alerts import ALERT_COLUMNS, AlertBook, Condition, alert_row, open_alerts_from_db, publish_alerts
from twspulse.producer import EventProducer
from twspulse.streams.timescale_sink import TimescaleSink

log = structlog.get_logger(__name__)

MAX_PENDING = 10_000  # findings waiting for their alert (oldest dropped first)
PENDING_TTL_S = 900.0  # how long a finding waits for its alert to appear (the job event can lag its joblog)
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
        # findings about runs whose alert is not open yet (the joblog agent can be ahead of the event agent):
        # run id -> (dedup key, summary, evidence, monotonic deadline)
        self._pending: OrderedDict[str, tuple[str, str, dict[str, Any], float]] = OrderedDict()
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
                    _, summary, evidence, _ = self._pending.pop(run_id)
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
            events, missed = [], []
            for update in updates:
                if (event := book.enrich(*update)) is not None:
                    events.append(event)
                else:
                    missed.append(update)
            if missed:  # another worker's alert, or one not open yet
                events += await self._enrich_from_table(book, missed)
            await self._deliver(events)
            return events

    async def retry_pending(self) -> list[Alert]:
        """Findings still waiting for their alert: look again in the table; drop those waiting too long."""
        if not self._pending:
            return []
        async with self._lock:
            book = await self._loaded()
            now = time.monotonic()
            waiting = []
            for run_id, (key, summary, evidence, deadline) in list(self._pending.items()):
                del self._pending[run_id]
                if deadline < now:
                    log.warning("alerts.finding_dropped", run_id=run_id, dedup_key=key,
                                why=f"no open alert for the run within {PENDING_TTL_S:.0f} s")  # fmt: skip
                else:
                    waiting.append((key, run_id, summary, evidence))
            events = [e for u in waiting if (e := book.enrich(*u)) is not None]
            left = [u for u in waiting if not any(e.evidence.get("run_id") == u[1] for e in events)]
            events += await self._enrich_from_table(book, left)
            await self._deliver(events)
            return events

    async def _enrich_from_table(
        self, book: AlertBook, updates: Sequence[tuple[str, str, str, dict[str, Any]]]
    ) -> list[Alert]:
        """Adopt the open alerts of ``updates`` that the table holds and enrich them; park the rest."""
        if not updates:
            return []
        found = await asyncio.to_thread(self._open_alerts, [key for key, *_ in updates])
        events = []
        for key, run_id, summary, evidence in updates:
            alert = found.get(key)
            if alert is not None and alert.evidence.get("run_id") == run_id:
                book.adopt(alert)
                if (event := book.enrich(key, run_id, summary, evidence)) is not None:
                    events.append(event)
                    continue
            self._pending[run_id] = (key, summary, evidence, time.monotonic() + PENDING_TTL_S)
            self._pending.move_to_end(run_id)
            while len(self._pending) > MAX_PENDING:
                self._pending.popitem(last=False)
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

    def _open_alerts(self, dedup_keys: Sequence[str] | None = None) -> dict[str, Alert]:
        with psycopg.connect(self._url) as conn:
            return open_alerts_from_db(conn, WORKER_KINDS, dedup_keys)

    @property
    def pending(self) -> int:
        """Findings waiting for their alert."""
        return len(self._pending)
