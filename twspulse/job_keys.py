"""The identity of a job definition across plans, shared by the connector (Kafka key) and the worker.

The TWS connector keys ``tws.job.events`` by this identity rather than by job instance id: one instance
always belongs to one definition, so per-instance order is kept, and a job's whole history lands on one
partition. The worker then enriches the events where they arrive, with no repartition hop (events keyed
any other way are still re-keyed by the worker, see streams/app.py).
"""

from __future__ import annotations

from twspulse.events import JobEvent


def job_key(e: JobEvent) -> str:
    """Workstation, folder, stream and job: ``/MDM#/FINANCE/DAILY.LOAD_SALES``."""
    folder = e.folder if e.folder.endswith("/") else e.folder + "/"
    return f"{e.workstation}#{folder}{e.job_stream}.{e.job_name}"
