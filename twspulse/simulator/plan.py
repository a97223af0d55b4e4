"""Deterministic production plans and the state of every job as a function of simulated time.

A plan is drawn once per production day from the seed: every job's schedTime, the instant its
dependencies are met, start delay, run durations, outcome and reruns are fixed at generation time as
plain integer timestamps. The status a client sees is then only a comparison of those timestamps with
the simulated now, which keeps big plans cheap to serve and makes answers reproducible: same seed and
same simulated instant, same bytes.

Jobs of a job stream form a chain: job N is READY once its own time (schedTime) has come and job N-1
ended successfully (or was canceled); until then it is HOLD, waiting for its time or its predecessor.
A predecessor that ends in error keeps its successors HOLD until a rerun of it succeeds; if none does,
they stay HOLD and the stream is carried forward. Runs last the job's median duration times the factors
of runtime_patterns, and a job whose workstation is unlinked (link_outages) waits READY until the link
is back. A rerun asked through the API (PlanBook.rerun) replaces the job's future and re-plans the
successors that have not run yet, so the simulation stays consistent.

When simulated time passes the end of a production day the next plan (new plan id) is generated; job
streams of the previous day that are still incomplete at the turnover (a job not yet ended, or ended in
error) are carried forward into it with their ids, runs and schedTime unchanged, as the engine's
carry-forward does with incomplete job stream instances.
"""

from __future__ import annotations

import gc
import math
import random
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from twspulse.simulator.catalog import (
    JobDef,
    StreamDef,
    WorkstationDef,
    build_job_definitions,
    build_workstations,
    uuid_from,
)
from twspulse.simulator.config import SimConfig
from twspulse.simulator.exceptions import UnknownPlanError
from twspulse.simulator.failures import LAUNCH_FAILURE, return_code
from twspulse.simulator.link_outages import LinkOutage, LinkOutages
from twspulse.simulator.runtime_patterns import DayCalendar, day_calendar

# Common (CommonStatusV2) and internal (JobInPlanStatus) status values the simulator emits.
WAITING, READY, RUNNING, SUCCESSFUL, ERROR, CANCELED = (
    "WAITING",
    "READY",
    "RUNNING",
    "SUCCESSFUL",
    "ERROR",
    "CANCELED",
)
HOLD, EXEC, SUCC, ABEND, FAIL = "HOLD", "EXEC", "SUCC", "ABEND", "FAIL"
FINAL_COMMON = frozenset({SUCCESSFUL, ERROR, CANCELED})
# JobInPlanSubStatus values: why a job that has not started is not running yet.
WAITING_FOR_TIME = "HOLD_WAITING_FOR_TIME"
WAITING_FOR_PREDECESSOR = "HOLD_WAITING_FOR_PREDECESSOR"
WAITING_FOR_AGENT = "READY_WAITING_FOR_AGENT"

MESSY_KINDS = ("huge", "invalid_utf8", "binary", "crlf")
RUN_NOISE_SIGMA = 0.25  # log-normal spread of a run's duration around its day's expected duration
SLOW_RUN_SHARE = 0.02  # the occasional slow run anomaly detectors should catch...
SLOW_RUN_FACTOR = (3.0, 6.0)  # ...this many times its usual duration
FAST_RUN_SHARE = 0.005  # ...and the rarer run that did next to nothing (an empty input, a skipped step)...
FAST_RUN_FACTOR = (0.02, 0.2)  # ...this share of its usual duration


@dataclass(slots=True, eq=False)
class RunPlan:
    """One run (attempt) of a job, fully decided at plan generation."""

    id: str
    attempt: int
    job_number: int
    submitted: int
    start: int
    end: int
    return_code: int
    final_status: str
    family: str | None
    messy: str | None
    workstation: WorkstationDef
    slow: bool = False  # an injected slow run (3-6 times its usual duration): what runtime anomalies should flag
    fast: bool = False  # an injected fast run (2-20 % of its usual duration): the same


@dataclass(slots=True, eq=False)
class StreamInstance:
    """A job stream instance in a plan; its jobs are in dependency order (job N follows job N-1)."""

    id: str
    internal_id: str
    definition: StreamDef
    day: int
    sched: int
    jobs: list[JobInstance]


