"""Pydantic models of what the engine's REST API v2 returns, with the engine's own field names.

Only what the connector uses is required; everything else is tolerated, because engines of different
fix-pack levels add fields. An unknown status value is a validation error on purpose: such a job goes to
the dead-letter topic with its raw payload instead of being mis-categorised.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

CommonStatus = Literal[
    "WAITING",
    "WAITING_FOR_TRIGGER",
    "READY",
    "READY_PREV_WS_NONREP",
    "COMPLETED",
    "SUPPRESS_BY_COND",
    "INTERRUPTED",
    "DUMMY_COMPLETED",
    "RUNNING",
    "SUCCESSFUL",
    "ERROR",
    "CANCELED",
    "HELD",
    "UNDECIDED",
    "BLOCKED",
    "SUPPRESS",
]

InternalStatus = Literal[
    "HOLD",
    "READY",
    "FENCE",
    "INTRO",
    "FAIL",
    "EXEC",
    "WAIT",
    "SUPPR",
    "END",
    "SUCC",
    "SUCCP",
    "ABEND",
    "CANCL",
    "CANCLP",
    "ABENP",
    "PEND",
    "SUSP",
    "STUCK",
    "EXTRN",
    "INTRPT",
    "COMPLT",
    "ERROR",
    "PENDPRED",
    "STARTED",
    "UNDCDED",
    "ARRVING",
    "NONREPPRED",
]


class _ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _zone_naive_times(cls, value: Any, info: ValidationInfo) -> Any:
        """The spec sends UTC instants; a time without offset is read in the engine's time zone.

        Validate with ``context={"tz": ZoneInfo(...)}`` (from ``engine/info``); UTC when none is given.
        """
        if isinstance(value, datetime) and value.tzinfo is None:
            tz = (info.context or {}).get("tz") or ZoneInfo("UTC")
            return value.replace(tzinfo=tz)
        return value


class CompositeStatus(_ApiModel):
    """``JobInPlanCompositeStatusV2``: the classic internal state plus flags."""

    status: InternalStatus
    canceled: bool = False
    error: bool = False
    started: bool = False


class TimeInfo(_ApiModel):
    """``timeInfo`` of a job run."""

    actual_start: datetime | None = Field(default=None, alias="actualStartTime")
    actual_end: datetime | None = Field(default=None, alias="actualEndTime")
    estimated_duration: Any = Field(default=None, alias="estimatedDuration")


class JobRun(_ApiModel):
    """``JobRunInstanceV2``: one run (attempt) of a job instance."""

    id: str
    return_code: int | None = Field(default=None, alias="returnCode")
    common_status: CommonStatus | None = Field(default=None, alias="commonStatus")
    composite_status: CompositeStatus | None = Field(default=None, alias="compositeStatus")
    time_info: TimeInfo = Field(default_factory=TimeInfo, alias="timeInfo")
    run_attempt: int | None = Field(default=None, alias="runAttempt")
    last_in_rerun_chain: bool | None = Field(default=None, alias="lastInRerunChain")
    submitted_time: datetime | None = Field(default=None, alias="submittedTime")

    def order_key(self) -> tuple[float, int]:
        """Where the run stands in its job's history: by its first known time, then by its attempt number.

        The spec does not say in which order ``jobruns[]`` lists runs, so the order is read off the runs.
        """
        moment = self.time_info.actual_start or self.submitted_time or self.time_info.actual_end
        return (moment.timestamp() if moment else float("-inf"), self.run_attempt or 0)


class JobInPlan(_ApiModel):
    """``JobInPlanV2``: a job instance of the plan, with its runs."""

    id: str
    name: str
    job_stream_name: str = Field(alias="jobStreamName")
    job_stream_id: str | None = Field(default=None, alias="jobStreamId")
    workstation: str
    folder: str = "/"
    sched_time: datetime | None = Field(default=None, alias="schedTime")
    plan_id: str | None = Field(default=None, alias="planId")
    common_status: CommonStatus = Field(alias="lastRunCommonStatus")
    composite_status: CompositeStatus = Field(alias="lastRunCompositeStatus")
    jobruns: list[JobRun] = Field(default_factory=list)

    @property
    def runs(self) -> list[JobRun]:
        """The runs oldest first; the one the engine marks ``lastInRerunChain`` is always last."""
        return sorted(self.jobruns, key=lambda r: (bool(r.last_in_rerun_chain), r.order_key()))

    @property
    def last_run(self) -> JobRun | None:
        """The newest run: ``lastInRerunChain`` when the engine marks one, else the latest by its times."""
        runs = self.runs
        return runs[-1] if runs else None


class EngineInfo(_ApiModel):
    """``EngineInfoV2``: what the connector logs at start and the time zone it reads plan times in."""

    full_version: str | None = Field(default=None, alias="fullVersion")
    license_type: str | None = Field(default=None, alias="licenseType")
    timezone: str | None = None

    def zone(self) -> ZoneInfo:
        """The engine's time zone (UTC when it does not say or names an unknown zone)."""
        try:
            return ZoneInfo(self.timezone or "UTC")
        except (KeyError, ValueError):
            return ZoneInfo("UTC")


class Workstation(_ApiModel):
    """``WorkstationInPlanV2``: state of a workstation in the plan."""

    name: str
    active_states: list[str] = Field(default_factory=list, alias="activeStates")
    active_flags: list[str] = Field(default_factory=list, alias="activeFlags")
    limit: int | None = None
    fence: int | None = None
    os: str | None = None
    version: str | None = None
    node_name: str | None = Field(default=None, alias="nodeName")
    type: str | None = None


class WorkstationPage(_ApiModel):
    """The envelope of ``GET /plan/workstation``."""

    count: int | None = None
    results: list[dict[str, Any]]


class JobPage(_ApiModel):
    """The paginated envelope of ``GET /plan/job``; items stay raw so one bad job cannot sink the page."""

    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[dict[str, Any]]
