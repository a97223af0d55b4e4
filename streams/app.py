"""The worker: Faust agents that decode topics and batch rows into the database, and the job-event consumer.

- One Faust agent per data topic other than job events takes a batch of records and decodes them; a record
  that does not parse goes to ``<topic>.dlq`` with the reason. Host metrics, joblogs and workstations
  are then written as rows (host samples are scored, finished joblogs mined and annotated).
- Job events, the pipeline's volume, are consumed in batches by ``JobEventConsumer`` (librdkafka, a
  service of this Faust app; see streams/job_event_consumer.py for why), enriched with a changelog-backed
  table of per-job baselines and written as ``job_runs`` rows.
- A batch is acked only after its rows (or forwarded records) and its dead letters were delivered, so
  the committed offset never passes data that is not in the database, the next topic or the DLQ.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
from streams.changelog_table import ChangelogTable
from streams.dead_letters import Consumed, batch_failed, dead_letters_lost, error_type, refused, send_dead
from streams.job_enricher import JobEnricher
from streams.job_event_consumer import JobEventConsumer
from streams.joblog_mining import JoblogMiner
from streams.pipes import PIPES, Pipe
from streams.timescale_sink import TimescaleSink
from twspulse.events import Contract, DeadLetter, HostMetrics, JobLogChunk, validation_reason
from twspulse.settings import Settings
from twspulse.topics import HOST_METRICS, JOB_EVENTS, JOB_EVENTS_BY_JOB, JOB_LOGS

log = structlog.get_logger(__name__)

# decoded records of a batch, each with the Faust event it came from -> (event, reason) of those not stored
Handler = Callable[[list[tuple[Contract, Any]]], Awaitable[list[tuple[Any, str]]]]


def _make_agent(app: faust.App, pipe: Pipe, settings: Settings, handle: Handler, dlq: EventProducer,
                sink: TimescaleSink) -> None:  # fmt: skip
    """Decode batches of ``pipe.topic``; hand the good records to ``handle``; dead-letter the rest."""
    topic = pipe.topic.name
    source = app.topic(topic, key_serializer="raw", value_serializer="raw")

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
                    dead.append(Consumed.of_faust(topic, event).dead(reason, "ValidationError"))
            owners = [event for _, event in good]
            handled = await guarded(partial(handle, good), partial(batch_failed, owners), what=topic)
            dead += [Consumed.of_faust(topic, event).dead(reason, error_type(reason)) for event, reason in handled]
            if dead:
                await guarded(partial(send_dead, dlq, pipe.topic.dlq, dead, sink), dead_letters_lost(dead),
                              what=pipe.topic.dlq)  # fmt: skip

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


def _partitions(bootstrap: str, topic: str, default: int) -> int:
    """The state table must have exactly as many partitions as the topics it is keyed with."""
    meta = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=15).topics.get(topic)
    return len(meta.partitions) if meta is not None and meta.partitions else default


def _job_event_consumer(
    app: faust.App, settings: Settings, bootstrap: str, sink: TimescaleSink, anomalies: AnomalyStage,
    alerts: AlertStage,
) -> JobEventConsumer:  # fmt: skip
    """The job-event consumer with its baseline table, checked against the topics it reads."""
    partitions = _partitions(bootstrap, JOB_EVENTS_BY_JOB.name, settings.topic_partitions)
    source_partitions = _partitions(bootstrap, JOB_EVENTS.name, settings.topic_partitions)
    if source_partitions != partitions:
        # both feed the job-baselines table by partition number: unequal counts would split a job's state
        raise RuntimeError(
            f"{JOB_EVENTS.name} has {source_partitions} partitions and {JOB_EVENTS_BY_JOB.name} {partitions}: "
            "they must be equal (increase the smaller one with kafka-topics --alter)"
        )
    producer = EventProducer(bootstrap, client_id=f"{settings.worker_id}-job-events")
    # the name a Faust table "job-baselines" of this app had: a worker upgraded from it resumes its state
    table = ChangelogTable(bootstrap, f"{settings.worker_id}-job-baselines-changelog", producer)
    table.ensure_topic(partitions)
    enricher = JobEnricher(table, sink, anomalies, alerts)
    return JobEventConsumer(settings, bootstrap, enricher, sink, producer, loop=app.loop, beacon=app.beacon)


def create_app(settings: Settings, bootstrap: str, database_url: str) -> faust.App:
    """The Faust app with its agents and the job-event consumer; the caller runs it (``twspulse worker``)."""
    (settings.data_dir / "faust").mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.worker_id,
        broker=f"kafka://{bootstrap}",
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
    )
    sink = TimescaleSink(database_url)
    anomalies = AnomalyStage(sink, settings.anomaly_threshold, LatestModel(ModelStore(settings.model_dir)))
    alerts = AlertStage(
        sink, EventProducer(bootstrap, client_id=f"{settings.worker_id}-alerts"), database_url,
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
        dlq = EventProducer(bootstrap, client_id=f"{settings.worker_id}-dlq-{pipe.topic.name}")
        _make_agent(app, pipe, settings, handle, dlq, sink)
    job_events = _job_event_consumer(app, settings, bootstrap, sink, anomalies, alerts)

    @app.task
    async def start_job_events() -> None:  # with the app: stopped with it, after its batch in hand
        await app.add_runtime_dependency(job_events)

    return app
