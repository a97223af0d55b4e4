"""One topic's flow at run time: decode -> rows -> sink -> stages -> dead letters, whatever Kafka client carries it.

A ``Flow`` is built from one declaration of ``twspulse/streams/pipes.py`` and knows nothing of Kafka clients: a
carrier (the Faust agent of ``twspulse/streams/faust_carrier.py`` or the librdkafka batch consumer of
``twspulse/streams/job_event_consumer.py``) fetches a batch, turns its records into ``Consumed`` and calls
``Flow.run``. For each batch, in this order:

1. decode: each record is validated against its topic's model; one that does not parse becomes a dead letter
   with the reason;
2. route (a pipe that declares one): a record keyed otherwise than its route wants is forwarded onto the route's
   topic, unchanged, and processed when it comes back from there (the carrier reads that topic too);
3. rows: the pipe's row mapper turns the records into table rows (a stateful one, such as the per-job baselines,
   also derives what each record says against its state);
4. sink: the rows are written, idempotently; a row the database refuses for good dead-letters its record;
5. stages: the records whose rows are stored go through the pipe's stages in their declared order (scoring,
   mining, annotation); the alert conditions they report are applied to the alert book at the end, together;
6. settle: a stateful row mapper stores its new state, once everything above is out;
7. dead letters: delivered to the pipe's dead-letter topic, through the one path (``send_dead``).

Steps 2-6 run under the batch guard (``twspulse/streams/batch_guard.py``): transient failures are retried, a
bug dead-letters the batch whole. The offset rule, the carriers' only other job: a batch's offsets are
committed (Faust: acked; librdkafka: stored) only after ``run`` returned, i.e. after its rows, stage outputs,
forwarded records and dead letters are out. ``run`` raises ``Stopping`` when the worker stops while the batch
waits for a retry: the carrier then leaves the batch uncommitted, and the next owner of its partitions reads
it again (every write is idempotent).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, Protocol

import structlog
from pydantic import ValidationError

from twspulse import metrics
from twspulse.events import Contract, DeadLetter, validation_reason
from twspulse.kafka_clients import KafkaSecurity
from twspulse.models.alerts import Condition
from twspulse.producer import EventProducer
from twspulse.settings import Settings
from twspulse.streams.alert_stage import AlertStage
from twspulse.streams.anomaly_stage import AnomalyStage
from twspulse.streams.batch_guard import guarded
from twspulse.streams.dead_letters import Consumed, batch_failed, dead_letters_lost, error_type, refused, send_dead
from twspulse.streams.retry_policy import RetryPolicy
from twspulse.streams.timescale_sink import TimescaleSink
from twspulse.topics import TopicSpec

log = structlog.get_logger(__name__)

Carrier = Literal["faust", "batch"]
"""Which Kafka client carries a pipe: a Faust agent, or the librdkafka batch consumer (for the volume)."""

Decoded = tuple[Contract, Consumed]
Stored = tuple[Contract, Any]
"""A record whose rows are stored, with what its row mapper derived of it (None for a stateless mapper)."""

Stage = Callable[[Sequence[Stored]], Awaitable[Sequence[Condition]]]
"""A step after the sink: gets the batch's stored records, returns the alert conditions it found."""


def always_owned() -> bool:
    """The batch's partitions are this worker's (a carrier that cannot lose them mid-batch)."""
    return True


@dataclass
class Mapped:
    """A batch as rows: the rows and the record (``Consumed``) each row came from; each record with what was
    derived of it (``items``, in batch order, ``consumed`` beside them); and the state the mapper stores once the
    batch is out (``RowMapper.settle``)."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    owners: list[Consumed] = field(default_factory=list)
    items: list[Stored] = field(default_factory=list)
    consumed: list[Consumed] = field(default_factory=list)
    state: Any = None


class RowMapper(Protocol):
    """Records -> table rows. A stateful mapper keeps state per source partition (``assign``) and stores the new
    state in ``settle``, called only after the batch's rows and stage outputs are out."""

    def rows(self, batch: Sequence[Decoded]) -> Mapped:
        """The batch's rows, each with its record."""
        ...

    async def settle(self, mapped: Mapped, owned: Callable[[], bool]) -> None:
        """Store the state ``rows`` derived (``owned()`` False: the partitions may have moved, store nothing)."""
        ...

    def assign(self, partitions: set[int]) -> None:
        """The source partitions this worker owns now (the carrier calls it on every rebalance)."""
        ...


class PerRecord:
    """A stateless row mapper: each record gives its rows on its own."""

    def __init__(self, to_rows: Callable[[Any], list[tuple[Any, ...]]]):
        self._to_rows = to_rows

    def rows(self, batch: Sequence[Decoded]) -> Mapped:
        """Rows of each record in turn."""
        out = Mapped()
        for record, consumed in batch:
            new_rows = self._to_rows(record)
            out.rows.extend(new_rows)
            out.owners.extend([consumed] * len(new_rows))
            out.items.append((record, None))
            out.consumed.append(consumed)
        return out

    async def settle(self, mapped: Mapped, owned: Callable[[], bool]) -> None:
        """Nothing to store."""

    def assign(self, partitions: set[int]) -> None:
        """No state per partition."""


