"""The JSON the simulator answers, in one place, with the field names of the engine's OpenAPI schemas.

JobInPlanV2, JobRunInstanceV2, JobStreamInPlanV2, WorkstationInPlanV2, EngineInfoV2 and the paginated
envelope are built here and nowhere else, so a correction to the real engine's shapes is a one-file
change, and tests check every emitted key against openapi-v2-subset.json.

Instants are UTC ISO-8601 with a trailing Z, durations ISO-8601 (PT1M30S), as the schemas' Instant
(date-time) and Duration (duration) formats say. Values not known yet (returnCode of a running job,
actualEndTime...) are null rather than absent, so every object of a type has the same keys.
"""

from __future__ import annotations

import time
from typing import Any

from twspulse.simulator.catalog import WorkstationDef
from twspulse.simulator.config import SimConfig
from twspulse.simulator.plan import (
    ABEND,
    CANCELED,
    ERROR,
    EXEC,
    FAIL,
    HOLD,
    READY,
    RUNNING,
    SUCC,
    SUCCESSFUL,
    WAITING,
    JobInstance,
    JobState,
    Plan,
    RunState,
    StreamInstance,
    job_state,
)

JSONDict = dict[str, Any]
STUCK = "STUCK"  # JobStreamInPlanStatus of a stream nothing more will run in without an operator

# Keys of every job (JobInPlanV2) and run (JobRunInstanceV2) the simulator emits, in emission order.
JOB_FIELDS = (
    "id",
    "key",
    "name",
    "folder",
    "workstation",
    "jobStreamName",
    "jobStreamId",
    "jobStreamWorkstation",
    "flowNodeType",
    "position",
    "planId",
    "schedTime",
    "endTime",
    "timeZone",
    "priority",
    "origPriority",
    "cpuTime",
    "jobDefinitionRefId",
    "jobDefinition",
    "jobStatusFlags",
    "lastRunCommonStatus",
    "lastRunCompositeStatus",
    "jobruns",
)
RUN_FIELDS = (
    "id",
    "jobId",
    "jobKey",
    "name",
    "actualWorkstation",
    "jobNumber",
    "returnCode",
    "commonStatus",
    "compositeStatus",
    "timeInfo",
    "runAttempt",
    "rerunJob",
    "rerunType",
    "lastInRerunChain",
    "submittedTime",
)


def iso_instant(ts: int | None) -> str | None:
    """POSIX seconds as an ISO-8601 UTC instant ending in Z (None stays None)."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def iso_duration(seconds: int | None) -> str | None:
    """Seconds as an ISO-8601 duration the way Java's Duration prints it (PT1H2M3S, PT0S)."""
    if seconds is None:
        return None
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{secs}S" if secs or text == "PT" else "")


def _composite(
    status: str,
    substatus: str | None = None,
    canceled: bool = False,
    error: bool = False,
    started: bool = False,
) -> JSONDict:
    """JobInPlanCompositeStatusV2."""
    return {
        "status": status,
        "substatus": substatus,
        "canceled": canceled,
        "error": error,
        "started": started,
        "cancelPending": False,
        "dontRun": False,
    }


def run_json(job: JobInstance, state: RunState, t: int, last: bool) -> JSONDict:
    """One JobRunInstanceV2 as it looks at instant `t`; `last` marks the newest visible run."""
    run = state.run
    ended = state.ended
    return {
        "id": run.id,
        "jobId": job.id,
        "jobKey": job.key,
        "name": job.definition.name,
        "actualWorkstation": run.workstation.key,
        "jobNumber": run.job_number,
        "returnCode": run.return_code if ended else None,
        "commonStatus": state.common,
        "compositeStatus": _composite(state.internal, error=state.internal in (ABEND, FAIL), started=True),
        "timeInfo": {
            "estimatedDuration": iso_duration(job.estimated_seconds),
            "actualStartTime": iso_instant(run.start),
            "actualEndTime": iso_instant(run.end) if ended else None,
            "elapsedTime": iso_duration((run.end if ended else t) - run.start),
        },
        "runAttempt": run.attempt,
        "rerunJob": run.attempt > 1,
        "rerunType": "RERUN" if run.attempt > 1 else "REGULAR",
        "lastInRerunChain": last,
        "submittedTime": iso_instant(run.submitted),
    }


