"""Two workers give the same alerts as one: a root cause found by the worker that annotated the run reaches the
``job_failed`` alert another worker opened, also when the annotation comes before the alert.

Real database and broker; each "worker" is an ``AlertStage`` with its own book, sink and producer, as each
worker process has.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from twspulse.models.alerts import Condition
from twspulse.producer import EventProducer
from twspulse.streams.alert_stage import AlertStage
from twspulse.streams.timescale_sink import TimescaleSink

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _failed(job: str, run_id: str, minutes: int = 0) -> Condition:
    return Condition("job_failed", job, "critical", f"{job} ended ABEND", T0 + timedelta(minutes=minutes),
                     evidence={"run_id": run_id})  # fmt: skip


def _cause(job: str, run_id: str) -> tuple[str, str, str, dict[str, Any]]:
    return (f"job_failed:{job}", run_id, f"{job}: table locked",
            {"annotation": {"root_cause": f"table of {job} locked by a backup"}})  # fmt: skip


def _latest(url: str, suffix: str) -> dict[str, tuple[str, str | None, int]]:
    """Per job (without ``suffix``): the latest state of its alert, its root cause and how many changes it had."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT DISTINCT ON (alert_id) subject, state, evidence #>> '{annotation,root_cause}', "
            "count(*) OVER (PARTITION BY alert_id) FROM alerts WHERE subject LIKE %s ORDER BY alert_id, time DESC",
            (f"%{suffix}",),
        ).fetchall()
    return {s.removesuffix(suffix): (state, (cause or "").replace(suffix, ""), n) for s, state, cause, n in rows}


async def _scenario(kafka: str, url: str, suffix: str, two_workers: bool) -> list[int]:
    """JOB_A: its alert is open when the root cause comes; JOB_B: the root cause comes first."""
    stages = [
        AlertStage(TimescaleSink(url), EventProducer(kafka, client_id=f"alerts-{suffix}-{i}"), url, 3600.0)
        for i in range(2 if two_workers else 1)
    ]
    owner, annotator = stages[0], stages[-1]  # the job events' worker, the joblogs' worker
    a, b = f"WS#/FIN/DAILY.JOB_A{suffix}", f"WS#/FIN/DAILY.JOB_B{suffix}"
    await owner.apply([_failed(a, "ra")])
    await annotator.enrich([_cause(a, "ra")])
    await annotator.enrich([_cause(b, "rb")])  # before its alert exists anywhere
    waiting = annotator.pending
    await owner.apply([_failed(b, "rb", minutes=1)])
    await annotator.retry_pending()
    left = annotator.pending
    for stage in stages:
        await stage._sink.close()
    return [waiting, left]


def test_two_workers_give_the_same_alerts_as_one(kafka: str, database_url: str) -> None:
    one = asyncio.run(_scenario(kafka, database_url, "_1", two_workers=False))
    two = asyncio.run(_scenario(kafka, database_url, "_2", two_workers=True))
    alone, shared = _latest(database_url, "_1"), _latest(database_url, "_2")
    assert shared == alone, (alone, shared)
    for job in ("WS#/FIN/DAILY.JOB_A", "WS#/FIN/DAILY.JOB_B"):
        state, cause, changes = shared[job]
        assert (state, changes) == ("firing", 2) and cause == f"table of {job} locked by a backup", shared
    assert one == [1, 0] and two == [1, 0]  # JOB_B's root cause waited once, then found its alert


def test_a_finding_whose_alert_never_comes_is_dropped_after_its_time(kafka: str, database_url: str) -> None:
    from twspulse.streams import alert_stage

    async def run() -> tuple[int, int]:
        stage = AlertStage(TimescaleSink(database_url), EventProducer(kafka, client_id="alerts-ttl"), database_url,
                           3600.0)  # fmt: skip
        await stage.enrich([_cause("WS#/X.NEVER", "rn")])
        waiting = stage.pending
        old_ttl, alert_stage.PENDING_TTL_S = alert_stage.PENDING_TTL_S, -1.0
        try:
            await stage.enrich([_cause("WS#/X.NEVER2", "rn2")])  # parked with a deadline already past
            await stage.retry_pending()
        finally:
            alert_stage.PENDING_TTL_S = old_ttl
        await stage._sink.close()
        return waiting, stage.pending

    waiting, left = asyncio.run(run())
    assert waiting == 1 and left == 1  # the past-deadline one was dropped; the first still waits
