"""The Faust worker: agents that decode topics, enrich job events, and batch rows into the database.

- One agent per data topic takes a batch of events and decodes them; a record that does not parse goes
  to ``<topic>.dlq`` with the reason. Host metrics, joblogs and workstations are then written as rows.
- Job events are enriched with a changelog-backed Faust table of per-job baselines and written as
  ``job_runs`` rows. That needs a job's whole history in one partition and one table shard, i.e. events
  keyed by job definition: the TWS connector produces them so and they are enriched where they arrive;
  events keyed otherwise are first re-keyed onto ``twspulse.job-events.by-job``, whose agent enriches
  them with the same table.
- A batch is acked only after its rows (or forwarded records) and its dead letters were delivered, so
  the committed offset never passes data that is not in the database, the next topic or the DLQ.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import faust
import structlog
from confluent_kafka.admin import AdminClient
from pydantic import ValidationError

from connectors.producer import EventProducer
from models.isolation_forest import LatestModel, ModelStore
from streams.alert_stage import AlertStage
from streams.annotation_stage import AnnotationStage
from streams.anomaly_stage import ANOMALY_COLUMNS, AnomalyStage
from streams.batch_guard import guarded
from streams.enrichment import Enrichment, enrich
from streams.job_alerts import job_conditions
from streams.joblog_mining import JoblogMiner
from streams.pipes import PIPES, Pipe
from streams.rows import ENRICHED_JOB_RUN_COLUMNS, enriched_job_run_row
from streams.timescale_sink import RejectedRow, TimescaleSink
from twspulse.events import Contract, DeadLetter, HostMetrics, JobEvent, JobLogChunk, validation_reason
from twspulse.job_keys import job_key
from twspulse.settings import Settings
from twspulse.topics import HOST_METRICS, JOB_EVENTS, JOB_EVENTS_BY_JOB, JOB_LOGS

log = structlog.get_logger(__name__)

# decoded records of a batch, each with the Faust event it came from, and the stream they were read from
# -> (event, reason) of the records that could not be stored
Handler = Callable[[list[tuple[Contract, Any]], Any], Awaitable[list[tuple[Any, str]]]]


def _dead_letter(source_topic: str, event: Any, reason: str, error_type: str, key: str | None = None) -> DeadLetter:
    msg = event.message
    if key is None:
        key = msg.key.decode(errors="replace") if isinstance(msg.key, bytes) else msg.key
    raw = msg.value if isinstance(msg.value, bytes) else str(msg.value).encode()
    return DeadLetter.wrap(
        source_topic=source_topic,
        raw=raw,
        reason=reason,
        error_type=error_type,
        failed_at=datetime.now(UTC),
        key=key,
        partition=msg.partition,
        offset=msg.offset,
        source_time=datetime.fromtimestamp(msg.timestamp, UTC) if msg.timestamp else None,
    )


def _refused(owners: Sequence[Any], rejected: list[RejectedRow]) -> list[tuple[Any, str]]:
    """Rows the database refused -> (event, reason), one per event."""
    out: dict[int, tuple[Any, str]] = {}
    for r in rejected:
        out.setdefault(id(owners[r.index]), (owners[r.index], f"database refused row: {r.reason}"))
    return list(out.values())


DEAD_LETTER_COLUMNS = ("time", "source_topic", "partition", "offset", "reason", "error_type")


async def _count_dead_letters(sink: TimescaleSink, dead: Sequence[DeadLetter]) -> None:
    """One ``dead_letters`` row per record sent to a DLQ, so dashboards and SQL see what was rejected.

    Written after the DLQ topic has the record (the topic is the record of truth): if the database is
    the reason for the dead letter it may refuse this row too, which is logged and loses nothing.
    """
    # time = the record's own timestamp when known, so a redelivered batch's dead letters are counted once
    rows = [
        (d.source_time or d.failed_at, d.source_topic, d.partition, d.offset, d.reason[:2000], d.error_type)
        for d in dead
    ]
    refused = await sink.write("dead_letters", DEAD_LETTER_COLUMNS, rows)
    if refused:
        log.warning("worker.dead_letter_rows_refused", count=len(refused), first=refused[0].reason)


WORKER_ERROR = "worker error: "


def _batch_failed(records: Sequence[tuple[Any, Any]], exc: Exception) -> list[tuple[Any, str]]:
    """Every event of a batch whose processing hit a bug: dead-lettered with the error, not acked unprocessed."""
    return [(event, f"{WORKER_ERROR}{type(exc).__name__}: {exc}") for _, event in records]


def _error_type(reason: str) -> str:
    return "WorkerError" if reason.startswith(WORKER_ERROR) else "DBError"


async def _send_dead(dlq: Any, dead: Sequence[DeadLetter], sink: TimescaleSink) -> None:
    """Deliver dead letters (before the source offsets may be acked), then count them in SQL."""
    for d in dead:
        fut = await dlq.send(key=(d.key or "").encode(), value=d.to_bytes())
        await fut
    log.warning("worker.dead_lettered", topic=dead[0].source_topic, count=len(dead), first=dead[0].reason)
    await _count_dead_letters(sink, dead)


def _dead_letters_lost(dead: Sequence[DeadLetter]) -> Callable[[Exception], None]:
    def lost(exc: Exception) -> None:
        # the last resort: the records are in the log, whole, so an operator can still replay them
        for d in dead:
            log.error("worker.dead_letter_lost", source_topic=d.source_topic, partition=d.partition,
                      offset=d.offset, reason=d.reason, raw_b64=d.raw_b64)  # fmt: skip

    return lost


def _make_agent(
    app: faust.App, pipe: Pipe, settings: Settings, handle: Handler, dlq_name: str, sink: TimescaleSink
) -> None:
    """Decode batches of ``pipe.topic``; hand the good records to ``handle``; dead-letter the rest."""
    source = app.topic(pipe.topic.name, key_serializer="raw", value_serializer="raw")
    dlq = app.topic(dlq_name, key_serializer="raw", value_serializer="raw")

    async def agent(stream: faust.StreamT[Any]) -> None:
        # take_events (not take): the batch keeps each record's partition/offset for dead letters
        batches = stream.take_events(  # type: ignore[attr-defined]
            settings.worker_batch_size, within=settings.worker_batch_seconds
        )
        async for events in batches:
            good: list[tuple[Contract, Any]] = []
            dead: list[DeadLetter] = []
            for event in events:
                try:
                    good.append((pipe.decode(event.message.value), event))
                except ValidationError as exc:
                    reason = f"record does not match {pipe.topic.model.__name__}: {validation_reason(exc)}"
                    dead.append(_dead_letter(pipe.topic.name, event, reason, "ValidationError"))
            handled = await guarded(partial(handle, good, stream), partial(_batch_failed, good), what=pipe.topic.name)
            for event, reason in handled:
                dead.append(_dead_letter(pipe.topic.name, event, reason, _error_type(reason)))
            if dead:
                await guarded(partial(_send_dead, dlq, dead, sink), _dead_letters_lost(dead), what=dlq_name)

    agent.__name__ = f"decode_{pipe.topic.name.replace('.', '_')}"
    app.agent(source, name=f"twspulse.decode.{pipe.topic.name}")(agent)


def _row_writer(pipe: Pipe, sink: TimescaleSink) -> Handler:
    table, to_rows = pipe.table, pipe.to_rows
    assert table is not None and to_rows is not None, f"{pipe.topic.name} has no table"

    async def handle(records: list[tuple[Contract, Any]], stream: Any = None) -> list[tuple[Any, str]]:
        rows: list[tuple[Any, ...]] = []
        owners: list[Any] = []  # event that produced each row, for dead-lettering refused rows
        for record, event in records:
            new_rows = to_rows(record)
            rows.extend(new_rows)
            owners.extend([event] * len(new_rows))
        return _refused(owners, await sink.write(table, pipe.columns, rows))

    return handle


def _host_metrics_writer(pipe: Pipe, sink: TimescaleSink, anomalies: AnomalyStage, alerts: AlertStage) -> Handler:
    """Write host samples, then score them: an anomaly alert leaves as soon as its row is stored."""
    write_rows = _row_writer(pipe, sink)

    async def handle(records: list[tuple[Contract, Any]], stream: Any = None) -> list[tuple[Any, str]]:
        refused = await write_rows(records, stream)
        refused_events = {id(event) for event, _ in refused}
        samples = [r for r, event in records if isinstance(r, HostMetrics) and id(event) not in refused_events]
        anomaly_rows, conditions = await anomalies.score_hosts(samples)
        await sink.write("anomalies", ANOMALY_COLUMNS, anomaly_rows)
        await alerts.apply(conditions)
        return refused

    return handle


def _joblog_writer(pipe: Pipe, sink: TimescaleSink, annotations: AnnotationStage) -> Handler:
    """Write joblog chunks, then mine and annotate the runs whose last chunk arrived (their earlier chunks
    are stored)."""
    write_rows = _row_writer(pipe, sink)
    miner = JoblogMiner(sink)

    async def handle(records: list[tuple[Contract, Any]], stream: Any = None) -> list[tuple[Any, str]]:
        refused = await write_rows(records, stream)
        refused_events = {id(event) for event, _ in refused}
        last = [
            r for r, event in records
            if isinstance(r, JobLogChunk) and r.chunk_index == r.chunk_count - 1 and id(event) not in refused_events
        ]  # fmt: skip
        await miner.mine(last)
        await annotations.annotate([c.run_id for c in last])
        return refused

    return handle


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """What ``enrich`` may change: the outcomes list (its items are never changed in place)."""
    return {**state, "outcomes": list(state.get("outcomes", []))}


class _Enricher:
    """Per-job baselines (a changelog-backed Faust table) -> enriched ``job_runs`` rows.

    Used by two agents: the one on ``tws.job.events`` for events keyed by job definition (what the TWS
    connector produces: no extra hop), and the one on the re-key topic for events keyed otherwise.
    """

    def __init__(
        self, app: faust.App, sink: TimescaleSink, partitions: int, anomalies: AnomalyStage, alerts: AlertStage
    ):
        self.baselines = app.Table("job-baselines", default=dict, partitions=partitions, key_type=str)
        self._sink = sink
        self._anomalies = anomalies
        self._alerts = alerts

    async def enrich(self, records: list[tuple[JobEvent, Any]], stream: Any) -> list[tuple[Any, str]]:
        """Enrich and write one batch; return the (event, reason) of rows the database refused."""
        rows: list[tuple[Any, ...]] = []
        owners: list[Any] = []
        dirty: dict[str, tuple[dict[str, Any], Any]] = {}  # key -> (state, last event that changed it)
        finals: list[tuple[JobEvent, Enrichment]] = []
        for record, event in records:
            key = job_key(record)
            # a copy: the stored state changes only once the batch's rows, scores and alerts are out, so a
            # batch retried or redelivered after a failure still sees its events as new
            state = dirty[key][0] if key in dirty else _copy_state(self.baselines[key])
            enrichment = enrich(record, state)
            if enrichment.state_changed:
                dirty[key] = (state, event)
                finals.append((record, enrichment))
            rows.append(enriched_job_run_row(record, enrichment))
            owners.append(event)
        refused = _refused(owners, await self._sink.write("job_runs", ENRICHED_JOB_RUN_COLUMNS, rows))
        if finals:
            anomaly_rows, conditions = await self._anomalies.score_runs(finals)
            await self._sink.write("anomalies", ANOMALY_COLUMNS, anomaly_rows)
            await self._alerts.apply([*job_conditions(finals), *conditions])
        # One changelog write per changed job per batch: Faust's table buffer sends them one by one,
        # so writing only what changed, once, is what keeps the table from being the bottleneck.
        # take_events hands over a batch outside per-event iteration; the table writes its changelog to the
        # partition of the current event, so set it as iteration would, then put back the stream's own: Faust's
        # take buffer reads stream.current_event to pair each incoming value with its event, and a stale one
        # there silently replaces a new record by an old one (seen: 2 events of 208 lost, no error).
        previous = stream.current_event
        try:
            for key, (state, event) in dirty.items():
                stream._set_current_event(event)
                self.baselines[key] = state
        finally:
            stream._set_current_event(previous)
        return refused


def _job_event_handler(enricher: _Enricher, producer: EventProducer) -> Handler:
    """Enrich events keyed by job definition in place; re-key the others first.

    The re-key goes through librdkafka (confluent-kafka) rather than Faust's own producer: Faust sends
    one future per record through a small buffer ("producer buffer full"), which made this hop half of
    the worker's cost; here a batch is queued in C and flushed once, off the event loop. Both use the
    Java client's key hashing, so a key has the same partition number in both topics and in the table.
    """

    async def handle(records: list[tuple[Contract, Any]], stream: Any) -> list[tuple[Any, str]]:
        local: list[tuple[JobEvent, Any]] = []
        forwarded = 0
        for record, event in records:
            assert isinstance(record, JobEvent)
            key = job_key(record).encode()
            if event.message.key == key:
                local.append((record, event))
            else:  # the bytes as received: they were just validated, re-encoding them would only cost time
                producer.send_raw(JOB_EVENTS_BY_JOB.name, key, event.message.value)
                forwarded += 1
        if forwarded:
            await asyncio.to_thread(producer.flush, 60.0)  # DeliveryError: retried by the batch guard
        return await enricher.enrich(local, stream) if local else []

    return handle


def _make_rekeyed_enricher(app: faust.App, enricher: _Enricher, settings: Settings, sink: TimescaleSink) -> None:
    """The agent on the re-key topic: events that arrived keyed otherwise than by job definition."""
    source = app.topic(JOB_EVENTS_BY_JOB.name, key_serializer="raw", value_serializer="raw")
    dlq = JOB_EVENTS.dlq

    async def rekeyed(stream: faust.StreamT[Any]) -> None:
        batches = stream.take_events(  # type: ignore[attr-defined]
            settings.worker_batch_size, within=settings.worker_batch_seconds
        )
        dlq_topic = app.topic(dlq, key_serializer="raw", value_serializer="raw")
        async for events in batches:
            records: list[tuple[JobEvent, Any]] = []
            dead: list[DeadLetter] = []
            for e in events:
                try:  # validated upstream, but another version of the worker may have written it
                    records.append((JobEvent.model_validate_json(e.message.value), e))
                except ValidationError as exc:
                    reason = f"record does not match JobEvent: {validation_reason(exc)}"
                    dead.append(_dead_letter(JOB_EVENTS_BY_JOB.name, e, reason, "ValidationError"))
            refused = await guarded(
                partial(enricher.enrich, records, stream), partial(_batch_failed, records),
                what=JOB_EVENTS_BY_JOB.name,
            )  # fmt: skip
            job_ids = {id(event): record.job_id for record, event in records}  # the key producers used
            for event, reason in refused:
                dead.append(
                    _dead_letter(JOB_EVENTS_BY_JOB.name, event, reason, _error_type(reason), key=job_ids[id(event)])
                )
            if dead:
                await guarded(partial(_send_dead, dlq_topic, dead, sink), _dead_letters_lost(dead), what=dlq)

    app.agent(source, name="twspulse.enrich.job_runs")(rekeyed)


def _partitions(bootstrap: str, topic: str, default: int) -> int:
    """The table must have exactly as many partitions as the topic it is keyed with."""
    meta = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=15).topics.get(topic)
    return len(meta.partitions) if meta is not None and meta.partitions else default


def create_app(settings: Settings, bootstrap: str, database_url: str) -> faust.App:
    """The Faust app with its agents; the caller runs it (``twspulse worker``)."""
    (settings.data_dir / "faust").mkdir(parents=True, exist_ok=True)
    partitions = _partitions(bootstrap, JOB_EVENTS_BY_JOB.name, settings.topic_partitions)
    source_partitions = _partitions(bootstrap, JOB_EVENTS.name, settings.topic_partitions)
    if source_partitions != partitions:
        # both feed the job-baselines table by partition number: unequal counts would split a job's state
        raise RuntimeError(
            f"{JOB_EVENTS.name} has {source_partitions} partitions and {JOB_EVENTS_BY_JOB.name} {partitions}: "
            "they must be equal (increase the smaller one with kafka-topics --alter)"
        )
    app = faust.App(
        settings.worker_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        datadir=str(settings.data_dir / "faust"),
        web_enabled=settings.worker_web_port > 0,
        web_port=max(settings.worker_web_port, 1),
        web_host="127.0.0.1",
        topic_partitions=partitions,
        topic_replication_factor=1,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        producer_max_request_size=4 * 1024 * 1024,
        consumer_max_fetch_size=8 * 1024 * 1024,
    )
    sink = TimescaleSink(database_url)
    anomalies = AnomalyStage(sink, settings.anomaly_threshold, LatestModel(ModelStore(settings.model_dir)))
    alerts = AlertStage(
        sink, EventProducer(bootstrap, client_id=f"{settings.worker_id}-alerts"), database_url,
        settings.alert_dedup_window_s,
    )  # fmt: skip
    enricher = _Enricher(app, sink, partitions, anomalies, alerts)
    for pipe in PIPES:
        if pipe.topic is JOB_EVENTS:
            handle = _job_event_handler(enricher, EventProducer(bootstrap, client_id=f"{settings.worker_id}-rekey"))
        elif pipe.topic is HOST_METRICS:
            handle = _host_metrics_writer(pipe, sink, anomalies, alerts)
        elif pipe.topic is JOB_LOGS:
            handle = _joblog_writer(pipe, sink, AnnotationStage(settings, database_url, alerts))
        else:
            handle = _row_writer(pipe, sink)
        _make_agent(app, pipe, settings, handle, pipe.topic.dlq, sink)
    _make_rekeyed_enricher(app, enricher, settings, sink)
    return app
