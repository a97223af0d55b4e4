"""The contracts on the wire: one pydantic model per Kafka topic, each with a schema version.

Downstream consumers (the worker, alert readers, batch jobs) rely on these shapes, so a field is only ever
added with a default; a breaking change bumps ``schema_version`` and the topic model together.

What the data topics' models refuse (the worker dead-letters the record with the reason; producers get
a ``ValidationError`` before sending):
- times: zone-aware only; an observed time (status, start, end, observation, fetch, sample) before 1990 or
  more than a day ahead of the validating clock (a year-9999 status time, a host clock gone wild); a
  planned time (``sched_time``, which may lie ahead) outside 1990-2099;
- numbers: NaN and infinities anywhere; host-metric percentages outside 0-100, byte counts outside
  0 to 2^60 (an exbibyte), load averages outside 0 to 10^6: a sample that says 1e30 is a broken sampler;
- text, one rule for every table: a NUL or an unencodable character (a lone surrogate) in a name or an
  identifier (ids, job and stream names, workstation, status, host, mount...) refuses the record, since
  a name that is not what the engine calls the thing would file the record under another key; in free text
  (joblog content, reasons) each is replaced by U+FFFD, so one odd byte does not cost a joblog. PostgreSQL
  text holds neither, so this is the database's rule too, decided here once instead of per table.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # before any TWS plan this pipeline reads
LATEST_PLANNED = datetime(2100, 1, 1, tzinfo=UTC)
# An observed time more than a year past the validating clock is a broken clock or input; less is allowed because
# replayed and simulated plans (the demo's fixed day, a test's weeks of samples) legitimately run ahead of it.
MAX_AHEAD = timedelta(days=366)
MAX_BYTES = 2**60
MAX_LOAD = 1e6


def _name(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character (refused in names and identifiers)")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            raise ValueError(f"is not valid Unicode ({exc.reason} at {exc.start})") from exc
    return value


def _free_text(value: str) -> str:
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            value = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)  # lone surrogates
    return value


def _observed(value: datetime) -> datetime:
    if value < EARLIEST:
        raise ValueError(f"{value.isoformat()} is before {EARLIEST.year}")
    ahead = value - datetime.now(UTC)
    if ahead > MAX_AHEAD:
        raise ValueError(f"{value.isoformat()} is {ahead} ahead of now (at most {MAX_AHEAD} is accepted)")
    return value


def _planned(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST_PLANNED:
        raise ValueError(f"{value.isoformat()} is outside {EARLIEST.year}-{LATEST_PLANNED.year - 1}")
    return value


Name = Annotated[str, AfterValidator(_name)]
"""A name or an identifier: refused with a NUL or an unencodable character."""
FreeText = Annotated[str, AfterValidator(_free_text)]
"""Free text: a NUL or an unencodable character (a lone surrogate) becomes U+FFFD."""
ObservedTime = Annotated[AwareDatetime, AfterValidator(_observed)]
"""A zone-aware time something was seen: from 1990 to a day ahead of the validating clock."""
PlannedTime = Annotated[AwareDatetime, AfterValidator(_planned)]
"""A zone-aware planned time: from 1990 to 2099."""
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Bytes = Annotated[int, Field(ge=0, le=MAX_BYTES)]


class Contract(BaseModel):
    """Base of every topic model: strict about unknown types, tolerant of added fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    def to_bytes(self) -> bytes:
        """Serialise as compact JSON, the encoding of every topic."""
        return self.model_dump_json().encode()


def validation_reason(exc: ValidationError, limit: int = 5) -> str:
    """One line naming the offending fields, for dead letters and logs (pydantic's text is multi-line)."""
    parts = [f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()[:limit]]
    more = exc.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


class StatusCategory(StrEnum):
    """Coarse status of a job for dashboards and alerting, derived from the engine's internal status."""

    WAITING = "waiting"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    OTHER = "other"


class JobEvent(Contract):
    """Topic ``tws.job.events`` (key: job instance id): one record per observed status change."""

    schema_version: Literal[1] = 1
    event_id: Name = Field(description="job id, run id and internal status: the idempotency key")
    job_id: Name
    run_id: Name | None = None
    plan_id: Name
    job_name: Name
    job_stream: Name
    job_stream_id: Name | None = None
    workstation: Name
    folder: Name = "/"
    status: Name = Field(description="common status (CommonStatusV2), e.g. SUCCESSFUL, ERROR")
    internal_status: Name = Field(description="composite internal state, e.g. SUCC, ABEND, EXEC")
    category: StatusCategory
    return_code: int | None = None
    sched_time: PlannedTime | None = None
    start_time: ObservedTime | None = None
    end_time: ObservedTime | None = None
    status_time: ObservedTime = Field(description="event time: end, start or first sight of the status")
    run_attempt: int | None = None
    observed_at: ObservedTime
    joblog_unavailable: FreeText | None = Field(
        default=None,
        description="set on a failed run whose joblog could not be fetched (the reason); the joblog never follows",
    )


