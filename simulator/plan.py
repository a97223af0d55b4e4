"""Deterministic production plans and the state of every job as a function of simulated time.

A plan is drawn once per production day from the seed: every job's schedTime, start delay, run
durations, outcome and reruns are fixed at generation time as plain integer timestamps. The status a
client sees is then only a comparison of those timestamps with the simulated now, which keeps big plans
cheap to serve and makes answers reproducible: same seed and same simulated instant, same bytes.

When simulated time passes the end of a production day the next plan (new plan id) is generated; job
streams of the previous day that are still incomplete at the turnover (a job not yet ended, or ended in
error) are carried forward into it with their ids, runs and schedTime unchanged, as the engine's
carry-forward does with incomplete job stream instances.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from dataclasses import dataclass

from simulator.catalog import (
    JobDef,
    StreamDef,
    WorkstationDef,
    build_job_definitions,
    build_workstations,
    uuid_from,
)
from simulator.config import SimConfig
from simulator.exceptions import UnknownPlanError
from simulator.failures import LAUNCH_FAILURE, return_code

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

MESSY_KINDS = ("huge", "invalid_utf8", "binary", "crlf")


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


@dataclass(slots=True, eq=False)
class StreamInstance:
    """A job stream instance in a plan."""

    id: str
    internal_id: str
    definition: StreamDef
    day: int
    sched: int
    jobs: list[JobInstance]


@dataclass(slots=True, eq=False)
class JobInstance:
    """A job instance in a plan; `runs` are sorted by start and revealed as time passes."""

    id: str
    definition: JobDef
    stream: StreamInstance
    sched: int
    estimated_seconds: int
    runs: tuple[RunPlan, ...]
    cancel_at: int | None

    @property
    def key(self) -> str:
        """The job's key string: stream workstation#folder+stream.job."""
        stream = self.stream.definition
        return f"{stream.workstation.key}#{stream.folder}{stream.name}.{self.definition.name}"


@dataclass(frozen=True, slots=True)
class RunState:
    """What a run looks like at a given instant."""

    run: RunPlan
    common: str
    internal: str

    @property
    def ended(self) -> bool:
        """True once the run reached its final status."""
        return self.common != RUNNING


@dataclass(frozen=True, slots=True)
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


def job_state(job: JobInstance, t: int) -> JobState:
    """Status of `job` at instant `t` (POSIX seconds)."""
    runs = tuple(run_state(run, t) for run in job.runs if run.start <= t)
    if runs:
        last = runs[-1]
        return JobState(last.common, last.internal, None, False, runs)
    if job.cancel_at is not None and t >= job.cancel_at:
        # A canceled job keeps its last internal status with `canceled` set.
        return JobState(CANCELED, READY if job.cancel_at >= job.sched else HOLD, None, True, ())
    if t < job.sched:
        return JobState(WAITING, HOLD, "HOLD_WAITING_FOR_TIME", False, ())
    return JobState(READY, READY, None, False, ())


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