def job_json(job: JobInstance, plan: Plan, t: int, state: JobState | None = None) -> JSONDict:
    """One JobInPlanV2 of `plan` as it looks at instant `t`."""
    if state is None:
        state = job_state(job, t)
    definition = job.definition
    stream = job.stream.definition
    end_time = state.end_time
    cpu_seconds = None
    if end_time is not None:
        last = state.runs[-1].run
        cpu_seconds = (last.end - last.start) * 3 // 5
    return {
        "id": job.id,
        "key": job.key,
        "name": definition.name,
        "folder": stream.folder,
        "workstation": definition.workstation.key,
        "jobStreamName": stream.name,
        "jobStreamId": job.stream.id,
        "jobStreamWorkstation": stream.workstation.key,
        "flowNodeType": "JOB",
        "position": definition.position,
        "planId": plan.id,
        "schedTime": iso_instant(job.sched),
        "endTime": iso_instant(end_time),
        "timeZone": plan.timezone,
        "priority": definition.priority,
        "origPriority": definition.priority,
        "cpuTime": iso_duration(cpu_seconds),
        "jobDefinitionRefId": definition.id,
        "jobDefinition": {
            "id": definition.id,
            "name": definition.name,
            "folder": stream.folder,
            "workstation": definition.workstation.key,
            "description": definition.description,
            "task": {"taskType": "UNIX", "taskString": definition.script, "userLogin": definition.user},
            "isCommand": False,
            "command": False,
            "estimatedDuration": iso_duration(job.estimated_seconds),
            "userLogins": [definition.user],
            "recoveryOption": "STOP",
        },
        "jobStatusFlags": {
            "jobStreamCancelled": False,
            "jobLate": False,
            "restarted": len(state.runs) > 1,
            "deadlineHasPassed": False,
        },
        "lastRunCommonStatus": state.common,
        "lastRunCompositeStatus": _composite(
            state.internal, state.substatus, state.canceled, state.error, state.started
        ),
        "jobruns": [run_json(job, run, t, index == len(state.runs) - 1) for index, run in enumerate(state.runs)],
    }


def stream_state(stream: StreamInstance, t: int) -> tuple[str, str, dict[str, int]]:
    """Common status, internal status and job counters of a job stream at instant `t`."""
    states = [job_state(job, t) for job in stream.jobs]
    counts = {
        "numberOfJob": len(states),
        "numberOfSuccessfullJob": sum(s.common == SUCCESSFUL for s in states),
        "numberOfExecutingJob": sum(s.common == RUNNING for s in states),
        "numberOfAbendedJob": sum(s.internal == ABEND and s.common == ERROR for s in states),
        "numberOfFailedJob": sum(s.internal == FAIL and s.common == ERROR for s in states),
        "numberOfNotRunningJob": sum(s.common in (WAITING, READY) for s in states),
    }
    if counts["numberOfExecutingJob"]:
        return RUNNING, EXEC, counts
    if all(s.common in (SUCCESSFUL, CANCELED) for s in states):
        if all(s.common == CANCELED for s in states):
            return CANCELED, HOLD, counts
        return SUCCESSFUL, SUCC, counts
    if counts["numberOfNotRunningJob"] == 0:
        return ERROR, ABEND, counts
    held_for_good = all(
        job.ready is None for job, s in zip(stream.jobs, states, strict=True) if s.common in (WAITING, READY)
    )
    if held_for_good and any(s.common == ERROR for s in states):
        # A failed job holds its successors and nothing will start without an operator: STUCK.
        return ERROR, STUCK, counts
    if any(s.started for s in states):
        return RUNNING, EXEC, counts
    if t < stream.sched:
        return WAITING, HOLD, counts
    return READY, READY, counts


