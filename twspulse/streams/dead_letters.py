"""Dead letters of the worker: built from any consumed record, delivered to ``<topic>.dlq``, counted in SQL.

The one dead-letter path of every flow (``twspulse/streams/flow.py``), whichever client carries it: the
carriers turn what they consumed into ``Consumed``, a flow makes dead letters of them and sends them with
``send_dead`` to its pipe's dead-letter topic. The records go out through librdkafka and are waited for before
the source offsets may be committed: a record is in the database, the next topic or the DLQ, never nowhere.

Counting: one ``dead_letters`` row per dead letter, whoever wrote it. The worker does not write rows for
the dead letters it sends; it reads every DLQ topic (``twspulse/streams/app.py``) and writes a row per record
read, the connectors' and its own alike: one writer, and one place that knows the row's key. The key is the
failed record's identity, so a dead letter written twice (a batch redelivered after a crash is
dead-lettered again) or read twice (the DLQ reader redelivered) is still one row:
- a record that was consumed (partition and offset known): its topic, partition, offset and own Kafka
  timestamp;
- a record that never reached its topic (the connector's: an engine payload that failed validation, a
  joblog the engine no longer has): the position of its dead letter on ``<topic>.dlq`` (partition,
  offset) and the time it failed;
- a record on a DLQ topic that is not a ``DeadLetter`` at all: its own DLQ topic and position.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import structlog
from pydantic import ValidationError

from twspulse import metrics
from twspulse.events import DeadLetter, validation_reason
from twspulse.producer import EventProducer
from twspulse.streams.timescale_sink import RejectedRow

log = structlog.get_logger(__name__)

WORKER_ERROR = "worker error: "
DEAD_LETTER_COLUMNS = ("time", "source_topic", "partition", "offset", "reason", "error_type")


class Consumed(NamedTuple):
    """Where a consumed record came from: what a dead letter must carry to find (and replay) it.

    A named tuple, not a frozen dataclass: the batch carrier makes one per job event, and a tuple is built
    four times faster (0.6 µs against 2.5 µs, a few percent of the worker's time per event).
    """

    topic: str
    key: bytes | None
    value: bytes
    partition: int
    offset: int
    timestamp_ms: int | None

    @classmethod
    def of_faust(cls, topic: str, event: Any) -> Consumed:
        """From a Faust event (its message has the record's coordinates; its timestamp is in seconds)."""
        msg = event.message
        key = msg.key if isinstance(msg.key, bytes) or msg.key is None else str(msg.key).encode()
        value = msg.value if isinstance(msg.value, bytes) else str(msg.value).encode()
        ts = int(msg.timestamp * 1000) if msg.timestamp else None
        return cls(topic, key, value, msg.partition, msg.offset, ts)

    def dead(self, reason: str, error_type: str, key: str | None = None) -> DeadLetter:
        """The dead letter of this record; ``key`` overrides the record's own (e.g. the key producers used)."""
        if key is None and self.key is not None:
            key = self.key.decode(errors="replace")
        return DeadLetter.wrap(
            source_topic=self.topic,
            raw=self.value,
            reason=reason,
            error_type=error_type,
            failed_at=datetime.now(UTC),
            key=key,
            partition=self.partition,
            offset=self.offset,
            source_time=datetime.fromtimestamp(self.timestamp_ms / 1000, UTC) if self.timestamp_ms else None,
        )


def refused(owners: Sequence[Any], rejected: list[RejectedRow]) -> list[tuple[Any, str]]:
    """Rows the database refused -> (owner, reason), one per owner (an owner may have several rows)."""
    out: dict[int, tuple[Any, str]] = {}
    for r in rejected:
        out.setdefault(id(owners[r.index]), (owners[r.index], f"database refused row: {r.reason}"))
    return list(out.values())


def batch_failed(owners: Sequence[Any], exc: Exception) -> list[tuple[Any, str]]:
    """Every record of a batch whose processing hit a bug: dead-lettered with the error, not acked unprocessed."""
    return [(owner, f"{WORKER_ERROR}{type(exc).__name__}: {exc}") for owner in owners]


def error_type(reason: str) -> str:
    """The dead letter's error type for a reason produced by ``refused`` or ``batch_failed``."""
    return "WorkerError" if reason.startswith(WORKER_ERROR) else "DBError"


def dead_letter_row(record: Consumed) -> tuple[Any, ...]:
    """The ``dead_letters`` row of a record read from a DLQ topic, keyed as the module docstring says."""
    try:
        d = DeadLetter.model_validate_json(record.value)
    except ValidationError as exc:
        when = datetime.fromtimestamp(record.timestamp_ms / 1000, UTC) if record.timestamp_ms else datetime.now(UTC)
        reason = f"record on {record.topic} is not a DeadLetter: {validation_reason(exc)}"
        return (when, record.topic, record.partition, record.offset, _text(reason), "MalformedDeadLetter")
    if d.partition is not None and d.offset is not None:
        when = d.source_time or d.failed_at
        return (when, d.source_topic, d.partition, d.offset, _text(d.reason), d.error_type)
    return (d.failed_at, d.source_topic, record.partition, record.offset, _text(d.reason), d.error_type)


def _text(reason: str) -> str:
    # a reason may quote the bad input; PostgreSQL text holds no NUL
    return reason.replace("\x00", "\\0")[:2000]


async def send_dead(producer: EventProducer, dlq: str, dead: Sequence[DeadLetter]) -> None:
    """Deliver dead letters (before the source offsets may be committed); their rows follow from the DLQ."""
    for d in dead:
        producer.send_raw(dlq, (d.key or "").encode(), d.to_bytes())
    await asyncio.to_thread(producer.flush, 60.0)  # DeliveryError: retried by the batch guard
    metrics.DEAD_LETTERS.labels(topic=dead[0].source_topic).inc(len(dead))
    log.warning("worker.dead_lettered", topic=dead[0].source_topic, count=len(dead), first=dead[0].reason[:500])


def dead_letters_lost(dead: Sequence[DeadLetter]) -> Callable[[Exception], None]:
    """The batch guard's last resort when even the DLQ cannot take the records: log them whole."""

    def lost(exc: Exception) -> None:
        # the records are in the log, whole, so an operator can still replay them
        for d in dead:
            log.error("worker.dead_letter_lost", source_topic=d.source_topic, partition=d.partition,
                      offset=d.offset, reason=d.reason, raw_b64=d.raw_b64)  # fmt: skip

    return lost
