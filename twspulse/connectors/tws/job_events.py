"""Turns a validated job of the plan into the ``JobEvent`` of each of its runs' current status.

Every run in ``jobruns[]`` gets its own event (its own run id, status, return code and times): a job that
abends and is rerun before the next poll still shows its failed run, so the failure reaches every table,
alert and annotation instead of being hidden behind the rerun's success.
"""

from __future__ import annotations

from datetime import datetime

from twspulse.connectors.tws.api_models import JobInPlan, JobRun
from twspulse.connectors.tws.status_map import FINAL, categorize, internal_of_common
from twspulse.events import JobEvent

NO_RUN = "-"  # the run id of a job's status before its first run (waiting, held, canceled unstarted)


def _state(job: JobInPlan, run: JobRun | None, newest: bool) -> tuple[str, str, bool]:
    """(common status, internal status, canceled) of one run.

    The newest run carries the job's own ``lastRun*`` status (with the canceled flag); an older run has
    its own ``compositeStatus``, or only a ``commonStatus`` from which the internal state is inferred.
    """
    if newest or run is None:
        return job.common_status, job.composite_status.status, job.composite_status.canceled
    common = run.common_status or job.common_status
    if run.composite_status is not None:
        return common, run.composite_status.status, run.composite_status.canceled
    return common, internal_of_common(common), False


def status_key(job_id: str, run_id: str | None, internal: str, canceled: bool) -> str:
    """Identity of a status change: job, run and state (a canceled flag counts as a state of its own)."""
    return f"{job_id}/{run_id or NO_RUN}/{internal}{'+CANCELED' if canceled else ''}"


def build_events(job: JobInPlan, observed_at: datetime, engine_time: datetime | None = None) -> list[JobEvent]:
    """One event per run (oldest first), or one for the job's status when it has not run yet.

    Event time is the end of the run for a final state, its start while it runs, and otherwise the
    moment we first saw the state, on the engine's clock (its HTTP Date header) when it gave one: the API
    has no status-change timestamp for waiting states, and run times are on the engine's clock too.
    """
    runs: list[JobRun | None] = list(job.runs) or [None]
    return [_event(job, run, i == len(runs) - 1, observed_at, engine_time) for i, run in enumerate(runs)]


def build_event(job: JobInPlan, observed_at: datetime, engine_time: datetime | None = None) -> JobEvent:
    """The event of the job's newest run (or of its status before the first run)."""
    return build_events(job, observed_at, engine_time)[-1]


def _event(
    job: JobInPlan, run: JobRun | None, newest: bool, observed_at: datetime, engine_time: datetime | None
) -> JobEvent:
    common, internal, canceled = _state(job, run, newest)
    start = run.time_info.actual_start if run else None
    end = run.time_info.actual_end if run else None
    category = categorize(internal, canceled)
    if category in FINAL and end is not None:
        status_time = end
    elif start is not None and category not in FINAL:
        status_time = start
    else:
        status_time = engine_time or observed_at
    return JobEvent(
        event_id=status_key(job.id, run.id if run else None, internal, canceled),
        job_id=job.id,
        run_id=run.id if run else None,
        plan_id=job.plan_id or "current",
        job_name=job.name,
        job_stream=job.job_stream_name,
        job_stream_id=job.job_stream_id,
        workstation=job.workstation,
        folder=job.folder,
        status=common,
        internal_status=internal,
        category=category,
        return_code=run.return_code if run else None,
        sched_time=job.sched_time,
        start_time=start,
        end_time=end,
        status_time=status_time,
        run_attempt=run.run_attempt if run else None,
        observed_at=observed_at,
    )
