"""What the notifier already delivered: per alert id, the last state sent, so a repeat does not page again.

The rule: an alert change is sent when its state differs from the last one handled for its ``alert_id``
(nothing, firing, firing with its root cause, resolved). ``count``+1 repeats keep ``state=firing`` and are not
sent again; the first record that carries the annotator's root cause is, once (the page goes out as soon as
the run fails, the root cause follows it when the joblog is annotated: Alertmanager updates the alert's
annotations, a webhook gets one follow-up message); the resolution is; an alert that fires anew after it
resolved has a new ``alert_id`` (``twspulse/models/alerts.py``) and is sent again. A change dead-lettered counts as
handled: the DLQ has it.

Where the state lives: nowhere but the ``alerts`` topic and the group's committed offsets. Everything before
a partition's committed offset was delivered or dead-lettered, and the rule above depends only on the order
of records, so reading a partition from its start up to the committed offset when it is assigned rebuilds
exactly what was sent. No second copy to keep consistent (a compacted state topic would need its own
contract, writes ordered against the commits, and a co-partitioned key); the price is reading the topic's
retained alerts at start (alert changes are few: thousands a day, read in a second or two) and that an alert
still firing after its first record left the topic's retention would be sent once more after a restart.

Small: firing alerts are kept until they resolve (one entry each); resolved ids are kept, the latest
``resolved_kept`` of them, only so that a resolution published twice (the worker publishes at least once)
is not sent twice.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

import structlog
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from pydantic import ValidationError

from twspulse.events import Alert
from twspulse.kafka_clients import PLAINTEXT, KafkaSecurity
from twspulse.streams.notify.receivers import root_cause

log = structlog.get_logger(__name__)

RESOLVED_KEPT = 50_000


class RebuildTimeout(Exception):
    """The alerts topic could not be read up to the committed offsets in time."""


class DeliveredState:
    """alert id -> the last state handled, and the partition it came from (dropped when the partition goes)."""

    def __init__(self, resolved_kept: int = RESOLVED_KEPT):
        self._firing: dict[str, int] = {}
        self._with_cause: set[str] = set()  # firing alerts whose root cause was sent
        self._resolved: OrderedDict[str, int] = OrderedDict()
        self._resolved_kept = resolved_kept

    def __len__(self) -> int:
        return len(self._firing) + len(self._resolved)

    def last_state(self, alert_id: str) -> str | None:
        """``firing``, ``resolved`` or None (never handled)."""
        if alert_id in self._firing:
            return "firing"
        return "resolved" if alert_id in self._resolved else None

    def is_new(self, alert: Alert) -> bool:
        """Whether this change must be sent: its state is not the last one handled for its alert, or it is the
        first record of a firing alert that carries the root cause."""
        last = self.last_state(alert.alert_id)
        if last != alert.state:
            return True
        return alert.state == "firing" and alert.alert_id not in self._with_cause and root_cause(alert) is not None

    def handled(self, alert: Alert, partition: int) -> None:
        """Record that this change was delivered (or dead-lettered)."""
        if alert.state == "firing":
            self._resolved.pop(alert.alert_id, None)
            self._firing[alert.alert_id] = partition
            if root_cause(alert) is not None:
                self._with_cause.add(alert.alert_id)
            return
        self._firing.pop(alert.alert_id, None)
        self._with_cause.discard(alert.alert_id)
        self._resolved[alert.alert_id] = partition
        self._resolved.move_to_end(alert.alert_id)
        while len(self._resolved) > self._resolved_kept:
            self._resolved.popitem(last=False)

    def drop_partitions(self, partitions: set[int]) -> None:
        """Forget alerts of partitions this notifier no longer owns (their new owner rebuilds them)."""
        for table in (self._firing, self._resolved):
            for alert_id in [a for a, p in table.items() if p in partitions]:
                del table[alert_id]
        self._with_cause &= set(self._firing)

    def rebuild(self, reader: Consumer, committed: list[TopicPartition], timeout_s: float = 60.0) -> int:
        """Replay each partition's records before its committed offset (read with ``reader``, a consumer that
        commits nothing); returns the records read."""
        ends = {tp.partition: tp.offset for tp in committed if tp.offset > 0}
        if not ends:
            return 0
        topic = committed[0].topic
        reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        deadline = time.monotonic() + timeout_s
        read = 0
        try:
            while ends:
                if time.monotonic() > deadline:
                    raise RebuildTimeout(f"{topic}: partitions {sorted(ends)} not read up to their committed offsets")
                for msg in reader.consume(500, 0.5):
                    if msg.error() is not None or msg.partition() not in ends:
                        continue
                    partition, offset = msg.partition() or 0, msg.offset() or 0
                    if offset < ends[partition]:
                        read += 1
                        self._replay(msg.value() or b"", partition)
                    if offset + 1 >= ends[partition]:
                        del ends[partition]
                self._drop_reached(reader, topic, ends)
        finally:
            reader.unassign()
        return read

    def _replay(self, value: bytes, partition: int) -> None:
        try:
            alert = Alert.model_validate_json(value)
        except ValidationError:
            return  # it was dead-lettered when it was first read
        self.handled(alert, partition)

    @staticmethod
    def _drop_reached(reader: Consumer, topic: str, ends: dict[int, int]) -> None:
        # the last records before a committed offset may be gone (retention) or be transaction markers
        if not ends:
            return
        for tp in reader.position([TopicPartition(topic, p) for p in list(ends)]):
            if tp.offset >= ends[tp.partition]:
                del ends[tp.partition]


def rebuild_reader(bootstrap: str, group: str, security: KafkaSecurity = PLAINTEXT) -> Callable[[], Consumer]:
    """A factory of the consumers that replay the topic: no group membership, no commits, committed records only."""

    def make() -> Consumer:
        return Consumer(
            {
                "bootstrap.servers": bootstrap,
                **security.librdkafka(),
                "group.id": f"{group}.rebuild",  # required by the client; never joined nor committed (assign only)
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
                "logger": logging.getLogger("librdkafka.notifier-rebuild"),
            }
        )

    return make