@dataclass(slots=True, eq=False)
class JobInstance:
    """A job instance in a plan; `runs` are sorted by start and revealed as time passes.

    `ready` is when its time and predecessor dependencies are both met (None: never, as planned, because
    the predecessor failed for good); `agent_wait` is the (from, until) interval in which it was READY
    but its workstation was unlinked.
    """

    id: str
    definition: JobDef
    stream: StreamInstance
    sched: int
    estimated_seconds: int
    runs: tuple[RunPlan, ...]
    cancel_at: int | None
    ready: int | None = None
    agent_wait: tuple[int, int] | None = None

    @property
    def key(self) -> str:
        """The job's key string: stream workstation#folder+stream.job."""
        stream = self.stream.definition
        return f"{stream.workstation.key}#{stream.folder}{stream.name}.{self.definition.name}"

    @property
    def release(self) -> int | None:
        """When this job frees its successor: its successful end, or its cancellation; None if never."""
        if self.runs:
            last = self.runs[-1]
            return last.end if last.final_status == SUCC else None
        return self.cancel_at


# RunState and JobState are built per job per request (50,000 for a filter over a big plan): plain
# slotted classes, because frozen dataclasses construct several times slower. Treat them as read-only.
@dataclass(slots=True, eq=False)
class RunState:
    """What a run looks like at a given instant."""

    run: RunPlan
    common: str
    internal: str

    @property
    def ended(self) -> bool:
        """True once the run reached its final status."""
        return self.common != RUNNING


@dataclass(slots=True, eq=False)
class JobState:
    """What a job looks like at a given instant: last-run statuses plus the visible runs."""

    common: str
    internal: str
    substatus: str | None
    canceled: bool
    runs: tuple[RunState, ...]

    @property
    def error(self) -> bool:
        """True when the last run failed (ABEND or FAIL)."""
        return self.common == ERROR

    @property
    def started(self) -> bool:
        """True once a run has started."""
        return bool(self.runs)

    @property
    def final(self) -> bool:
        """True when nothing will change any more (success, error without rerun yet, canceled)."""
        return self.common in FINAL_COMMON

    @property
    def end_time(self) -> int | None:
        """When the last run ended, once it has."""
        if self.runs and self.runs[-1].ended:
            return self.runs[-1].run.end
        return None


def run_state(run: RunPlan, t: int) -> RunState:
    """Status of a started run at instant `t`."""
    if t < run.end:
        return RunState(run, RUNNING, EXEC)
    if run.final_status == SUCC:
        return RunState(run, SUCCESSFUL, SUCC)
    return RunState(run, ERROR, run.final_status)


_NO_RUNS: tuple[RunState, ...] = ()


def job_state(job: JobInstance, t: int) -> JobState:
    """Status of `job` at instant `t` (POSIX seconds)."""
    planned = job.runs
    if planned and planned[0].start <= t:
        runs = tuple(run_state(run, t) for run in planned if run.start <= t)
        last = runs[-1]
        return JobState(last.common, last.internal, None, False, runs)
    if job.cancel_at is not None and t >= job.cancel_at:
        # A canceled job keeps its last internal status with `canceled` set.
        was_ready = job.ready is not None and job.cancel_at >= job.ready
        return JobState(CANCELED, READY if was_ready else HOLD, None, True, _NO_RUNS)
    if t < job.sched:
        return JobState(WAITING, HOLD, WAITING_FOR_TIME, False, _NO_RUNS)
    if job.ready is None or t < job.ready:
        return JobState(WAITING, HOLD, WAITING_FOR_PREDECESSOR, False, _NO_RUNS)
    wait = job.agent_wait
    substatus = WAITING_FOR_AGENT if wait is not None and wait[0] <= t < wait[1] else None
    return JobState(READY, READY, substatus, False, _NO_RUNS)


def job_common_status(job: JobInstance, t: int) -> str:
    """job_state(job, t).common without building the state: what filters over 50,000 jobs ask most."""
    last = None
    for run in job.runs:
        if run.start > t:
            break
        last = run
    if last is not None:
        if t < last.end:
            return RUNNING
        return SUCCESSFUL if last.final_status == SUCC else ERROR
    if job.cancel_at is not None and t >= job.cancel_at:
        return CANCELED
    if t < job.sched or job.ready is None or t < job.ready:
        return WAITING
    return READY


