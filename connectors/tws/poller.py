"""The poll loop of the TWS connector: plan -> status changes -> Kafka, exactly once per change.

The v2 API has no change feed, so each poll reads the plan (paged, scoped by a configurable OQL filter)
and diffs it against what was already published. One poll = one Kafka transaction holding the new
events, the joblogs of failed runs, dead letters and the updated seen-state: it either all lands or
nothing does, and the next poll tries again. An engine that is down costs a skipped poll, not data.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from confluent_kafka import KafkaException
from pydantic import ValidationError

from connectors.producer import DeliveryError, EventProducer
from connectors.tws.api_models import JobInPlan
from connectors.tws.client import TwsClient
from connectors.tws.errors import TwsError, TwsNotFound
from connectors.tws.job_events import build_event
from connectors.tws.joblog_chunks import joblog_chunks
from connectors.tws.seen_store import SeenStore
from twspulse.events import DeadLetter, JobEvent, JobLogChunk, StatusCategory, validation_reason
from twspulse.settings import Settings
from twspulse.topics import JOB_EVENTS, JOB_LOGS

log = structlog.get_logger(__name__)


@dataclass
class PollResult:
    """What one poll did, for logs, tests and the demo summary."""

    jobs_seen: int = 0
    events: int = 0
    joblogs: int = 0
    dead_letters: int = 0
    forgotten: int = 0
    requests: int = 0


@dataclass
class _Batch:
    events: list[JobEvent] = field(default_factory=list)
    chunks: list[JobLogChunk] = field(default_factory=list)
    dead: list[tuple[str, DeadLetter]] = field(default_factory=list)


class TwsPoller:
    """Polls one engine into Kafka. ``run`` loops; ``poll_once`` is one transactional cycle."""

    def __init__(self, settings: Settings, client: TwsClient, producer: EventProducer, store: SeenStore):
        self.settings = settings
        self.client = client
        self.producer = producer
        self.store = store
        self._reported_bad: set[str] = set()  # payload hashes already dead-lettered this process
        self.totals = PollResult()  # summed over every committed poll of this process

    async def poll_once(self) -> PollResult:
        """Read the plan, publish what changed. Raises ``TwsError`` (nothing published) if the engine fails."""
        now = datetime.now(UTC)
        requests_before = self.client.requests_sent
        batch = _Batch()
        present: set[str] = set()
        async for page in self.client.job_pages(self.settings.tws_oql, self.settings.tws_page_size):
            for raw in page.results:
                job = self._validate(raw, now, batch)
                if job is None:
                    continue
                present.add(job.id)
                event = build_event(job, now, self.client.engine_time)
                if self.store.seen.get(job.id) != event.event_id:
                    batch.events.append(event)
        for event in batch.events:
            if event.category is StatusCategory.FAILED and event.run_id:
                await self._fetch_joblog(event, now, batch)
        gone = [job_id for job_id in self.store.seen if job_id not in present]
        self._publish(batch, gone, now)
        result = PollResult(
            jobs_seen=len(present),
            events=len(batch.events),
            joblogs=len({c.run_id for c in batch.chunks}),
            dead_letters=len(batch.dead),
            forgotten=len(gone),
            requests=self.client.requests_sent - requests_before,
        )
        for name, value in result.__dict__.items():
            setattr(self.totals, name, getattr(self.totals, name) + value)
        log.info("tws.poll", **result.__dict__)
        return result

    def _validate(self, raw: dict[str, object], now: datetime, batch: _Batch) -> JobInPlan | None:
        try:
            return JobInPlan.model_validate(raw)
        except ValidationError as exc:
            blob = json.dumps(raw, sort_keys=True, default=str).encode()
            digest = hashlib.sha256(blob).hexdigest()
            if digest not in self._reported_bad:
                job_id = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else None
                reason = validation_reason(exc)
                batch.dead.append(
                    (
                        digest,
                        DeadLetter.wrap(
                            source_topic=JOB_EVENTS.name,
                            raw=blob,
                            reason=f"engine payload failed validation: {reason}",
                            error_type="ValidationError",
                            failed_at=now,
                            key=job_id,
                        ),
                    )
                )
            return None

    async def _fetch_joblog(self, event: JobEvent, now: datetime, batch: _Batch) -> None:
        assert event.run_id is not None
        try:
            joblog = await self.client.joblog(event.run_id, self.settings.tws_joblog_max_bytes)
        except TwsNotFound as exc:
            # The run is gone from the plan: say so in the DLQ rather than lose the fact silently.
            batch.dead.append(
                (
                    event.event_id,
                    DeadLetter.wrap(
                        source_topic=JOB_LOGS.name,
                        raw=event.to_bytes(),
                        reason=f"joblog not found: {exc}",
                        error_type="TwsNotFound",
                        failed_at=now,
                        key=event.run_id,
                    ),
                )
            )
            return
        batch.chunks.extend(joblog_chunks(event, joblog, now, self.settings.tws_joblog_chunk_bytes))

    def _publish(self, batch: _Batch, gone: list[str], now: datetime) -> None:
        if not (batch.events or batch.chunks or batch.dead or gone):
            return
        self.producer.begin()
        try:
            for event in batch.events:
                self.producer.send(JOB_EVENTS.name, event.job_id, event)
                self.store.record(self.producer, event.plan_id, event.job_id, event.event_id, now)
            for chunk in batch.chunks:
                self.producer.send(JOB_LOGS.name, chunk.run_id, chunk)
            for _, dead in batch.dead:
                self.producer.send(f"{dead.source_topic}.dlq", dead.key or "", dead)
            for job_id in gone:
                self.store.forget(self.producer, job_id)
            self.producer.commit()
        except Exception:
            self.producer.abort()
            raise
        for event in batch.events:
            self.store.seen[event.job_id] = event.event_id
        for job_id in gone:
            self.store.seen.pop(job_id, None)
        self._reported_bad.update(digest for digest, _ in batch.dead)

    async def run(self, stop: asyncio.Event, max_polls: int | None = None) -> None:
        """Poll until ``stop`` is set; an engine or broker failure is logged and retried, never fatal."""
        polls = 0
        failures = 0
        while not stop.is_set():
            try:
                await self.poll_once()
                failures = 0
            except (TwsError, KafkaException, DeliveryError) as exc:
                # Nothing of this poll was committed; the next poll reads the plan again.
                failures += 1
                log.error("tws.poll.failed", error=str(exc), kind=type(exc).__name__, consecutive=failures)
            polls += 1
            if max_polls is not None and polls >= max_polls:
                return
            wait = self.settings.tws_poll_interval_s * min(2**failures, 30)
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait)
            except TimeoutError:
                pass
