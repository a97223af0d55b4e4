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
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from confluent_kafka import KafkaException
from pydantic import ValidationError

from twspulse import metrics
from twspulse.connectors.tws.api_models import EngineInfo, JobInPlan, Workstation
from twspulse.connectors.tws.client import TwsClient
from twspulse.connectors.tws.engine_check import end_filter_cutoff, end_filter_verdict
from twspulse.connectors.tws.errors import TwsError, TwsPayloadError, TwsRequestRejected, TwsUnavailable
from twspulse.connectors.tws.job_events import NO_RUN, build_events
from twspulse.connectors.tws.joblog_chunks import joblog_chunks
from twspulse.connectors.tws.poll_queries import (
    BY_ID_CHUNK,
    MOVING_STATUSES,
    by_id_oql,
    end_filter_oql,
    full_scan_oql,
    incremental_oql,
)
from twspulse.connectors.tws.seen_store import SeenStore
from twspulse.connectors.tws.status_map import LINKED_STATES
from twspulse.events import DeadLetter, JobEvent, JobLogChunk, StatusCategory, WorkstationStatus, validation_reason
from twspulse.job_keys import job_key
from twspulse.producer import DeliveryError, EventProducer
from twspulse.settings import HealthSettings, TwsSettings
from twspulse.topics import JOB_EVENTS, JOB_LOGS, WORKSTATIONS

log = structlog.get_logger(__name__)

DLQ_RAW_LIMIT = 512 * 1024  # a dead letter keeps at most this much of an unparsable engine answer
PAGING_ATTEMPTS = 3  # reads of a full scan whose pages did not add up before it is taken as it is
JOBLOG_MAX_BACKOFF_S = 300.0  # longest wait between two tries of one joblog
POLL_BACKOFF_MAX_FACTOR = 6  # a failing poll waits at most this many poll intervals before the next


