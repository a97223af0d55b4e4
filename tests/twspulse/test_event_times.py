"""Event times must carry their zone: a naive time would be read in whatever zone a process runs in, so it
is refused at decoding (the worker dead-letters the record with this reason) instead of stored shifted."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from twspulse.events import JobEvent, validation_reason

EVENT = {
    "event_id": "j1/r1/SUCC", "job_id": "j1", "run_id": "r1", "plan_id": "p", "job_name": "LOAD",
    "job_stream": "DAILY", "workstation": "/MDM", "status": "SUCCESSFUL", "internal_status": "SUCC",
    "category": "succeeded", "return_code": 0, "status_time": "2026-11-24T01:15:00Z",
    "observed_at": "2026-11-24T01:15:02+00:00",
}  # fmt: skip


def test_times_with_a_zone_are_accepted() -> None:
    assert JobEvent.model_validate_json(json.dumps(EVENT)).status_time.utcoffset() is not None


def test_a_naive_event_time_is_refused_with_a_reason_naming_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        JobEvent.model_validate_json(json.dumps({**EVENT, "status_time": "2026-11-24T01:15:00"}))
    reason = validation_reason(info.value)
    assert "status_time" in reason and "timezone" in reason.lower()
