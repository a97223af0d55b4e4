"""The alert-latency benchmark's pure parts on synthetic timestamps: percentiles, the stage breakdown, the
receivers' payloads as the notifier sends them, and the connector's poll lines. No engines, no timing."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import httpx

from bench.alert_latency import (
    ClockMap,
    Poll,
    RunTrace,
    attach_alerts,
    attach_receipts,
    parse_alertmanager,
    parse_polls,
    parse_webhook,
    percentile,
    poll_durations,
    render,
    stage_summaries,
    summarize,
)
from twspulse.events import Alert
from twspulse.simulator.clock import SimClock
from twspulse.streams.notify.receivers import AlertmanagerReceiver, WebhookReceiver

T = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _alert(**update: object) -> Alert:
    base = Alert(
        alert_id="ee2d72028ec40c63a888", dedup_key="job_failed:MDM#/FIN/DAILY.LOAD", kind="job_failed",
        severity="critical", state="firing", subject="MDM#/FIN/DAILY.LOAD", first_seen=T, last_seen=T, count=1,
        summary="DAILY.LOAD on MDM ended ABEND RC=12", evidence={"run_id": "r1", "job_id": "j1"}, time=T,
    )  # fmt: skip
    return base.model_copy(update=update)


def test_percentiles_interpolate_between_ranks_like_numpy() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.5
    assert math.isclose(percentile(values, 95), 95.05)
    assert math.isclose(percentile(values, 99), 99.01)
    assert percentile([3.0], 99) == 3.0
    assert math.isnan(percentile([], 50))
    s = summarize([1.0, 2.0, 3.0, 10.0])
    assert (s.n, s.mean, s.max) == (4, 4.0, 10.0)


def test_stages_add_up_to_the_total_for_one_run() -> None:
    run = RunTrace("r1", failed_at=100.0, observed_at=104.0, published_at=105.5, row_at=105.8, alert_at=105.9,
                   opened=True, alertmanager_at=106.0, webhook_at=106.1)  # fmt: skip
    rows = dict(stage_summaries([run]))
    parts = [
        "engine failure -> poll start (wait for the next poll)",
        "poll start -> published (plan read, joblogs, txn)",
        "published -> row stored (worker, ingested_at)",
        "row stored -> alert produced (worker)",
        "alert produced -> Alertmanager receipt (notifier)",
    ]
    assert math.isclose(sum(rows[p].p50 for p in parts), rows["TOTAL engine failure -> first alert at a receiver"].p50)
    assert math.isclose(rows["TOTAL engine failure -> first alert at a receiver"].p50, 6.0)
    assert math.isclose(rows["TOTAL engine failure -> webhook receipt"].p50, 6.1)
    assert "TOTAL engine failure" in render(list(rows.items()))


def test_a_stage_with_a_missing_end_is_left_out_not_counted_as_zero() -> None:
    seen = RunTrace("r1", failed_at=0.0, observed_at=2.0, published_at=3.0, opened=True)
    unseen = RunTrace("r2", failed_at=0.0)
    rows = dict(stage_summaries([seen, unseen]))
    assert rows["engine failure -> poll start (wait for the next poll)"].n == 1
    assert rows["TOTAL engine failure -> first alert at a receiver"].n == 0
    assert "-" in render([("TOTAL engine failure -> first alert at a receiver", summarize([]))])


def test_clock_map_turns_simulated_end_times_into_wall_clock_time() -> None:
    ticks = [1000.0]
    clock = SimClock(T, speed=10.0, monotonic=lambda: ticks[0])
    ticks[0] += 3.0  # 3 real seconds later the simulated clock is 30 s past T
    mapping = ClockMap.read(clock)
    now_sim = T.timestamp() + 30.0
    assert math.isclose(mapping.wall_of(now_sim), mapping.wall)
    assert math.isclose(mapping.wall_of(now_sim + 50.0) - mapping.wall, 5.0)  # 50 simulated s = 5 real s


def test_alertmanager_payload_gives_firing_receipts_with_and_without_root_cause() -> None:
    am = AlertmanagerReceiver(httpx.Client(), "http://am:9093", timedelta(days=7))
    now = datetime.now(UTC)
    body = json.dumps(am.payload(_alert(), now)).encode()
    (first,) = parse_alertmanager(body, now.timestamp())
    assert (first.receiver, first.alert_id, first.kind, first.firing, first.root_cause) == (
        "alertmanager", "ee2d72028ec40c63a888", "job_failed", True, False,
    )  # fmt: skip
    enriched = _alert(evidence={"run_id": "r1", "annotation": {"root_cause": "disk /data full"}})
    (second,) = parse_alertmanager(json.dumps(am.payload(enriched, now)).encode(), now.timestamp())
    assert second.firing and second.root_cause
    resolved = _alert(state="resolved", time=T + timedelta(minutes=5))
    (third,) = parse_alertmanager(json.dumps(am.payload(resolved, now)).encode(), now.timestamp())
    assert not third.firing


def test_webhook_message_names_its_alert_state_and_root_cause() -> None:
    got = parse_webhook(json.dumps(WebhookReceiver.payload(_alert())).encode(), 5.0)
    assert got is not None
    assert (got.receiver, got.alert_id, got.kind, got.firing, got.root_cause, got.at) == (
        "webhook", "ee2d72028ec40c63a888", "job_failed", True, False, 5.0,
    )  # fmt: skip
    enriched = _alert(evidence={"run_id": "r1", "annotation": {"root_cause": "disk /data full"}})
    got = parse_webhook(json.dumps(WebhookReceiver.payload(enriched)).encode(), 6.0)
    assert got is not None and got.root_cause
    got = parse_webhook(json.dumps(WebhookReceiver.payload(_alert(state="resolved"))).encode(), 7.0)
    assert got is not None and not got.firing
    assert parse_webhook(b'{"text": "hello"}', 8.0) is None


def test_alerts_and_receipts_attach_to_the_run_that_opened_the_alert() -> None:
    traces = {"r1": RunTrace("r1", failed_at=0.0), "r2": RunTrace("r2", failed_at=1.0)}
    opening = _alert().model_dump(mode="json")
    enriched = _alert(evidence={"run_id": "r1", "annotation": {"root_cause": "disk full"}}).model_dump(mode="json")
    repeat = _alert(count=2, evidence={"run_id": "r2"}).model_dump(mode="json")
    attach_alerts(traces, [(10.0, opening), (11.0, enriched), (12.0, repeat)])
    assert (traces["r1"].alert_id, traces["r1"].alert_at, traces["r1"].opened) == ("ee2d72028ec40c63a888", 10.0, True)
    assert traces["r1"].root_cause_at == 11.0
    assert (traces["r2"].alert_at, traces["r2"].opened) == (12.0, False)  # a repeat: no page of its own
    now = datetime.now(UTC)
    am = AlertmanagerReceiver(httpx.Client(), "http://am:9093", timedelta(days=7))
    receipts = [
        *parse_alertmanager(json.dumps(am.payload(_alert(), now)).encode(), 10.5),
        *parse_alertmanager(json.dumps(am.payload(_alert(**{"evidence": enriched["evidence"]}), now)).encode(), 11.4),
    ]
    hook = parse_webhook(json.dumps(WebhookReceiver.payload(_alert())).encode(), 10.6)
    assert hook is not None
    attach_receipts(traces.values(), [*receipts, hook])
    assert (traces["r1"].alertmanager_at, traces["r1"].webhook_at, traces["r1"].received_at) == (10.5, 10.6, 10.5)
    assert traces["r1"].root_cause_received_at == 11.4
    assert traces["r2"].received_at is None


def test_poll_lines_give_poll_durations_after_the_interval_slept() -> None:
    lines = [
        json.dumps({"event": "tws.poll", "timestamp": "2026-12-04T22:00:10Z", "full_scans": 1, "requests": 56,
                    "joblogs": 0, "events": 50000}),
        "not json, a librdkafka line mentioning tws.poll",
        json.dumps({"event": "tws.poll", "timestamp": "2026-12-04T22:00:20.600000Z", "full_scans": 0,
                    "requests": 4, "joblogs": 2, "events": 80}),
        json.dumps({"event": "tws.other", "timestamp": "2026-12-04T22:00:21Z"}),
    ]  # fmt: skip
    polls = parse_polls(lines)
    assert [(p.full, p.requests, p.joblogs, p.events) for p in polls] == [(True, 56, 0, 50000), (False, 4, 2, 80)]
    ((poll, took),) = poll_durations(polls, 10.0)
    assert isinstance(poll, Poll) and not poll.full
    assert math.isclose(took, 0.6, abs_tol=1e-6)


def test_a_root_cause_of_a_later_run_on_the_same_alert_is_not_credited_to_the_run_that_opened_it() -> None:
    opener = RunTrace("r1", failed_at=0.0, alert_id="ee2d72028ec40c63a888", alert_at=1.0, opened=True)
    later = _alert(count=2, evidence={"run_id": "r2", "annotation": {"root_cause": "disk full"}})
    am = AlertmanagerReceiver(httpx.Client(), "http://am:9093", timedelta(days=7))
    receipts = [
        *parse_alertmanager(json.dumps(am.payload(_alert(), datetime.now(UTC))).encode(), 1.5),
        *parse_alertmanager(json.dumps(am.payload(later, datetime.now(UTC))).encode(), 90.0),
    ]
    assert [r.run_id for r in receipts] == ["r1", "r2"]
    attach_receipts([opener], receipts)
    assert opener.alertmanager_at == 1.5
    assert opener.root_cause_received_at is None
