"""``twspulse notify``: consume ``alerts``, deliver each new alert state to every receiver, then commit.

- Its own consumer group (``notify_group``), committed records only (an aborted producer transaction never
  pages anyone), offsets committed by hand, one record at a time, only after the record was delivered to
  every receiver or dead-lettered: a crash re-sends at most the alert in hand, it never skips one.
- A repeat of an alert state already handled is not sent (``delivered``); the state is rebuilt from the topic
  when partitions are assigned, so a restart does not page again.
- Per receiver: 429, 5xx and unreachable are retried with exponential backoff and jitter (tenacity; a
  ``Retry-After`` is honoured) for up to ``notify_give_up_s``; then, or at once for any other refusal (4xx:
  the payload is wrong, retrying cannot help), the record goes to ``alerts.dlq`` with the receiver and the
  reason, and the notifier goes on with the next alert. The other receivers still get it.
- SIGTERM ends a retry's wait at once; the record in hand stays uncommitted and is sent again at restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import httpx
import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from pydantic import ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_delay, wait_exponential_jitter

from twspulse import metrics
from twspulse.events import Alert, DeadLetter, validation_reason
from twspulse.kafka_clients import KafkaSecurity
from twspulse.log_throttle import LogThrottle
from twspulse.producer import EventProducer
from twspulse.settings import NotifySettings, Settings
from twspulse.streams.dead_letters import Consumed
from twspulse.streams.notify.delivered import DeliveredState, rebuild_reader
from twspulse.streams.notify.errors import DeliveryRefused, DeliveryUnavailable, NotifierStopping
from twspulse.streams.notify.receivers import AlertmanagerReceiver, Receiver, WebhookReceiver
from twspulse.topics import ALERTS, ALERTS_DLQ

log = structlog.get_logger(__name__)

MAX_BACKOFF_S = 30.0
MAX_RETRY_AFTER_S = 120.0  # a receiver asking for longer is retried sooner rather than stalling every alert


class NoReceivers(ValueError):
    """Neither an Alertmanager nor a webhook is configured: the notifier would commit alerts nobody got."""


def receivers_of(settings: NotifySettings, client: httpx.Client) -> list[Receiver]:
    """The receivers the settings configure."""
    receivers: list[Receiver] = []
    if settings.notify_alertmanager_url:
        hold = timedelta(seconds=settings.notify_firing_hold_s)
        receivers.append(
            AlertmanagerReceiver(client, settings.notify_alertmanager_url, hold, settings.notify_generator_url)
        )
    urls = settings.notify_webhook_urls.get_secret_value() if settings.notify_webhook_urls else ""
    for i, url in enumerate(u.strip() for u in urls.split(",") if u.strip()):
        receivers.append(WebhookReceiver(client, url, i))
    if not receivers:
        raise NoReceivers("set TWSPULSE_NOTIFY_ALERTMANAGER_URL and/or TWSPULSE_NOTIFY_WEBHOOK_URLS")
    return receivers


def max_poll_interval_ms(settings: NotifySettings, receivers: int) -> int:
    """How long one record may keep the notifier from polling: every receiver retried for the whole budget,
    plus its last wait and request, and a margin; past it the group would give the partitions away."""
    per_receiver = settings.notify_give_up_s + MAX_RETRY_AFTER_S + settings.notify_timeout_s
    return min(int((receivers * per_receiver + 60) * 1000), 86_400_000)  # librdkafka's maximum: a day


def _consumed(msg: Message) -> Consumed:
    _, ts = msg.timestamp()
    return Consumed(msg.topic() or "", msg.key(), msg.value() or b"", msg.partition() or 0, msg.offset() or 0,
                    ts if ts > 0 else None)  # fmt: skip


class _WaitRetryAfter:
    """Exponential backoff with jitter, or the receiver's ``Retry-After`` when it gave one (capped)."""

    def __init__(self, base_s: float):
        self._backoff = wait_exponential_jitter(multiplier=base_s, max=MAX_BACKOFF_S, jitter=base_s)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, DeliveryUnavailable) and exc.retry_after_s is not None:
            return min(exc.retry_after_s, MAX_RETRY_AFTER_S)
        return float(self._backoff(state))


