"""The worker's one retry policy: exponential backoff with jitter (tenacity), a sleep the worker's stop cuts
short, and retry lines rate limited.

Used by the database sink (transient and schema errors of a write) and the batch guard (anything
transient a batch's work raises). A retry waits for the database or the broker to come back; it must
not keep a stopping worker alive (SIGTERM waited 40 s behind a retry loop), so every wait, and every
attempt still unanswered shortly after the stop, ends with ``Stopping`` (``StopSignal``). The work in hand
is then abandoned unfinished: not acked, not dead-lettered, its offsets not committed; its records are
redelivered to whoever consumes the partitions next (every write of the worker is idempotent).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential_jitter

from twspulse.log_throttle import LogThrottle

log = structlog.get_logger(__name__)

T = TypeVar("T")
MAX_BACKOFF_S = 30.0
STOP_POLL_S = 0.1  # how soon a sleeping retry notices the worker stopping
STOP_GRACE_S = 2.0  # how long a started write may still take once the worker stops


class Stopping(Exception):
    """The worker stops while work waits to be retried: the work is abandoned, unfinished and unacked."""


class StopSignal:
    """Whether the worker is stopping (``is_stopping``, e.g. the Faust app's ``should_stop``), and waits that
    end with ``Stopping`` once it is.

    A stop lets work that the database answers finish (a batch write takes milliseconds), so a healthy worker
    drains its batch in hand as before; work still unanswered ``grace_s`` after the stop is cancelled, and once
    one piece of work was abandoned every later call is too, at once: the worker is stopping in an outage.
    """

    def __init__(self, is_stopping: Callable[[], bool] = lambda: False, grace_s: float = STOP_GRACE_S):
        self._is_stopping = is_stopping
        self.grace_s = grace_s
        self._set = False
        self.abandoning = False

    def __call__(self) -> bool:
        """True once the worker stops."""
        return self._set or self._is_stopping()

    def set(self) -> None:
        """Stop now (tests, and services that stop on their own)."""
        self._set = True

    def _abandon(self) -> Stopping:
        self.abandoning = True
        return Stopping("the worker is stopping")

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep(seconds)``, raising ``Stopping`` within ``STOP_POLL_S`` of the worker stopping."""
        deadline = time.monotonic() + seconds
        while not self():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, STOP_POLL_S))
        raise self._abandon()

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """``await work()``; once the worker stops it has ``grace_s`` more, then it is cancelled (``Stopping``)."""
        if self.abandoning:
            raise Stopping("the worker is stopping")
        task = asyncio.ensure_future(work())
        try:
            while not self():
                done, _ = await asyncio.wait({task}, timeout=STOP_POLL_S)
                if done:
                    return task.result()
            done, _ = await asyncio.wait({task}, timeout=self.grace_s)
            if done:
                return task.result()
            raise self._abandon()
        finally:
            task.cancel()  # a no-op once it is done; cancels it when we stop (or are cancelled) first


class RetryPolicy:
    """Retries a coroutine while ``retryable(exc)``; backoff from ``base_delay_s`` doubling to ``max_backoff_s``."""

    def __init__(
        self,
        stop: StopSignal | None = None,
        base_delay_s: float = 0.5,
        max_backoff_s: float = MAX_BACKOFF_S,
        throttle: LogThrottle | None = None,
    ):
        self.stop = stop or StopSignal()
        self.base_delay_s = base_delay_s
        self.max_backoff_s = max_backoff_s
        self.throttle = throttle or LogThrottle()

    async def call(
        self,
        work: Callable[[], Awaitable[T]],
        retryable: Callable[[BaseException], bool],
        event: str | Callable[[BaseException], str],
        level: str = "warning",
        on_retry: Callable[[BaseException], Awaitable[None]] | None = None,
        **fields: Any,
    ) -> T:
        """``await work()`` until it returns or raises what is not ``retryable``; ``Stopping`` if the worker stops
        meanwhile. Each retry logs ``event`` (or ``event(exc)``; rate limited) and awaits ``on_retry(exc)``."""

        async def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            assert exc is not None  # tenacity sleeps only after a failed attempt
            name = event if isinstance(event, str) else event(exc)
            held = self.throttle.allow((name, fields.get("what"), fields.get("table"), type(exc).__name__))
            if held is not None:
                wait = state.upcoming_sleep
                extra = {"suppressed": held} if held else {}
                getattr(log, level)(name, **fields, attempt=state.attempt_number, delay_s=round(wait, 2),
                                    error=f"{type(exc).__name__}: {exc}".strip()[:500], **extra)  # fmt: skip
            if on_retry is not None:
                await on_retry(exc)

        retrying = AsyncRetrying(
            retry=retry_if_exception(retryable),
            wait=wait_exponential_jitter(
                multiplier=self.base_delay_s, max=self.max_backoff_s, jitter=self.base_delay_s
            ),
            sleep=self.stop.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        return await retrying(self.stop.run, work)
