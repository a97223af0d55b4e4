"""Joblogs of failed runs as the simulator's engine serves them (header, output, footer, messy bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from twspulse.simulator.config import SimConfig
from twspulse.simulator.joblogs import JoblogStore
from twspulse.simulator.plan import PlanBook, RunPlan


@dataclass(frozen=True)
class ServedJoblog:
    """A failed run, its joblog bytes as served, and the job's output lines alone (contentOnly)."""

    run: RunPlan
    raw: bytes
    content: list[bytes]


@pytest.fixture(scope="session")
def failed_joblogs() -> list[ServedJoblog]:
    """Every failed run of two simulated days, a third of them with messy joblogs (CRLF, binary...)."""
    config = SimConfig(
        seed=11,
        start=datetime(2026, 11, 24, tzinfo=UTC),
        job_streams=30,
        failure_rate=0.5,
        messy_joblog_rate=0.3,
        huge_joblog_bytes=300_000,
    )
    book = PlanBook(config)
    store = JoblogStore(config.huge_joblog_bytes)
    served = []
    for day in range(2):
        for job in book.plan(day).jobs:
            for run in job.runs:
                if run.family is not None:
                    joblog = store.at(job, run, run.end + 1)
                    raw = b"".join(joblog.chunks(False, 0, joblog.line_count(False)))
                    served.append(ServedJoblog(run, raw, joblog.lines(content_only=True)))
    return served
