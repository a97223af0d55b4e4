"""The notifier against real HTTP servers and the real broker.

The receivers here are real HTTP servers on localhost: one speaking Alertmanager's API v2 alerts endpoint
(``POST /api/v2/alerts``, validated as Alertmanager validates it, active alerts kept by label set and
listed by ``GET /api/v2/alerts``) and one Slack-compatible webhook (needs ``text``). Each can be told to
answer some requests with an error first. Alerts are produced by the real ``AlertBook`` onto the real
``alerts`` topic of a fresh broker, and the notifier runs as ``twspulse notify`` runs it (``run_notifier``)
in a thread.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.connectors.test_tws_connector import read_topic
from tests.helpers import wait_until
from twspulse.events import Alert, DeadLetter
from twspulse.models.alerts import AlertBook, Condition, publish_alerts
from twspulse.producer import EventProducer
from twspulse.retry_after import retry_after
from twspulse.settings import Settings
from twspulse.streams.notify.delivered import DeliveredState
from twspulse.streams.notify.errors import DeliveryRefused, DeliveryUnavailable
from twspulse.streams.notify.notifier import NoReceivers, Notifier, max_poll_interval_ms, receivers_of, run_notifier
from twspulse.streams.notify.receivers import AlertmanagerReceiver, WebhookReceiver, post_json
from twspulse.topics import ALERTS, ALERTS_DLQ

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
Answer = Callable[[Any], tuple[int, dict[str, str]] | None]  # request body -> (status, headers), None: normal


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1; ``accepted`` holds the bodies it answered 2xx, ``requests`` all of them."""

    validate: Callable[[Any], str | None]
    requests: list[Any] = field(default_factory=list)
    accepted: list[Any] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)  # consulted in order; the first non-None answer wins
    url: str = ""

    def answer(self, body: Any) -> tuple[int, dict[str, str], str]:
        self.requests.append(body)
        for rule in self.answers:
            got = rule(body)
            if got is not None:
                return got[0], got[1], "scripted error"
        problem = self.validate(body)
        if problem:
            return 400, {}, problem
        self.accepted.append(body)
        return 200, {}, ""


def _serve(receiver: Receiver, get: Callable[[], Any] | None = None) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                body = json.loads(raw)
            except ValueError:
                status, headers, text = 400, {}, "body is not JSON"
            else:
                status, headers, text = receiver.answer(body)
            self._reply(status, headers, text.encode())

        def do_GET(self) -> None:  # noqa: N802
            self._reply(200, {"Content-Type": "application/json"}, json.dumps(get() if get else []).encode())

        def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def _alertmanager_problem(body: Any) -> str | None:
    """What Alertmanager's v2 API answers 400 for (postableAlerts: labels required, strings, RFC 3339 times)."""
    if not isinstance(body, list):
        return "body must be a list of alerts"
    for alert in body:
        labels = alert.get("labels")
        if not isinstance(labels, dict) or not labels:
            return "labels in body is required"
        for key, value in [*labels.items(), *alert.get("annotations", {}).items()]:
            if not isinstance(value, str) or not LABEL_NAME.match(key):
                return f"invalid label or annotation {key!r}: {value!r}"
        for name in ("startsAt", "endsAt"):
            if name in alert:
                datetime.fromisoformat(alert[name].replace("Z", "+00:00"))
        if "generatorURL" in alert and not str(alert["generatorURL"]).startswith("http"):
            return "generatorURL must be a URI"
    return None


def _webhook_problem(body: Any) -> str | None:
    return None if isinstance(body, dict) and isinstance(body.get("text"), str) and body["text"] else "no text"


@pytest.fixture
def alertmanager() -> Iterator[Receiver]:
    """A real HTTP server speaking Alertmanager's v2 alerts API."""
    am = Receiver(_alertmanager_problem)

    def active() -> list[dict[str, Any]]:
        # Alertmanager's view: the latest posting of each label set, active while endsAt is ahead
        latest: dict[str, dict[str, Any]] = {}
        for batch in am.accepted:
            for a in batch:
                latest[json.dumps(a["labels"], sort_keys=True)] = a
        now = datetime.now(UTC)
        return [a for a in latest.values() if datetime.fromisoformat(a["endsAt"].replace("Z", "+00:00")) > now]

    yield from _serve(am, active)


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    """A real HTTP server taking Slack-compatible webhook posts."""
    yield from _serve(Receiver(_webhook_problem))


