"""The one reader of an HTTP ``Retry-After`` header (RFC 9110: delta seconds or an HTTP date), and the one way an
HTTP client's tenacity retries honour it: its attempt raises :class:`Transient` with the asked wait, and
:func:`wait_asked_or` waits that long, else its own backoff."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import tenacity


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait; None when absent or unreadable.

    ``headers`` must look names up case-insensitively (httpx's ``Headers`` do).
    """
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class Transient(Exception):
    """A failure that may pass (connection, timeout, 5xx, 429): retried; ``wait_s`` is the server's Retry-After."""

    def __init__(self, reason: str, wait_s: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.wait_s = wait_s


def wait_asked_or(
    backoff: Callable[[int], float], cap_s: float | None = None
) -> Callable[[tenacity.RetryCallState], float]:
    """tenacity's wait: the server's Retry-After carried by the last ``Transient``, else ``backoff(attempt)``
    (attempt 0 first); both capped at ``cap_s`` when given."""

    def wait(state: tenacity.RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        asked = failure.wait_s if isinstance(failure, Transient) else None
        delay = asked if asked is not None else backoff(state.attempt_number - 1)
        return delay if cap_s is None else min(cap_s, delay)

    return wait
