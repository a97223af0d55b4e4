"""Simulated wall clock shared by the plan, the HTTP handlers and the tests.

Simulated time runs `speed` times faster than real time from `start`, plus whatever was added by
`advance`. With speed 0 the clock is frozen, so tests move it only with `advance` and get reproducible
answers. The clock never runs backwards: a real engine's clock does not, and a connector may rely on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SimClock:
    """Thread-safe simulated clock: now = start + real elapsed x speed + manual advances."""

    def __init__(
        self,
        start: datetime,
        speed: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError(f"start must be timezone-aware (UTC), got naive {start!r}")
        if speed < 0:
            raise ValueError(f"speed must be >= 0, got {speed!r}")
        self._start = start.astimezone(UTC)
        self._speed = float(speed)
        self._monotonic = monotonic
        self._real_origin = monotonic()
        self._advanced = 0.0
        self._lock = threading.Lock()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second (0 = frozen)."""
        return self._speed

    @property
    def start(self) -> datetime:
        """Simulated instant at which the clock was created."""
        return self._start

    def timestamp(self) -> float:
        """Simulated now as POSIX seconds."""
        with self._lock:
            elapsed = (self._monotonic() - self._real_origin) * self._speed
            return self._start.timestamp() + elapsed + self._advanced

    def now(self) -> datetime:
        """Simulated now as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward by `seconds` and return the new now."""
        if seconds < 0:
            raise ValueError(f"the simulated clock only moves forward, got {seconds!r} seconds")
        with self._lock:
            self._advanced += seconds
        return self.now()

    def advance_to(self, instant: datetime) -> datetime:
        """Move simulated time forward to `instant` (no-op if it is already past it)."""
        delta = (instant - self.now()) / timedelta(seconds=1)
        return self.advance(max(0.0, delta))
