"""A circuit breaker in front of a remote service (the TWS engine, the LLM endpoint): after repeated failures,
stop sending for a while.

A scheduler's engine that is restarting or overloaded must not be hammered by retries from its own
monitoring, nor a paid LLM endpoint by a flood of annotations. After ``failures`` consecutive failed requests
the breaker opens: calls fail at once with the caller's ``error`` (``TwsCircuitOpen``, ``LlmCircuitOpen``) for
``reset_s``; then one trial request is let through (half-open) and its outcome closes or re-opens the breaker.
State changes are logged and exported (``twspulse_breaker_state``), so an operator sees "engine down" once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

import structlog

from twspulse.metrics import set_breaker_state

log = structlog.get_logger(__name__)


class BreakerState(StrEnum):
    """closed: requests flow; open: refused; half_open: one trial in flight."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Counts consecutive failures; not thread-safe (one per event loop)."""

    def __init__(
        self,
        failures: int,
        reset_s: float,
        clock: Callable[[], float] = time.monotonic,
        name: str = "tws",
        error: Callable[[str], Exception] = RuntimeError,
        what: str = "engine",
    ):
        self.name = name  # prefixes its log events: tws.breaker.open, llm.breaker.open
        self._error = error  # raised (with a message) while open
        self._what = what  # what the message calls the service
        self.threshold = failures
        self.reset_s = reset_s
        self._clock = clock
        self.state = BreakerState.CLOSED
        self.consecutive_failures = 0
        self.opened_at: float | None = None
        self.times_opened = 0
        set_breaker_state(name, self.state)

    def before_request(self) -> None:
        """Raise the breaker's ``error`` while open; move to half-open once the reset time has passed."""
        if self.state is BreakerState.OPEN:
            assert self.opened_at is not None
            waited = self._clock() - self.opened_at
            if waited < self.reset_s:
                raise self._error(
                    f"{self._what} circuit open after {self.consecutive_failures} failures; "
                    f"next trial in {self.reset_s - waited:.0f}s"
                )
            self.state = BreakerState.HALF_OPEN
            set_breaker_state(self.name, self.state)
            log.info(f"{self.name}.breaker.half_open")

    def record_success(self) -> None:
        """A request got a usable answer (any status below 500 except 429)."""
        if self.state is not BreakerState.CLOSED:
            log.info(f"{self.name}.breaker.closed", after_failures=self.consecutive_failures)
        self.state = BreakerState.CLOSED
        set_breaker_state(self.name, self.state)
        self.consecutive_failures = 0
        self.opened_at = None

    def record_failure(self) -> None:
        """A request failed in a way that says the engine is unwell (connection, timeout, 5xx, 429)."""
        self.consecutive_failures += 1
        if self.state is BreakerState.HALF_OPEN or self.consecutive_failures >= self.threshold:
            if self.state is not BreakerState.OPEN:
                self.times_opened += 1
                log.error(f"{self.name}.breaker.open", failures=self.consecutive_failures, reset_s=self.reset_s)
            self.state = BreakerState.OPEN
            set_breaker_state(self.name, self.state)
            self.opened_at = self._clock()