@dataclass(eq=False)
class Plan:
    """The plan of one production day: its own job streams plus those carried forward into it."""

    id: str
    day: int
    start: int
    end: int
    streams: list[StreamInstance]
    jobs: list[JobInstance]
    carried_stream_ids: frozenset[str]
    timezone: str

    def __post_init__(self) -> None:
        self._jobs_by_id = {job.id: job for job in self.jobs}
        self._runs_by_id = {run.id: (job, run) for job in self.jobs for run in job.runs}
        self._streams_by_id = {stream.id: stream for stream in self.streams}

    def job(self, job_id: str) -> JobInstance | None:
        """The job with `job_id`, if it is in this plan."""
        return self._jobs_by_id.get(job_id)

    def run(self, run_id: str) -> tuple[JobInstance, RunPlan] | None:
        """The run with `run_id` and its job, if it is in this plan (started or not)."""
        return self._runs_by_id.get(run_id)

    def stream(self, stream_id: str) -> StreamInstance | None:
        """The job stream with `stream_id`, if it is in this plan."""
        return self._streams_by_id.get(stream_id)

    def is_carried(self, stream: StreamInstance) -> bool:
        """True for a job stream carried forward from the previous production day."""
        return stream.id in self.carried_stream_ids

    def own_jobs(self) -> Iterator[JobInstance]:
        """The jobs of this day's own job streams (not those carried forward), stream by stream."""
        for stream in self.streams:
            if not self.is_carried(stream):
                yield from stream.jobs

    def reindex(self, dropped_run_ids: set[str], jobs: list[JobInstance]) -> None:
        """Forget runs that were re-planned away and learn the current runs of `jobs`."""
        for run_id in dropped_run_ids:
            self._runs_by_id.pop(run_id, None)
        for job in jobs:
            for run in job.runs:
                self._runs_by_id[run.id] = (job, run)


_SYMPHONY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _symphony_id(rng: random.Random) -> str:
    """The engine's 15-character internal job stream id (as in the joblog header)."""
    value = rng.getrandbits(26) % 36**5
    digits = []
    for _ in range(5):
        value, digit = divmod(value, 36)
        digits.append(_SYMPHONY_ALPHABET[digit])
    return "0AAAAAAAAA" + "".join(digits)