def _symphony_id(rng: random.Random) -> str:
    """The engine's 15-character internal job stream id (as in the joblog header)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "0AAAAAAAAA" + "".join(rng.choice(alphabet) for _ in range(5))


class _DayGenerator:
    """Draws one production day's own job streams from the catalog."""

    def __init__(self, config: SimConfig, streams: list[tuple[StreamDef, list[JobDef]]]) -> None:
        self._config = config
        self._streams = streams

    def generate(self, day: int) -> list[StreamInstance]:
        config = self._config
        day_start = int(config.start.timestamp()) + day * config.day_seconds
        # Seeded by the day's start instant, not its index: a demo restarted on another date gets new
        # ids, so a connector's saved state never mistakes tomorrow's jobs for today's.
        rng = random.Random(f"{config.seed}:day:{day_start}")
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
            for job_def in job_defs:
                job = self._job(rng, stream, job_def, stream.sched + offset)
                stream.jobs.append(job)
                offset += 60 * (1 + round(job_def.median_seconds * 1.2 / 60))
            result.append(stream)
        return result

    def _job(self, rng: random.Random, stream: StreamInstance, job_def: JobDef, sched: int) -> JobInstance:
        config = self._config
        job_id = uuid_from(rng)
        start_delay = 5 + int(rng.expovariate(1 / 25))
        if rng.random() < 0.05:  # waited for a resource or the workstation limit
            start_delay += rng.randint(120, 900)
        if rng.random() < config.cancel_rate:
            before = rng.random() < 0.5
            cancel_at = sched - rng.randint(60, 3600) if before else sched + rng.randint(0, start_delay - 1)
            return JobInstance(job_id, job_def, stream, sched, job_def.median_seconds, (), cancel_at)
        failed = rng.random() < min(0.9, config.failure_rate * job_def.flakiness)
        first = self._run(rng, job_def, 1, sched + start_delay - rng.randint(1, 3), sched + start_delay, failed)
        runs = [first]
        if first.final_status == ABEND and rng.random() < config.rerun_rate:
            submitted = first.end + rng.randint(120, 1800)
            succeeded = rng.random() < config.rerun_success_rate
            runs.append(self._run(rng, job_def, 2, submitted, submitted + rng.randint(2, 20), not succeeded))
        return JobInstance(job_id, job_def, stream, sched, job_def.median_seconds, tuple(runs), None)

    def _run(
        self, rng: random.Random, job_def: JobDef, attempt: int, submitted: int, start: int, failed: bool
    ) -> RunPlan:
        run_id = uuid_from(rng)
        job_number = rng.randint(100000, 999999)
        duration = job_def.median_seconds * rng.lognormvariate(0.0, 0.25)
        if rng.random() < 0.02:  # the occasional slow run anomaly detectors should catch
            duration *= rng.uniform(3.0, 6.0)
        family = None
        final = SUCC
        if failed:
            if rng.random() < self._config.fail_share:
                family, final, duration = LAUNCH_FAILURE, FAIL, rng.uniform(0.0, 2.0)
            else:
                families, weights = zip(*job_def.families, strict=True)
                family, final = rng.choices(families, weights=weights)[0], ABEND
                duration *= rng.uniform(2.5, 4.0) if family == "timeout_killed" else rng.uniform(0.05, 0.9)
                duration = max(5.0, duration)
        else:
            duration = max(5.0, duration)
        code = 0 if family is None else return_code(family, job_def.tech)
        return RunPlan(
            id=run_id,
            attempt=attempt,
            job_number=job_number,
            submitted=submitted,
            start=start,
            end=start + max(1, round(duration)),
            return_code=code,
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


def _incomplete(stream: StreamInstance, t: int) -> bool:
    """True if some job of `stream` has not ended, or ended in error, at instant `t`."""
    for job in stream.jobs:
        common = job_state(job, t).common
        if common not in (SUCCESSFUL, CANCELED):
            return True
    return False


class PlanBook:
    """Generates, caches and looks up the plans of successive production days."""

    def __init__(self, config: SimConfig) -> None:
        self._config = config
        self.workstations: tuple[WorkstationDef, ...] = build_workstations(config)
        grouped: dict[int, tuple[StreamDef, list[JobDef]]] = {}
        for job_def in build_job_definitions(config, self.workstations):
            grouped.setdefault(job_def.stream.index, (job_def.stream, []))[1].append(job_def)
        self._generator = _DayGenerator(config, [grouped[index] for index in sorted(grouped)])
        self._own: OrderedDict[int, list[StreamInstance]] = OrderedDict()
        self._plans: OrderedDict[int, Plan] = OrderedDict()
        self._lock = threading.RLock()
        self._origin = int(config.start.timestamp())

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
        """The plan of production day `day`, generated on first use."""
        with self._lock:
            cached = self._plans.get(day)
            if cached is not None:
                self._plans.move_to_end(day)
                return cached
            own = self._own_streams(day)
            carried: list[StreamInstance] = []
            if day > 0:
                turnover = self.day_start(day)
                carried = [s for s in self._own_streams(day - 1) if _incomplete(s, turnover)]
            streams = sorted(own + carried, key=lambda stream: stream.id)
            jobs = sorted((job for stream in streams for job in stream.jobs), key=lambda job: job.id)
            plan = Plan(
                id=self.plan_id(day),
                day=day,
                start=self.day_start(day),
                end=self.day_start(day + 1),
                streams=streams,
                jobs=jobs,
                carried_stream_ids=frozenset(stream.id for stream in carried),
                timezone=self._config.timezone,
            )
            self._plans[day] = plan
            while len(self._plans) > self._config.retained_plans:
                self._plans.popitem(last=False)
            return plan

    def _own_streams(self, day: int) -> list[StreamInstance]:
        cached = self._own.get(day)
        if cached is None:
            cached = self._generator.generate(day)
            self._own[day] = cached
            while len(self._own) > self._config.retained_plans + 1:
                self._own.popitem(last=False)
        else:
            self._own.move_to_end(day)
        return cached