def _settings(am: Receiver, hook: Receiver, **extra: Any) -> Settings:
    return Settings(notify_alertmanager_url=am.url, notify_webhook_urls=f"{hook.url}/hooks/T000/B000/secret-token",
                    notify_group="test-notifier", log_json=False, **extra)  # fmt: skip


@dataclass
class Running:
    """A notifier running in a thread, as ``twspulse notify`` runs it."""

    stop: threading.Event
    thread: threading.Thread
    ready: threading.Event
    box: list[Notifier]

    @property
    def notifier(self) -> Notifier:
        return self.box[0]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(20)
        assert not self.thread.is_alive(), "the notifier did not stop within 20 s"


def _start(settings: Settings, bootstrap: str) -> Running:
    stop, ready, box = threading.Event(), threading.Event(), []

    def on_ready(n: Notifier) -> None:
        box.append(n)
        ready.set()

    thread = threading.Thread(target=run_notifier, args=(settings, bootstrap, stop, on_ready), daemon=True)
    thread.start()
    assert ready.wait(20)
    return Running(stop, thread, ready, box)


def _publish(bootstrap: str, alerts: list[Alert]) -> None:
    producer = EventProducer(bootstrap, client_id="test-alerts")
    publish_alerts(producer, alerts)


def _fail(subject: str) -> Condition:
    return Condition("job_failed", subject, "critical", f"{subject} ended ABEND rc=12", T0, evidence={"run_id": "r1"})


def test_alert_pages_each_receiver_once_then_its_root_cause_until_it_resolves_and_fires_anew_across_a_restart(
    kafka: str, alertmanager: Receiver, webhook: Receiver
) -> None:
    book = AlertBook(dedup_window_s=3600)
    job = "MDM#/FIN/DAILY.LOAD"
    opened = book.apply(_fail(job))
    repeated = book.apply(Condition("job_failed", job, "critical", "again", T0 + timedelta(minutes=5),
                                    evidence={"run_id": "r1"}))  # fmt: skip
    enriched = book.enrich(f"job_failed:{job}", "r1", "LOAD failed: table FIN.GL locked",
                           {"annotation": {"root_cause": "table FIN.GL locked by a backup job"}})  # fmt: skip
    assert enriched is not None and repeated[0].count == 2
    settings = _settings(alertmanager, webhook)
    first = _start(settings, kafka)
    try:
        _publish(kafka, [*opened, *repeated, enriched])
        wait_until(lambda: first.notifier.records == 3, 30, 0.1, "the opening, the repeat and the enrichment read")
        assert first.notifier.skipped == 1  # the repeat; the root cause follows the page once
        assert len(alertmanager.accepted) == 2 and len(webhook.accepted) == 2
        sent = alertmanager.accepted[0][0]
        assert "root_cause" not in sent["annotations"]
        update = alertmanager.accepted[1][0]  # same labels: Alertmanager updates the alert, pages no one again
        assert update["labels"] == sent["labels"] and update["annotations"]["root_cause"].startswith("table FIN.GL")
        assert any("Root cause: table FIN.GL locked" in str(b) for b in webhook.accepted[1]["blocks"])
        assert sent["labels"]["alertname"] == "job_failed" and sent["labels"]["subject"] == job
        assert sent["startsAt"] == "2026-11-02T08:00:00Z"
        assert webhook.accepted[0]["text"].startswith(f"[FIRING] critical job_failed on {job}")
        assert webhook.accepted[0]["blocks"][0]["type"] == "section"
        with httpx.Client() as client:  # Alertmanager holds it active
            assert [a["labels"]["alert_id"] for a in client.get(f"{alertmanager.url}/api/v2/alerts").json()] == [
                opened[0].alert_id
            ]

        resolved = book.apply(Condition("job_failed", job, "critical", "LOAD succeeded", T0 + timedelta(minutes=30),
                                        firing=False))  # fmt: skip
        _publish(kafka, resolved)
        wait_until(lambda: len(webhook.accepted) == 3, 30, 0.1, "the resolution sent")
        wait_until(lambda: len(alertmanager.accepted) == 3, 10, 0.1, "the resolution sent to Alertmanager")
        ended = alertmanager.accepted[2][0]
        ends = resolved[0].time.isoformat().replace("+00:00", "Z")  # after the enrichment, stamped when it came
        assert ended["labels"] == sent["labels"] and ended["endsAt"] == ends
        assert webhook.accepted[2]["text"].startswith("[RESOLVED]")
        with httpx.Client() as client:  # resolved in Alertmanager: endsAt passed
            assert client.get(f"{alertmanager.url}/api/v2/alerts").json() == []

        anew = book.apply(Condition("job_failed", job, "critical", "failed again", T0 + timedelta(hours=2),
                                    evidence={"run_id": "r2"}))  # fmt: skip
        assert anew[0].alert_id != opened[0].alert_id
        _publish(kafka, anew)
        wait_until(lambda: len(webhook.accepted) == 4 and len(alertmanager.accepted) == 4, 30, 0.1, "fired anew")
    finally:
        first.close()

    # a restarted notifier rebuilds what it sent from the topic: a repeat of the open alert pages nobody
    second = _start(settings, kafka)
    try:
        again = book.apply(Condition("job_failed", job, "critical", "still", T0 + timedelta(hours=2, minutes=5),
                                     evidence={"run_id": "r2"}))  # fmt: skip
        _publish(kafka, again)
        wait_until(lambda: second.notifier.skipped == 1, 30, 0.1, "the repeat after the restart read")
        assert second.notifier.sent == 0
        assert second.notifier.state.last_state(anew[0].alert_id) == "firing"
        assert second.notifier.state.last_state(opened[0].alert_id) == "resolved"
    finally:
        second.close()
    assert len(alertmanager.accepted) == 4 and len(webhook.accepted) == 4
    assert len(alertmanager.requests) == 4 and len(webhook.requests) == 4
    assert read_topic(kafka, ALERTS_DLQ.name) == []