def _release(streams: list[StreamInstance]) -> None:
    """Break the stream <-> job reference cycles of streams no plan uses any more.

    Plans are kept out of the cyclic garbage collector (see PlanBook.plan), so a day's objects must be
    freed by reference counting alone once it is evicted; clearing each stream's job list is enough.
    """
    for stream in streams:
        stream.jobs.clear()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a plan is built.

    Building 50,000 jobs allocates a few hundred thousand objects, none of them garbage; without the
    pause the collector runs full passes over the growing heap and takes a third of the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _DayGenerator:
    """Draws one production day's own job streams from the catalog, and re-plans after reruns."""

    def __init__(self, config: SimConfig, streams: list[tuple[StreamDef, list[JobDef]]], outages: LinkOutages) -> None:
        self._config = config
        self._streams = streams
        self._outages = outages
        self._origin = int(config.start.timestamp())
        self._day_seconds = config.day_seconds
        self._first_date = config.start.date()  # start is UTC (SimConfig normalises it)
        self._calendars: dict[int, DayCalendar] = {}

    def calendar(self, t: int) -> DayCalendar:
        """Calendar of the production day containing instant `t`."""
        day = (t - self._origin) // self._day_seconds
        found = self._calendars.get(day)
        if found is None:
            if len(self._calendars) > 64:
                self._calendars.clear()
            day_start = self._origin + day * self._day_seconds
            found = self._calendars[day] = day_calendar(self._first_date, day, day_start, self._day_seconds)
        return found

    def generate(self, day: int) -> list[StreamInstance]:
        config = self._config
        day_start = self._origin + day * config.day_seconds
        # Seeded by the day's start instant, not its index: a demo restarted on another date gets new
        # ids, so a connector's saved state never mistakes tomorrow's jobs for today's.
        rng = random.Random(f"{config.seed}:day:{day_start}")
        chained = config.dependencies
        plan_job = self._plan_job
        result = []
        for stream_def, job_defs in self._streams:
            stream = StreamInstance(
                id=uuid_from(rng),
                internal_id=_symphony_id(rng),
                definition=stream_def,
                day=day,
                sched=day_start + round(stream_def.day_fraction * config.day_seconds),
                jobs=[],
            )
            offset = 0
            release: int | None = stream.sched  # the first job has no predecessor
            append = stream.jobs.append
            for job_def in job_defs:
                # A job without its own start time shows the stream's, and waits for its predecessor.
                sched = stream.sched + offset if job_def.timed else stream.sched
                job = JobInstance(uuid_from(rng), job_def, stream, sched, job_def.median_seconds, (), None)
                plan_job(rng, job, release if chained else sched)
                append(job)
                release = job.release
                offset += 60 * (1 + round(job_def.median_seconds * 1.2 / 60))
            result.append(stream)
        return result

    def _plan_job(self, rng: random.Random, job: JobInstance, release: int | None) -> None:
        """Decide `job`'s cancellation or runs, given when its predecessor releases it (None: never)."""
        # The hot loop of plan generation (once per job): locals and few calls keep 50,000 jobs fast.
        config = self._config
        draw = rng.random
        job_def = job.definition
        sched = job.sched
        start_delay = 5 + int(rng.expovariate(0.04))
        if draw() < 0.05:  # waited for a resource or the workstation limit
            start_delay += rng.randint(120, 900)
        ready = None if release is None else (release if release > sched else sched)
        job.ready = ready
        job.runs = ()
        job.cancel_at = None
        job.agent_wait = None
        if draw() < config.cancel_rate:
            if ready is None or draw() < 0.5:
                job.cancel_at = sched - rng.randint(60, 3600)
            else:
                job.cancel_at = ready + rng.randint(0, start_delay - 1)
            return
        if ready is None:
            return  # held by a predecessor that failed for good: never runs as planned
        start = ready + start_delay
        workstation = job_def.workstation
        if workstation is self._outages.workstation:
            start, outage = self._start(workstation, start)
            if outage is not None:
                job.agent_wait = (max(ready, outage.start), outage.end)
        failed = draw() < min(0.9, config.failure_rate * job_def.flakiness)
        first = self._run(rng, job_def, 1, start - 1 - (start_delay & 1), start, failed)
        if first.final_status != ABEND or draw() >= config.rerun_rate:
            job.runs = (first,)
            return
        submitted = first.end + rng.randint(120, 1800)
        rerun_start, _ = self._start(workstation, submitted + rng.randint(2, 20))
        succeeded = draw() < config.rerun_success_rate
        job.runs = (first, self._run(rng, job_def, 2, submitted, rerun_start, not succeeded))

    def _start(self, workstation: WorkstationDef, wanted: int) -> tuple[int, LinkOutage | None]:
        """When a run wanted at `wanted` starts, and the outage that delayed it if its workstation was unlinked."""
        if workstation is not self._outages.workstation:
            return wanted, None
        outage = self._outages.at(wanted)
        if outage is None:
            return wanted, None
        return outage.end + 5 + wanted % 31, outage  # jobs queued for the agent trickle out once it is back

    def _run(
        self, rng: random.Random, job_def: JobDef, attempt: int, submitted: int, start: int, failed: bool
    ) -> RunPlan:
        config = self._config
        run_id = uuid_from(rng)
        job_number = 100000 + rng.getrandbits(30) % 900000
        duration = job_def.median_seconds * math.exp(rng.gauss(0.0, RUN_NOISE_SIGMA))
        if config.runtime_patterns:
            duration *= self.calendar(start).factor(job_def.profile, start)
        draw = rng.random()
        slow = draw < SLOW_RUN_SHARE
        if slow:
            duration *= rng.uniform(*SLOW_RUN_FACTOR)
        # a fast run reads the same draw (no draw of its own: every other run of the plan stays as it was)
        fast = 0.0 <= (draw - SLOW_RUN_SHARE) / FAST_RUN_SHARE < 1.0
        if fast:
            low, high = FAST_RUN_FACTOR
            duration *= low + (high - low) * (draw - SLOW_RUN_SHARE) / FAST_RUN_SHARE
        if not failed:
            seconds = round(duration) if duration > 5.0 else 5
            return RunPlan(
                run_id, attempt, job_number, submitted, start, start + seconds, 0, SUCC, None, self._messy(run_id),
                job_def.workstation, slow, fast,
            )  # fmt: skip
        if rng.random() < config.fail_share:
            family, final, duration = LAUNCH_FAILURE, FAIL, rng.uniform(0.0, 2.0)
        else:
            families, weights = zip(*job_def.families, strict=True)
            family, final = rng.choices(families, weights=weights)[0], ABEND
            duration *= rng.uniform(2.5, 4.0) if family == "timeout_killed" else rng.uniform(0.05, 0.9)
            duration = max(5.0, duration)
        return RunPlan(
            id=run_id,
            attempt=attempt,
            job_number=job_number,
            submitted=submitted,
            start=start,
            end=start + max(1, round(duration)),
            return_code=return_code(family, job_def.tech),
            final_status=final,
            family=family,
            messy=self._messy(run_id),
            workstation=job_def.workstation,
        )

    def _messy(self, run_id: str) -> str | None:
        # Drawn from the run id, not the day's generator, so switching the option on does not
        # reshuffle the rest of the plan.
        rate = self._config.messy_joblog_rate
        if rate <= 0:
            return None
        rng = random.Random(f"{run_id}:messy")
        return rng.choice(MESSY_KINDS) if rng.random() < rate else None

    def rerun(self, job: JobInstance, t: int) -> tuple[RunPlan, list[JobInstance]]:
        """Submit a rerun of `job` at instant `t` and re-plan its successors that have not run yet.

        The job's planned future (an automatic rerun not started yet) is replaced by the new run, which
        succeeds with probability rerun_success_rate. Returns the new run and every job whose runs changed.
        """
        rng = random.Random(f"{job.id}:rerun:{t}:{len(job.runs)}")
        kept = tuple(run for run in job.runs if run.start <= t)
        start, _ = self._start(job.definition.workstation, t + rng.randint(2, 20))
        failed = rng.random() >= self._config.rerun_success_rate
        run = self._run(rng, job.definition, len(kept) + 1, t, start, failed)
        job.runs = (*kept, run)
        job.cancel_at = None
        changed = [job]
        if not self._config.dependencies:
            return run, changed
        release = job.release
        successors = job.stream.jobs[job.stream.jobs.index(job) + 1 :]
        for successor in successors:
            if any(r.start <= t for r in successor.runs) or (
                successor.cancel_at is not None and successor.cancel_at <= t
            ):
                break  # it already ran or was canceled: what follows it does not depend on the rerun
            self._plan_job(random.Random(f"{successor.id}:replan:{t}"), successor, release)
            changed.append(successor)
            release = successor.release
        return run, changed


