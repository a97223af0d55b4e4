"""The one Kafka producer wrapper of the connectors: idempotent, acks=all, delivery outcomes counted.

Connectors never fire-and-forget: every record's delivery report is counted, and a failed delivery is
raised at the next flush so the caller does not advance its cursor past data that never arrived.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import structlog
from confluent_kafka import KafkaError, Message, Producer

from twspulse.events import Contract
from twspulse.kafka_clients import PLAINTEXT, KafkaSecurity, librdkafka_config

log = structlog.get_logger(__name__)


class DeliveryError(RuntimeError):
    """At least one record was not acknowledged by the broker."""


@dataclass
class DeliveryStats:
    """Counts of delivery reports, per topic."""

    delivered: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None


class EventProducer:
    """Sends topic models to Kafka; optionally transactional (records and cursor commit together)."""

    def __init__(
        self,
        bootstrap: str,
        *,
        transactional_id: str | None = None,
        client_id: str = "twspulse",
        config: Mapping[str, object] | None = None,
        security: KafkaSecurity = PLAINTEXT,
    ):
        """``config``: librdkafka settings (and ``error_cb``/``logger`` callbacks) laid over the defaults below;
        ``security``: TLS/SASL of the broker (``KafkaSecurity.from_settings``)."""
        # the logger of librdkafka_config: librdkafka's own lines go through Python logging (JSON, throttled)
        conf: dict[str, object] = librdkafka_config(bootstrap, client_id, security)
        conf |= {
            "enable.idempotence": True,
            "acks": "all",
            "compression.type": "zstd",
            "linger.ms": 20,
            "message.max.bytes": 2 * 1024 * 1024,
            "queue.buffering.max.messages": 200_000,
            # The Java client's (and aiokafka's) key hashing, so a key lands on the same partition whichever
            # client produced it: co-partitioned topics and the worker's state tables depend on it.
            "partitioner": "murmur2_random",
        }
        if transactional_id:
            conf["transactional.id"] = transactional_id
        conf.update(config or {})
        self._producer = Producer(conf)
        self.transactional = transactional_id is not None
        self.stats = DeliveryStats()
        self._pending_errors: list[str] = []
        if self.transactional:
            # Fences any older instance with the same id: a restarted connector cannot interleave with a zombie.
            self._producer.init_transactions(30)

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        topic = msg.topic() or "?"
        if err is None:
            self.stats.delivered[topic] = self.stats.delivered.get(topic, 0) + 1
            return
        self.stats.failed[topic] = self.stats.failed.get(topic, 0) + 1
        self.stats.last_error = str(err)
        self._pending_errors.append(f"{topic}: {err}")

    def send(self, topic: str, key: str, value: Contract | None) -> None:
        """Queue one record (``None`` value = tombstone on a compacted topic)."""
        payload = value.to_bytes() if value is not None else None
        while True:
            try:
                self._producer.produce(topic, key=key.encode(), value=payload, on_delivery=self._on_delivery)
                break
            except BufferError:
                # Local queue full: serve delivery reports until there is room, then retry.
                self._producer.poll(0.1)
        self._producer.poll(0)

    def try_send(
        self,
        topic: str,
        key: str,
        value: Contract,
        on_delivery: Callable[[KafkaError | None, Message], None] | None = None,
    ) -> bool:
        """Queue one record without ever waiting: ``False`` (nothing queued) when the local queue is full.

        With ``on_delivery`` the caller owns the outcome: a failed delivery is counted in ``stats`` and
        handed to it, not raised at the next flush (a sampler that keeps running through an outage
        counts its losses instead of stopping on them).
        """
        callback = self._on_delivery if on_delivery is None else self._reporting_to(on_delivery)
        try:
            self._producer.produce(topic, key=key.encode(), value=value.to_bytes(), on_delivery=callback)
        except BufferError:
            return False
        finally:
            self._producer.poll(0)
        return True

    def _reporting_to(
        self, on_delivery: Callable[[KafkaError | None, Message], None]
    ) -> Callable[[KafkaError | None, Message], None]:
        def report(err: KafkaError | None, msg: Message) -> None:
            topic = msg.topic() or "?"
            if err is None:
                self.stats.delivered[topic] = self.stats.delivered.get(topic, 0) + 1
            else:
                self.stats.failed[topic] = self.stats.failed.get(topic, 0) + 1
                self.stats.last_error = str(err)
            on_delivery(err, msg)

        return report

    def poll(self, timeout_s: float = 0.0) -> int:
        """Serve delivery reports and librdkafka callbacks, waiting at most ``timeout_s``; returns events served."""
        return self._producer.poll(timeout_s)

    def send_raw(self, topic: str, key: bytes, value: bytes, partition: int | None = None) -> None:
        """Queue bytes that were already validated (the worker forwards records without re-encoding);
        ``partition`` overrides the key's (a changelog record goes where its source record was)."""
        while True:
            try:
                if partition is None:
                    self._producer.produce(topic, key=key, value=value, on_delivery=self._on_delivery)
                else:
                    self._producer.produce(topic, key=key, value=value, partition=partition,
                                           on_delivery=self._on_delivery)  # fmt: skip
                return
            except BufferError:
                self._producer.poll(0.1)

    def begin(self) -> None:
        """Start a transaction (transactional producers only)."""
        self._producer.begin_transaction()

    def commit(self, timeout_s: float = 60.0) -> None:
        """Commit the open transaction; everything sent since ``begin`` becomes visible at once."""
        self._producer.commit_transaction(timeout_s)
        self._raise_pending()

    def abort(self, timeout_s: float = 30.0) -> None:
        """Abort the open transaction; nothing sent since ``begin`` is visible to read_committed readers."""
        self._producer.abort_transaction(timeout_s)
        self._pending_errors.clear()

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait for every queued record; raise if any failed or some are still unsent."""
        left = self._producer.flush(timeout_s)
        if left:
            raise DeliveryError(f"{left} records still unsent after {timeout_s}s")
        self._raise_pending()

    def _raise_pending(self) -> None:
        if self._pending_errors:
            errors, self._pending_errors = self._pending_errors, []
            raise DeliveryError(f"{len(errors)} records failed, first: {errors[0]}")