def test_transient_errors_are_retried_and_refusals_dead_lettered_while_the_flow_goes_on(
    kafka: str, alertmanager: Receiver, webhook: Receiver
) -> None:
    errors = {"am": 1}

    def am_500_once(body: Any) -> tuple[int, dict[str, str]] | None:
        if errors["am"]:
            errors["am"] -= 1
            return 500, {}
        return None

    alertmanager.answers.append(am_500_once)
    # the webhook refuses alerts about "poison" (a 4xx: permanent) and is down (503) for alerts about "down"
    webhook.answers.append(lambda body: (400, {}) if "poison" in body["text"] else None)
    webhook.answers.append(lambda body: (503, {"Retry-After": "0"}) if "down" in body["text"] else None)
    book = AlertBook(dedup_window_s=3600)
    alerts = [*book.apply(_fail("WS#/A.ok")), *book.apply(_fail("WS#/B.poison")), *book.apply(_fail("WS#/C.down")),
              *book.apply(_fail("WS#/D.after"))]  # fmt: skip
    running = _start(_settings(alertmanager, webhook, notify_give_up_s=1.5), kafka)
    try:
        producer = EventProducer(kafka, client_id="test-alerts")
        producer.send_raw(ALERTS.name, b"job_failed:junk", b'{"not": "an alert"}')
        _publish(kafka, alerts)
        wait_until(lambda: running.notifier.records == 5, 30, 0.1, "every record handled")
    finally:
        running.close()

    subjects = lambda r: sorted(b[0]["labels"]["subject"] for b in r.accepted)  # noqa: E731
    # Alertmanager: its one 500 retried, then every alert delivered once (4 accepted of 5 requests)
    assert subjects(alertmanager) == ["WS#/A.ok", "WS#/B.poison", "WS#/C.down", "WS#/D.after"]
    assert len(alertmanager.requests) == 5
    # the webhook: the refused alert tried once, the unavailable one retried until the budget ran out
    assert sorted(b["text"].split(" on ")[1].split(":")[0] for b in webhook.accepted) == ["WS#/A.ok", "WS#/D.after"]
    assert sum("poison" in b["text"] for b in webhook.requests) == 1
    assert sum("down" in b["text"] for b in webhook.requests) >= 2

    dead = [DeadLetter.model_validate_json(v) for v in read_topic(kafka, ALERTS_DLQ.name)]
    by_type = {d.error_type: d for d in dead}
    assert sorted(by_type) == ["DeliveryRefused", "DeliveryUnavailable", "ValidationError"], dead
    refused = by_type["DeliveryRefused"]
    assert refused.source_topic == "alerts" and refused.offset is not None
    assert "webhook[0] 127.0.0.1 refused the alert: HTTP 400" in refused.reason
    assert Alert.model_validate_json(refused.raw()).subject == "WS#/B.poison"
    assert "secret-token" not in refused.reason  # a webhook URL's token never reaches logs or dead letters
    assert "gave up after 1.5 s" in by_type["DeliveryUnavailable"].reason
    assert "HTTP 503" in by_type["DeliveryUnavailable"].reason
    assert by_type["ValidationError"].raw() == b'{"not": "an alert"}'


