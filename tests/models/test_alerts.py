"""The alert state machine: dedup within the window, a new alert after it, resolve events, idempotent writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg

from twspulse.models.alerts import AlertBook, Condition, open_alerts_from_db, write_alerts

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
WINDOW_S = 3600.0


def _disk(minutes: float, firing: bool = True, severity: str = "warning") -> Condition:
    return Condition(
        kind="capacity_forecast",
        subject="web01",
        metric="disk.used_percent:/data",
        severity=severity,  # type: ignore[arg-type]
        summary="disk /data on web01 reaches 90% on 2026-12-14",
        observed_at=T0 + timedelta(minutes=minutes),
        firing=firing,
        evidence={"minutes": minutes},
    )


def test_repeats_within_window_update_one_alert() -> None:
    book = AlertBook(WINDOW_S)
    first = book.apply(_disk(0))
    second = book.apply(_disk(30))
    third = book.apply(_disk(80, severity="critical"))  # 50 min after the last sighting: still the same alert
    assert len(first) == len(second) == len(third) == 1
    assert first[0].state == "firing" and first[0].count == 1
    assert {e.alert_id for e in first + second + third} == {first[0].alert_id}
    assert third[0].count == 3 and third[0].first_seen == T0 and third[0].last_seen == T0 + timedelta(minutes=80)
    assert third[0].severity == "critical" and third[0].evidence == {"minutes": 80}
    assert first[0].dedup_key == "capacity_forecast:web01:disk.used_percent:/data"


def test_repeat_after_window_resolves_the_stale_alert_and_opens_a_new_one() -> None:
    book = AlertBook(WINDOW_S)
    opened = book.apply(_disk(0))[0]
    events = book.apply(_disk(180))
    assert [e.state for e in events] == ["resolved", "firing"]
    assert events[0].alert_id == opened.alert_id
    assert events[1].alert_id != opened.alert_id and events[1].count == 1


def test_cleared_condition_resolves_and_clearing_nothing_emits_nothing() -> None:
    book = AlertBook(WINDOW_S)
    assert book.apply(_disk(0, firing=False)) == []
    opened = book.apply(_disk(0))[0]
    resolved = book.apply(_disk(10, firing=False))
    assert len(resolved) == 1 and resolved[0].state == "resolved" and resolved[0].alert_id == opened.alert_id
    assert resolved[0].time == T0 + timedelta(minutes=10)
    assert book.open == {}
    assert book.apply(_disk(20, firing=False)) == []


def test_state_round_trips_through_json() -> None:
    book = AlertBook(WINDOW_S)
    opened = book.apply(_disk(0))[0]
    restored = AlertBook.from_dict(json.loads(json.dumps(book.to_dict())), WINDOW_S)
    again = restored.apply(_disk(5))[0]
    assert again.alert_id == opened.alert_id and again.count == 2


def test_write_alerts_is_idempotent_and_open_alerts_are_read_back(database_url: str) -> None:
    book = AlertBook(WINDOW_S)
    events = book.apply_all([_disk(0), _disk(10)])
    other = AlertBook(WINDOW_S).apply_all([_disk(0), _disk(10)])  # a replay: same ids and times
    assert [e.alert_id for e in other] == [e.alert_id for e in events]
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert write_alerts(conn, events) == 2
        assert write_alerts(conn, other) == 0
        rows = conn.execute("SELECT state, count, evidence FROM alerts ORDER BY time").fetchall()
        assert rows == [("firing", 1, {"minutes": 0}), ("firing", 2, {"minutes": 10})]
        reopened = open_alerts_from_db(conn, ["capacity_forecast"])
        assert list(reopened) == [events[-1].dedup_key] and reopened[events[-1].dedup_key].count == 2
        write_alerts(conn, AlertBook(WINDOW_S, reopened).apply(_disk(20, firing=False)))
        assert open_alerts_from_db(conn, ["capacity_forecast"]) == {}


def test_every_change_of_an_alert_gets_a_later_time_even_out_of_order() -> None:
    """(alert_id, time) identifies a change in the table: a late sighting, an annotation stamped at the wall
    clock and a resolve at an earlier event time must each still be a new row."""
    book = AlertBook(WINDOW_S)
    (opened,) = book.apply(_disk(10))
    (late,) = book.apply(_disk(5))  # an out-of-order sighting: earlier than the opening
    enriched = book.enrich(opened.dedup_key, "r1", "root cause", {"annotation": {}})
    assert enriched is None  # the alert was opened by no run: nothing to enrich
    book.open[opened.dedup_key] = book.open[opened.dedup_key].model_copy(update={"evidence": {"run_id": "r1"}})
    enriched = book.enrich(opened.dedup_key, "r1", "root cause", {"annotation": {"category": "disk_full"}})
    assert enriched is not None and enriched.count == late.count  # an enrichment is not a new sighting
    (resolved,) = book.apply(_disk(7, firing=False))
    times = [opened.time, late.time, enriched.time, resolved.time]
    assert times == sorted(times) and len(set(times)) == 4
    assert resolved.evidence["annotation"] == {"category": "disk_full"}