def _incomplete(stream: StreamInstance, t: int) -> bool:
    """True if some job of `stream` has not ended, or ended in error, at instant `t`."""
    for job in stream.jobs:
        common = job_state(job, t).common
        if common not in (SUCCESSFUL, CANCELED):
            return True
    return False


def _first_abend(streams: list[StreamInstance]) -> RunPlan | None:
    """The run of these streams that ends in ABEND first (ties broken by run id)."""
    failed = [run for stream in streams for job in stream.jobs for run in job.runs if run.final_status == ABEND]
    return min(failed, key=lambda run: (run.end, run.id), default=None)


class PlanBook:
    """Generates, caches and looks up the plans of successive production days."""

    def __init__(self, config: SimConfig) -> None:
        self._config = config
        self.workstations: tuple[WorkstationDef, ...] = build_workstations(config)
        self.outages = LinkOutages(config, self.workstations)
        grouped: dict[int, tuple[StreamDef, list[JobDef]]] = {}
        with _gc_paused():
            self.job_definitions: tuple[JobDef, ...] = build_job_definitions(config, self.workstations)
            for job_def in self.job_definitions:
                grouped.setdefault(job_def.stream.index, (job_def.stream, []))[1].append(job_def)
        self._generator = _DayGenerator(config, [grouped[index] for index in sorted(grouped)], self.outages)
        self._own: OrderedDict[int, list[StreamInstance]] = OrderedDict()
        self._plans: OrderedDict[int, Plan] = OrderedDict()
        self._huge_runs: dict[int, str | None] = {}
        self._lock = threading.RLock()
        self._origin = int(config.start.timestamp())
        self.revision = 0  # bumped whenever an action changes planned runs (answer caches key on it)

    @property
    def config(self) -> SimConfig:
        """The configuration the plans are drawn from."""
        return self._config

    def day_at(self, t: int) -> int:
        """Production day (0-based) that contains instant `t`; before the start it is day 0."""
        return max(0, (t - self._origin) // self._config.day_seconds)

    def day_start(self, day: int) -> int:
        """First instant of production day `day`."""
        return self._origin + day * self._config.day_seconds

    def plan_id(self, day: int) -> str:
        """The id of day `day`'s plan (computable without generating the plan)."""
        return uuid_from(random.Random(f"{self._config.seed}:plan:{self.day_start(day)}"))

    def current(self, t: int) -> Plan:
        """The plan in effect at instant `t`."""
        return self.plan(self.day_at(t))

    def resolve(self, plan_id: str, t: int) -> tuple[Plan, int]:
        """The plan named by `plan_id` ('current' or a retained plan's id) and the instant to show it at.

        A past plan is shown frozen at its end, as an archived plan is.
        """
        today = self.day_at(t)
        if plan_id in ("", "current"):
            return self.plan(today), t
        for day in range(today, max(-1, today - self._config.retained_plans), -1):
            if self.plan_id(day) == plan_id:
                plan = self.plan(day)
                return plan, min(t, plan.end)
        raise UnknownPlanError(plan_id)

    def plan(self, day: int) -> Plan:
        """The plan of production day `day`, generated on first use.

        A new plan is a million long-lived objects for 50,000 jobs. Once built, the heap is frozen
        (gc.freeze) so the collector's full passes stop walking it: filtered queries and big pages,
        which allocate per job, run about 2.5 times faster. Evicted days are freed by reference
        counting (their cycles are broken in _evict), so freezing does not keep them alive.
        """
        with self._lock:
            cached = self._plans.get(day)
            if cached is not None:
                self._plans.move_to_end(day)
                return cached
            with _gc_paused():
                plan = self._assemble(day)
            self._plans[day] = plan
            self._evict()
            gc.freeze()
            return plan

    def _evict(self) -> None:
        """Drop plans and generated days beyond the retention, releasing streams nothing uses any more."""
        dropped: list[StreamInstance] = []
        while len(self._plans) > self._config.retained_plans:
            self._plans.popitem(last=False)
        while len(self._own) > self._config.retained_plans + 1:
            dropped += self._own.popitem(last=False)[1]
        if not dropped:
            return
        live = {id(stream) for streams in self._own.values() for stream in streams}
        live.update(id(stream) for plan in self._plans.values() for stream in plan.streams)
        _release([stream for stream in dropped if id(stream) not in live])

    def close(self) -> None:
        """Forget every plan and free them (the simulator is stopping)."""
        with self._lock:
            streams = [stream for plan in self._plans.values() for stream in plan.streams]
            streams += [stream for own in self._own.values() for stream in own]
            self._plans.clear()
            self._own.clear()
            _release(streams)

    def _assemble(self, day: int) -> Plan:
        own = self._own_streams(day)
        carried: list[StreamInstance] = []
        if day > 0:
            turnover = self.day_start(day)
            carried = [s for s in self._own_streams(day - 1) if _incomplete(s, turnover)]
        streams = sorted(own + carried, key=lambda stream: stream.id)
        jobs = sorted((job for stream in streams for job in stream.jobs), key=lambda job: job.id)
        return Plan(
            id=self.plan_id(day),
            day=day,
            start=self.day_start(day),
            end=self.day_start(day + 1),
            streams=streams,
            jobs=jobs,
            carried_stream_ids=frozenset(stream.id for stream in carried),
            timezone=self._config.timezone,
        )

    def _own_streams(self, day: int) -> list[StreamInstance]:
        cached = self._own.get(day)
        if cached is None:
            cached = self._generator.generate(day)
            if self._config.huge_joblog_first_failure:
                first = _first_abend(cached)
                if first is not None:
                    first.messy = "huge"
                self._huge_runs[day] = first.id if first is not None else None
            self._own[day] = cached
        else:
            self._own.move_to_end(day)
        return cached

    def huge_joblog_run_id(self, day: int) -> str | None:
        """The run of day `day` with the huge joblog (huge_joblog_first_failure), if there is one."""
        if not self._config.huge_joblog_first_failure:
            return None
        with self._lock:
            self._own_streams(day)
            return self._huge_runs.get(day)

    def rerun(self, job: JobInstance, t: int) -> RunPlan:
        """Rerun `job` at instant `t` (see _DayGenerator.rerun) and update every cached plan holding it."""
        with self._lock:
            stream = job.stream
            before = {run.id for other in stream.jobs for run in other.runs}
            run, changed = self._generator.rerun(job, t)
            after = {run.id for other in stream.jobs for run in other.runs}
            for plan in self._plans.values():
                if plan.stream(stream.id) is not None:
                    plan.reindex(before - after, changed)
            self.revision += 1
            return run
