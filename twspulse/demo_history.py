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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from twspulse.connectors.tws.api_models import JobInPlan
from twspulse.connectors.tws.job_events import build_event
from twspulse.events import JobEvent, StatusCategory
from twspulse.job_keys import job_key
from twspulse.producer import EventProducer
from twspulse.simulator.api_shapes import job_json
from twspulse.simulator.catalog import JobDef
from twspulse.simulator.config import SimConfig
from twspulse.simulator.host_metrics import CROSSING_THRESHOLD, SimulatedHosts
from twspulse.simulator.plan import RUN_NOISE_SIGMA, JobInstance, Plan, PlanBook, RunPlan, job_state
from twspulse.topics import HOST_METRICS, JOB_EVENTS

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
    cpu_spikes: int  # spikes inside [start, host_until) over all hosts
    growing_host: str
    growing_mount: str
    threshold: float
    expected_crossing: datetime  # when growing_host:growing_mount reaches `threshold` %
    drifting_job: str | None  # job_key of the job drifting by drift_per_week (None when switched off)
    drift_per_week: float
    elapsed_s: float


def publish_history(
    producer: EventProducer,
    config: SimConfig,
    days: int,
    host_until: datetime,
    step_s: int = 900,
    *,
    drift_per_week: float = DRIFT_PER_WEEK,
    hosts: SimulatedHosts | None = None,
) -> HistoryStats:
    """Publish `days` production days of job runs before ``config.start`` and host samples until `host_until`.

    Host samples run every `step_s` seconds over [config.start - days, host_until), for every host of
    `hosts` (default: ``SimulatedHosts(config)``). Records go through ``producer.send``, inside one
    transaction if the producer is transactional, and are flushed before returning. Raises ValueError for
    a non-positive `days` or `step_s`, a naive `host_until` or a negative `drift_per_week`.
    """
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days!r}")
    if step_s < 1:
        raise ValueError(f"step_s must be >= 1, got {step_s!r}")
    if host_until.tzinfo is None:
        raise ValueError(f"host_until must be timezone-aware, got {host_until!r}")
    if drift_per_week < 0:
        raise ValueError(f"drift_per_week must be >= 0, got {drift_per_week!r}")
    started = time.monotonic()
    fleet = hosts if hosts is not None else SimulatedHosts(config)
    history_start = config.start - timedelta(days=days)
    if producer.transactional:
        producer.begin()
    try:
        events, failed, drifting_job = _publish_runs(producer, config, days, drift_per_week)
        samples = _publish_samples(producer, fleet, history_start, host_until, step_s)
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
        cpu_spikes=sum(len(fleet.spikes(host, history_start, host_until)) for host in fleet.hosts),
        growing_host=fleet.growing_host,
        growing_mount=fleet.growing_mount,
        threshold=CROSSING_THRESHOLD,
        expected_crossing=crossing,
        drifting_job=drifting_job,
        drift_per_week=drift_per_week if drifting_job else 0.0,
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


def _publish_runs(
    producer: EventProducer, config: SimConfig, days: int, drift_per_week: float
) -> tuple[int, int, str | None]:
    """Send the final event of every run of the history days; returns (events, failed runs, drifting job key)."""
    book = PlanBook(history_config(config, days))
    drifted = drifting_job_definition(book) if drift_per_week > 0 else None
    live_origin = int(config.start.timestamp())
    zone = {"tz": ZoneInfo(config.timezone)}
    events = failed = 0
    drifting_key: str | None = None
    try:
        for day in range(days):
            plan = book.plan(day)
            batch: list[JobEvent] = []
            for stream in plan.streams:
                if plan.is_carried(stream):
                    continue  # published with the day it belongs to
                for job in stream.jobs:
                    _anchor_drift(job.runs, job.definition, drifted, days, drift_per_week, live_origin)
                    job_events = _run_events(job, plan, zone)
                    if job_events and job.definition is drifted:
                        drifting_key = job_key(job_events[0])
                    batch.extend(job_events)
            batch.sort(key=lambda event: (event.status_time, event.event_id))
            for event in batch:
                producer.send(JOB_EVENTS.name, job_key(event), event)  # by definition, as the connector does
                failed += event.category is StatusCategory.FAILED
            events += len(batch)
    finally:
        book.close()
    return events, failed, drifting_key


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


def _run_events(job: JobInstance, plan: Plan, context: dict[str, ZoneInfo]) -> list[JobEvent]:
    """The event of each run of `job` as the connector would publish it when the run ends."""
    result = []
    for run in job.runs:
        state = job_state(job, run.end)
        raw = job_json(job, plan, run.end, state)
        parsed = JobInPlan.model_validate(raw, context=context)
        result.append(build_event(parsed, observed_at=_utc(run.end)))
    return result


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
