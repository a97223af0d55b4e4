"""A per-minute request budget that refuses instead of waiting.

twspulse/connectors/tws/rate_limiter.py is a token bucket that *waits* (asyncio): right for a poller that must
send every request eventually. An annotation must not wait: beyond the budget the rules engine answers
at once, so the budget only says yes or no. A sliding window of send times, not a fixed minute, so a
burst at 12:00:59 and another at 12:01:00 cannot double the rate.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class MinuteBudget:
    """At most `per_minute` acquisitions in any 60 s window; thread-safe."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, window_s: float = 60.0):
        self.per_minute = per_minute
        self.window_s = window_s
        self._clock = clock
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        """Take one request from the budget; False when the window is full."""
        with self._lock:
            now = self._clock()
            while self._sent and now - self._sent[0] >= self.window_s:
                self._sent.popleft()
            if len(self._sent) >= self.per_minute:
                return False
            self._sent.append(now)
            return True

    @property
    def used(self) -> int:
        """Requests counted in the current window."""
        with self._lock:
            now = self._clock()
            return sum(1 for sent in self._sent if now - sent < self.window_s)
