"""The poll loop of the TWS connector: plan -> status changes -> Kafka, exactly once per change.

Each poll reads the plan — fully every ``tws_full_scan_interval_s`` (and at start and at plan turnover),
incrementally in between (see ``poll_queries``) — diffs it against what was already published, and
sends one Kafka transaction holding the new events, the joblogs of failed runs, the workstations' state,
dead letters and the updated seen-state: it either all lands or nothing does, and the next poll tries
again. An engine that is down costs a skipped poll, not data.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from confluent_kafka import KafkaException
from pydantic import ValidationError

from connectors.producer import DeliveryError, EventProducer
from connectors.tws.api_models import EngineInfo, JobInPlan, Workstation
from connectors.tws.client import TwsClient
from connectors.tws.errors import TwsError, TwsNotFound, TwsPayloadError, TwsRequestRejected
from connectors.tws.job_events import build_event
from connectors.tws.joblog_chunks import joblog_chunks
from connectors.tws.poll_queries import full_scan_oql, incremental_oql
from connectors.tws.seen_store import SeenStore
from twspulse.events import DeadLetter, JobEvent, JobLogChunk, StatusCategory, WorkstationStatus, validation_reason
from twspulse.job_keys import job_key
from twspulse.settings import Settings
from twspulse.topics import JOB_EVENTS, JOB_LOGS, WORKSTATIONS

log = structlog.get_logger(__name__)

DLQ_RAW_LIMIT = 512 * 1024  # a dead letter keeps at most this much of an unparsable engine answer


@dataclass
class PollResult:
    """What one poll did, for logs, tests and the demo summary."""

    full_scans: int = 0
    jobs_seen: int = 0
    events: int = 0
    joblogs: int = 0
    workstations: int = 0
    dead_letters: int = 0
    forgotten: int = 0
    requests: int = 0


@dataclass
class _Batch:
    events: list[JobEvent] = field(default_factory=list)
    chunks: list[JobLogChunk] = field(default_factory=list)
    workstations: list[WorkstationStatus] = field(default_factory=list)
    dead: list[tuple[str, DeadLetter]] = field(default_factory=list)


def _digest(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


class TwsPoller:
    """Polls one engine into Kafka. ``run`` loops; ``poll_once`` is one transactional cycle."""

    def __init__(
        self,
        settings: Settings,
        client: TwsClient,
        producer: EventProducer,
        store: SeenStore,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings
        self.client = client
        self.producer = producer
        self.store = store
        self._clock = clock
        self._reported_bad: set[str] = set()  # payload hashes already dead-lettered this process
        self.totals = PollResult()  # summed over every committed poll of this process
        self.engine: EngineInfo | None = None
        self.plan_id: str | None = None
        self.cursor: datetime | None = None  # engine time when the last committed poll started
        self._last_full: float | None = None
        self.incremental_enabled = True

    # --- one poll ----------------------------------------------------------------------------------
    async def poll_once(self) -> PollResult:
        """Read the plan, publish what changed. Raises ``TwsError`` (nothing published) if the engine fails."""
        requests_before = self.client.requests_sent
        if self.engine is None:
            await self._load_engine_info()
        now = datetime.now(UTC)
        batch = _Batch()
        full = self._full_scan_due()
        started_at: datetime | None = None
        try:
            jobs, started_at = await self._scan(full, now, batch)
            if not full and any(j.plan_id and j.plan_id != self.plan_id for j in jobs.values()):
                log.info("tws.plan.turnover", old=self.plan_id, new=next(iter(jobs.values())).plan_id)
                full = True
                jobs, _ = await self._scan(True, now, batch)
            await self._read_workstations(now, batch)
        except TwsPayloadError as exc:
            self._dead_letter_now(exc, now)
            raise
        for job in jobs.values():
            event = build_event(job, now, self.client.engine_time)
            if self.store.seen.get(job.id) != event.event_id:
                batch.events.append(event)
        for event in batch.events:
            if event.category is StatusCategory.FAILED and event.run_id:
                await self._fetch_joblog(event, now, batch)
        gone = [job_id for job_id in self.store.seen if job_id not in jobs] if full else []
        self._publish(batch, gone, now)
        if full:
            self._last_full = self._clock()
        plan_ids = {j.plan_id for j in jobs.values() if j.plan_id}
        if len(plan_ids) == 1:
            self.plan_id = plan_ids.pop()
        self.cursor = started_at or self.cursor
        result = PollResult(
            full_scans=int(full),
            jobs_seen=len(jobs),
            events=len(batch.events),
            joblogs=len({c.run_id for c in batch.chunks}),
            workstations=len(batch.workstations),
            dead_letters=len(batch.dead),
            forgotten=len(gone),
            requests=self.client.requests_sent - requests_before,
        )
        for name, value in result.__dict__.items():
            setattr(self.totals, name, getattr(self.totals, name) + value)
        log.info("tws.poll", **result.__dict__)
        return result

    def request_full_scan(self) -> None:
        """Make the next poll a full scan (operators' "resync", tests)."""
        self._last_full = None

    def _full_scan_due(self) -> bool:
        if not self.incremental_enabled or self._last_full is None or self.cursor is None:
            return True
        return self._clock() - self._last_full >= self.settings.tws_full_scan_interval_s

    def _zone(self) -> ZoneInfo:
        return self.engine.zone() if self.engine else ZoneInfo("UTC")

    async def _load_engine_info(self) -> None:
        try:
            self.engine = await self.client.engine_info()
        except TwsRequestRejected as exc:
            # Some engines restrict engine/info to administrators; plan times are UTC instants anyway.
            log.warning("tws.engine_info.unavailable", error=str(exc))
            self.engine = EngineInfo()
            return
        log.info("tws.engine", version=self.engine.full_version, timezone=self.engine.timezone)

    async def _scan(self, full: bool, now: datetime, batch: _Batch) -> tuple[dict[str, JobInPlan], datetime | None]:
        """Jobs of the scan (job id -> job) and the engine time of its first answer (the next cursor)."""
        scope = self.settings.tws_oql
        if full:
            oql = full_scan_oql(scope)
        else:
            assert self.cursor is not None
            oql = incremental_oql(scope, self.cursor - timedelta(seconds=self.settings.tws_overlap_s))
        jobs: dict[str, JobInPlan] = {}
        started_at: datetime | None = None
        try:
            async for page in self.client.job_pages(oql, self.settings.tws_page_size):
                started_at = started_at or self.client.engine_time
                for raw in page.results:
                    job = self._validate(raw, now, batch)
                    if job is not None:
                        jobs[job.id] = job
        except TwsRequestRejected as exc:
            if full or exc.status != 400:
                raise
            # The engine's OQL does not know the incremental filter: poll the whole plan from now on.
            log.error("tws.incremental.unsupported", error=str(exc), fallback="full scans every poll")
            self.incremental_enabled = False
            return await self._scan(True, now, batch)
        return jobs, started_at

    def _validate(self, raw: dict[str, Any], now: datetime, batch: _Batch) -> JobInPlan | None:
        try:
            return JobInPlan.model_validate(raw, context={"tz": self._zone()})
        except ValidationError as exc:
            self._queue_dead(
                batch,
                json.dumps(raw, sort_keys=True, default=str).encode(),
                JOB_EVENTS.name,
                f"engine payload failed validation: {validation_reason(exc)}",
                "ValidationError",
                now,
                key=str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else None,
            )
            return None

    def _queue_dead(
        self, batch: _Batch, blob: bytes, topic: str, reason: str, kind: str, now: datetime, key: str | None
    ) -> None:
        digest = _digest(blob)
        if digest in self._reported_bad or any(d == digest for d, _ in batch.dead):
            return  # the same bad payload, seen again: reported once per process
        batch.dead.append(
            (
                digest,
                DeadLetter.wrap(source_topic=topic, raw=blob, reason=reason, error_type=kind, failed_at=now, key=key),
            )
        )

    def _dead_letter_now(self, exc: TwsPayloadError, now: datetime) -> None:
        """An unparsable answer fails the poll; its body still goes to the DLQ (own transaction)."""
        batch = _Batch()
        self._queue_dead(batch, exc.raw[:DLQ_RAW_LIMIT], JOB_EVENTS.name, str(exc)[:2000], "TwsPayloadError", now, None)
        if batch.dead:
            self._publish(batch, [], now)
            log.error("tws.payload.dead_lettered", error=str(exc)[:300])

    async def _read_workstations(self, now: datetime, batch: _Batch) -> None:
        page = await self.client.workstations()
        for raw in page.results:
            try:
                ws = Workstation.model_validate(raw, context={"tz": self._zone()})
            except ValidationError as exc:
                blob = json.dumps(raw, sort_keys=True, default=str).encode()
                reason = f"workstation failed validation: {validation_reason(exc)}"
                self._queue_dead(batch, blob, WORKSTATIONS.name, reason, "ValidationError", now, None)
                continue
            states = {s.upper() for s in ws.active_states}
            batch.workstations.append(
                WorkstationStatus(
                    workstation=ws.name,
                    plan_id=self.plan_id,
                    linked="LINKED" in states,
                    running=bool(states & {"RUNNING", "ONLINE"}),
                    active_states=sorted(states),
                    limit=ws.limit,
                    fence=ws.fence,
                    os=ws.os,
                    version=ws.version,
                    node_name=ws.node_name,
                    observed_at=self.client.engine_time or now,
                )
            )

    async def _fetch_joblog(self, event: JobEvent, now: datetime, batch: _Batch) -> None:
        assert event.run_id is not None
        try:
            joblog = await self.client.joblog(
                event.run_id, self.settings.tws_joblog_max_bytes, self.settings.tws_joblog_page_lines
            )
        except TwsNotFound as exc:
            # The run is gone from the plan: say so in the DLQ rather than lose the fact silently.
            self._queue_dead(
                batch, event.to_bytes(), JOB_LOGS.name, f"joblog not found: {exc}", "TwsNotFound", now, event.run_id
            )
            return
        batch.chunks.extend(joblog_chunks(event, joblog, now, self.settings.tws_joblog_chunk_bytes))

    def _publish(self, batch: _Batch, gone: list[str], now: datetime) -> None:
        if not (batch.events or batch.chunks or batch.dead or batch.workstations or gone):
            return
        self.producer.begin()
        try:
            for event in batch.events:
                self.producer.send(JOB_EVENTS.name, job_key(event), event)  # by definition: see job_keys
                self.store.record(self.producer, event.plan_id, event.job_id, event.event_id, now)
            for chunk in batch.chunks:
                self.producer.send(JOB_LOGS.name, chunk.run_id, chunk)
            for ws in batch.workstations:
                self.producer.send(WORKSTATIONS.name, ws.workstation, ws)
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

    # --- the loop ----------------------------------------------------------------------------------
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
                log.error("tws.poll.failed", error=str(exc)[:500], kind=type(exc).__name__, consecutive=failures)
            polls += 1
            if max_polls is not None and polls >= max_polls:
                return
            wait = self.settings.tws_poll_interval_s * min(2**failures, 30)
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait)
            except TimeoutError:
                pass
