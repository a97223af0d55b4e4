"""The identity of a job definition across plans, shared by the connector (Kafka key) and the worker.

The TWS connector keys ``tws.job.events`` by this identity rather than by job instance id: one instance
always belongs to one definition, so per-instance order is kept, and a job's whole history lands on one
partition. The worker then enriches the events where they arrive, with no repartition hop (events keyed
any other way are still re-keyed by the worker, see twspulse/streams/app.py).
"""

from __future__ import annotations

from twspulse.events import JobEvent


def job_key(e: JobEvent) -> str:
    """Workstation, folder, stream and job: ``/MDM#/FINANCE/DAILY.LOAD_SALES``."""
    return job_key_of(e.workstation, e.folder, e.job_stream, e.job_name)


def job_key_of(workstation: str, folder: str | None, job_stream: str, job_name: str) -> str:
    """The same key from its parts (``folder`` None or empty: the root folder "/")."""
    folder = folder or "/"
    folder = folder if folder.endswith("/") else folder + "/"
    return f"{workstation}#{folder}{job_stream}.{job_name}"
