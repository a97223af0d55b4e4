"""What a simulated history injects for the insights job to find (issue 17), and the controls around it.

Two truths on top of the plan's own behaviour:

- **A linked workload.** One job's runtime loads its host: the host's CPU carries `CPU_POINTS_PER_EFOLD`
  percentage points per e-fold of the job's daily runtime over its median (:class:`LinkedLoad`). The CPU moves
  with the runtime day by day, the same day, and grows as the job's runtime grows.
- **A degrading job.** From `RAMP_START_FRACTION` of the history on, a growing share of one job's runs, from
  `RAMP_START_SHARE` up to `RAMP_END_SHARE` on the last day, fails because its file system is full
  (:class:`DegradingJob`, failure family ``disk_full``: "No space left on device").

Everything else is the control set, injected with nothing: every other job fails at its own steady rate
(each failure family a pattern that does not grow), runtimes that drift by the plan's weekly growth without
moving any host, hosts whose memory is flat and whose CPU follows the day and the week with its spikes.
The insights job must find the truths and nothing among the controls (`bench/insights_eval.py --source
simulator`; the demo prints both).

Seeded like the rest of the simulator: same seed, same choices and the same failing days.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from twspulse.simulator.catalog import JobDef
from twspulse.simulator.failures import FAMILIES, return_code
from twspulse.simulator.plan import ABEND, SUCC, PlanBook, RunPlan

DEGRADING_FAMILY = "disk_full"
RAMP_START_FRACTION = 1 / 3  # the pattern appears after a third of the history (a file system filling up)...
RAMP_START_SHARE = 0.3  # ...failing this share of the runs at first...
RAMP_END_SHARE = 0.95  # ...and this share on the last history day
CPU_POINTS_PER_EFOLD = 20.0  # CPU points the linked host gains when the job's runtime grows e-fold


@dataclass(frozen=True)
class DegradingJob:
    """A job whose runs fail more and more often with one pattern: a ramp from `start_day` to `days - 1`."""

    definition: JobDef
    family: str
    start_day: int
    days: int
    start_share: float
    end_share: float
    seed: int

    @property
    def marker(self) -> str:
        """Text every joblog of the failures contains (the mined pattern's fixed words)."""
        return FAMILIES[self.family].marker

    def share(self, day: int) -> float:
        """The chance that the run of history day `day` fails with the pattern: 0, then a linear ramp."""
        if day < self.start_day:
            return 0.0
        progress = min(1.0, (day - self.start_day) / max(1, self.days - 1 - self.start_day))
        return self.start_share + (self.end_share - self.start_share) * progress

    def fails(self, day: int) -> bool:
        """Whether the run of history day `day` fails with the pattern (seeded: the same answer every time)."""
        return random.Random(f"{self.seed}:insights:degrading:{day}").random() < self.share(day)

    def fail(self, run: RunPlan) -> bool:
        """Make `run` a failure of the family (in place): a full file system fails whatever else went wrong.

        False for a run that ended otherwise than SUCC or ABEND (nothing to turn).
        """
        if run.final_status not in (SUCC, ABEND):
            return False
        run.final_status = ABEND
        run.family = self.family
        run.return_code = return_code(self.family, self.definition.tech)
        return True


def pick_degrading_job(book: PlanBook, days: int, avoid: Sequence[JobDef] = ()) -> DegradingJob:
    """The job that degrades: last in its stream (a failure holds back no successor), the one that succeeds most.

    Among the jobs that end their stream, the one with the most successful runs over the `days` plans (a
    trend needs runs every week), ties to the smallest id; never one of `avoid` (the linked job). The plans
    are generated to count them (cheap, and the same plans the history then reads).
    """
    last: dict[int, JobDef] = {}
    for job in book.job_definitions:
        if job.stream.index not in last or job.position > last[job.stream.index].position:
            last[job.stream.index] = job
    candidates = {job.id for job in last.values() if job not in avoid} or {
        job.id for job in book.job_definitions if job not in avoid
    }
    successes: dict[str, int] = dict.fromkeys(candidates, 0)
    for day in range(days):
        for instance in book.plan(day).own_jobs():
            if instance.definition.id in successes and instance.runs and instance.runs[-1].final_status == SUCC:
                successes[instance.definition.id] += 1
    best = min(successes, key=lambda job_id: (-successes[job_id], job_id))
    chosen = next(job for job in book.job_definitions if job.id == best)
    start = max(1, round(days * RAMP_START_FRACTION))
    return DegradingJob(chosen, DEGRADING_FAMILY, start, days, RAMP_START_SHARE, RAMP_END_SHARE, book.config.seed)


@dataclass
class LinkedLoad:
    """The CPU a job's work puts on its host: ``points * ln(runtime / median runtime)`` of the job's day.

    Fed with the job's runs (:meth:`observe`), then read by the host's samples (:meth:`cpu_at`): a day without a
    run of its own takes the last earlier day's load (the work does not vanish on a day off), a day before the
    first run none.
    """

    host: str
    job_key: str = ""
    points: float = CPU_POINTS_PER_EFOLD
    _log_durations: dict[date, list[float]] = field(default_factory=dict)
    _by_day: dict[date, float] | None = None
    _days: list[date] = field(default_factory=list)

    def observe(self, end: datetime, duration_s: float) -> None:
        """Record one run of the job (its end instant and duration)."""
        if duration_s <= 0:
            return
        self._log_durations.setdefault(end.astimezone(UTC).date(), []).append(math.log(duration_s))
        self._by_day = None

    def _loads(self) -> dict[date, float]:
        if self._by_day is None:
            daily = {day: sum(v) / len(v) for day, v in self._log_durations.items()}
            centre = sorted(daily.values())[len(daily) // 2] if daily else 0.0
            self._by_day = {day: self.points * (value - centre) for day, value in daily.items()}
            self._days = sorted(self._by_day)
        return self._by_day

    def cpu_at(self, at: datetime) -> float:
        """Extra CPU points of the host at instant `at`."""
        loads = self._loads()
        if not loads:
            return 0.0
        day = at.astimezone(UTC).date()
        if day in loads:
            return loads[day]
        earlier = [d for d in self._days if d < day]
        return loads[earlier[-1]] if earlier else 0.0

    @property
    def days_observed(self) -> int:
        """Days with at least one run of the job."""
        return len(self._log_durations)


@dataclass(frozen=True)
class InsightTruth:
    """What a history injected, as the insights job names it: (kind, subject, metric) it must find."""

    linked_job: str  # job_key
    linked_host: str
    degrading_job: str  # job_key
    degrading_marker: str
    growing_host: str
    growing_mount: str

    def name_of(self, kind: str, subject: str, metric: str, evidence: Mapping[str, Any]) -> tuple[str, str, str]:
        """An insight named as :meth:`expected` names them: a pattern by the words of its template (its id depends
        on the miner), a link by the host and resource it names, a capacity plan by its metric."""
        if kind == "pattern_trend":
            template = str(evidence.get("template", metric))
            return kind, subject, self.degrading_marker if self.degrading_marker in template else template
        if kind == "workload_resource_link":
            return kind, subject, f"{evidence.get('host')}/{evidence.get('resource')}"
        return kind, subject, metric

    def expected(self) -> list[tuple[str, str, str]]:
        """The insights that must be found; anything else significant is a false insight."""
        return [
            ("workload_resource_link", self.linked_job, f"{self.linked_host}/cpu.percent"),
            ("capacity_plan", self.linked_host, "cpu.percent"),
            ("capacity_plan", self.growing_host, f"disk.used_percent:{self.growing_mount}"),
            ("pattern_trend", self.degrading_job, self.degrading_marker),
        ]
