"""What the data topics' contracts refuse, and the one text rule of every table.

Refused (the worker dead-letters the record with the reason, which names the field):
- NaN, Infinity and absurd magnitudes in host metrics (a percentage of 1e30, bytes of 1e30);
- an observed time in year 9999, more than a year ahead of now, or before 1990; a planned time past 2099;
- a NUL or a lone surrogate in a name or an identifier (job name, ids, workstation, host, mount, ...).
Kept, consistently in every table: free text (joblog content, a dead letter's reason) has each NUL and
lone surrogate replaced by U+FFFD.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from twspulse.connectors.system import sample
from twspulse.events import DeadLetter, HostMetrics, JobEvent, JobLogChunk, WorkstationStatus, validation_reason

EVENT: dict[str, Any] = {
    "event_id": "j1/r1/SUCC", "job_id": "j1", "run_id": "r1", "plan_id": "p", "job_name": "LOAD",
    "job_stream": "DAILY", "workstation": "/MDM", "status": "SUCCESSFUL", "internal_status": "SUCC",
    "category": "succeeded", "return_code": 0, "status_time": "2026-11-24T01:15:00Z",
    "observed_at": "2026-11-24T01:15:02+00:00",
}  # fmt: skip
CHUNK: dict[str, Any] = {
    "run_id": "r1", "job_id": "j1", "job_name": "LOAD", "job_stream": "DAILY", "workstation": "/MDM",
    "internal_status": "ABEND", "chunk_index": 0, "chunk_count": 1, "content": "ok\n", "total_bytes": 3,
    "truncated": False, "fetched_at": "2026-11-24T01:15:02Z",
}  # fmt: skip


def _host(**changes: Any) -> str:
    doc = json.loads(sample("h1").to_bytes())
    doc.update(changes)
    return json.dumps(doc)


def _refused(model: Any, raw: str | bytes) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate_json(raw)
    return validation_reason(info.value)


def test_a_real_host_sample_and_the_documented_event_are_accepted() -> None:
    assert HostMetrics.model_validate_json(sample("h1").to_bytes()).host == "h1"
    assert JobEvent.model_validate_json(json.dumps(EVENT)).job_name == "LOAD"


@pytest.mark.parametrize(
    ("field", "raw_value"),
    [("cpu_percent", "NaN"), ("memory_percent", "Infinity"), ("swap_percent", "-Infinity"), ("load_1m", "NaN"),
     ("cpu_percent", "1e30"), ("memory_percent", "-1"), ("memory_used_bytes", "1e30"), ("net_bytes_recv", "-5"),
     ("load_1m", "1e30")],
)  # fmt: skip
def test_non_finite_and_absurd_host_metrics_are_refused(field: str, raw_value: str) -> None:
    raw = _host().replace(f'"{field}":', f'"{field}":{raw_value},"_was":', 1)  # NaN/Infinity are not JSON values
    assert field in _refused(HostMetrics, raw)


def test_absurd_disk_figures_are_refused() -> None:
    disk = {"mount": "/", "device": "/dev/sda1", "total_bytes": 10**30, "used_bytes": 1, "used_percent": 1e30}
    reason = _refused(HostMetrics, _host(disks=[disk]))
    assert "disks.0.total_bytes" in reason and "disks.0.used_percent" in reason


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("status_time", "9999-12-31T00:00:00Z", "ahead of now"),
        ("status_time", "400 days from now", "ahead of now"),
        ("observed_at", "1970-01-01T00:00:00Z", "before 1990"),
        ("end_time", "9999-01-01T00:00:00+02:00", "ahead of now"),
        ("sched_time", "2150-01-01T00:00:00Z", "outside 1990-2099"),
    ],
)
def test_times_out_of_range_are_refused_with_the_field_named(field: str, value: str, why: str) -> None:
    if value == "400 days from now":  # computed here: a parameter must read the same in every collection
        value = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    reason = _refused(JobEvent, json.dumps({**EVENT, field: value}))
    assert field in reason and why in reason, reason


def test_times_in_range_are_accepted_including_a_planned_time_ahead_and_a_clock_slightly_ahead() -> None:
    soon = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    event = JobEvent.model_validate_json(json.dumps({**EVENT, "sched_time": "2027-06-01T00:00:00Z", "end_time": soon}))
    assert event.sched_time is not None and event.end_time is not None


def test_other_topics_refuse_future_times_too() -> None:
    future = "9999-12-31T00:00:00Z"
    assert "fetched_at" in _refused(JobLogChunk, json.dumps({**CHUNK, "fetched_at": future}))
    assert "time" in _refused(HostMetrics, _host(time=future))
    ws = {"workstation": "/MDM", "linked": True, "running": True, "active_states": ["LINKED"], "observed_at": future}
    assert "observed_at" in _refused(WorkstationStatus, json.dumps(ws))


@pytest.mark.parametrize(
    ("model", "doc", "field"),
    [(JobEvent, EVENT, "job_name"), (JobEvent, EVENT, "event_id"), (JobEvent, EVENT, "workstation"),
     (JobLogChunk, CHUNK, "job_name"), (JobLogChunk, CHUNK, "run_id")],
)  # fmt: skip
def test_a_nul_in_a_name_or_identifier_refuses_the_record_in_every_topic(model: Any, doc: dict, field: str) -> None:  # type: ignore[type-arg]
    reason = _refused(model, json.dumps({**doc, field: "LO\x00AD"}))
    assert field in reason and "NUL" in reason


def test_a_nul_in_a_host_or_mount_name_refuses_the_sample() -> None:
    assert "host" in _refused(HostMetrics, _host(host="h\x001"))


def test_a_lone_surrogate_in_a_name_refuses_a_record_built_in_python() -> None:
    with pytest.raises(ValidationError) as info:
        JobEvent.model_validate({**EVENT, "job_name": "LO\ud800AD"})
    assert "not valid Unicode" in validation_reason(info.value)


def test_free_text_keeps_the_record_with_nul_and_lone_surrogates_replaced() -> None:
    chunk = JobLogChunk.model_validate_json(json.dumps({**CHUNK, "content": "a\x00b\nERROR x\x00\n"}))
    assert chunk.content == "a\ufffdb\nERROR x\ufffd\n"
    built = JobLogChunk.model_validate({**CHUNK, "content": "bad \ud800 byte"})
    assert built.content == "bad \ufffd byte" and built.to_bytes()  # encodable again
    dead = DeadLetter.wrap(
        source_topic="t", raw=b"x", reason="refused \x00", error_type="E", failed_at=datetime.now(UTC)
    )
    assert dead.reason == "refused \ufffd"
