"""Knobs of one simulated engine: what plan it generates and how its clock runs.

Everything the simulator answers is a function of this object and the simulated time, so two
simulators built from equal configs answer byte-identical JSON at the same simulated instant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, time


def _today_midnight_utc() -> datetime:
    """Start of the current UTC day: the demo's production day begins at the last midnight."""
    return datetime.combine(datetime.now(UTC).date(), time(0, 0), tzinfo=UTC)


@dataclass(frozen=True)
class SimConfig:
    """Configuration of a simulated HWA/TWS engine.

    `total_jobs`, when set, asks for a plan of exactly that many jobs per production day and overrides
    `job_streams` (streams of `jobs_per_stream` jobs, the last one shorter).

    Realism (all on by default, each can be switched off):
    - `dependencies`: job N of a stream waits for job N-1 to end successfully (or be canceled); a failed
      predecessor keeps its successors HOLD until a rerun of it succeeds.
    - `runtime_patterns`: durations follow weekend, month-end and business-hours factors and some jobs
      grow a few percent per week (see runtime_patterns.py).
    - `unlink_minutes`: one workstation (`unlinked_workstation`, by name, or one drawn from the seed)
      is unlinked for about this many minutes every production day (0 = never).
    - `huge_joblog_first_failure`: the first run of each production day to end in ABEND gets a joblog
      of `huge_joblog_bytes` (served lazily; find its id in GET /sim/state `hugeJoblogRunId` or with
      SimulatorServer.huge_joblog_run_id()).
    """

    seed: int = 42
    start: datetime = field(default_factory=_today_midnight_utc)
    speed: float = 60.0
    workstations: int = 4
    job_streams: int = 12
    jobs_per_stream: int = 6
    total_jobs: int | None = None
    failure_rate: float = 0.12
    fail_share: float = 0.08
    cancel_rate: float = 0.02
    rerun_rate: float = 0.35
    rerun_success_rate: float = 0.8
    day_hours: float = 24.0
    timezone: str = "America/Sao_Paulo"
    engine_version: str = "10.2.8.0"
    messy_joblog_rate: float = 0.0
    huge_joblog_bytes: int = 4_000_000
    retained_plans: int = 3
    dependencies: bool = True
    runtime_patterns: bool = True
    unlink_minutes: float = 45.0
    unlinked_workstation: str | None = None
    huge_joblog_first_failure: bool = False

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError(f"start must be timezone-aware, got {self.start!r}")
        object.__setattr__(self, "start", self.start.astimezone(UTC).replace(microsecond=0))
        if self.speed < 0:
            raise ValueError(f"speed must be >= 0, got {self.speed!r}")
        for name in ("workstations", "job_streams", "jobs_per_stream", "retained_plans"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.total_jobs is not None and self.total_jobs < 1:
            raise ValueError(f"total_jobs must be >= 1, got {self.total_jobs!r}")
        rates = ("failure_rate", "fail_share", "cancel_rate", "rerun_rate", "rerun_success_rate")
        for name in (*rates, "messy_joblog_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value!r}")
        if self.failure_rate + self.cancel_rate > 1.0:
            raise ValueError(f"failure_rate + cancel_rate must be <= 1, got {self.failure_rate + self.cancel_rate!r}")
        if self.day_hours <= 0:
            raise ValueError(f"day_hours must be > 0, got {self.day_hours!r}")
        if not 0 <= self.unlink_minutes <= 24 * 60:
            raise ValueError(f"unlink_minutes must be within [0, 1440], got {self.unlink_minutes!r}")
        if self.huge_joblog_bytes < 1024:
            raise ValueError(f"huge_joblog_bytes must be >= 1024, got {self.huge_joblog_bytes!r}")

    @property
    def stream_count(self) -> int:
        """Job streams in one production day's own (not carried-forward) plan."""
        if self.total_jobs is None:
            return self.job_streams
        return math.ceil(self.total_jobs / self.jobs_per_stream)

    @property
    def job_count(self) -> int:
        """Jobs in one production day's own (not carried-forward) plan."""
        if self.total_jobs is None:
            return self.job_streams * self.jobs_per_stream
        return self.total_jobs

    def jobs_in_stream(self, stream_index: int) -> int:
        """How many jobs stream number `stream_index` holds (the last may be shorter with total_jobs)."""
        remaining = self.job_count - stream_index * self.jobs_per_stream
        return max(0, min(self.jobs_per_stream, remaining))

    @property
    def day_seconds(self) -> int:
        """Length of a production day in simulated seconds."""
        return max(60, round(self.day_hours * 3600))
