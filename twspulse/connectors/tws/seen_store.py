"""What the TWS connector has already published, kept in the compacted topic ``tws.connector.state``.

The connector writes its events and these entries in one Kafka transaction, so the topic always agrees
with what consumers can read. At start it reads the topic back (read_committed) to resume exactly there.
"""

from __future__ import annotations

import time
from datetime import datetime

import structlog
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition
from pydantic import ValidationError

from twspulse.events import SeenStatus
from twspulse.kafka_clients import PLAINTEXT, KafkaSecurity, librdkafka_config
from twspulse.producer import EventProducer
from twspulse.topics import CONNECTOR_STATE

log = structlog.get_logger(__name__)


class SeenStore:
    """job id -> (run id -> status key last published), for one connector name."""

    def __init__(self, connector: str):
        self.connector = connector
        self.seen: dict[str, dict[str, str]] = {}
        self.plans: dict[str, str] = {}  # job id -> id of the plan the job was last published from

    def _key(self, job_id: str) -> str:
        return f"{self.connector}/{job_id}"

    def load(self, bootstrap: str, timeout_s: float = 30.0, security: KafkaSecurity = PLAINTEXT) -> int:
        """Read the state topic from the beginning to its end; returns the number of jobs known."""
        consumer = Consumer(
            librdkafka_config(bootstrap, f"twspulse-state-reader-{self.connector}", security)
            | {
                "group.id": f"twspulse-state-reader-{self.connector}",
                "enable.auto.commit": False,
                "isolation.level": "read_committed",
                "auto.offset.reset": "earliest",
            }
        )
        prefix = f"{self.connector}/"
        try:
            meta = consumer.list_topics(CONNECTOR_STATE.name, timeout=timeout_s)
            parts = list(meta.topics[CONNECTOR_STATE.name].partitions)
            ends = {p: self._high_watermark(consumer, p, timeout_s) for p in parts}
            consumer.assign([TopicPartition(CONNECTOR_STATE.name, p, OFFSET_BEGINNING) for p in parts])
            done = {p for p, high in ends.items() if high == 0}
            while len(done) < len(parts):
                msg = consumer.poll(1.0)
                if msg is None:
                    # read_committed stops short of the high watermark at transaction markers
                    positions = consumer.position([TopicPartition(CONNECTOR_STATE.name, p) for p in parts])
                    for tp in positions:
                        if tp.offset >= ends[tp.partition]:
                            done.add(tp.partition)
                    continue
                if msg.error():
                    raise KafkaException(msg.error())
                key = (msg.key() or b"").decode()
                value = msg.value()
                if key.startswith(prefix):
                    job_id = key[len(prefix) :]
                    if value is None:
                        self.seen.pop(job_id, None)
                        self.plans.pop(job_id, None)
                    else:
                        try:
                            status = SeenStatus.model_validate_json(value)
                            self.seen[job_id] = status.published()
                            self.plans[job_id] = status.plan_id
                        except ValidationError as exc:
                            log.error("tws.state.bad_record", key=key, error=str(exc))
                offset, partition = msg.offset(), msg.partition()
                if offset is not None and partition is not None and offset + 1 >= ends[partition]:
                    done.add(partition)
        finally:
            consumer.close()
        log.info("tws.state.loaded", connector=self.connector, jobs=len(self.seen))
        return len(self.seen)

    @staticmethod
    def _high_watermark(consumer: Consumer, partition: int, timeout_s: float) -> int:
        """End offset of a state partition; a topic created a moment ago may still be electing a leader."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                _, high = consumer.get_watermark_offsets(
                    TopicPartition(CONNECTOR_STATE.name, partition), timeout=timeout_s
                )
                return int(high)
            except KafkaException as exc:
                electing = exc.args[0].code() in (KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE)
                if not (electing or exc.args[0].retriable()) or time.monotonic() > deadline:
                    raise
                log.info("tws.state.waiting_for_leader", partition=partition, error=str(exc))
                time.sleep(0.5)

    def record(self, producer: EventProducer, plan_id: str, job_id: str, runs: dict[str, str], now: datetime) -> None:
        """Queue what is now published of a job, run by run (inside the caller's transaction)."""
        newest = next(reversed(runs.values()))
        entry = SeenStatus(
            connector=self.connector, plan_id=plan_id, job_id=job_id, status_key=newest, runs=runs, updated_at=now
        )
        producer.send(CONNECTOR_STATE.name, self._key(job_id), entry)

    def forget(self, producer: EventProducer, job_id: str) -> None:
        """Queue a tombstone for a job that left the plan (inside the caller's transaction)."""
        producer.send(CONNECTOR_STATE.name, self._key(job_id), None)
