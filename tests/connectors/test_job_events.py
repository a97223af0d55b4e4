"""From the engine's job JSON to events: statuses, event time, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from twspulse.connectors.tws.api_models import JobInPlan
from twspulse.connectors.tws.job_events import build_event, build_events
from twspulse.connectors.tws.status_map import categorize
from twspulse.events import StatusCategory

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _job(internal: str, common: str, runs: list[dict[str, Any]] | None = None, canceled: bool = False) -> dict:
    return {
        "id": "a1b2c3d4-0000-0000-0000-000000000001", "name": "LOAD_SALES", "jobStreamName": "DAILY",
        "workstation": "/MDM", "folder": "/", "schedTime": "2026-11-24T01:00:00Z", "planId": "plan-1",
        "lastRunCommonStatus": common,
        "lastRunCompositeStatus": {"status": internal, "canceled": canceled},
        "jobruns": runs or [], "someFieldOfANewerEngine": {"x": 1},
    }  # fmt: skip


RUN = {
    "id": "run-1", "returnCode": 12, "runAttempt": 1,
    "timeInfo": {"actualStartTime": "2026-11-24T01:00:05Z", "actualEndTime": "2026-11-24T01:02:05Z"},
}  # fmt: skip


def test_failed_job_event_uses_run_end_as_event_time_and_carries_rc() -> None:
    e = build_event(JobInPlan.model_validate(_job("ABEND", "ERROR", [RUN])), NOW)
    assert e.category is StatusCategory.FAILED
    assert e.return_code == 12 and e.run_id == "run-1"
    assert e.status_time == datetime(2026, 11, 24, 1, 2, 5, tzinfo=UTC)
    assert e.event_id == "a1b2c3d4-0000-0000-0000-000000000001/run-1/ABEND"


def test_waiting_job_event_time_is_first_sight() -> None:
    e = build_event(JobInPlan.model_validate(_job("HOLD", "WAITING")), NOW)
    assert e.category is StatusCategory.WAITING and e.status_time == NOW and e.run_id is None


def test_canceled_flag_is_its_own_status() -> None:
    held = JobInPlan.model_validate(_job("HOLD", "CANCELED", canceled=True))
    assert categorize("HOLD", canceled=True) is StatusCategory.CANCELED
    assert build_event(held, NOW).event_id.endswith("/-/HOLD+CANCELED")


def _run(run_id: str, attempt: int, start: str, end: str | None, internal: str, common: str, **extra: Any) -> dict:
    return {
        "id": run_id, "runAttempt": attempt, "returnCode": 0 if internal == "SUCC" else 8,
        "commonStatus": common, "compositeStatus": {"status": internal},
        "timeInfo": {"actualStartTime": start, "actualEndTime": end}, **extra,
    }  # fmt: skip


FAILED_THEN_RERUN = [
    _run("run-2", 2, "2026-11-24T01:05:00Z", "2026-11-24T01:06:00Z", "SUCC", "SUCCESSFUL"),
    _run("run-1", 1, "2026-11-24T01:00:05Z", "2026-11-24T01:02:05Z", "ABEND", "ERROR"),
]


def test_a_failed_run_rerun_before_the_poll_still_gets_its_own_event() -> None:
    job = JobInPlan.model_validate(_job("SUCC", "SUCCESSFUL", FAILED_THEN_RERUN))
    first, rerun = build_events(job, NOW)
    assert (first.run_id, first.category, first.return_code) == ("run-1", StatusCategory.FAILED, 8)
    assert first.event_id.endswith("/run-1/ABEND") and first.status_time.minute == 2
    assert (rerun.run_id, rerun.category, rerun.run_attempt) == ("run-2", StatusCategory.SUCCEEDED, 2)


def test_newest_run_is_the_one_marked_last_in_rerun_chain_whatever_the_list_order() -> None:
    runs = [
        _run("run-b", 2, "2026-11-24T01:05:00Z", None, "EXEC", "RUNNING", lastInRerunChain=True),
        _run("run-a", 1, "2026-11-24T01:09:00Z", "2026-11-24T01:10:00Z", "ABEND", "ERROR", lastInRerunChain=False),
    ]
    job = JobInPlan.model_validate(_job("EXEC", "RUNNING", runs))
    assert job.last_run is not None and job.last_run.id == "run-b"  # marked last, although it started earlier
    assert [e.run_id for e in build_events(job, NOW)] == ["run-a", "run-b"]


def test_an_older_run_with_only_a_common_status_gets_its_internal_state_inferred() -> None:
    older = _run("run-1", 1, "2026-11-24T01:00:05Z", "2026-11-24T01:02:05Z", "ABEND", "ERROR")
    del older["compositeStatus"]
    newest = _run("run-2", 2, "2026-11-24T01:05:00Z", None, "EXEC", "RUNNING")
    events = build_events(JobInPlan.model_validate(_job("EXEC", "RUNNING", [older, newest])), NOW)
    assert [(e.internal_status, e.category) for e in events] == [
        ("ABEND", StatusCategory.FAILED),
        ("EXEC", StatusCategory.RUNNING),
    ]


@pytest.mark.parametrize("field,value", [("lastRunCommonStatus", "WEIRD"), ("name", None)])
def test_unknown_status_or_missing_field_is_refused(field: str, value: Any) -> None:
    raw = _job("SUCC", "SUCCESSFUL")
    if value is None:
        del raw[field]
    else:
        raw[field] = value
    with pytest.raises(ValidationError):
        JobInPlan.model_validate(raw)


def test_every_internal_status_of_the_spec_has_a_category() -> None:
    from typing import get_args

    from twspulse.connectors.tws.api_models import InternalStatus

    mapped = {s for s in get_args(InternalStatus) if categorize(s) is not StatusCategory.OTHER}
    assert {"SUCC", "ABEND", "FAIL", "EXEC", "HOLD", "READY", "CANCL"} <= mapped
