"""From the engine's job JSON to events: statuses, event time, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.tws.api_models import JobInPlan
from connectors.tws.job_events import build_event, status_key
from connectors.tws.status_map import categorize
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
    assert status_key(held).endswith("HOLD+CANCELED")


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

    from connectors.tws.api_models import InternalStatus

    mapped = {s for s in get_args(InternalStatus) if categorize(s) is not StatusCategory.OTHER}
    assert {"SUCC", "ABEND", "FAIL", "EXEC", "HOLD", "READY", "CANCL"} <= mapped
