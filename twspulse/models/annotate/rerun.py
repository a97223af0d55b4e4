"""How an operator reruns a job, filled in with the real job: conman and the REST API v2 action.

Every annotation ends with a rerun step, and a step an operator can paste beats "rerun the job". The
REST path is the one of the engine's API v2 contract (see twspulse/simulator/openapi-v2-subset.json): the rerun
action is addressed by run id.
"""

from __future__ import annotations

from twspulse.models.annotate.annotation import FailedRun

REST_RERUN = "PUT /twsd/api/v2/plan/job/run/{run_id}/action/rerun"


def rerun_step(run: FailedRun) -> str:
    """The last step of every annotation: rerun this very job, by conman and by the REST API."""
    rest = REST_RERUN.format(run_id=run.run_id if run.job_id else "{run_id}")
    if run.conman_job:
        return f'Rerun the job: conman "rr {run.conman_job}" (or {rest} with body {{}}).'
    return f"Rerun the job {run.display_name}: {rest} with body {{}} (or conman rr WS#STREAM.JOB)."
