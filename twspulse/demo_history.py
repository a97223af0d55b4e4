"""Weeks of past production days and host samples, published into Kafka before a demo's live day.

The model jobs need history; the demo simulates one day. `publish_history` fills the gap through the same
contracts and keys the connectors use, so the worker cannot tell history from live data:

- ``tws.job.events``: the final status of every run of the `days` production days before ``config.start``,
  built the connector's way: the simulator's JobInPlanV2 JSON of the job as it looks when the run ends
  (`api_shapes.job_json`) -> `JobInPlan` -> `build_event`, keyed by `job_key`. The plans come from a PlanBook
  whose config is `config` with `start` moved back `days` days, one day at a time (its cache holds only
  `retained_plans` days). Jobs that never ran (canceled, held for good) have no run and publish nothing;
  each day's own job streams are read, not the carried-forward copies, so no run is published twice.
- ``host.metrics``: a `simulator.host_metrics.SimulatedHosts` sample of every host every `step_s`.

Runtime drift. The plan's own drift (runtime_patterns: some jobs grow 2-6 %/week) is measured from the
PlanBook's day 0, which here is the first history day, while the live simulator starts again from its own
day 0: left as is, every growing job would fall back to its undrifted runtime on the live day. History runs
are therefore shortened by ``(1 + growth) ** (-days / 7)``, which is what the live simulator's drift gives for
the days before its start, so history and live day form one series. That drift is too weak to see in three
weeks under the runs' ±25 % noise, so one job (`drifting_job_definition`: the one whose runtime is steadiest
and that runs most days) drifts by `drift_per_week` on top: its history runs are shortened by
``(1 + drift_per_week) ** (weeks before config.start)``, so it reaches its plain runtime on the live day.
Runs are only ever shortened, which keeps every dependency of the plan true (a successor still starts after
its predecessor ends).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from twspulse.connectors.tws.api_models import JobInPlan
from twspulse.connectors.tws.client import Joblog
from twspulse.connectors.tws.job_events import build_event
from twspulse.connectors.tws.joblog_chunks import joblog_chunks
from twspulse.events import JobEvent, StatusCategory
from twspulse.job_keys import job_key
from twspulse.producer import EventProducer
from twspulse.simulator.api_shapes import job_json
from twspulse.simulator.catalog import JobDef
from twspulse.simulator.config import SimConfig
from twspulse.simulator.host_metrics import CROSSING_THRESHOLD, SimulatedHosts
from twspulse.simulator.insight_truth import InsightTruth, LinkedLoad, pick_degrading_job
from twspulse.simulator.joblogs import JoblogStore
from twspulse.simulator.plan import RUN_NOISE_SIGMA, SUCC, JobInstance, Plan, PlanBook, RunPlan, job_state
from twspulse.topics import HOST_METRICS, JOB_EVENTS, JOB_LOGS

DRIFT_PER_WEEK = 0.30  # the visibly drifting job's runtime growth per week (0 switches it off)
WEEK_S = 7 * 86_400


@dataclass(frozen=True)
class HistoryStats:
    """What `publish_history` sent, and what the demo can tell the user to look for."""

    days: int
    start: datetime  # first instant of the history (config.start - days)
    host_until: datetime  # host samples stop before this instant
    events: int  # job events on tws.job.events (one per ended run)
    failed_runs: int
    samples: int  # records on host.metrics
    hosts: tuple[str, ...]
    cpu_spikes: int  # spikes inside [host_start, host_until) over all hosts
    growing_host: str
    growing_mount: str
    threshold: float
    expected_crossing: datetime  # when growing_host:growing_mount reaches `threshold` %
    drifting_job: str | None  # job_key of the job drifting by drift_per_week (None when switched off)
    drift_per_week: float
    elapsed_s: float
    insight_truth: InsightTruth | None = None  # what the insights job must find (None: not injected)
    injected_failures: int = 0  # runs of the degrading job turned into failures, each with its joblog
    joblog_records: int = 0  # records on tws.job.logs (the injected failures' joblogs)


def publish_history(
    producer: EventProducer,
    config: SimConfig,
    days: int,
    host_until: datetime,
    step_s: int = 900,
    *,
    drift_per_week: float = DRIFT_PER_WEEK,
    hosts: SimulatedHosts | None = None,
    insights: bool = True,
    joblog_chunk_bytes: int = 256_000,
    host_days: int | None = None,
) -> HistoryStats:
    """Publish `days` production days of job runs before ``config.start`` and host samples until `host_until`.

    Host samples run every `step_s` seconds over [config.start - host_days, host_until) (`host_days` defaults to
    `days`; fewer keeps the simulated filling disk above 0 % over long histories), for every host of
    `hosts` (default: ``SimulatedHosts(config)``). Records go through ``producer.send``, inside one
    transaction if the producer is transactional, and are flushed before returning. Raises ValueError for
    a non-positive `days` or `step_s`, a naive `host_until` or a negative `drift_per_week`.
    """
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days!r}")
    if step_s < 1:
        raise ValueError(f"step_s must be >= 1, got {step_s!r}")
    if host_days is not None and host_days < 1:
        raise ValueError(f"host_days must be >= 1, got {host_days!r}")
    if host_until.tzinfo is None:
        raise ValueError(f"host_until must be timezone-aware, got {host_until!r}")
    if drift_per_week < 0:
        raise ValueError(f"drift_per_week must be >= 0, got {drift_per_week!r}")
    started = time.monotonic()
    fleet = hosts if hosts is not None else SimulatedHosts(config)
    history_start = config.start - timedelta(days=days)
    host_start = config.start - timedelta(days=days if host_days is None else min(days, host_days))
    if producer.transactional:
        producer.begin()
    try:
        history = History(config, days, drift_per_week, insights=insights)
        events, failed, joblog_records = _publish_runs(producer, history, joblog_chunk_bytes)
        history.couple(fleet)
        samples = _publish_samples(producer, fleet, host_start, host_until, step_s)
        if producer.transactional:
            producer.commit()
    except Exception:
        if producer.transactional:
            producer.abort()
        raise
    producer.flush()
    crossing = fleet.expected_crossing(fleet.growing_host, fleet.growing_mount, CROSSING_THRESHOLD)
    assert crossing is not None  # the growing disk grows by construction
    return HistoryStats(
        days=days,
        start=history_start,
        host_until=host_until,
        events=events,
        failed_runs=failed,
        samples=samples,
        hosts=fleet.hosts,
        cpu_spikes=sum(len(fleet.spikes(host, host_start, host_until)) for host in fleet.hosts),
        growing_host=fleet.growing_host,
        growing_mount=fleet.growing_mount,
        threshold=CROSSING_THRESHOLD,
        expected_crossing=crossing,
        drifting_job=history.drifting_key,
        drift_per_week=drift_per_week if history.drifting_key else 0.0,
        insight_truth=history.truth(fleet),
        injected_failures=history.injected_failures,
        joblog_records=joblog_records,
        elapsed_s=time.monotonic() - started,
    )


def history_config(config: SimConfig, days: int) -> SimConfig:
    """The config whose production day 0 is the first history day: `config` with start moved back `days` days."""
    return dataclasses.replace(config, start=config.start - timedelta(days=days))


def drifting_job_definition(book: PlanBook) -> JobDef:
    """The job that drifts visibly: the one whose drift shows best over the plan's noise (the seed draws it).

    Each job is scored by the variance of its log runtime from day to day (the runs' noise, plus the swings of
    the weekend and month-end factors) over the share of days it can be expected to succeed (its own failures,
    and the chance that a predecessor in its stream fails for good or that it is canceled); the lowest score
    wins, ties go to a stream in the night window (no busy-hours factor), then to the smallest id.
    """
    config = book.config
    streams: dict[int, list[JobDef]] = {}
    for job in book.job_definitions:
        streams.setdefault(job.stream.index, []).append(job)
    rescued = config.rerun_rate * config.rerun_success_rate  # a failed run rescued by an automatic rerun

    def score(job: JobDef) -> tuple[float, bool, str]:
        runs = 1.0 - config.cancel_rate
        if config.dependencies:
            for predecessor in streams[job.stream.index]:
                if predecessor.position < job.position:
                    failing = min(0.9, config.failure_rate * predecessor.flakiness)
                    runs *= 1.0 - (1.0 - config.cancel_rate) * failing * (1.0 - rescued)
        succeeds = runs * (1.0 - min(0.9, config.failure_rate * job.flakiness) * (1.0 - rescued))
        weekend = math.log(job.profile.weekend_factor) ** 2 * (2 / 7) * (5 / 7)
        month_end = math.log(job.profile.month_end_factor) ** 2 * (2 / 30) * (28 / 30)
        variance = RUN_NOISE_SIGMA**2 + weekend + month_end
        return variance / max(succeeds, 1e-6), job.stream.day_fraction >= 6 / 24, job.id

    return min(book.job_definitions, key=score)


@dataclass(frozen=True)
class HistoryRun:
    """One ended run of the history: its event, and its joblog when it is an injected failure."""

    event: JobEvent
    family: str | None  # the simulator's failure family of a failed run (what its joblog would show)
    joblog: bytes | None


class History:
    """The runs of `days` production days before ``config.start``, with the drift and the insights' truths.

    Built once, read once (:meth:`days`, one sorted batch per day); `load` is filled as the runs go by and feeds
    the linked host's CPU afterwards (:meth:`couple`). ``insights=False`` injects neither truth.
    """

    def __init__(self, config: SimConfig, days: int, drift_per_week: float, *, insights: bool = True) -> None:
        self.config = config
        self.book = PlanBook(history_config(config, days))
        self.n_days = days
        self.drift_per_week = drift_per_week
        steady = drifting_job_definition(self.book)
        self.drifted = steady if drift_per_week > 0 else None
        self.linked = steady if insights else None
        self.degrading = pick_degrading_job(self.book, days, avoid=[steady]) if insights else None
        self.load = LinkedLoad(steady.workstation.node_name) if insights else None
        self.drifting_key: str | None = None
        self.degrading_key: str | None = None
        self.injected_failures = 0
        self._joblogs = JoblogStore(huge_bytes=0)

    def days(self) -> Iterator[list[HistoryRun]]:
        """Each history day's ended runs, in the order their final events happened."""
        live_origin = int(self.config.start.timestamp())
        zone = {"tz": ZoneInfo(self.config.timezone)}
        try:
            for day in range(self.n_days):
                plan = self.book.plan(day)
                batch: list[HistoryRun] = []
                for job in plan.own_jobs():  # a carried stream is published with the day it belongs to
                    _anchor_drift(job.runs, job.definition, self.drifted, self.n_days, self.drift_per_week,
                                  live_origin)  # fmt: skip
                    batch.extend(self._job_runs(job, plan, day, zone))
                batch.sort(key=lambda r: (r.event.status_time, r.event.event_id))
                yield batch
        finally:
            self.book.close()

    def _job_runs(self, job: JobInstance, plan: Plan, day: int, zone: dict[str, ZoneInfo]) -> list[HistoryRun]:
        injected = None
        if self.degrading is not None and job.definition is self.degrading.definition and job.runs:
            last = job.runs[-1]
            if self.degrading.fails(day) and self.degrading.fail(last):
                last.messy = None  # a plain joblog: the pattern is the point here
                injected = last
        out = []
        for run in job.runs:
            state = job_state(job, run.end)
            parsed = JobInPlan.model_validate(job_json(job, plan, run.end, state), context=zone)
            event = build_event(parsed, observed_at=_utc(run.end))
            joblog = None
            if run is injected:
                log = self._joblogs.at(job, run, run.end)
                joblog = b"".join(log.chunks(False, 0, log.line_count(False)))
                self.injected_failures += 1
            out.append(HistoryRun(event, run.family if run.final_status != SUCC else None, joblog))
            if self.load is not None and job.definition is self.linked and run.final_status == SUCC:
                self.load.observe(_utc(run.end), run.end - run.start)
        if out and job.definition is self.drifted:
            self.drifting_key = job_key(out[0].event)
        if out and self.load is not None and job.definition is self.linked:
            self.load.job_key = job_key(out[0].event)
        if out and self.degrading is not None and job.definition is self.degrading.definition:
            self.degrading_key = job_key(out[0].event)
        return out

    def couple(self, fleet: SimulatedHosts) -> None:
        """Put the linked job's work on its host's CPU (after :meth:`days`, which measured it)."""
        if self.load is not None and self.load.host in fleet.hosts:
            fleet.add_cpu_load(self.load.host, self.load.cpu_at)

    def truth(self, fleet: SimulatedHosts) -> InsightTruth | None:
        """What the insights job must find in this history (None without the insights' truths)."""
        if self.load is None or self.degrading is None or not self.load.job_key or not self.degrading_key:
            return None
        return InsightTruth(
            linked_job=self.load.job_key,
            linked_host=self.load.host,
            degrading_job=self.degrading_key,
            degrading_marker=self.degrading.marker,
            growing_host=fleet.growing_host,
            growing_mount=fleet.growing_mount,
        )