class Notifier:
    """The consumer loop; ``run`` returns when ``stop`` is set."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        receivers: Sequence[Receiver],
        producer: EventProducer,
        stop: threading.Event,
        retry_base_s: float = 0.5,
        liveness: metrics.Liveness | None = None,
    ):
        self._settings = settings
        self.liveness = liveness or metrics.Liveness.of(settings.health)  # what /health reports
        self._receivers = list(receivers)
        self._producer = producer
        self._stop = stop
        self._retry_base_s = retry_base_s
        self._throttle = LogThrottle()
        self.state = DeliveredState()
        self.records = 0  # alert records handled and committed
        self.sent = 0  # deliveries (one per receiver)
        self.skipped = 0
        self.dead_lettered = 0
        security = KafkaSecurity.from_settings(settings.kafka)
        self._make_reader = rebuild_reader(bootstrap, settings.notify_group, security)
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                **security.librdkafka(),
                "group.id": settings.notify_group,
                "client.id": settings.notify_group,
                "auto.offset.reset": "earliest",  # alerts published before the notifier first ran are sent too
                "enable.auto.commit": False,  # committed by hand, after delivery or dead-lettering
                "isolation.level": "read_committed",
                "max.poll.interval.ms": max_poll_interval_ms(settings.notify, len(self._receivers)),
                "logger": logging.getLogger("librdkafka.notifier"),
            }
        )

    # --- rebalance callbacks (run inside consume(), never while a record is being handled) --------------
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        committed = consumer.committed(partitions, timeout=30)
        reader = self._make_reader()
        try:
            read = self.state.rebuild(reader, committed)
        finally:
            reader.close()
        log.info("notifier.assigned", partitions=sorted(tp.partition for tp in partitions), replayed=read,
                 known_alerts=len(self.state))  # fmt: skip

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.state.drop_partitions({tp.partition for tp in partitions})

    # --- the loop ---------------------------------------------------------------------------------------
    def run(self) -> None:
        """Consume until ``stop`` is set; then leave the group."""
        self._consumer.subscribe([ALERTS.name], on_assign=self._on_assign, on_revoke=self._on_revoke,
                                 on_lost=self._on_revoke)  # fmt: skip
        log.info("notifier.started", receivers=[r.name for r in self._receivers], group=self._settings.notify_group)
        try:
            while not self._stop.is_set():
                # one record per poll: max.poll.interval.ms then bounds one record's deliveries, not a batch's
                msg = self._consumer.poll(0.5)
                self.liveness.beat()
                if msg is None or not self._usable(msg):
                    continue
                record = _consumed(msg)
                try:
                    self._handle(record)
                except NotifierStopping:
                    log.warning("notifier.stopped_in_retry", partition=record.partition, offset=record.offset)
                    return
                self._commit(record)
        finally:
            self._consumer.close()
            log.info("notifier.stopped", sent=self.sent, skipped=self.skipped, dead_lettered=self.dead_lettered)

    def _commit(self, record: Consumed) -> None:
        done = TopicPartition(record.topic, record.partition, record.offset + 1)
        try:
            self._consumer.commit(offsets=[done], asynchronous=False)
        except KafkaException as exc:
            # the partition moved to another notifier meanwhile: it sends this alert again (at least once)
            log.warning("notifier.commit_failed", partition=record.partition, offset=record.offset, error=str(exc))
        self.records += 1

    def _usable(self, msg: Message) -> bool:
        err = msg.error()
        if err is None:
            return True
        if err.fatal():
            raise KafkaException(err)
        if err.code() != KafkaError._PARTITION_EOF:
            self._throttle.warning(log, "notifier.consumer_error", err.code(), error=str(err))
        return False

    def _handle(self, record: Consumed) -> None:
        try:
            alert = Alert.model_validate_json(record.value)
        except ValidationError as exc:
            self._dead([record.dead(f"record does not match Alert: {validation_reason(exc)}", "ValidationError")])
            return
        if not self.state.is_new(alert):
            self.skipped += 1
            log.debug("notifier.already_sent", alert_id=alert.alert_id, state=alert.state, count=alert.count)
            return
        dead: list[DeadLetter] = []
        for receiver in self._receivers:
            try:
                self._deliver(receiver, alert)
            except DeliveryRefused as exc:
                dead.append(record.dead(str(exc), "DeliveryRefused"))
            except DeliveryUnavailable as exc:
                reason = f"gave up after {self._settings.notify_give_up_s:g} s of retries: {exc}"
                dead.append(record.dead(reason, "DeliveryUnavailable"))
        if dead:
            self._dead(dead)
        self.state.handled(alert, record.partition)
        log.info("notifier.sent", alert_id=alert.alert_id, state=alert.state, kind=alert.kind,
                 subject=alert.subject, receivers=len(self._receivers) - len(dead), failed=len(dead))  # fmt: skip

    def _deliver(self, receiver: Receiver, alert: Alert) -> None:
        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            delay_s = round(state.upcoming_sleep, 2)
            log.warning("notifier.retry", receiver=receiver.name, alert_id=alert.alert_id,
                        attempt=state.attempt_number, delay_s=delay_s, error=str(exc)[:300])  # fmt: skip
            metrics.NOTIFY_RETRIES.labels(receiver=receiver.name).inc()
            self.liveness.failed(f"{receiver.name}: {exc}")  # retried in a row: /health turns 503

        retrying = Retrying(
            retry=retry_if_exception_type(DeliveryUnavailable),
            stop=stop_after_delay(self._settings.notify_give_up_s),
            wait=_WaitRetryAfter(self._retry_base_s),
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        retrying(receiver.send, alert)
        self.sent += 1
        metrics.NOTIFY_DELIVERED.labels(receiver=receiver.name).inc()
        self.liveness.succeeded()

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise NotifierStopping("the notifier stops")

    def _dead(self, dead: list[DeadLetter]) -> None:
        for d in dead:
            self._producer.send_raw(ALERTS_DLQ.name, (d.key or "").encode(), d.to_bytes())
        self._producer.flush(60.0)  # before the offset is committed: the alert is in the DLQ, or not committed
        self.dead_lettered += len(dead)
        metrics.NOTIFY_DEAD_LETTERED.inc(len(dead))
        for d in dead:
            log.error("notifier.dead_lettered", offset=d.offset, partition=d.partition, error_type=d.error_type,
                      reason=d.reason[:500])  # fmt: skip


def run_notifier(
    settings: Settings,
    bootstrap: str,
    stop: threading.Event,
    on_ready: Callable[[Notifier], Any] | None = None,
    liveness: metrics.Liveness | None = None,
) -> Notifier:
    """Build the receivers, the DLQ producer and the notifier from the settings, and run it until ``stop``."""
    with httpx.Client(timeout=settings.notify_timeout_s, follow_redirects=False) as client:
        receivers = receivers_of(settings.notify, client)
        producer = EventProducer(
            bootstrap, client_id=f"{settings.notify_group}-dlq", security=KafkaSecurity.from_settings(settings.kafka)
        )
        notifier = Notifier(settings, bootstrap, receivers, producer, stop, liveness=liveness)
        if on_ready is not None:
            on_ready(notifier)
        notifier.run()
        producer.flush(30.0)
    return notifier
