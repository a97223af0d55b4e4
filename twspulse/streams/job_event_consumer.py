"""The batch carrier: a librdkafka consumer inside the Faust worker, for pipes whose volume Faust cannot carry.

Why not a Faust agent like the other topics: job events are the pipeline's volume (one per status
change of every job of the plan), and on a 2-core machine with the broker and the database beside it a
bare Faust agent (``take_events``, no work at all) tops out at 9.4k events/s; with one table write
per event, 3.6k. Faust spends ~100 µs per record in Python (aiokafka's fetcher, the conductor, a channel
queue, the stream iterator, one ack each). Here librdkafka fetches and hands over whole batches from C,
and the per-job state is a changelog table written once per batch (``twspulse/streams/changelog_table.py``).
It runs as a service of the Faust app: one process, one lifecycle, one ``twspulse worker``.

It carries every pipe declared with ``carrier="batch"`` (``twspulse/streams/pipes.py``; job events today), and
does what the Faust carrier does, no more: fetch a batch, hand each pipe's records to its ``Flow``
(``twspulse/streams/flow.py``: decode, rows, sink, stages, dead letters, the same code as under Faust), and
then, by the one offset rule, store the batch's offsets, which librdkafka commits: only after the rows,
stage outputs, forwarded records and dead letters are out. So a crash redelivers, it never skips; a batch
the stopping worker could not finish is left unstored (its offsets too): the next owner reads it again.
Besides:
- it reads committed records only (a connector transaction that aborted is never seen), and it can be a
  static member of its group (``worker_instance_id``), so a restarted worker gets its partitions back at
  once instead of after the session timeout;
- it reads a pipe's route topic too (``twspulse.job-events.by-job``, where job events keyed otherwise than
  by job definition are re-keyed): the range assignor gives one worker the same partition numbers of both
  topics, so a job's whole history meets one state shard; on every rebalance each flow is told its partitions.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import Any

import mode
import structlog
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from twspulse import metrics
from twspulse.kafka_clients import KafkaSecurity
from twspulse.log_throttle import LogThrottle
from twspulse.settings import Settings
from twspulse.streams.dead_letters import Consumed
from twspulse.streams.flow import Flow
from twspulse.streams.retry_policy import RetryPolicy, Stopping

log = structlog.get_logger(__name__)

MAX_POLL_INTERVAL_S = 300  # librdkafka's max.poll.interval.ms, set explicitly below
# a batch older than this may have lost its partitions to another worker (the group moves them once the
# interval passes): its new baselines are then not stored, so they cannot overwrite the new owner's
OWNERSHIP_MARGIN_S = 30


def job_events_group(worker_id: str) -> str:
    """The batch carrier's consumer group (the Faust agents' group is ``worker_id`` itself).

    Named after job events, the pipe it was written for: a worker upgraded from that version keeps its offsets.
    """
    return f"{worker_id}.job-events"


def _consumed(msg: Message) -> Consumed:
    _, ts = msg.timestamp()
    return Consumed(msg.topic() or "", msg.key(), msg.value() or b"", msg.partition() or 0, msg.offset() or 0,
                    ts if ts > 0 else None)  # fmt: skip


class BatchConsumer(mode.Service):
    """Consumes the topics of its flows in batches until the worker stops."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        flows: Sequence[Flow],
        retry: RetryPolicy | None = None,
        liveness: metrics.Liveness | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._settings = settings
        self._liveness = liveness or metrics.Liveness.of(settings.health)  # what /health reports of the worker
        self._lag_exported: set[tuple[str, int]] = set()
        self._lag_at = 0.0
        self._flows = list(flows)
        self._flow_of = {topic: flow for flow in self._flows for topic in flow.topics}
        self._retry = retry or RetryPolicy()
        self._throttle = LogThrottle()
        instance = settings.worker_instance_id
        static = {"group.instance.id": f"{instance}-job-events"} if instance else {}
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                **KafkaSecurity.from_settings(settings.kafka).librdkafka(),
                "group.id": job_events_group(settings.worker_id),
                "client.id": f"{settings.worker_id}-job-events",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": True,
                "enable.auto.offset.store": False,  # only what was processed is committed
                "partition.assignment.strategy": "range",  # same partition numbers of a flow's topics
                "max.partition.fetch.bytes": 8 * 1024 * 1024,
                "queued.max.messages.kbytes": 32 * 1024,  # prefetch bound: RSS stays flat when lagging
                "max.poll.interval.ms": MAX_POLL_INTERVAL_S * 1000,
                "isolation.level": "read_committed",  # librdkafka's default, said here: a contract, not an accident
                "session.timeout.ms": int(settings.worker_session_timeout_s * 1000),
                # librdkafka's own lines through Python logging, so an outage's repeats are rate limited too
                "logger": logging.getLogger("librdkafka.job-events"),
                **static,
            }
        )
        self._done = asyncio.Event()

    async def on_start(self) -> None:
        self._consumer.subscribe(
            list(self._flow_of), on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )

    async def on_stop(self) -> None:
        """Let the batch in hand finish, then commit and leave the group."""
        try:
            await asyncio.wait_for(self._done.wait(), timeout=120)
        except TimeoutError:
            # closing now would race the consume() still running in its thread; the process is exiting, and
            # the group moves the partitions after the session timeout (what was not stored is redelivered)
            log.error("job_events.stop_timeout", what="the batch in hand did not finish in 120 s; not closing")
            return
        await asyncio.to_thread(self._consumer.close)

    # rebalance callbacks: run by librdkafka inside consume(), i.e. never while a batch is being processed
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for flow in self._flows:
            flow.assign({tp.partition for tp in partitions if tp.topic in flow.topics})
        log.info("job_events.assigned", partitions=sorted({(tp.topic, tp.partition) for tp in partitions}))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        try:
            consumer.commit(asynchronous=False)  # what was processed, before another worker takes over
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError._NO_OFFSET:
                log.warning("job_events.commit_failed", error=str(exc))

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for flow in self._flows:
            flow.assign(set())  # another worker owns them now: its state, not ours

    @mode.Service.task
    async def _consume(self) -> None:
        batch, within = self._settings.worker_job_event_batch, self._settings.worker_batch_seconds
        try:
            while not self.should_stop and not self._retry.stop():
                msgs = await asyncio.to_thread(self._consumer.consume, batch, within)
                owned = partial(_before, time.monotonic() + MAX_POLL_INTERVAL_S - OWNERSHIP_MARGIN_S)
                by_flow: dict[Flow, list[Message]] = {}
                for msg in msgs:
                    if self._usable(msg):
                        by_flow.setdefault(self._flow_of[msg.topic() or ""], []).append(msg)
                for flow, records in by_flow.items():
                    await flow.run([_consumed(m) for m in records], owned)
                    self._store_offsets(records)  # the offset rule: only once the flow's outputs are out
                self._liveness.beat()
                self._export_lag()
        except Stopping:
            # the worker stops in an outage: this batch is not stored, nor are its offsets; redelivered to the next
            log.warning("job_events.batch_abandoned", why="the worker stops while the batch waits for a retry")
        finally:
            self._done.set()

    def _store_offsets(self, records: list[Message]) -> None:
        try:
            self._consumer.store_offsets(offsets=_next_offsets(records))
        except (KafkaException, RuntimeError) as exc:  # RuntimeError: the consumer was closed
            # the batch outlived max.poll.interval.ms (say, the database was down for minutes) and its partitions
            # moved: their new owner redelivers the batch, and every write is idempotent
            log.warning("job_events.offsets_not_stored", error=str(exc), records=len(records))

    def _export_lag(self) -> None:
        """Lag per assigned partition, at most once a second: the high watermark minus the consumer's position.

        Both come from librdkafka without a broker round trip: the position is the offset after the last record
        handed to this consumer (whose batch is processed by now), the high watermark the one its last fetch
        response carried. A partition nothing was read from yet since its assignment has no position: no value.
        """
        if time.monotonic() - self._lag_at < 1.0:
            return
        self._lag_at = time.monotonic()
        lags = {}
        for tp in self._consumer.position(self._consumer.assignment()):
            _, high = self._consumer.get_watermark_offsets(tp, cached=True) or (-1, -1)
            if tp.offset >= 0 and high >= 0:
                lags[(tp.topic, tp.partition)] = high - tp.offset
        self._lag_exported = metrics.export_lag(job_events_group(self._settings.worker_id), lags, self._lag_exported)

    def _usable(self, msg: Message) -> bool:
        err = msg.error()
        if err is None:
            return True
        if err.fatal():
            raise KafkaException(err)  # stops the worker with the error: a supervisor restarts it
        # a broker outage repeats the same error several times a second: its first line, then a count
        self._throttle.warning(log, "job_events.consumer_error", err.code(), error=str(err))
        return False


def _before(deadline: float) -> bool:
    return time.monotonic() < deadline


def _next_offsets(msgs: list[Message]) -> list[TopicPartition]:
    """The offset to resume from, per partition: one past the last processed record."""
    last: dict[tuple[str, int], int] = defaultdict(lambda: -1)
    for m in msgs:
        tp = (m.topic() or "", m.partition() or 0)
        last[tp] = max(last[tp], m.offset() or 0)
    return [TopicPartition(t, p, off + 1) for (t, p), off in last.items()]