def test_a_notifier_stopped_while_retrying_leaves_the_alert_for_the_next_one(
    kafka: str, alertmanager: Receiver, webhook: Receiver
) -> None:
    webhook.answers.append(lambda body: (503, {}))  # down until the test says otherwise
    alerts = AlertBook(dedup_window_s=3600).apply(_fail("WS#/E.pending"))
    settings = _settings(alertmanager, webhook)
    first = _start(settings, kafka)
    try:
        _publish(kafka, alerts)
        wait_until(lambda: len(webhook.requests) >= 2, 30, 0.1, "the webhook retried")
    finally:
        first.close()  # SIGTERM's path: the retry's wait ends at once
    assert first.notifier.records == 0 and len(alertmanager.accepted) == 1  # Alertmanager (first) had it
    webhook.answers.clear()
    second = _start(settings, kafka)
    try:
        wait_until(lambda: second.notifier.records == 1, 30, 0.1, "the uncommitted alert handled again")
    finally:
        second.close()
    assert [b["text"].split(":")[0] for b in webhook.accepted] == ["[FIRING] critical job_failed on WS#/E.pending"]
    assert len(alertmanager.accepted) == 2  # at least once: the receiver that had it gets it again
    assert read_topic(kafka, ALERTS_DLQ.name) == []


# --- without a broker -------------------------------------------------------------------------------------
def _alert(state: str = "firing", alert_id: str = "a1") -> Alert:
    return Alert(alert_id=alert_id, dedup_key="metric_anomaly:web01:cpu", kind="metric_anomaly", severity="warning",
                 state=state, subject="web01", first_seen=T0, last_seen=T0, summary="cpu 97 %",  # type: ignore[arg-type]
                 time=T0 + timedelta(minutes=10))  # fmt: skip


def test_delivered_state_sends_each_state_change_once() -> None:
    state = DeliveredState(resolved_kept=2)
    firing, resolved = _alert("firing"), _alert("resolved")
    assert state.is_new(firing)
    state.handled(firing, 0)
    assert not state.is_new(firing.model_copy(update={"count": 2}))
    enriched = firing.model_copy(update={"count": 3, "evidence": {"annotation": {"root_cause": "disk full"}}})
    assert state.is_new(enriched)  # the root cause follows the page, once
    state.handled(enriched, 0)
    assert not state.is_new(enriched.model_copy(update={"count": 4})) and not state.is_new(firing)
    assert state.is_new(resolved)
    state.handled(resolved, 0)
    assert not state.is_new(resolved) and state.last_state("a1") == "resolved"
    for i in range(3):  # only the latest resolved ids are kept
        state.handled(_alert("resolved", f"r{i}"), 1)
    assert state.last_state("a1") is None and len(state) == 2
    state.handled(_alert("firing", "f1"), 1)
    state.drop_partitions({1})
    assert len(state) == 0


