"""Alert conditions of finished runs: a failed run fires ``job_failed`` for its job definition, and the
next successful run of that job resolves it (a rerun that works, or the next day's run).

Only the job's latest outcome speaks: an old run arriving late (a replay, a slow partition) neither opens an
alert nobody would resolve nor resolves the alert of a newer failure."""

from __future__ import annotations

from collections.abc import Sequence

from twspulse.events import JobEvent, StatusCategory
from twspulse.models.alerts import Condition
from twspulse.streams.enrichment import Enrichment

STREAK_CRITICAL = 3  # consecutive failures from which a job failure is critical


def job_conditions(finals: Sequence[tuple[JobEvent, Enrichment]]) -> list[Condition]:
    """One condition per failed or successful final event (canceled runs say nothing either way)."""
    out: list[Condition] = []
    for e, x in finals:
        if not x.latest:
            continue
        if e.category is StatusCategory.FAILED:
            critical = bool(x.breaks_pattern) or (x.failure_streak or 0) >= STREAK_CRITICAL
            summary = f"{e.job_stream}.{e.job_name} on {e.workstation} ended {e.internal_status}" + (
                f" RC={e.return_code}" if e.return_code is not None else ""
            )
            evidence = {
                "run_id": e.run_id, "job_id": e.job_id, "plan_id": e.plan_id, "status": e.internal_status,
                "return_code": e.return_code, "failure_streak": x.failure_streak,
                "successes_before_failure": x.successes_before_failure, "breaks_pattern": x.breaks_pattern,
            }  # fmt: skip
            out.append(Condition(kind="job_failed", subject=x.job_key, severity="critical" if critical else "warning",
                                 summary=summary, observed_at=e.status_time, evidence=evidence))  # fmt: skip
        elif e.category is StatusCategory.SUCCEEDED:
            out.append(Condition(kind="job_failed", subject=x.job_key, severity="info", firing=False,
                                 summary=f"{e.job_stream}.{e.job_name} ended successfully", observed_at=e.status_time,
                                 evidence={"run_id": e.run_id, "job_id": e.job_id}))  # fmt: skip
    return out
