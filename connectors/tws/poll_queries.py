"""The OQL of each kind of poll, in one place.

The v2 API has no change feed and no modified-since parameter, so "what changed" is asked with OQL:
jobs whose status can still move on its own soon (ready, running, held...) plus runs that ended since the
cursor, minus an overlap. Jobs still waiting for their time are only read by the periodic full scan:
they change only by becoming ready or running (caught here) or by an operator's cancel (caught by the
next full scan). Field names follow the spec's OQL examples; an engine that rejects them answers 400 and
the poller falls back to full scans.
"""

from __future__ import annotations

from datetime import UTC, datetime

ACTIVE_COMMON_STATUSES = (
    "READY",
    "READY_PREV_WS_NONREP",
    "RUNNING",
    "WAITING_FOR_TRIGGER",
    "HELD",
    "BLOCKED",
    "UNDECIDED",
    "INTERRUPTED",
)
STATUS_FIELD = "lastRunCommonStatus"
RUN_END_FIELD = "jobruns.timeInfo.actualEndTime"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def full_scan_oql(scope: str) -> str:
    """Every job in scope."""
    return scope


def incremental_oql(scope: str, ended_since: datetime) -> str:
    """Jobs that may be changing now, and runs that ended at or after ``ended_since``."""
    since = ended_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    statuses = ",".join(_quote(s) for s in ACTIVE_COMMON_STATUSES)
    changing = f"{STATUS_FIELD} IN [{statuses}] OR {RUN_END_FIELD} >= {_quote(since)}"
    return f"({scope}) AND ({changing})" if scope else changing
