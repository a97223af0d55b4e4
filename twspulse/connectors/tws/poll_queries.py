"""The OQL of each kind of poll, in one place.

The v2 API has no change feed and no modified-since parameter, so "what changed" is asked with OQL, using
only fields and forms the engine's own OpenAPI document shows in its examples
(``jobruns.compositeStatus.status = 'SUCC'``, ``id = '...'``, ``folder IN ['/A','/B']``, single-quoted
strings, ``'`` doubled inside them). An incremental poll asks for the jobs whose runs are in a state that
moves on its own (ready, running, suspended...); the jobs that were moving at the last poll and are not
any more are re-read by id. Jobs still waiting for their time or predecessors are only read by the
periodic full scan: they change by becoming ready or running (caught here), or by running to the end
between two polls or by an operator's cancel (caught by the next full scan). An engine that refuses these
filters answers 400 and the poller falls back to full scans (and asks again later).

The end time of runs (``jobruns.timeInfo.actualEndTime``) would also catch a job that ran to the end
between two polls, but its filterability is not documented: the poller uses it only after checking it on
the engine (``end_filter_oql`` against what a full scan shows, see ``TwsPoller``), and adds it then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

# internal states (compositeStatus.status) of a run that can move without an operator or a predecessor
MOVING_STATUSES = ("READY", "INTRO", "WAIT", "EXEC", "STARTED", "SUSP", "STUCK", "INTRPT", "UNDCDED", "FENCE")
STATUS_FIELD = "jobruns.compositeStatus.status"
END_FIELD = "jobruns.timeInfo.actualEndTime"
BY_ID_CHUNK = 50  # ids per re-read query: keeps the URL well under the usual 8 KiB limit


def quote(value: str) -> str:
    """An OQL string literal: single quotes, a quote inside doubled."""
    return "'" + value.replace("'", "''") + "'"


def instant(moment: datetime) -> str:
    """An OQL instant literal in the documented form, with milliseconds: ``'2026-11-24T01:15:02.000Z'``."""
    return quote(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z")


def _scoped(scope: str, condition: str) -> str:
    return f"({scope}) AND ({condition})" if scope else condition


def _in(field: str, values: Iterable[str]) -> str:
    return f"{field} IN [{','.join(quote(v) for v in values)}]"


def full_scan_oql(scope: str) -> str:
    """Every job in scope."""
    return scope


def end_filter_oql(scope: str, ended_since: datetime) -> str:
    """Jobs in scope with a run that ended at or after ``ended_since`` (undocumented: checked before use)."""
    return _scoped(scope, f"{END_FIELD} >= {instant(ended_since)}")


def incremental_oql(scope: str, ended_since: datetime | None = None) -> str:
    """Jobs in scope with a run in a moving state, and with one that ended since ``ended_since`` if given."""
    moving = _in(STATUS_FIELD, MOVING_STATUSES)
    if ended_since is None:
        return _scoped(scope, moving)
    return _scoped(scope, f"{moving} OR {END_FIELD} >= {instant(ended_since)}")


def by_id_oql(scope: str, job_ids: Iterable[str]) -> str:
    """The jobs of ``job_ids`` (at most ``BY_ID_CHUNK`` of them per query)."""
    return _scoped(scope, _in("id", job_ids))
