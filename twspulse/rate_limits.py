"""The two request caps of the project, on one library (``limits``, moving windows):

- :class:`RequestRate` waits (asyncio): the TWS client must send every request eventually, never more than
  ``per_second`` to an engine that serves operators first, whatever the plan size or poll interval;
- :class:`Budget` refuses (thread-safe): an annotation must not wait for the LLM; beyond the budget the rules
  engine answers at once. A moving window, so a burst at 12:00:59 and another at 12:01:00 cannot double it.

Moving windows hold in any window of the given length, not only in aligned ones.
"""

from __future__ import annotations

import asyncio
import math
import time

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage as AsyncMemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindow
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


def per_second_item(rate: float) -> RateLimitItem:
    """``rate`` requests per second as a window: N per second when ``rate`` >= 1, else one per ceil(1/rate) s."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    if rate >= 1:
        return RateLimitItemPerSecond(max(1, round(rate)), 1)
    return RateLimitItemPerSecond(1, math.ceil(1 / rate))


class RequestRate:
    """At most ``per_second`` acquisitions per second (a fraction: one every 1/rate s); ``acquire`` waits."""

    def __init__(self, per_second: float):
        self.item = per_second_item(per_second)
        self._limiter = AsyncMovingWindow(AsyncMemoryStorage())
        self.waited_s = 0.0  # time spent waiting for the cap (the poll-cost benchmark reports it)

    async def acquire(self) -> None:
        """Wait until a request may be sent."""
        while not await self._limiter.hit(self.item):
            stats = await self._limiter.get_window_stats(self.item)
            wait = max(0.001, stats.reset_time - time.time())
            self.waited_s += wait
            await asyncio.sleep(wait)


class Budget:
    """At most ``per_window`` acquisitions in any ``window_s`` seconds; ``try_acquire`` never waits."""

    def __init__(self, per_window: int, window_s: int = 60):
        if per_window < 1 or window_s < 1:
            raise ValueError(f"a budget needs at least 1 request in at least 1 s, got {per_window} in {window_s} s")
        self.per_window = per_window
        self.window_s = window_s
        self.item = RateLimitItemPerSecond(per_window, window_s)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def try_acquire(self) -> bool:
        """Take one request from the budget; False when the window is full."""
        return self._limiter.hit(self.item)

    @property
    def used(self) -> int:
        """Requests counted in the current window."""
        return self.per_window - self._limiter.get_window_stats(self.item).remaining
