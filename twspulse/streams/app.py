"""The worker: one Faust app running each data topic's declared flow, and the dead-letter counter.

- Each data topic's flow is declared once in ``twspulse/streams/pipes.py`` (model, rows, table, stages, dead
  letters, carrier) and run by one ``Flow`` (``twspulse/streams/flow.py``): decode -> rows -> sink -> stages ->
  dead letters, a record that does not parse or a row the database refuses going to ``<topic>.dlq`` with the
  reason. A carrier only fetches batches, runs the flow and commits: a Faust agent
  (``twspulse/streams/faust_carrier.py``) or, for job events (the pipeline's volume), the librdkafka batch
  consumer (``twspulse/streams/job_event_consumer.py``), a service of this Faust app.
- One offset rule for both: a batch is committed only after its rows, stage outputs (scores, alerts, forwarded
  records, new baselines) and dead letters are out, so the committed offset never passes data that is not in
  the database, the next topic or the DLQ. A batch the worker cannot finish because it is stopping (say,
  during a database outage) is left uncommitted, and the next owner of its partitions reads it again.
- Every consumer reads committed records only (``twspulse/streams/faust_transport.py`` for Faust's): records of a
  connector transaction that aborted never reach a table.
- The dead-letter topics are read too, into one ``dead_letters`` row per dead letter
  (``twspulse/streams/dead_letters.py``): the worker's own and the connectors' alike.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import partial
from typing import Any

import faust
import psycopg
import structlog
from confluent_kafka.admin import AdminClient

from twspulse import metrics
from twspulse.kafka_clients import KafkaSecurity, librdkafka_config
from twspulse.models.isolation_forest import LatestModel, ModelStore
from twspulse.producer import EventProducer
from twspulse.settings import Settings
from twspulse.streams.alert_stage import AlertStage
from twspulse.streams.anomaly_stage import AnomalyStage
from twspulse.streams.batch_guard import guarded
from twspulse.streams.dead_letters import DEAD_LETTER_COLUMNS, Consumed, dead_letter_row
from twspulse.streams.faust_auth import broker_credentials
from twspulse.streams.faust_carrier import faust_agent, release
from twspulse.streams.faust_transport import ReadCommittedTransport
from twspulse.streams.flow import FlowParts
from twspulse.streams.job_event_consumer import BatchConsumer
from twspulse.streams.pipes import PIPES
from twspulse.streams.retry_policy import RetryPolicy, Stopping, StopSignal
from twspulse.streams.timescale_sink import TimescaleSink

log = structlog.get_logger(__name__)

LAG_RECORD_SECONDS = 15.0  # how often each worker writes its partitions' lag into consumer_lag
LAG_COLUMNS = ("time", "worker_id", "consumer_group", "topic", "partition", "lag")


def _dead_letter_counter(app: faust.App, settings: Settings, sink: TimescaleSink, retry: RetryPolicy) -> None:
    """Read every ``<topic>.dlq`` into ``dead_letters`` rows (see ``twspulse/streams/dead_letters.py`` for the key)."""
    source = app.topic(*(p.dead_letter_topic for p in PIPES), key_serializer="raw", value_serializer="raw")

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
                release(events)
                continue
            for r in not_stored:  # the row of a dead letter the database refuses: the record is on its topic
                log.error("worker.dead_letter_row_refused", row=str(rows[r.index])[:500], reason=r.reason)

    app.agent(source, name="twspulse.dead-letters")(count_dead_letters)


def _partitions(topic: str, bootstrap: str, default: int, security: KafkaSecurity) -> int:
    """A topic's partition count (``default`` if the broker does not have it yet)."""
    admin = AdminClient(librdkafka_config(bootstrap, "twspulse-worker-admin", security))
    meta = admin.list_topics(topic, timeout=15).topics.get(topic)
    return len(meta.partitions) if meta is not None and meta.partitions else default


def create_app(settings: Settings, bootstrap: str, database_url: str) -> faust.App:
    """The Faust app with the flows of ``PIPES`` on their carriers; the caller runs it (``twspulse worker``)."""
    (settings.data_dir / "faust").mkdir(parents=True, exist_ok=True)
    security = KafkaSecurity.from_settings(settings.kafka)  # the same TLS/SASL for Faust's clients and librdkafka's
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
    parts = FlowParts(settings, bootstrap, database_url, security, sink, retry, anomalies, alerts,
                      partial(_partitions, bootstrap=bootstrap, default=settings.topic_partitions,
                              security=security))  # fmt: skip
    flows = [(pipe.carrier, pipe.build(parts)) for pipe in PIPES]
    for flow in (f for carrier, f in flows if carrier == "faust"):
        faust_agent(app, flow, settings.worker)
    _dead_letter_counter(app, settings, sink, retry)
    # the batch consumer's loop turns every worker_batch_seconds, idle or not
    liveness = metrics.Liveness.of(settings.health)
    batch = BatchConsumer(settings, bootstrap, [f for carrier, f in flows if carrier == "batch"], retry, liveness,
                          loop=app.loop, beacon=app.beacon)  # fmt: skip

    @app.task
    async def serve_metrics() -> None:  # /metrics and /health (metrics_port), for as long as the process runs
        metrics.serve(settings.health, liveness)

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
    async def start_batch_consumer() -> None:  # with the app: stopped with it, after its batch in hand
        await app.add_runtime_dependency(batch)

    return app
