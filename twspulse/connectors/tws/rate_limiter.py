"""A cap on the request rate to the engine (token bucket, asyncio).

The engine serves operators and its own agents first; a monitoring connector must never be the reason
it slows down, whatever the plan size or the poll interval.
"""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    """At most ``rate`` requests per second on average, with bursts of up to ``burst``."""

    def __init__(self, rate: float, burst: int | None = None):
        self.rate = rate
        self.capacity = float(burst or max(1, int(rate)))
        self._tokens = self.capacity
        self._last = time.monotonic()
        self._lock = asyncio.Lock()
        self.waited_s = 0.0

    async def acquire(self) -> None:
        """Wait until a request may be sent."""
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
                self.waited_s += wait
                await asyncio.sleep(wait)
