"""Per-job baselines: expectations from history, idempotent on redelivery, order-independent."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from twspulse.events import JobEvent, StatusCategory
from twspulse.streams.enrichment import MIN_HISTORY, enrich, job_key

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def run(day: int, duration: float, ok: bool = True, status: str | None = None, attempt: int = 1) -> JobEvent:
    start = T0 + timedelta(days=day, seconds=30)
    end = start + timedelta(seconds=duration)
    internal = status or ("SUCC" if ok else "ABEND")
    category = {"SUCC": StatusCategory.SUCCEEDED, "ABEND": StatusCategory.FAILED, "EXEC": StatusCategory.RUNNING}
    final = internal != "EXEC"
    return JobEvent(
        event_id=f"job{day}/run{day}-{attempt}/{internal}", job_id=f"job{day}", run_id=f"run{day}-{attempt}",
        plan_id="p", job_name="LOAD", job_stream="DAILY", workstation="/MDM", folder="/FIN/", status="X",
        internal_status=internal, category=category[internal], return_code=0 if ok else 12,
        sched_time=T0 + timedelta(days=day), start_time=start, end_time=end if final else None,
        status_time=end if final else start, run_attempt=attempt, observed_at=end,
    )  # fmt: skip


def test_expected_duration_deviation_and_late_start_come_from_history() -> None:
    state: dict[str, Any] = {}
    for d in range(10):
        enrich(run(d, 100 + d), state)
    x = enrich(run(10, 300), state)
    assert x.job_key == "/MDM#/FIN/DAILY.LOAD" == job_key(run(0, 1))
    assert x.expected_duration_s == 104.5
    assert x.duration_deviation == 300 / 104.5
    assert x.late_start_s == 30
    assert x.runtime_above_p95 is True and x.breaks_pattern is True


def test_too_little_history_gives_no_expectation() -> None:
    state: dict[str, Any] = {}
    for d in range(MIN_HISTORY - 1):
        x = enrich(run(d, 100), state)
    assert x.expected_duration_s is None and x.runtime_above_p95 is None and x.breaks_pattern is False


def test_first_failure_after_a_run_of_successes_breaks_the_pattern_and_streaks_count() -> None:
    state: dict[str, Any] = {}
    for d in range(7):
        enrich(run(d, 100), state)
    first = enrich(run(7, 5, ok=False), state)
    second = enrich(run(8, 5, ok=False), state)
    assert (first.successes_before_failure, first.failure_streak, first.breaks_pattern) == (7, 1, True)
    assert (second.successes_before_failure, second.failure_streak, second.breaks_pattern) == (0, 2, False)
    rerun = enrich(run(8, 90, attempt=2), state)
    assert rerun.rerun_number == 1 and rerun.failure_streak is None


def test_redelivered_events_do_not_double_count() -> None:
    state: dict[str, Any] = {}
    events = [run(d, 100 + d, ok=d % 4 != 3) for d in range(12)]
    first_pass = [enrich(e, state) for e in events]
    snapshot = [list(o) for o in state["outcomes"]]
    second_pass = [enrich(e, state) for e in events]  # a replay from offset 0
    assert state["outcomes"] == snapshot
    assert [replace(x, state_changed=False) for x in first_pass] == second_pass
    assert all(x.state_changed for x in first_pass) and not any(x.state_changed for x in second_pass)


def test_state_is_the_same_whatever_the_arrival_order() -> None:
    events = [run(d, 100 + 3 * d, ok=d % 5 != 4) for d in range(20)]
    events += [run(d, 0, status="EXEC") for d in range(20)]
    shuffled = events[:]
    random.Random(3).shuffle(shuffled)
    in_order: dict[str, Any] = {}
    any_order: dict[str, Any] = {}
    for e in sorted(events, key=lambda e: e.status_time):
        enrich(e, in_order)
    for e in shuffled:
        enrich(e, any_order)
    assert in_order == any_order and len(in_order["outcomes"]) == 20  # EXEC events are not outcomes


def test_an_exec_arriving_after_its_succ_changes_nothing_and_sees_only_earlier_history() -> None:
    state: dict[str, Any] = {}
    for d in range(6):
        enrich(run(d, 100), state)
    succ = enrich(run(6, 100), state)
    before = [list(o) for o in state["outcomes"]]
    late_exec = enrich(run(6, 0, status="EXEC"), state)
    assert state["outcomes"] == before
    assert late_exec.expected_duration_s == succ.expected_duration_s == 100  # by event time, not arrival


def test_only_the_latest_outcome_of_a_job_raises_or_clears_its_failure_alert() -> None:
    from twspulse.streams.job_alerts import job_conditions

    state: dict[str, Any] = {}
    newer_success = run(5, 100)
    older_failure = run(4, 100, ok=False)  # arrives after the newer success (a replay, a slow partition)
    finals = [(e, enrich(e, state)) for e in (newer_success, older_failure)]
    conditions = job_conditions(finals)
    assert [(c.firing, c.evidence["run_id"]) for c in conditions] == [(False, newer_success.run_id)]
    failure_now = run(6, 100, ok=False)
    (c,) = job_conditions([(failure_now, enrich(failure_now, state))])
    assert c.firing and c.evidence["run_id"] == failure_now.run_id