def _publish_runs(producer: EventProducer, history: History, chunk_bytes: int) -> tuple[int, int, int]:
    """Send the final event of every run of the history days, and the joblogs of the injected failures.

    Returns (events, failed runs, joblog records).
    """
    events = failed = chunks = 0
    for batch in history.days():
        for run in batch:
            event = run.event
            producer.send(JOB_EVENTS.name, job_key(event), event)  # by definition, as the connector does
            failed += event.category is StatusCategory.FAILED
            if run.joblog is not None:
                log = Joblog(run.joblog, len(run.joblog), truncated=False)
                for chunk in joblog_chunks(event, log, event.observed_at, chunk_bytes):
                    producer.send(JOB_LOGS.name, chunk.run_id, chunk)  # by run, as the connector does
                    chunks += 1
        events += len(batch)
    return events, failed, chunks


def _anchor_drift(
    runs: tuple[RunPlan, ...],
    job_def: JobDef,
    drifted: JobDef | None,
    days: int,
    drift_per_week: float,
    live_origin: int,
) -> None:
    """Shorten `runs` (in place) to the live simulator's drift anchor, plus the visible drift (module doc)."""
    growth = job_def.profile.weekly_growth
    base = (1.0 + growth) ** (-days / 7) if growth else 1.0
    for run in runs:
        factor = base
        if job_def is drifted:
            factor *= (1.0 + drift_per_week) ** ((run.start - live_origin) / WEEK_S)
        if factor < 1.0:
            run.end = run.start + max(1, round((run.end - run.start) * factor))


def _publish_samples(
    producer: EventProducer, fleet: SimulatedHosts, since: datetime, until: datetime, step_s: int
) -> int:
    """Send a sample of every host every `step_s` over [since, until); returns how many."""
    sent = 0
    at = since
    step = timedelta(seconds=step_s)
    while at < until:
        for host in fleet.hosts:
            producer.send(HOST_METRICS.name, host, fleet.sample(host, at))
            sent += 1
        at += step
    return sent


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
