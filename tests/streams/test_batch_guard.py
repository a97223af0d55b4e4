"""A batch's work never escapes the agent loop: transient failures are retried, anything else becomes dead
letters for the whole batch (Faust would otherwise ack the batch unprocessed)."""

from __future__ import annotations

import asyncio

import psycopg

from twspulse.producer import DeliveryError
from twspulse.streams.batch_guard import guarded


def test_transient_failures_are_retried_until_the_work_succeeds() -> None:
    calls: list[int] = []

    async def work() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise psycopg.OperationalError("connection refused")
        if len(calls) == 2:
            raise DeliveryError("1 records failed")
        return "written"

    result = asyncio.run(guarded(work, lambda exc: "dead-lettered", what="test", base_delay_s=0.01))
    assert result == "written" and len(calls) == 3


def test_any_other_exception_hands_the_batch_to_on_bug_once() -> None:
    calls: list[int] = []

    async def work() -> str:
        calls.append(1)
        raise KeyError("job_key")

    result = asyncio.run(guarded(work, lambda exc: f"dead-lettered: {exc!r}", what="test", base_delay_s=0.01))
    assert result == "dead-lettered: KeyError('job_key')" and len(calls) == 1
