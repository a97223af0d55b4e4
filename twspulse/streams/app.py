"""The worker: Faust agents that decode topics and batch rows into the database, and the job-event consumer.

- One Faust agent per data topic other than job events takes a batch of records and decodes them; a record
  that does not parse goes to ``<topic>.dlq`` with the reason. Host metrics, joblogs and workstations
  are then written as rows (host samples are scored, finished joblogs mined and annotated).
- Job events, the pipeline's volume, are consumed in batches by ``JobEventConsumer`` (librdkafka, a
  service of this Faust app; see twspulse/streams/job_event_consumer.py for why), enriched with a changelog-backed
  table of per-job baselines and written as ``job_runs`` rows.
- A batch is acked only after its rows (or forwarded records) and its dead letters were delivered, so
  the committed offset never passes data that is not in the database, the next topic or the DLQ. A batch
  the worker cannot finish because it is stopping (say, during a database outage) is released unacked
  (``_release``): its offsets are not committed, and the next owner of its partitions reads it again.
- Every consumer reads committed records only (``twspulse/streams/faust_transport.py`` for Faust's): records of a
  connector transaction that aborted never reach a table.
- The dead-letter topics are read too, into one ``dead_letters`` row per dead letter
  (``twspulse/streams/dead_letters.py``): the worker's own and the connectors' alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import faust
import psycopg
import structlog
from confluent_kafka.admin import AdminClient
from faust.types.tuples import ack_lock
from pydantic import ValidationError

from twspulse import metrics
from twspulse.events import Contract, DeadLetter, HostMetrics, JobLogChunk, validation_reason
from twspulse.kafka_clients import KafkaSecurity, librdkafka_config
from twspulse.models.isolation_forest import LatestModel, ModelStore
from twspulse.producer import EventProducer
from twspulse.settings import Settings
from twspulse.streams.alert_stage import AlertStage
from twspulse.streams.annotation_stage import AnnotationStage
from twspulse.streams.anomaly_stage import ANOMALY_COLUMNS, AnomalyStage
from twspulse.streams.batch_guard import guarded
from twspulse.streams.changelog_table import ChangelogTable
from twspulse.streams.dead_letters import (
    DEAD_LETTER_COLUMNS,
    Consumed,
    batch_failed,
    dead_letter_row,
    dead_letters_lost,
    error_type,
    refused,
    send_dead,
)
from twspulse.streams.faust_auth import broker_credentials
from twspulse.streams.faust_transport import ReadCommittedTransport
from twspulse.streams.job_enricher import JobEnricher
from twspulse.streams.job_event_consumer import JobEventConsumer
from twspulse.streams.joblog_mining import JoblogMiner
from twspulse.streams.pipes import PIPES, Pipe
from twspulse.streams.retry_policy import RetryPolicy, Stopping, StopSignal
from twspulse.streams.timescale_sink import TimescaleSink
from twspulse.topics import DATA_TOPICS, HOST_METRICS, JOB_EVENTS, JOB_EVENTS_BY_JOB, JOB_LOGS

log = structlog.get_logger(__name__)

LAG_RECORD_SECONDS = 15.0  # how often each worker writes its partitions' lag into consumer_lag
LAG_COLUMNS = ("time", "worker_id", "consumer_group", "topic", "partition", "lag")

# decoded records of a batch, each with the Faust event it came from -> (event, reason) of those not stored
Handler = Callable[[list[tuple[Contract, Any]]], Awaitable[list[tuple[Any, str]]]]


def _release(events: list[Any]) -> None:
    """Drop a batch the stopping worker could not finish, without acking it.

    ``take_events`` acks every event of a batch once the loop body is left, and the consumer commits what was
    acked when it stops: that would commit a batch that is not stored. Marked acked here, the events no longer
    hold up Faust's wait for unfinished events at stop, and ``take_events``' ack finds them done and skips
    them, so their offsets never reach the consumer's list of committable ones: the next owner reads them
    again. (What a message's ``acked`` flag means to faust-streaming 0.15; tests/streams/test_worker_integrity.py
    stops a worker in a database outage and checks that the batch is stored after the restart.)
    """
    with ack_lock:
        for event in events:
            event.message.acked = True


def _make_agent(app: faust.App, pipe: Pipe, settings: Settings, handle: Handler, dlq: EventProducer,
                sink: TimescaleSink, retry: RetryPolicy) -> None:  # fmt: skip
    """Decode batches of ``pipe.topic``; hand the good records to ``handle``; dead-letter the rest."""
    topic = pipe.topic.name
    source = app.topic(topic, key_serializer="raw", value_serializer="raw")

    async def agent(stream: faust.StreamT[Any]) -> None:
        # take_events (not take): the batch keeps each record's partition/offset for dead letters
        batches = stream.take_events(  # type: ignore[attr-defined]
            settings.worker_batch_size, within=settings.worker_batch_seconds
        )
        async for events in batches:
            started = time.monotonic()
            good: list[tuple[Contract, Any]] = []
            dead: list[DeadLetter] = []
            for event in events:
                try:
                    good.append((pipe.decode(event.message.value), event))
                except ValidationError as exc:
                    reason = f"record does not match {pipe.topic.model.__name__}: {validation_reason(exc)}"
                    dead.append(Consumed.of_faust(topic, event).dead(reason, "ValidationError"))
            owners = [event for _, event in good]
            try:
                handled = await guarded(partial(handle, good), partial(batch_failed, owners), what=topic, retry=retry)
                dead += [Consumed.of_faust(topic, event).dead(reason, error_type(reason)) for event, reason in handled]
                if dead:
                    await guarded(partial(send_dead, dlq, pipe.topic.dlq, dead), dead_letters_lost(dead),
                                  what=pipe.topic.dlq, retry=retry)  # fmt: skip
            except Stopping:
                _release(events)
            metrics.BATCH_SECONDS.labels(topic=topic).observe(time.monotonic() - started)

    agent.__name__ = f"decode_{topic.replace('.', '_')}"
    app.agent(source, name=f"twspulse.decode.{topic}")(agent)


def _row_writer(pipe: Pipe, sink: TimescaleSink) -> Handler:
    table, to_rows = pipe.table, pipe.to_rows

    async def handle(records: list[tuple[Contract, Any]]) -> list[tuple[Any, str]]:
        rows: list[tuple[Any, ...]] = []
        owners: list[Any] = []  # event that produced each row, for dead-lettering refused rows
        for record, event in records:
            new_rows = to_rows(record)
            rows.extend(new_rows)
            owners.extend([event] * len(new_rows))
        return refused(owners, await sink.write(table, pipe.columns, rows))

    return handle


def _host_metrics_writer(pipe: Pipe, sink: TimescaleSink, anomalies: AnomalyStage, alerts: AlertStage) -> Handler:
    """Write host samples, then score them: an anomaly alert leaves as soon as its row is stored."""
    write_rows = _row_writer(pipe, sink)

    async def handle(records: list[tuple[Contract, Any]]) -> list[tuple[Any, str]]:
        not_stored = await write_rows(records)
        refused_events = {id(event) for event, _ in not_stored}
        samples = [r for r, event in records if isinstance(r, HostMetrics) and id(event) not in refused_events]
        anomaly_rows, conditions = await anomalies.score_hosts(samples)
        await sink.write("anomalies", ANOMALY_COLUMNS, anomaly_rows)
        await alerts.apply(conditions)
        return not_stored

    return handle


def _joblog_writer(pipe: Pipe, sink: TimescaleSink, annotations: AnnotationStage) -> Handler:
    """Write joblog chunks, then mine and annotate the runs whose last chunk arrived (their earlier chunks
    are stored)."""
    write_rows = _row_writer(pipe, sink)
    miner = JoblogMiner(sink)

    async def handle(records: list[tuple[Contract, Any]]) -> list[tuple[Any, str]]:
        not_stored = await write_rows(records)
        refused_events = {id(event) for event, _ in not_stored}
        last = [
            r for r, event in records
            if isinstance(r, JobLogChunk) and r.chunk_index == r.chunk_count - 1 and id(event) not in refused_events
        ]  # fmt: skip
        await miner.mine(last)
        await annotations.annotate([c.run_id for c in last])
        return not_stored

    return handle


def _dead_letter_counter(app: faust.App, settings: Settings, sink: TimescaleSink, retry: RetryPolicy) -> None:
    """Read every ``<topic>.dlq`` into ``dead_letters`` rows (see ``twspulse/streams/dead_letters.py`` for the key)."""
    source = app.topic(*(t.dlq for t in DATA_TOPICS), key_serializer="raw", value_serializer="raw")

    async def count_dead_letters(stream: faust.StreamT[Any]) -> None:
        batches = stream.take_events(  # type: ignore[attr-defined]
            settings.worker_batch_size, within=settings.worker_batch_seconds
        )
        async for events in batches:
            rows = [dead_letter_row(Consumed.of_faust(event.message.topic, event)) for event in events]
            write = partial(sink.write, "dead_letters", DEAD_LETTER_COLUMNS, rows)
            try:
                # a bug is logged, not dead-lettered: the record stays on its DLQ topic, and a DLQ has no DLQ
                not_stored = await guarded(write, lambda exc: [], what="dead_letters", retry=retry)
            except Stopping:
                _release(events)
                continue
            for r in not_stored:  # the row of a dead letter the database refuses: the record is on its topic
                log.error("worker.dead_letter_row_refused", row=str(rows[r.index])[:500], reason=r.reason)

    app.agent(source, name="twspulse.dead-letters")(count_dead_letters)


def _partitions(bootstrap: str, topic: str, default: int, security: KafkaSecurity) -> int:
    """The state table must have exactly as many partitions as the topics it is keyed with."""
    admin = AdminClient(librdkafka_config(bootstrap, "twspulse-worker-admin", security))
    meta = admin.list_topics(topic, timeout=15).topics.get(topic)
    return len(meta.partitions) if meta is not None and meta.partitions else default


def _job_event_consumer(
    app: faust.App, settings: Settings, bootstrap: str, sink: TimescaleSink, anomalies: AnomalyStage,
    alerts: AlertStage, retry: RetryPolicy, liveness: metrics.Liveness,
) -> JobEventConsumer:  # fmt: skip
    """The job-event consumer with its baseline table, checked against the topics it reads."""
    security = KafkaSecurity.from_settings(settings)
    partitions = _partitions(bootstrap, JOB_EVENTS_BY_JOB.name, settings.topic_partitions, security)
    source_partitions = _partitions(bootstrap, JOB_EVENTS.name, settings.topic_partitions, security)
    if source_partitions != partitions:
        # both feed the job-baselines table by partition number: unequal counts would split a job's state
        raise RuntimeError(
            f"{JOB_EVENTS.name} has {source_partitions} partitions and {JOB_EVENTS_BY_JOB.name} {partitions}: "
            "they must be equal (increase the smaller one with kafka-topics --alter)"
        )
    producer = EventProducer(bootstrap, client_id=f"{settings.worker_id}-job-events", security=security)
    # the name a Faust table "job-baselines" of this app had: a worker upgraded from it resumes its state
    table = ChangelogTable(bootstrap, f"{settings.worker_id}-job-baselines-changelog", producer, security)
    table.ensure_topic(partitions)
    enricher = JobEnricher(table, sink, anomalies, alerts)
    return JobEventConsumer(settings, bootstrap, enricher, sink, producer, retry, liveness, loop=app.loop,
                            beacon=app.beacon)  # fmt: skip


def create_app(settings: Settings, bootstrap: str, database_url: str) -> faust.App:
    """The Faust app with its agents and the job-event consumer; the caller runs it (``twspulse worker``)."""
    (settings.data_dir / "faust").mkdir(parents=True, exist_ok=True)
    security = KafkaSecurity.from_settings(settings)  # the same TLS/SASL for Faust's clients and librdkafka's
    app = faust.App(
        settings.worker_id,
        broker=f"kafka://{bootstrap}",
        broker_credentials=broker_credentials(security),
        store="memory://",
        datadir=str(settings.data_dir / "faust"),
        web_enabled=settings.worker_web_port > 0,
        web_port=max(settings.worker_web_port, 1),
        web_host="127.0.0.1",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=1,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        producer_max_request_size=4 * 1024 * 1024,
        consumer_max_fetch_size=8 * 1024 * 1024,
        # a crashed worker's partitions move after this (Faust's default, 60 s, kept a restarted worker idle)
        broker_session_timeout=settings.worker_session_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.worker_session_timeout_s / 3),
        consumer_group_instance_id=settings.worker_instance_id,  # static membership when set
    )
    app.transport = ReadCommittedTransport(app.conf.broker_consumer, app)  # before anything asks for it
    # a retry of the worker waits for the database or the broker, never for longer than the worker runs
    retry = RetryPolicy(StopSignal(lambda: app.should_stop))
    sink = TimescaleSink(database_url, retry=retry)
    anomalies = AnomalyStage(sink, settings.anomaly_threshold, LatestModel(ModelStore(settings.model_dir)))
    alerts = AlertStage(
        sink, EventProducer(bootstrap, client_id=f"{settings.worker_id}-alerts", security=security), database_url,
        settings.alert_dedup_window_s,
    )  # fmt: skip
    for pipe in PIPES:
        if pipe.topic is HOST_METRICS:
            handle = _host_metrics_writer(pipe, sink, anomalies, alerts)
        elif pipe.topic is JOB_LOGS:
            handle = _joblog_writer(pipe, sink, AnnotationStage(settings, database_url, alerts))
        else:
            handle = _row_writer(pipe, sink)
        # one dead-letter producer per agent: a flush raises the delivery errors of its own records only
        dlq = EventProducer(bootstrap, client_id=f"{settings.worker_id}-dlq-{pipe.topic.name}", security=security)
        _make_agent(app, pipe, settings, handle, dlq, sink, retry)
    _dead_letter_counter(app, settings, sink, retry)
    liveness = metrics.Liveness.of(settings)  # the job-event loop turns every worker_batch_seconds, idle or not
    job_events = _job_event_consumer(app, settings, bootstrap, sink, anomalies, alerts, retry, liveness)

    @app.task
    async def serve_metrics() -> None:  # /metrics and /health (metrics_port), for as long as the process runs
        metrics.serve(settings, liveness)

    exported: set[tuple[str, int]] = set()

    @app.timer(interval=5.0)
    async def export_agent_lag() -> None:
        """Lag of the agents' partitions: the end offset Faust's consumer last fetched minus the offset it committed
        (what the agents acked); a partition with nothing committed by this worker yet has no value."""
        nonlocal exported
        monitor, lags = app.monitor, {}
        for tp in app.consumer.assignment():
            end, committed = monitor.tp_end_offsets.get(tp), monitor.tp_committed_offsets.get(tp)
            if end is None or committed is None:
                continue
            lag = end - committed
            read = monitor.tp_read_offsets.get(tp)
            if 0 < lag and read is not None and read + 1 == committed and (await app.consumer.position(tp) or 0) >= end:
                lag = 0  # all read is committed and nothing is left to fetch: the rest are transaction commit markers
            lags[(tp.topic, tp.partition)] = lag
        exported = metrics.export_lag(settings.worker_id, lags, exported)

    @app.timer(interval=5.0)
    async def enrich_waiting_alerts() -> None:
        """Root causes that came before their alert (or for another worker's alert): look for it again."""
        try:
            await alerts.retry_pending()
        except psycopg.Error as exc:  # the database is down: the findings wait for the next turn
            log.warning("worker.pending_findings_not_retried", error=str(exc), pending=alerts.pending)

    @app.timer(interval=LAG_RECORD_SECONDS)
    async def record_consumer_lag() -> None:
        """The lag /metrics exports, also into ``consumer_lag`` for the pipeline health dashboard. Best effort: a
        sample the database refuses or misses (down) is logged and dropped, the next one comes in 15 s."""
        now = datetime.now(UTC)
        rows = [(now, settings.worker_id, *sample) for sample in metrics.lag_samples()]
        if not rows:
            return
        try:
            async with asyncio.timeout(LAG_RECORD_SECONDS):
                rejected = await sink.write("consumer_lag", LAG_COLUMNS, rows)
        except (TimeoutError, Stopping, psycopg.Error) as exc:
            log.warning("worker.consumer_lag_not_recorded", error=str(exc) or type(exc).__name__, partitions=len(rows))
            return
        for r in rejected:
            log.error("worker.consumer_lag_row_refused", row=str(rows[r.index]), reason=r.reason)

    @app.task
    async def start_job_events() -> None:  # with the app: stopped with it, after its batch in hand
        await app.add_runtime_dependency(job_events)

    return app
