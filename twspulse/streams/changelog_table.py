"""Per-key state for the partitions this worker owns, in memory, backed by a compacted Kafka changelog.

This is the model of a Faust table (same topic name, ``<worker id>-<table>-changelog``, same JSON
records, so a worker upgraded from the Faust-table version resumes from its state), written on
librdkafka for the job-event hot path: a Faust table sends each changed key through its own producer
buffer, one future per record, which capped the worker at 3.6k events/s even with nothing else to do;
here a batch's changes are queued in C and flushed once.

The contract that makes a restarted or rebalanced worker resume where it stopped:
- the state of key K lives in changelog partition P = the source partition K's events arrive on;
- ``put`` returns only once the broker has the new values, and the caller commits the source offsets
  only after ``put``: the changelog is never behind the committed offsets (it may be ahead, which
  the idempotent enrichment absorbs on redelivery);
- on assignment, partitions new to this worker are restored from the changelog before any event of them
  is processed; partitions that moved away are dropped.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import structlog
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential

from twspulse.kafka_clients import PLAINTEXT, KafkaSecurity, librdkafka_config
from twspulse.producer import EventProducer
from twspulse.topics import create_topics

log = structlog.get_logger(__name__)

# a partition's leader moves or is still being elected (a changelog created a moment ago): asked again shortly
_LEADER_CODES = frozenset({KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
                           KafkaError.UNKNOWN_TOPIC_OR_PART})  # fmt: skip


def _leader_moving(exc: BaseException) -> bool:
    return isinstance(exc, KafkaException) and exc.args[0].code() in _LEADER_CODES


@retry(
    retry=retry_if_exception(_leader_moving),
    wait=wait_exponential(multiplier=0.2, max=2),
    stop=stop_after_delay(30),
    reraise=True,
)
def _watermarks(consumer: Consumer, tp: TopicPartition) -> tuple[int, int]:
    """Low and high offsets of ``tp``, waiting out a leader election."""
    low, high = consumer.get_watermark_offsets(tp, timeout=15)
    return low, high


class ChangelogTable:
    """Key -> JSON-able dict, for the partitions assigned to this worker."""

    def __init__(self, bootstrap: str, topic: str, producer: EventProducer, security: KafkaSecurity = PLAINTEXT):
        self.topic = topic
        self._bootstrap = bootstrap
        self._security = security
        self._producer = producer
        self._data: dict[int, dict[str, dict[str, Any]]] = {}  # partition -> key -> state

    def ensure_topic(self, partitions: int) -> None:
        """Create the compacted changelog (as many partitions as the source) unless it exists."""
        admin = AdminClient(librdkafka_config(self._bootstrap, f"{self.topic}-admin", self._security))
        # all topics, not this one by name: a metadata request naming a missing topic may auto-create it,
        # with the broker's default partitions and without compaction
        meta = admin.list_topics(timeout=15).topics.get(self.topic)
        if meta is not None and meta.error is None and meta.partitions:
            if len(meta.partitions) != partitions:
                raise RuntimeError(
                    f"{self.topic} has {len(meta.partitions)} partitions, its source {partitions}: they must be "
                    "equal (a key's state lives in the partition number of its events)"
                )
            return
        create_topics(admin, [NewTopic(self.topic, partitions, 1, config={"cleanup.policy": "compact"})])

    @property
    def partitions(self) -> set[int]:
        return set(self._data)

    def get(self, partition: int, key: str) -> dict[str, Any]:
        """The state of ``key`` (an empty dict if none); the caller must not change it in place."""
        return self._data.get(partition, {}).get(key, {})

    def __len__(self) -> int:
        return sum(len(d) for d in self._data.values())

    def assign(self, partitions: set[int]) -> None:
        """Own exactly ``partitions``: restore the new ones from the changelog, drop the others."""
        for p in self.partitions - partitions:
            del self._data[p]
        new = sorted(partitions - self.partitions)
        if new:
            self._data.update(self._restore(new))

    def put(self, changes: dict[str, tuple[int, dict[str, Any]]]) -> None:
        """Store key -> (partition, state): on the changelog first (waits for the broker), then in memory."""
        for key, (partition, state) in changes.items():
            self._producer.send_raw(self.topic, orjson.dumps(key), orjson.dumps(state), partition)
        self._producer.flush(60.0)  # raises DeliveryError: the memory keeps the old states
        for key, (partition, state) in changes.items():
            self._data.setdefault(partition, {})[key] = state

    def _restore(self, partitions: list[int], timeout_s: float = 120.0) -> dict[int, dict[str, dict[str, Any]]]:
        """Read ``partitions`` of the changelog from the start to their end as of now."""
        data: dict[int, dict[str, dict[str, Any]]] = {p: {} for p in partitions}
        started = time.monotonic()
        consumer = Consumer(
            librdkafka_config(self._bootstrap, f"{self.topic}-restore", self._security)
            | {"group.id": f"{self.topic}-restore", "enable.auto.commit": False, "enable.partition.eof": True,
               "fetch.max.bytes": 8 * 1024 * 1024, "isolation.level": "read_committed"}
        )  # fmt: skip
        try:
            ends: dict[int, int] = {}
            records = 0
            for p in partitions:
                low, high = _watermarks(consumer, TopicPartition(self.topic, p))
                if high > low:
                    ends[p] = high
            consumer.assign([TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in ends])
            while ends:
                if time.monotonic() - started > timeout_s:
                    raise TimeoutError(f"restoring {self.topic} partitions {sorted(ends)} took over {timeout_s}s")
                for msg in consumer.consume(10_000, 1.0):
                    p, err = msg.partition() or 0, msg.error()
                    if err is not None and err.code() != KafkaError._PARTITION_EOF:
                        raise RuntimeError(f"reading {self.topic}[{p}]: {err}")
                    if err is None:
                        records += 1
                        key, value = orjson.loads(msg.key() or b'""'), msg.value()
                        if value is None:  # a tombstone
                            data[p].pop(key, None)
                        else:
                            data[p][key] = orjson.loads(value)
                    if p in ends and (err is not None or (msg.offset() or 0) + 1 >= ends[p]):
                        del ends[p]  # at the end as of the start of the restore
        finally:
            consumer.close()
        log.info("changelog.restored", topic=self.topic, partitions=partitions, records=records,
                 keys=sum(len(d) for d in data.values()), took_s=round(time.monotonic() - started, 2))  # fmt: skip
        return data