class Rekey:
    """Route: a record whose Kafka key is not ``key(record)`` is forwarded onto ``to``, keyed so, and processed
    when it is read back from there (so every record of one key meets one partition of the state)."""

    __slots__ = ("key", "to", "_to_name")

    def __init__(self, to: TopicSpec, key: Callable[[Any], str]):
        self.to = to
        self.key = key
        self._to_name = to.name  # asked once per record: no attribute chain on the hot path

    def target(self, record: Contract, consumed: Consumed) -> bytes | None:
        """The key to forward ``record`` with, or None when it is processed where it is."""
        key = self.key(record).encode()
        return None if consumed.key == key or consumed.topic == self._to_name else key


@dataclass
class FlowParts:
    """What the flows of one worker share: its settings, clients, sink, retry policy, detectors and alert book."""

    settings: Settings
    bootstrap: str
    database_url: str
    security: KafkaSecurity
    sink: TimescaleSink
    retry: RetryPolicy
    anomalies: AnomalyStage
    alerts: AlertStage
    partitions: Callable[[str], int]  # a topic's partition count, as the broker has it

    def producer(self, name: str) -> EventProducer:
        """A librdkafka producer of its own (a flush raises the delivery errors of its own records only)."""
        return EventProducer(self.bootstrap, client_id=f"{self.settings.worker_id}-{name}", security=self.security)


class Flow:
    """The run-time form of one pipe declaration (see the module docstring for what a batch goes through)."""

    def __init__(
        self,
        topic: TopicSpec,
        table: str,
        columns: Sequence[str],
        mapper: RowMapper,
        stages: Sequence[Stage],
        parts: FlowParts,
        producer: EventProducer,
        dead_letter_topic: str,
        route: Rekey | None = None,
    ):
        self.topic = topic
        self.table = table
        self.columns = columns
        self.mapper = mapper
        self.stages = tuple(stages)
        self.dead_letter_topic = dead_letter_topic
        self.route = route
        self._model = topic.model
        self._sink = parts.sink
        self._alerts = parts.alerts
        self._retry = parts.retry
        self._producer = producer

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics its carrier reads for it: its own, and its route's."""
        return (self.topic.name, self.route.to.name) if self.route else (self.topic.name,)

    def assign(self, partitions: set[int]) -> None:
        """The source partitions this worker owns now: a stateful row mapper restores or drops their state."""
        self.mapper.assign(partitions)

    async def run(self, batch: Sequence[Consumed], owned: Callable[[], bool] = always_owned) -> None:
        """Process a batch and deliver its dead letters; once this returns, the carrier may commit the batch.

        Raises ``Stopping`` when the worker stops while the batch waits for a retry (commit nothing then).
        """
        started = time.monotonic()
        dead = await self.handle(batch, owned)
        if dead:
            send = partial(send_dead, self._producer, self.dead_letter_topic, dead)
            await guarded(send, dead_letters_lost(dead), what=self.dead_letter_topic, retry=self._retry)
        metrics.BATCH_SECONDS.labels(topic=self.topic.name).observe(time.monotonic() - started)

    async def handle(self, batch: Sequence[Consumed], owned: Callable[[], bool] = always_owned) -> list[DeadLetter]:
        """Decode, route, write and run the stages of a batch; returns its dead letters (not yet delivered)."""
        local: list[Decoded] = []
        forward: list[tuple[bytes, Consumed]] = []  # (key, record) of the records the route moves
        dead: list[DeadLetter] = []
        validate, route = self._model.model_validate_json, self.route
        for consumed in batch:  # the hot path: one pass decodes and routes
            try:
                record = validate(consumed.value)
            except ValidationError as exc:
                reason = f"record does not match {self._model.__name__}: {validation_reason(exc)}"
                dead.append(consumed.dead(reason, "ValidationError"))
                continue
            if route is None or (key := route.target(record, consumed)) is None:
                local.append((record, consumed))
            else:
                forward.append((key, consumed))
        if local or forward:
            handled = await guarded(
                partial(self._process, local, forward, owned),
                partial(batch_failed, [consumed for _, consumed in local] + [consumed for _, consumed in forward]),
                what=self.topic.name,
                retry=self._retry,
            )
            dead += [consumed.dead(reason, error_type(reason)) for consumed, reason in handled]
        return dead

    async def _process(
        self, local: list[Decoded], forward: list[tuple[bytes, Consumed]], owned: Callable[[], bool]
    ) -> list[tuple[Consumed, str]]:
        if forward:
            assert self.route is not None
            for key, consumed in forward:  # the bytes as received: just validated, re-encoding would only cost time
                self._producer.send_raw(self.route.to.name, key, consumed.value)
            await asyncio.to_thread(self._producer.flush, 60.0)  # DeliveryError: retried by the batch guard
        if not local:
            return []
        mapped = self.mapper.rows(local)
        not_stored: list[tuple[Consumed, str]] = refused(
            mapped.owners, await self._sink.write(self.table, self.columns, mapped.rows)
        )
        stored = mapped.items
        if not_stored:
            lost = {id(consumed) for consumed, _ in not_stored}
            pairs = zip(mapped.items, mapped.consumed, strict=True)
            stored = [item for item, consumed in pairs if id(consumed) not in lost]
        conditions: list[Condition] = []
        for stage in self.stages:
            conditions.extend(await stage(stored))
        if conditions:
            await self._alerts.apply(conditions)
        await self.mapper.settle(mapped, owned)
        return not_stored
