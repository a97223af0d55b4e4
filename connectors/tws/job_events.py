"""Turns a validated job of the plan into the ``JobEvent`` of its current status."""

from __future__ import annotations

from datetime import datetime

from connectors.tws.api_models import JobInPlan
from connectors.tws.status_map import FINAL, categorize
from twspulse.events import JobEvent


def status_key(job: JobInPlan) -> str:
    """Identity of a status change: job, run and state (a canceled flag counts as a state of its own)."""
    run = job.last_run
    state = job.composite_status.status + ("+CANCELED" if job.composite_status.canceled else "")
    return f"{job.id}/{run.id if run else '-'}/{state}"


def build_event(job: JobInPlan, observed_at: datetime, engine_time: datetime | None = None) -> JobEvent:
    """The event for the job's current status.

    Event time is the end of the run for a final state, its start while it runs, and otherwise the
    moment we first saw the state, on the engine's clock (its HTTP Date header) when it gave one: the API
    has no status-change timestamp for waiting states, and run times are on the engine's clock too.
    """
    run = job.last_run
    start = run.time_info.actual_start if run else None
    end = run.time_info.actual_end if run else None
    category = categorize(job.composite_status.status, job.composite_status.canceled)
    if category in FINAL and end is not None:
        status_time = end
    elif start is not None and category not in FINAL:
        status_time = start
    else:
        status_time = engine_time or observed_at
    return JobEvent(
        event_id=status_key(job),
        job_id=job.id,
        run_id=run.id if run else None,
        plan_id=job.plan_id or "current",
        job_name=job.name,
        job_stream=job.job_stream_name,
        job_stream_id=job.job_stream_id,
        workstation=job.workstation,
        folder=job.folder,
        status=job.common_status,
        internal_status=job.composite_status.status,
        category=category,
        return_code=run.return_code if run else None,
        sched_time=job.sched_time,
        start_time=start,
        end_time=end,
        status_time=status_time,
        run_attempt=run.run_attempt if run else None,
        observed_at=observed_at,
    )
