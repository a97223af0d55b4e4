"""What each OQL field means for each resource the simulator serves (jobs, job streams, workstations).

Rows wrap a plan object with the instant it is looked at and compute its (time-dependent) status at most
once, so a filter over 50,000 jobs costs one status computation per job, and only when the filter or the
sort order needs it. The fields a polling connector filters on (lastRunCommonStatus, run start and end
times) are read without building the status at all.
"""

from __future__ import annotations

from twspulse.simulator.api_shapes import stream_state
from twspulse.simulator.catalog import WorkstationDef
from twspulse.simulator.oql import Field
from twspulse.simulator.plan import JobInstance, JobState, Plan, StreamInstance, job_common_status, job_state


class JobRow:
    """A job in a plan at an instant, with its status computed on first use."""

    __slots__ = ("job", "t", "_state")

    def __init__(self, job: JobInstance, t: int) -> None:
        self.job = job
        self.t = t
        self._state: JobState | None = None

    @property
    def state(self) -> JobState:
        """The job's status at the row's instant."""
        if self._state is None:
            self._state = job_state(self.job, self.t)
        return self._state

    @property
    def common(self) -> str:
        """The job's common status at the row's instant (without building the whole state)."""
        if self._state is not None:
            return self._state.common
        return job_common_status(self.job, self.t)


def _run_values(row: JobRow, attribute: str) -> list[object]:
    return [getattr(run, attribute) for run in row.state.runs]


def job_fields() -> dict[str, Field]:
    """OQL fields of jobs in plan."""

    def run_status(row: JobRow) -> list[object]:
        # A job that has not started has no run; its pending status still answers jobruns.* filters,
        # so "jobruns.compositeStatus.status = 'HOLD'" finds waiting jobs.
        return _run_values(row, "internal") or [row.state.internal]

    def run_common(row: JobRow) -> list[object]:
        return _run_values(row, "common") or [row.state.common]

    fields = [
        Field("id", "str", lambda row: (row.job.id,)),
        Field("name", "str", lambda row: (row.job.definition.name,)),
        Field("folder", "str", lambda row: (row.job.stream.definition.folder,)),
        Field("workstation", "str", lambda row: (row.job.definition.workstation.key,)),
        Field("jobStreamName", "str", lambda row: (row.job.stream.definition.name,)),
        Field("jobStreamId", "str", lambda row: (row.job.stream.id,)),
        Field("jobStreamWorkstation", "str", lambda row: (row.job.stream.definition.workstation.key,)),
        Field("priority", "int", lambda row: (row.job.definition.priority,)),
        Field("schedTime", "time", lambda row: (row.job.sched,)),
        Field("endTime", "time", lambda row: (row.state.end_time,)),
        Field("lastRunCommonStatus", "str", lambda row: (row.common,)),
        Field("lastRunCompositeStatus.status", "str", lambda row: (row.state.internal,)),
        Field("jobruns.id", "str", lambda row: [s.run.id for s in row.state.runs]),
        Field("jobruns.commonStatus", "str", run_common),
        Field("jobruns.compositeStatus.status", "str", run_status),
        Field("jobruns.returnCode", "int", lambda row: [s.run.return_code for s in row.state.runs if s.ended]),
        # Read from the planned runs directly (no state built): a run is visible once started and ended
        # once its end has passed, so these equal the started / ended runs of row.state.
        Field(
            "jobruns.timeInfo.actualStartTime", "time", lambda row: [r.start for r in row.job.runs if r.start <= row.t]
        ),
        Field("jobruns.timeInfo.actualEndTime", "time", lambda row: [r.end for r in row.job.runs if r.end <= row.t]),
    ]
    return {field.name: field for field in fields}


def job_order_fields() -> dict[str, Field]:
    """Sort-only aliases of jobs in plan."""
    # The engine sorts by key.name (the lab saw ORDER BY key.name work) but refuses it in a filter.
    return {
        "key.name": Field("key.name", "str", lambda row: (row.job.definition.name,)),
        "key": Field("key", "str", lambda row: (row.job.key,)),
    }


class StreamRow:
    """A job stream in a plan at an instant, with its status computed on first use."""

    __slots__ = ("stream", "plan", "t", "_status")

    def __init__(self, stream: StreamInstance, plan: Plan, t: int) -> None:
        self.stream = stream
        self.plan = plan
        self.t = t
        self._status: tuple[str, str] | None = None

    @property
    def status(self) -> tuple[str, str]:
        """(commonStatus, compositeStatus.status) at the row's instant."""
        if self._status is None:
            common, internal, _ = stream_state(self.stream, self.t)
            self._status = (common, internal)
        return self._status


def stream_fields() -> dict[str, Field]:
    """OQL fields of job streams."""
    fields = [
        Field("id", "str", lambda row: (row.stream.id,)),
        Field("name", "str", lambda row: (row.stream.definition.name,)),
        Field("folder", "str", lambda row: (row.stream.definition.folder,)),
        Field("workstation", "str", lambda row: (row.stream.definition.workstation.key,)),
        Field("schedTime", "time", lambda row: (row.stream.sched,)),
        Field("commonStatus", "str", lambda row: (row.status[0],)),
        Field("compositeStatus.status", "str", lambda row: (row.status[1],)),
        Field("jsDefinitionFlags.carriedForward", "bool", lambda row: (row.plan.is_carried(row.stream),)),
    ]
    return {field.name: field for field in fields}


def stream_order_fields() -> dict[str, Field]:
    """Sort-only aliases of job streams."""
    return {"key.name": Field("key.name", "str", lambda row: (row.stream.definition.name,))}


class WorkstationRow:
    """A workstation with the states it reports at the instant it is looked at."""

    __slots__ = ("workstation", "states")

    def __init__(self, workstation: WorkstationDef, states: tuple[str, ...]) -> None:
        self.workstation = workstation
        self.states = states


def workstation_fields() -> dict[str, Field]:
    """OQL fields of workstations in plan (rows are WorkstationRow)."""
    fields = [
        Field("id", "str", lambda row: (row.workstation.id,)),
        Field("name", "str", lambda row: (row.workstation.name,)),
        Field("folder", "str", lambda row: ("/",)),
        Field("type", "str", lambda row: (row.workstation.type,)),
        Field("os", "str", lambda row: (row.workstation.os,)),
        Field("activeStates", "str", lambda row: row.states),
    ]
    return {field.name: field for field in fields}
