"""The demo's notifier: alerts on the real broker reach the demo webhook through ``run_notifier`` and are counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from twspulse.demo_notify import DemoNotifier, DemoWebhook, Received
from twspulse.models.alerts import AlertBook, Condition, publish_alerts
from twspulse.producer import EventProducer
from twspulse.settings import Settings

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_the_demo_webhook_counts_pages_root_causes_and_resolutions_from_the_alerts_topic(kafka: str) -> None:
    book = AlertBook(dedup_window_s=3600)
    job = "MDM#/FIN/DAILY.LOAD"
    fail = Condition("job_failed", job, "critical", f"{job} ended ABEND rc=12", T0, evidence={"run_id": "r1"})
    opened = book.apply(fail)
    enriched = book.enrich(f"job_failed:{job}", "r1", "LOAD failed: table FIN.GL locked",
                           {"annotation": {"root_cause": "table FIN.GL locked by a backup job"}})  # fmt: skip
    assert enriched is not None
    disk = book.apply(Condition("capacity_forecast", "web01:/data", "warning", "/data reaches 90 % in 9 days", T0))
    resolved = book.apply(Condition("job_failed", job, "critical", "LOAD succeeded", T0 + timedelta(hours=1),
                                    firing=False))  # fmt: skip
    settings = Settings(notify_group="test-demo-notifier", log_json=False)
    notifier = DemoNotifier(settings, kafka)
    try:
        publish_alerts(EventProducer(kafka, client_id="test-demo-alerts"), [*opened, enriched, *disk, *resolved])
        got = notifier.settle(quiet_s=2.0, timeout_s=60.0)
    finally:
        notifier.stop()
    assert notifier.failed is None
    assert got.by_state_kind == {("firing", "job_failed"): 2, ("firing", "capacity_forecast"): 1,
                                 ("resolved", "job_failed"): 1}  # fmt: skip
    assert got.with_root_cause == {"job_failed": 1} and got.unreadable == 0
    assert got.alertmanager == {"job_failed": 3, "capacity_forecast": 1}  # page, root cause, resolution; the disk
    line = got.render()
    assert "4 messages" in line and "firing: capacity_forecast 1, job_failed 2" in line
    assert "1 job_failed messages carry the root cause; 4 alert states posted to the demo Alertmanager" in line


def test_the_demo_webhook_answers_and_counts_what_it_cannot_read() -> None:
    hook = DemoWebhook()
    try:
        assert hook.quiet_for() is None
        assert httpx.post(hook.url, content=b"\x00not json").status_code == 200
        assert httpx.post(hook.url, json={"text": "hello"}).status_code == 200
        quiet = hook.quiet_for()
        assert quiet is not None and quiet >= 0
    finally:
        hook.stop()
    assert hook.received.unreadable == 2 and hook.received.total == 2
    assert Received().render() == "notifications: none reached the demo webhook"
