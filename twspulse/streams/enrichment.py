"""Per job definition baselines, and what they say about each new status event.

The state of a job definition is its recent final outcomes, kept sorted by event time. Everything an
enriched row carries (expected duration, p95, failure streak, successes before a failure) is derived
from the outcomes strictly *before* the event's own time, so:
- a redelivered event (same event id) changes nothing (idempotent),
- events arriving out of order (EXEC after SUCC, or yesterday's run after today's) give the same answers
  as in order, because order is by event time, not arrival.
The state is a plain JSON-able dict so it can live in a changelog-backed table (twspulse/streams/changelog_table.py).
"""

from __future__ import annotations

import bisect
import operator
from dataclasses import dataclass
from typing import Any

from twspulse.events import JobEvent, StatusCategory
from twspulse.job_keys import job_key

HISTORY = 60  # final outcomes kept per job definition
MIN_HISTORY = 5  # fewer successful runs than this: no expectation yet
PATTERN_BREAK_SUCCESSES = 5  # a failure after at least this many successes breaks the usual pattern


@dataclass(frozen=True)
class Enrichment:
    """The derived fields of one job_runs row."""

    job_key: str
    expected_duration_s: float | None
    duration_deviation: float | None
    late_start_s: float | None
    rerun_number: int | None
    runtime_above_p95: bool | None
    failure_streak: int | None
    successes_before_failure: int | None
    breaks_pattern: bool
    state_changed: bool = False  # the event was recorded (a new final outcome): the state must be saved
    latest: bool = True  # no later outcome of the job is known (an old event arriving late is not the job's state)


_TIME = operator.itemgetter(0)
_EVENT_ID = operator.itemgetter(1)


def _outcomes(state: dict[str, Any]) -> list[list[Any]]:
    # each outcome: [event time (epoch s), event id, succeeded (bool), duration (s) or None]
    return state.setdefault("outcomes", [])


def _median(ordered: list[float]) -> float:
    """``statistics.median`` of an already sorted list (the hot path sorts once for both statistics)."""
    half = len(ordered) // 2
    return ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2


def _p95(ordered: list[float]) -> float:
    """``statistics.quantiles(n=20, method="inclusive")[18]`` of an already sorted list, same arithmetic."""
    if len(ordered) == 1:
        return ordered[0]
    j, delta = divmod(19 * (len(ordered) - 1), 20)
    return (ordered[j] * (20 - delta) + ordered[j + 1] * delta) / 20


def enrich(event: JobEvent, state: dict[str, Any]) -> Enrichment:
    """Fields for ``event`` from the history before it, and record the event in ``state`` if it is final."""
    outcomes = _outcomes(state)
    t = event.status_time.timestamp()
    before = outcomes[: bisect.bisect_left(outcomes, t, key=_TIME)]
    runtimes = sorted([o[3] for o in before if o[2] and o[3] is not None])
    duration = (event.end_time - event.start_time).total_seconds() if event.end_time and event.start_time else None
    expected = _median(runtimes) if len(runtimes) >= MIN_HISTORY else None
    p95 = _p95(runtimes) if len(runtimes) >= MIN_HISTORY else None
    streak = 0
    for o in reversed(before):
        if o[2]:
            break
        streak += 1
    successes = 0
    for o in reversed(before):
        if not o[2]:
            break
        successes += 1
    failed = event.category is StatusCategory.FAILED
    above = duration > p95 if duration is not None and p95 is not None else None
    changed, latest = False, True
    if event.category in (StatusCategory.SUCCEEDED, StatusCategory.FAILED):
        latest = not outcomes or t >= outcomes[-1][0]
        changed = _record(outcomes, [t, event.event_id, not failed, duration])  # after `before` was taken
    return Enrichment(
        job_key=job_key(event),
        expected_duration_s=expected,
        duration_deviation=duration / expected if duration is not None and expected else None,
        late_start_s=(event.start_time - event.sched_time).total_seconds()
        if event.start_time and event.sched_time
        else None,
        rerun_number=event.run_attempt - 1 if event.run_attempt else None,
        runtime_above_p95=above,
        failure_streak=streak + 1 if failed else None,
        successes_before_failure=successes if failed else None,
        breaks_pattern=bool(above) or (failed and successes >= PATTERN_BREAK_SUCCESSES),
        state_changed=changed,
        latest=latest if changed else True,
    )


def _record(outcomes: list[list[Any]], outcome: list[Any]) -> bool:
    """Insert by event time; False when it was already there (redelivered) or too old to keep."""
    if outcome[1] in map(_EVENT_ID, outcomes):  # C-level scan: this runs for every final event
        return False
    bisect.insort(outcomes, outcome, key=_TIME)
    if len(outcomes) > HISTORY:
        dropped = outcomes.pop(0)
        return dropped is not outcome
    return True