def _moving(job: JobInPlan) -> bool:
    """True when the job's newest status moves on its own (what the incremental filter selects)."""
    return job.composite_status.status in MOVING_STATUSES and not job.composite_status.canceled


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


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
    joblogs_waiting: int = 0  # failed runs held back while their joblog is retried


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
        settings: TwsSettings,
        client: TwsClient,
        producer: EventProducer,
        store: SeenStore,
        clock: Callable[[], float] = time.monotonic,
        liveness: metrics.Liveness | None = None,
    ):
        self.settings = settings
        self.liveness = liveness or metrics.Liveness.of(HealthSettings())  # what /health reports (runner: configured)
        self.client = client
        self.producer = producer
        self.store = store
        self._clock = clock
        self._reported_bad: set[str] = set()  # payload hashes already dead-lettered this process
        self.totals = PollResult()  # summed over every committed poll of this process
        self.engine: EngineInfo | None = None
        self.plan_id: str | None = None
        self._last_full: float | None = None
        self._incremental_refused_at: float | None = None  # when the engine last refused the incremental OQL
        self.cursor: datetime | None = None  # engine time before the last committed poll's first request
        self.end_filter_trusted: bool | None = None  # the engine's end-time filter, as checked (None: not yet)
        self._active: set[str] = set()  # jobs whose newest run was still moving at the last poll
        self._reread: list[str] = []  # jobs the current incremental poll re-read by id
        self._held: dict[str, JobEvent] = {}  # event id -> failed run waiting for its joblog
        self._joblog_tries: dict[str, tuple[int, float]] = {}  # event id -> (failed tries, next try at)

    # --- one poll ----------------------------------------------------------------------------------
    async def poll_once(self) -> PollResult:
        """Read the plan, publish what changed. Raises ``TwsError`` (nothing published) if the plan read fails.

        A joblog or the workstation list failing does not fail the poll: the plan's events still go out
        (see ``_fetch_joblog`` and ``_read_workstations``).
        """
        requests_before = self.client.requests_sent
        if self.engine is None:
            await self._load_engine_info()
        now = datetime.now(UTC)
        batch = _Batch()
        full = self._full_scan_due()
        cursor = self.client.engine_time  # earlier than any answer of this poll: a safe lower bound
        try:
            jobs = await self._scan(full, now, batch)
            if not full and any(j.plan_id and j.plan_id != self.plan_id for j in jobs.values()):
                log.info("tws.plan.turnover", old=self.plan_id, new=next(iter(jobs.values())).plan_id)
                full = True
                jobs = await self._scan(True, now, batch)
            if full and self.end_filter_trusted is None:
                await self._check_end_filter(jobs, now)
            ended = await self._read_ended_plans(jobs, now, batch) if full else {}
            current_plans = {j.plan_id for j in jobs.values() if j.plan_id}
        except TwsPayloadError as exc:
            self._dead_letter_now(exc, now)
            raise
        await self._read_workstations(now, batch)
        candidates = dict(self._held)  # failed runs whose joblog is still awaited: tried again when due
        for job in [*jobs.values(), *ended.values()]:
            published = self.store.seen.get(job.id, {})
            for event in self._events_of(job, now, batch):
                if published.get(event.run_id or NO_RUN) != event.event_id:
                    candidates[event.event_id] = event
        held: dict[str, JobEvent] = {}
        for event_id, event in candidates.items():
            ready: JobEvent | None = event
            if event.category is StatusCategory.FAILED and event.run_id:
                ended_plan = event.plan_id if event.plan_id and event.plan_id not in current_plans else None
                ready = await self._fetch_joblog(event, now, batch, ended_plan)
            if ready is None:
                held[event_id] = event
            else:
                batch.events.append(ready)
        active = {job_id for job_id, job in jobs.items() if _moving(job)}
        if not full:  # jobs moving before and not read now (their re-read failed validation) stay watched
            active |= self._active - set(self._reread) - set(jobs)
        gone = [job_id for job_id in self.store.seen if job_id not in jobs] if full else []
        self._publish(batch, gone, now)
        # only now that the poll is committed does it move the connector's memory forward
        self._active = active
        for event in batch.events:
            self._joblog_tries.pop(event.event_id, None)
        self._held = held
        self.cursor = cursor or self.cursor
        if full:
            self._last_full = self._clock()
        plan_ids = {j.plan_id for j in jobs.values() if j.plan_id}
        if len(plan_ids) == 1:
            self.plan_id = plan_ids.pop()
        result = PollResult(
            full_scans=int(full),
            jobs_seen=len(jobs),
            events=len(batch.events),
            joblogs=len({c.run_id for c in batch.chunks}),
            workstations=len(batch.workstations),
            dead_letters=len(batch.dead),
            forgotten=len(gone),
            requests=self.client.requests_sent - requests_before,
            joblogs_waiting=len(self._held),
        )
        for name, value in result.__dict__.items():
            setattr(self.totals, name, getattr(self.totals, name) + value)
        log.info("tws.poll", **result.__dict__)
        return result

    def request_full_scan(self) -> None:
        """Make the next poll a full scan (operators' "resync", tests)."""
        self._last_full = None

    def _full_scan_due(self) -> bool:
        if self._last_full is None:
            return True
        refused = self._incremental_refused_at
        if refused is not None and self._clock() - refused < self.settings.tws_full_scan_interval_s:
            return True  # the engine refused the incremental filter lately: ask again after a while
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

    async def _scan(self, full: bool, now: datetime, batch: _Batch) -> dict[str, JobInPlan]:
        """Jobs of the scan (job id -> job).

        A full scan reads every job in scope. An incremental one reads the jobs whose runs are in a moving
        state (a documented OQL field), then re-reads by id the jobs that were moving at the last poll and
        are not any more: they ended since, and their runs (the failed one before a quick rerun too) are
        read whatever state they ended in. A job that goes from waiting to done between two polls is read
        by the next full scan.
        """
        scope = self.settings.tws_oql
        self._reread = []
        if full:
            return await self._read_plan(full_scan_oql(scope), now, batch, consistent=True)
        since = None
        if self.end_filter_trusted and self.cursor is not None:
            since = self.cursor - timedelta(seconds=self.settings.tws_overlap_s)
        try:
            jobs = await self._read_plan(incremental_oql(scope, since), now, batch)
            self._reread = sorted(self._active - set(jobs))
            for ids in _chunks(self._reread, BY_ID_CHUNK):
                jobs.update(await self._read_plan(by_id_oql(scope, ids), now, batch))
        except TwsRequestRejected as exc:
            if exc.status != 400:
                raise
            # This engine's OQL refuses the incremental filter: full scans until the next periodic retry.
            log.error("tws.incremental.unsupported", error=str(exc)[:300], fallback="full scans")
            self.end_filter_trusted = False if since is not None else self.end_filter_trusted
            self._incremental_refused_at = self._clock()
            return await self._read_plan(full_scan_oql(scope), now, batch, consistent=True)
        return jobs

    async def _read_ended_plans(self, jobs: dict[str, JobInPlan], now: datetime, batch: _Batch) -> dict[str, JobInPlan]:
        """The last state of the plans that ended since their jobs were published (job id -> job).

        At plan turnover the current plan is the new one, and runs of the old plan that ended after the
        last poll before midnight would never be read: a failure there would vanish. So each plan that
        jobs were last published from, and that is no longer the current one, is read in full once more
        (``plan_id``; the engine shows a past plan as it ended) before its jobs are forgotten. This holds
        across a restart: the seen-state says which plan each job came from. A plan the engine no longer
        keeps (404/400) is logged and left: nothing more can be read of it.
        """
        current = {j.plan_id for j in jobs.values() if j.plan_id}
        plans = {self.store.plans.get(job_id) for job_id in self.store.seen if job_id not in jobs}
        ended: dict[str, JobInPlan] = {}
        for plan_id in sorted(p for p in plans if p and p not in current):
            try:
                got = await self._read_plan(full_scan_oql(self.settings.tws_oql), now, batch, True, plan_id)
            except TwsRequestRejected as exc:
                if exc.status not in (400, 404):
                    raise
                log.warning("tws.plan.ended.unavailable", plan_id=plan_id, error=str(exc)[:300])
                continue
            log.info("tws.plan.ended.read", plan_id=plan_id, jobs=len(got))
            ended.update((job_id, job) for job_id, job in got.items() if job_id not in jobs)
        return ended

    def _events_of(self, job: JobInPlan, now: datetime, batch: _Batch) -> list[JobEvent]:
        """The job's events, one per run; a job whose events break the contract is dead-lettered alone."""
        try:
            return build_events(job, now, self.client.engine_time)
        except ValidationError as exc:
            blob = job.model_dump_json(by_alias=True).encode()
            reason = f"job event failed validation: {validation_reason(exc)}"
            self._queue_dead(batch, blob, JOB_EVENTS.name, reason, "ValidationError", now, job.id)
            return []

    async def _check_end_filter(self, jobs: dict[str, JobInPlan], now: datetime) -> None:
        """Check the engine's run end-time filter against a full scan's answer; trust it only if they agree.

        Its filterability is not documented, and an engine that ignored it or compared differently would
        hide runs, so it is measured: the jobs with a run that ended at or after the median end time of
        the scan must be exactly what the filter returns (jobs still moving during the scan may come in
        addition: they can have ended since). Until some run has ended there is nothing to check with,
        and the next full scan tries again.
        """
        cutoff = end_filter_cutoff(jobs.values())
        if cutoff is None:
            return
        refused: str | None = None
        try:
            got = set(await self._read_plan(end_filter_oql(self.settings.tws_oql, cutoff), now, _Batch()))
        except TwsRequestRejected as exc:
            if exc.status != 400:
                raise
            got, refused = set(), str(exc)[:300]
        verdict = end_filter_verdict(jobs, cutoff, got)
        self.end_filter_trusted = verdict.trusted and not refused
        log.log(
            logging.INFO if self.end_filter_trusted else logging.WARNING,
            "tws.end_filter.checked",
            trusted=self.end_filter_trusted,
            expected=verdict.expected,
            missing=verdict.missing,
            unexpected=verdict.unexpected,
            refused=refused,
        )

    async def _read_plan(
        self, oql: str, now: datetime, batch: _Batch, consistent: bool = False, plan_id: str = "current"
    ) -> dict[str, JobInPlan]:
        """Every job the OQL selects, following pages.

        Offset paging over a plan that moves can skip or repeat a job when jobs enter or leave the plan
        between two pages. Jobs are keyed by id (a repeat is harmless); with ``consistent`` a read whose
        total changed between pages, or that found fewer distinct jobs than the engine counted, is read
        again (up to ``PAGING_ATTEMPTS`` times) so a full scan never misses a job.
        """
        for attempt in range(1, PAGING_ATTEMPTS + 1):
            jobs: dict[str, JobInPlan] = {}
            counts: set[int] = set()
            async for page in self.client.job_pages(oql, self.settings.tws_page_size, plan_id):
                if page.count is not None:
                    counts.add(page.count)
                for raw in page.results:
                    job = self._validate(raw, now, batch)
                    if job is not None:
                        jobs[job.id] = job
            total = next(iter(counts)) if len(counts) == 1 else None
            seen = len(jobs) + self._invalid_in(batch)
            if not consistent or (total is not None and seen >= total) or not counts:
                return jobs
            log.warning("tws.plan.shifted", counts=sorted(counts), read=seen, attempt=attempt, oql=oql[:200])
        return jobs

    @staticmethod
    def _invalid_in(batch: _Batch) -> int:
        return sum(1 for _, d in batch.dead if d.error_type == "ValidationError" and d.source_topic == JOB_EVENTS.name)

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

    def _dead_letter_now(self, exc: TwsPayloadError, now: datetime, topic: str = JOB_EVENTS.name) -> None:
        """An unparsable answer: its body goes to the DLQ (own transaction) before the caller goes on."""
        batch = _Batch()
        self._queue_dead(batch, exc.raw[:DLQ_RAW_LIMIT], topic, str(exc)[:2000], "TwsPayloadError", now, None)
        if batch.dead:
            self._publish(batch, [], now)
            log.error("tws.payload.dead_lettered", error=str(exc)[:300])

    async def _read_workstations(self, now: datetime, batch: _Batch) -> None:
        """The workstations' state; when the engine fails to give it, this poll's jobs go out without it."""
        try:
            page = await self.client.workstations()
        except TwsPayloadError as exc:
            self._dead_letter_now(exc, now, WORKSTATIONS.name)
            return
        except (TwsRequestRejected, TwsUnavailable) as exc:
            log.warning("tws.workstations.unavailable", error=str(exc)[:300])
            return
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
                    linked=bool(states & LINKED_STATES),
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

    async def _fetch_joblog(
        self, event: JobEvent, now: datetime, batch: _Batch, plan_id: str | None = None
    ) -> JobEvent | None:
        """Fetch a failed run's joblog into the batch: the event to publish, or None while it must wait.

        Each joblog fails alone. One the engine refuses for good (404: the run left the plan; another 4xx;
        a body that is not a joblog) or that kept failing for ``tws_joblog_attempts`` tries is given up
        on: the run's event goes out with ``joblog_unavailable`` and the reason goes to the DLQ. One that
        failed for a reason that can pass (5xx, timeout, a body cut short) holds back only its own run's
        event, tried again with its own backoff, while every other event of the plan is published.
        """
        assert event.run_id is not None
        attempts, due = self._joblog_tries.get(event.event_id, (0, 0.0))
        if self._clock() < due:
            return None
        try:
            joblog = await self.client.joblog(
                event.run_id,
                self.settings.tws_joblog_max_bytes,
                self.settings.tws_joblog_page_lines,
                plan_id=plan_id,  # a run of a plan that ended: asked of that plan
            )
        except (TwsRequestRejected, TwsPayloadError) as exc:
            return self._without_joblog(event, now, batch, f"joblog refused: {exc}", type(exc).__name__)
        except TwsUnavailable as exc:
            attempts += 1
            if attempts >= self.settings.tws_joblog_attempts:
                reason = f"joblog unavailable after {attempts} attempts: {exc}"
                return self._without_joblog(event, now, batch, reason, type(exc).__name__)
            wait = min(JOBLOG_MAX_BACKOFF_S, self.settings.tws_poll_interval_s * 2 ** (attempts - 1))
            self._joblog_tries[event.event_id] = (attempts, self._clock() + wait)
            log.warning("tws.joblog.retry", run_id=event.run_id, attempt=attempts, wait_s=wait, error=str(exc)[:300])
            return None
        batch.chunks.extend(joblog_chunks(event, joblog, now, self.settings.tws_joblog_chunk_bytes))
        return event

    def _without_joblog(self, event: JobEvent, now: datetime, batch: _Batch, reason: str, kind: str) -> JobEvent:
        """The run's event, saying why its joblog will never follow; the same reason goes to the DLQ."""
        log.error("tws.joblog.given_up", run_id=event.run_id, error=reason[:300])
        self._queue_dead(batch, event.to_bytes(), JOB_LOGS.name, reason[:2000], kind, now, event.run_id)
        return event.model_copy(update={"joblog_unavailable": reason[:1000]})

    def _publish(self, batch: _Batch, gone: list[str], now: datetime) -> None:
        if not (batch.events or batch.chunks or batch.dead or batch.workstations or gone):
            return
        self.producer.begin()
        try:
            published: dict[str, dict[str, str]] = {}
            for event in batch.events:
                self.producer.send(JOB_EVENTS.name, job_key(event), event)  # by definition: see job_keys
                runs = published.setdefault(event.job_id, dict(self.store.seen.get(event.job_id, {})))
                if event.run_id:
                    runs.pop(NO_RUN, None)  # the status before the first run is history once a run exists
                runs[event.run_id or NO_RUN] = event.event_id
            plans = {event.job_id: event.plan_id for event in batch.events}
            for job_id, runs in published.items():
                self.store.record(self.producer, plans[job_id], job_id, runs, now)
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
        metrics.TWS_EVENTS.inc(len(batch.events))
        metrics.TWS_DEAD_LETTERS.inc(len(batch.dead))
        self.store.seen.update(published)
        self.store.plans.update({job_id: plans[job_id] for job_id in published})
        for job_id in gone:
            self.store.seen.pop(job_id, None)
            self.store.plans.pop(job_id, None)
        self._reported_bad.update(digest for digest, _ in batch.dead)

    # --- the loop ----------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, max_polls: int | None = None) -> None:
        """Poll until ``stop`` is set; an engine or broker failure is logged and retried, never fatal."""
        polls = 0
        failures = 0
        while not stop.is_set():
            started, requests_before = time.monotonic(), self.client.requests_sent
            try:
                result = await self.poll_once()
                failures = 0
                metrics.TWS_POLL_SECONDS.observe(time.monotonic() - started)
                metrics.TWS_POLLS.labels(outcome="ok").inc()
                metrics.TWS_JOBLOGS_HELD.set(result.joblogs_waiting)
                metrics.TWS_LAST_SUCCESS.set_to_current_time()
                self.liveness.succeeded()
            except (TwsError, KafkaException, DeliveryError) as exc:
                # Nothing of this poll was committed; the next poll reads the plan again.
                failures += 1
                metrics.TWS_POLLS.labels(outcome="failed").inc()
                self.liveness.failed(f"{type(exc).__name__}: {exc}")
                log.error("tws.poll.failed", error=str(exc)[:500], kind=type(exc).__name__, consecutive=failures)
            metrics.TWS_REQUESTS.inc(self.client.requests_sent - requests_before)
            polls += 1
            if max_polls is not None and polls >= max_polls:
                return
            wait = self.settings.tws_poll_interval_s * min(2**failures, POLL_BACKOFF_MAX_FACTOR)
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait)
            except TimeoutError:
                pass
