"""Topic names, their record models and how they are created.

The worker and the connectors create what they need at start (idempotently), because Faust's own topic
creation uses request versions that Kafka 4 no longer accepts, and a consumer that starts before its topic
exists silently ignores it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import structlog
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from twspulse.events import (
    Alert,
    Contract,
    DeadLetter,
    HostMetrics,
    JobEvent,
    JobLogChunk,
    SeenStatus,
    WorkstationStatus,
)
from twspulse.kafka_clients import PLAINTEXT, KafkaSecurity, librdkafka_config

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    """A topic, the one model its values follow, and its configuration."""

    name: str
    model: type[Contract]
    config: dict[str, str] = field(default_factory=dict)

    @property
    def dlq(self) -> str:
        """Name of the dead-letter topic for records of this topic that fail."""
        return f"{self.name}.dlq"


JOB_EVENTS = TopicSpec("tws.job.events", JobEvent)
JOB_LOGS = TopicSpec("tws.job.logs", JobLogChunk, {"max.message.bytes": str(2 * 1024 * 1024)})
HOST_METRICS = TopicSpec("host.metrics", HostMetrics)
WORKSTATIONS = TopicSpec("tws.workstations", WorkstationStatus)
CONNECTOR_STATE = TopicSpec("tws.connector.state", SeenStatus, {"cleanup.policy": "compact"})

# The worker's own repartition of job events by job definition, so one partition (and one partition of the
# baseline table) holds the whole history of a job. The table's changelog, named after the worker id, is
# created by the worker (twspulse/streams/changelog_table.py).
JOB_EVENTS_BY_JOB = TopicSpec("twspulse.job-events.by-job", JobEvent)

# Alert changes from the model jobs and the worker's detectors (key: dedup_key, so one alert's history stays
# in order on one partition).
ALERTS = TopicSpec("alerts", Alert)
# Alerts the notifier could not deliver (a receiver refused them, or stayed down past the retry budget).
ALERTS_DLQ = TopicSpec(ALERTS.dlq, DeadLetter)

DATA_TOPICS = (JOB_EVENTS, JOB_LOGS, HOST_METRICS, WORKSTATIONS)
ALL_TOPICS: tuple[TopicSpec, ...] = (
    *DATA_TOPICS,
    CONNECTOR_STATE,
    JOB_EVENTS_BY_JOB,
    ALERTS,
    ALERTS_DLQ,
    *(TopicSpec(t.dlq, DeadLetter) for t in DATA_TOPICS),
)


def ensure_topics(
    bootstrap: str,
    partitions: int,
    specs: tuple[TopicSpec, ...] = ALL_TOPICS,
    security: KafkaSecurity = PLAINTEXT,
) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    admin = AdminClient(librdkafka_config(bootstrap, "twspulse-topics", security))
    existing = set(admin.list_topics(timeout=15).topics)
    wanted = [
        NewTopic(
            s.name,
            num_partitions=1 if s is CONNECTOR_STATE else partitions,
            replication_factor=-1,
            config=s.config,
        )
        for s in specs
        if s.name not in existing
    ]
    created = create_topics(admin, wanted)
    if created:
        log.info("topics.created", topics=created)
    return created


def create_topics(admin: AdminClient, wanted: list[NewTopic]) -> list[str]:
    """Create ``wanted`` (one created meanwhile by another process is fine) and wait until they are usable."""
    if not wanted:
        return []
    created = []
    for name, fut in admin.create_topics(wanted, request_timeout=30).items():
        try:
            fut.result()
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    _wait_for_leaders(admin, created)
    return created


def _wait_for_leaders(admin: AdminClient, topics: list[str], timeout_s: float = 30.0) -> None:
    """A topic is usable once every partition has a leader; creation returns before that."""
    deadline = time.monotonic() + timeout_s
    while topics and time.monotonic() < deadline:
        meta = admin.list_topics(timeout=10).topics
        if all(t in meta and all(p.leader >= 0 for p in meta[t].partitions.values()) for t in topics):
            return
        time.sleep(0.2)