def stream_json(stream: StreamInstance, plan: Plan, t: int) -> JSONDict:
    """One JobStreamInPlanV2 of `plan` as it looks at instant `t`."""
    definition = stream.definition
    common, internal, counts = stream_state(stream, t)
    starts = [run.start for job in stream.jobs for run in job.runs if run.start <= t]
    ends = [job_state(job, t).end_time for job in stream.jobs]
    finished = common in (SUCCESSFUL, CANCELED, ERROR)
    actual_end = max((e for e in ends if e is not None), default=None) if finished else None
    actual_start = min(starts) if starts else None
    return {
        "id": stream.id,
        "key": f"{definition.workstation.key}#{definition.folder}{definition.name}",
        "name": definition.name,
        "originalJobStreamName": definition.name,
        "folder": definition.folder,
        "workstation": definition.workstation.key,
        "flowNodeType": "JOBSTREAM",
        "planId": plan.id,
        "internalIdentifier": stream.internal_id,
        "schedTime": iso_instant(stream.sched),
        "scheduledDate": iso_instant(stream.sched),
        "timeZone": plan.timezone,
        "priority": definition.priority,
        "origPriority": definition.priority,
        "limit": -1,
        "commonStatus": common,
        "compositeStatus": {
            "status": internal,
            "substatus": None,
            "canceled": common == CANCELED,
            "error": common == ERROR,
            "started": actual_start is not None,
            "cancelPending": False,
            "dontRun": False,
        },
        "jsDefinitionFlags": {
            "aliased": False,
            "carriedForward": plan.is_carried(stream),
            "isService": False,
        },
        "jsOptions": {"monitored": False, "carryForward": True},
        "timeInfo": {
            "estimatedDuration": iso_duration(sum(job.estimated_seconds for job in stream.jobs)),
            "actualStartTime": iso_instant(actual_start),
            "actualEndTime": iso_instant(actual_end),
            "elapsedTime": iso_duration(None if actual_start is None else (actual_end or t) - actual_start),
        },
        "jobStreamStats": counts,
    }


def workstation_json(workstation: WorkstationDef, plan: Plan, active_states: tuple[str, ...] | None = None) -> JSONDict:
    """One WorkstationInPlanV2 of `plan`; `active_states` as they are now (default: linked and up)."""
    return {
        "id": workstation.id,
        "key": workstation.key,
        "name": workstation.name,
        "folder": "/",
        "planId": plan.id,
        "type": workstation.type,
        "hostType": workstation.host_type,
        "os": workstation.os,
        "activeStates": list(workstation.active_states if active_states is None else active_states),
        "activeFlags": ["AUTO_LINK", "FULL_STATUS", "TCP_IP_LINK"],
        "limit": workstation.limit,
        "fence": 0,
        "nodeName": workstation.node_name,
        "tcpPort": workstation.tcp_port,
        "domainName": "MASTERDM",
        "version": "10.2.8",
        "timeZone": plan.timezone,
        "timeStarted": iso_instant(plan.start),
    }


def engine_info_json(config: SimConfig) -> JSONDict:
    """EngineInfoV2."""
    major = ".".join(config.engine_version.split(".")[:3])
    return {
        "displayVersion": major,
        "fullVersion": config.engine_version,
        "licenseType": "PERSERVER",
        "timezone": config.timezone,
        "locale": "en_US",
        "referenceId": "simulator",
        "capabilities": {"plan": {"jobruns": "true", "joblogFollow": "true"}},
        "adminRoles": {"admin": []},
    }


def envelope(results: list[JSONDict], count: int | None, next_url: str | None, previous_url: str | None) -> JSONDict:
    """The paginated envelope (PaginatedResponseV216/V217/V219)."""
    return {"count": count, "next": next_url, "previous": previous_url, "results": results}


def error_json(code: str, *messages: str) -> JSONDict:
    """Error body: the engine's specs define none, so the simulator answers a code plus messages."""
    return {"code": code, "messages": list(messages)}
