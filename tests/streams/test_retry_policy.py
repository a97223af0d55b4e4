"""The worker's retry policy: backoff until the work succeeds, and a stop ends any wait within moments."""

from __future__ import annotations

import asyncio
import time

import pytest

from twspulse.streams.retry_policy import RetryPolicy, Stopping, StopSignal


def test_a_stop_ends_the_backoff_sleep_at_once() -> None:
    async def run() -> float:
        stop = StopSignal()
        policy = RetryPolicy(stop, base_delay_s=30, max_backoff_s=30)  # a 30-second backoff after the first failure

        async def failing() -> None:
            raise ConnectionError("refused")

        task = asyncio.create_task(policy.call(failing, lambda exc: True, "test.retry"))
        await asyncio.sleep(0.5)
        stop.set()
        began = time.monotonic()
        with pytest.raises(Stopping):
            await task
        return time.monotonic() - began

    assert asyncio.run(run()) < 0.5


def test_a_stop_cancels_an_attempt_that_hangs_after_its_grace_and_abandons_later_calls() -> None:
    async def run() -> tuple[float, bool]:
        stop = StopSignal(grace_s=0.3)
        policy = RetryPolicy(stop)

        async def hangs() -> None:
            await asyncio.sleep(3600)  # a connection attempt to a database that does not answer

        task = asyncio.create_task(policy.call(hangs, lambda exc: True, "test.retry"))
        await asyncio.sleep(0.2)
        stop.set()
        began = time.monotonic()
        with pytest.raises(Stopping):
            await task
        took = time.monotonic() - began
        ran = False

        async def later() -> None:
            nonlocal ran
            ran = True

        with pytest.raises(Stopping):
            await policy.call(later, lambda exc: True, "test.retry")
        return took, ran

    took, ran = asyncio.run(run())
    assert 0.25 < took < 1.0 and not ran


def test_work_the_database_answers_still_finishes_when_the_worker_stops() -> None:
    """A healthy worker drains its batch in hand on SIGTERM: only waits and hung attempts are cut."""

    async def run() -> str:
        stop = StopSignal(grace_s=2)
        policy = RetryPolicy(stop)

        async def write() -> str:
            stop.set()  # SIGTERM arrives while the write runs
            await asyncio.sleep(0.2)
            return "stored"

        return await policy.call(write, lambda exc: True, "test.retry")

    assert asyncio.run(run()) == "stored"


def test_what_is_not_retryable_is_raised_at_once() -> None:
    calls = []

    async def refused() -> None:
        calls.append(1)
        raise ValueError("row refused")

    with pytest.raises(ValueError):
        asyncio.run(RetryPolicy(base_delay_s=0.01).call(refused, lambda exc: isinstance(exc, ConnectionError), "t"))
    assert calls == [1]
