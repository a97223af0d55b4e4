"""Fault injection: make the simulated engine misbehave on purpose, for the connector's error tests.

Faults are armed through POST /sim/faults and consumed by the next TWS API responses, in this order:
401 although the credentials are good (`auth_fail`), then a delay (slow response), then 429 with
Retry-After, then 500 with an AWSJSY404E body. Faults of the answer itself come after those, consumed
only by the responses they apply to: a malformed job in the next non-empty /plan/job pages
(`malformed`; `malformed_kind`: a missing field, an unknown status, or `clock_ahead`, a run ending in year
9999 that the engine's schema allows and the job-event contract refuses), a /plan/job body that is not
JSON at all (`malformed_json`), a joblog cut off mid-body by closing the connection (`truncate_joblog`),
a joblog refused with `joblog_error_status` (`joblog_error`: e.g. 403 or 400, which the connector must
treat as final for that joblog). Counts add up across calls; DELETE clears them.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from twspulse.simulator.exceptions import FaultSpecError

MALFORMED_KINDS = ("missing_field", "unknown_status", "clock_ahead")
# The wrapped code is the one the lab saw (API.md); POST /sim/faults can set any other text.
DEFAULT_500_MESSAGE = (
    'AWSJSY404E An internal error has occurred. The error is the following: "AWSBIN091E The '
    'workstation does not support monitoring."'
)


@dataclass
class PendingFaults:
    """Faults still waiting to be served."""

    error_500: int = 0
    error_429: int = 0
    retry_after: str = "1"
    malformed: int = 0
    malformed_kind: str = "unknown_status"
    malformed_field: str = "id"
    delay_seconds: float = 0.0
    delay_count: int = 0
    error_message: str = DEFAULT_500_MESSAGE
    malformed_json: int = 0
    truncate_joblog: int = 0
    auth_fail: int = 0
    joblog_error: int = 0
    joblog_error_status: int = 403


@dataclass(frozen=True)
class ResponseFault:
    """What the next response must do: wait, then maybe answer an error instead of the real thing."""

    delay_seconds: float
    status: int | None
    retry_after: str | None
    message: str | None


@dataclass(frozen=True)
class MalformedJob:
    """How to spoil one job of a /plan/job page."""

    kind: str
    field: str


_COUNTS = (
    "error_500", "error_429", "malformed", "delay_count", "malformed_json", "truncate_joblog", "auth_fail",
    "joblog_error",
)  # fmt: skip
# Counts that simply add up and are consumed one per affected response.
_ONE_SHOT = ("malformed_json", "truncate_joblog", "auth_fail", "joblog_error")


class FaultInjector:
    """Thread-safe store of armed faults (the HTTP loop consumes, tests arm from other threads)."""

    def __init__(self) -> None:
        self._pending = PendingFaults()
        self._lock = threading.Lock()

    def arm(self, spec: dict[str, Any]) -> PendingFaults:
        """Add the faults described by `spec` (see PendingFaults for the keys) and return what is armed."""
        known = set(PendingFaults.__dataclass_fields__)
        for key in spec:
            if key not in known:
                raise FaultSpecError(key, spec[key], f"unknown fault, expected one of {sorted(known)}")
        for key in _COUNTS:
            value = spec.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise FaultSpecError(key, value, "must be a non-negative integer")
        delay = spec.get("delay_seconds", 0.0)
        if not isinstance(delay, int | float) or isinstance(delay, bool) or not 0 <= delay <= 300:
            raise FaultSpecError("delay_seconds", delay, "must be a number of seconds within [0, 300]")
        kind = spec.get("malformed_kind", "unknown_status")
        if kind not in MALFORMED_KINDS:
            raise FaultSpecError("malformed_kind", kind, f"expected one of {MALFORMED_KINDS}")
        status = spec.get("joblog_error_status", 403)
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise FaultSpecError("joblog_error_status", status, "must be an HTTP error status (400-599)")
        for key in ("retry_after", "malformed_field", "error_message"):
            if key in spec and not isinstance(spec[key], str | int):
                raise FaultSpecError(key, spec[key], "must be a string")
        with self._lock:
            pending = self._pending
            pending.error_500 += spec.get("error_500", 0)
            pending.error_429 += spec.get("error_429", 0)
            pending.malformed += spec.get("malformed", 0)
            for key in _ONE_SHOT:
                setattr(pending, key, getattr(pending, key) + spec.get(key, 0))
            if "delay_seconds" in spec:
                pending.delay_seconds = float(delay)
                pending.delay_count += spec.get("delay_count", 1)
            pending.malformed_kind = kind
            pending.retry_after = str(spec.get("retry_after", pending.retry_after))
            pending.malformed_field = str(spec.get("malformed_field", pending.malformed_field))
            pending.error_message = str(spec.get("error_message", pending.error_message))
            pending.joblog_error_status = int(spec.get("joblog_error_status", pending.joblog_error_status))
            return PendingFaults(**asdict(pending))

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._pending = PendingFaults()

    def snapshot(self) -> dict[str, Any]:
        """The armed faults as JSON-ready data."""
        with self._lock:
            return asdict(self._pending)

    def next_response(self) -> ResponseFault | None:
        """Consume the faults that apply to the next TWS API response, if any."""
        with self._lock:
            pending = self._pending
            delay = 0.0
            if pending.delay_count > 0:
                pending.delay_count -= 1
                delay = pending.delay_seconds
            if pending.error_429 > 0:
                pending.error_429 -= 1
                return ResponseFault(delay, 429, pending.retry_after, "Too Many Requests")
            if pending.error_500 > 0:
                pending.error_500 -= 1
                return ResponseFault(delay, 500, None, pending.error_message)
            if delay:
                return ResponseFault(delay, None, None, None)
            return None

    def next_malformed(self) -> MalformedJob | None:
        """Consume one malformed-page fault, if armed."""
        with self._lock:
            pending = self._pending
            if pending.malformed <= 0:
                return None
            pending.malformed -= 1
            return MalformedJob(pending.malformed_kind, pending.malformed_field)

    def _take(self, key: str) -> bool:
        with self._lock:
            left = getattr(self._pending, key)
            if left <= 0:
                return False
            setattr(self._pending, key, left - 1)
            return True

    def next_auth_failure(self) -> bool:
        """Consume one `auth_fail`: True if this request must be refused with 401 whatever it carries."""
        return self._take("auth_fail")

    def next_malformed_json(self) -> bool:
        """Consume one `malformed_json`: True if this /plan/job answer must not be valid JSON."""
        return self._take("malformed_json")

    def next_truncated_joblog(self) -> bool:
        """Consume one `truncate_joblog`: True if this joblog must be cut off mid-body."""
        return self._take("truncate_joblog")

    def next_joblog_error(self) -> int | None:
        """Consume one `joblog_error`: the HTTP status this joblog request must be refused with, if armed."""
        return self._pending.joblog_error_status if self._take("joblog_error") else None