def test_alertmanager_payload_holds_a_firing_alert_and_ends_a_resolved_one() -> None:
    with httpx.Client() as client:
        am = AlertmanagerReceiver(client, "http://am:9093/", timedelta(days=7), "http://grafana:3000/d/ops")
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    firing = am.payload(_alert("firing"), now)[0]
    assert firing["endsAt"] == "2026-11-09T09:00:00Z" and firing["generatorURL"] == "http://grafana:3000/d/ops"
    assert all(isinstance(v, str) for v in [*firing["labels"].values(), *firing["annotations"].values()])
    assert am.payload(_alert("resolved"), now)[0]["endsAt"] == "2026-11-02T08:10:00Z"
    assert _alertmanager_problem([firing]) is None


def test_the_poll_interval_covers_one_record_retried_at_every_receiver() -> None:
    settings = Settings(notify_give_up_s=300, notify_timeout_s=10)
    assert max_poll_interval_ms(settings, 2) == (2 * (300 + 120 + 10) + 60) * 1000
    assert max_poll_interval_ms(Settings(notify_give_up_s=10**6), 3) == 86_400_000


def test_receivers_come_from_settings_and_none_is_an_error() -> None:
    with httpx.Client() as client:
        with pytest.raises(NoReceivers):
            receivers_of(Settings(), client)
        got = receivers_of(Settings(notify_webhook_urls="https://hooks.example/T1/secret, https://b.example/x"), client)
    assert [r.name for r in got] == ["webhook[0] hooks.example", "webhook[1] b.example"]


def test_answers_are_classified_and_retry_after_is_read() -> None:
    statuses = iter([(429, {"Retry-After": "7"}), (502, {}), (404, {}), (204, {})])

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers = next(statuses)
        return httpx.Response(status, headers=headers, text="x")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(DeliveryUnavailable) as busy:
            post_json(client, "r", "http://r/", {})
        assert busy.value.retry_after_s == 7.0
        with pytest.raises(DeliveryUnavailable):
            post_json(client, "r", "http://r/", {})
        with pytest.raises(DeliveryRefused) as refused:
            post_json(client, "r", "http://r/", {})
        assert refused.value.status == 404
        post_json(client, "r", "http://r/", {})
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after({"retry-after": "soon"}) is None and retry_after({}) is None


def test_webhook_message_carries_the_root_cause_once_enriched() -> None:
    enriched = _alert().model_copy(update={"evidence": {"annotation": {"root_cause": "disk /data full"}}})
    blocks = WebhookReceiver.payload(enriched)["blocks"]
    assert any("Root cause: disk /data full" in b.get("text", {}).get("text", "") for b in blocks)


def test_the_root_cause_says_how_sure_it_is_and_what_operators_recorded() -> None:
    record = {"basis": "pattern P7", "confirmed": 3, "refuted": 1, "engine_confidence": 0.6}
    annotation = {"root_cause": "disk /data full", "confidence": 0.68, "track_record": record}
    enriched = _alert().model_copy(update={"evidence": {"annotation": annotation}})
    text = " ".join(str(b.get("text", {}).get("text", "")) for b in WebhookReceiver.payload(enriched)["blocks"])
    assert "confidence 0.68 (operators confirmed 3, refuted 1 earlier annotations of this pattern)" in text
    with httpx.Client() as client:
        am = AlertmanagerReceiver(client, "http://am:9093/", timedelta(days=7), None)
    assert am.payload(enriched)[0]["annotations"]["root_cause_confidence"].startswith("confidence 0.68 (")


def test_a_category_carried_over_from_an_operator_says_whose_word_it_is() -> None:
    record = {"basis": "job WS#/F/S.J", "confirmed": 1, "refuted": 0, "engine_confidence": 0.1,
              "corrected_from": "unknown", "operator_run": "run-n1"}  # fmt: skip
    annotation = {"root_cause": "vault refused segment 45", "confidence": 0.6, "track_record": record}
    enriched = _alert().model_copy(update={"evidence": {"annotation": annotation}})
    text = " ".join(str(b.get("text", {}).get("text", "")) for b in WebhookReceiver.payload(enriched)["blocks"])
    assert (
        "confidence 0.60 (category as operators recorded for run run-n1 of this job, 1 word(s) for it and 0 "
        "against; the engine said unknown)"
    ) in text