class JobLogChunk(Contract):
    """Topic ``tws.job.logs`` (key: run id): a joblog, split into ordered chunks when it is large."""

    schema_version: Literal[1] = 1
    run_id: Name
    job_id: Name
    job_name: Name
    job_stream: Name
    workstation: Name
    folder: Name | None = Field(
        default=None, description="the job's folder (`/FINANCE/`), so the run's job key is whole; older records lack it"
    )
    return_code: int | None = None
    internal_status: Name
    end_time: ObservedTime | None = None
    chunk_index: int = Field(ge=0)
    chunk_count: int = Field(ge=1)
    content: FreeText = Field(description="UTF-8 text; undecodable bytes, NUL and lone surrogates replaced by U+FFFD")
    total_bytes: int = Field(ge=0, description="size of the joblog as the engine sent it")
    truncated: bool = Field(description="true when the joblog was cut at the configured cap")
    fetched_at: ObservedTime


class DiskUsage(BaseModel):
    """Usage of one mounted file system."""

    model_config = ConfigDict(frozen=True)

    mount: Name
    device: Name
    total_bytes: Bytes
    used_bytes: Bytes
    used_percent: Percent


class HostMetrics(Contract):
    """Topic ``host.metrics`` (key: host): one psutil sample of a host."""

    schema_version: Literal[1] = 1
    host: Name
    time: ObservedTime
    cpu_percent: Percent
    load_1m: Annotated[float, Field(ge=0, le=MAX_LOAD, allow_inf_nan=False)]  # finite, and not absurd
    memory_percent: Percent
    memory_used_bytes: Bytes
    swap_percent: Percent
    disks: list[DiskUsage] = Field(default_factory=list)
    net_bytes_sent: Bytes
    net_bytes_recv: Bytes


class DeadLetter(Contract):
    """Topics ``<topic>.dlq``: a record that could not be processed, kept whole with the reason."""

    schema_version: Literal[1] = 1
    source_topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    raw_b64: str = Field(description="the original bytes, base64, so nothing is lost")
    reason: FreeText
    error_type: str
    failed_at: AwareDatetime
    source_time: AwareDatetime | None = Field(
        default=None, description="the record's own Kafka timestamp: identifies a redelivered record's dead letter"
    )

    @classmethod
    def wrap(
        cls,
        *,
        source_topic: str,
        raw: bytes,
        reason: str,
        error_type: str,
        failed_at: datetime,
        key: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
        source_time: datetime | None = None,
    ) -> DeadLetter:
        """Build a dead letter from the raw bytes that failed."""
        return cls(
            source_topic=source_topic,
            partition=partition,
            offset=offset,
            key=key,
            raw_b64=base64.b64encode(raw).decode(),
            reason=reason[:2000],
            error_type=error_type,
            failed_at=failed_at,
            source_time=source_time,
        )

    def raw(self) -> bytes:
        """The original bytes."""
        return base64.b64decode(self.raw_b64)


class SeenStatus(Contract):
    """Topic ``tws.connector.state`` (compacted; key: connector/job id): what the connector last published.

    Written in the same Kafka transaction as the events it describes, so after a crash the connector
    resumes from exactly what reached the topic: no duplicate and no gap.
    """

    schema_version: Literal[1] = 1
    connector: str
    plan_id: str
    job_id: str
    status_key: str = Field(description="the JobEvent.event_id last published for this job's newest run")
    runs: dict[str, str] = Field(
        default_factory=dict,
        description="run id ('-' before the first run) -> the JobEvent.event_id last published for that run; "
        "empty in records written before runs were tracked (status_key alone then stands for its run)",
    )
    updated_at: AwareDatetime

    def published(self) -> dict[str, str]:
        """run id -> last published event id, also for a record that only has ``status_key``."""
        if self.runs:
            return dict(self.runs)
        parts = self.status_key.split("/")
        return {parts[-2] if len(parts) >= 3 else "-": self.status_key}


class WorkstationStatus(Contract):
    """Topic ``tws.workstations`` (key: workstation): its state in the plan at each poll."""

    schema_version: Literal[1] = 1
    workstation: Name
    plan_id: Name | None = None
    linked: bool = Field(description="LINKED in activeStates: the agent talks to the master")
    running: bool = Field(description="RUNNING (or ONLINE) in activeStates: jobs can be launched")
    active_states: list[Name]
    limit: int | None = None
    fence: int | None = None
    os: Name | None = None
    version: Name | None = None
    node_name: Name | None = None
    observed_at: ObservedTime


class Alert(Contract):
    """Topic ``alerts`` (key: dedup_key): one record per change of an alert (opened, repeated, resolved).

    The same shape as a row of the ``alerts`` table. Repeats of one condition within the dedup window update
    one alert (``count``, ``last_seen``) rather than opening another, so a flapping check pages once.
    """

    schema_version: Literal[1] = 1
    alert_id: str = Field(description="stable id of the alert across its changes")
    dedup_key: str = Field(description="kind, subject and (optionally) metric: what makes two alerts the same")
    kind: Literal[
        "job_failed", "runtime_anomaly", "metric_anomaly", "capacity_forecast", "sla_risk",
        "pattern_trend", "workload_resource_link", "capacity_plan",  # insights (issue 17)
    ]  # fmt: skip
    severity: Literal["info", "warning", "critical"]
    state: Literal["firing", "resolved"]
    subject: str = Field(description="job_key for job alerts, host for host alerts")
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    count: int = Field(default=1, ge=1, description="times the condition was seen while the alert was open")
    summary: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    time: AwareDatetime = Field(description="when this change happened")
