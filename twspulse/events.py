"""The contracts on the wire: one pydantic model per Kafka topic, each with a schema version.

Downstream consumers (the worker, alert readers, batch jobs) rely on these shapes, so a field is only ever
added with a default; a breaking change bumps ``schema_version`` and the topic model together.
"""

from __future__ import annotations

import base64
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError


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
    event_id: str = Field(description="job id, run id and internal status: the idempotency key")
    job_id: str
    run_id: str | None = None
    plan_id: str
    job_name: str
    job_stream: str
    job_stream_id: str | None = None
    workstation: str
    folder: str = "/"
    status: str = Field(description="common status (CommonStatusV2), e.g. SUCCESSFUL, ERROR")
    internal_status: str = Field(description="composite internal state, e.g. SUCC, ABEND, EXEC")
    category: StatusCategory
    return_code: int | None = None
    sched_time: AwareDatetime | None = None
    start_time: AwareDatetime | None = None
    end_time: AwareDatetime | None = None
    status_time: AwareDatetime = Field(description="event time: end, start or first sight of the status")
    run_attempt: int | None = None
    observed_at: AwareDatetime
    joblog_unavailable: str | None = Field(
        default=None,
        description="set on a failed run whose joblog could not be fetched (the reason); the joblog never follows",
    )


class JobLogChunk(Contract):
    """Topic ``tws.job.logs`` (key: run id): a joblog, split into ordered chunks when it is large."""

    schema_version: Literal[1] = 1
    run_id: str
    job_id: str
    job_name: str
    job_stream: str
    workstation: str
    return_code: int | None = None
    internal_status: str
    end_time: AwareDatetime | None = None
    chunk_index: int = Field(ge=0)
    chunk_count: int = Field(ge=1)
    content: str = Field(description="UTF-8 text; undecodable bytes replaced")
    total_bytes: int = Field(ge=0, description="size of the joblog as the engine sent it")
    truncated: bool = Field(description="true when the joblog was cut at the configured cap")
    fetched_at: AwareDatetime


class DiskUsage(BaseModel):
    """Usage of one mounted file system."""

    model_config = ConfigDict(frozen=True)

    mount: str
    device: str
    total_bytes: int
    used_bytes: int
    used_percent: float


class HostMetrics(Contract):
    """Topic ``host.metrics`` (key: host): one psutil sample of a host."""

    schema_version: Literal[1] = 1
    host: str
    time: AwareDatetime
    cpu_percent: float
    load_1m: float
    memory_percent: float
    memory_used_bytes: int
    swap_percent: float
    disks: list[DiskUsage] = Field(default_factory=list)
    net_bytes_sent: int
    net_bytes_recv: int


class DeadLetter(Contract):
    """Topics ``<topic>.dlq``: a record that could not be processed, kept whole with the reason."""

    schema_version: Literal[1] = 1
    source_topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    raw_b64: str = Field(description="the original bytes, base64, so nothing is lost")
    reason: str
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
    workstation: str
    plan_id: str | None = None
    linked: bool = Field(description="LINKED in activeStates: the agent talks to the master")
    running: bool = Field(description="RUNNING (or ONLINE) in activeStates: jobs can be launched")
    active_states: list[str]
    limit: int | None = None
    fence: int | None = None
    os: str | None = None
    version: str | None = None
    node_name: str | None = None
    observed_at: AwareDatetime


class Alert(Contract):
    """Topic ``alerts`` (key: dedup_key): one record per change of an alert (opened, repeated, resolved).

    The same shape as a row of the ``alerts`` table. Repeats of one condition within the dedup window update
    one alert (``count``, ``last_seen``) rather than opening another, so a flapping check pages once.
    """

    schema_version: Literal[1] = 1
    alert_id: str = Field(description="stable id of the alert across its changes")
    dedup_key: str = Field(description="kind, subject and (optionally) metric: what makes two alerts the same")
    kind: Literal["job_failed", "runtime_anomaly", "metric_anomaly", "capacity_forecast", "sla_risk"]
    severity: Literal["info", "warning", "critical"]
    state: Literal["firing", "resolved"]
    subject: str = Field(description="job_key for job alerts, host for host alerts")
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    count: int = Field(default=1, ge=1, description="times the condition was seen while the alert was open")
    summary: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    time: AwareDatetime = Field(description="when this change happened")
