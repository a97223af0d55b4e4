"""The Faust worker: one agent per data topic, each batching records into the database sink.

Each agent takes a batch of events, decodes them (a record that does not parse goes to ``<topic>.dlq``
with the reason), writes the rows, dead-letters rows the database refuses, and only then lets Faust ack
the batch. So the offset committed never passes data that is not in the database or the DLQ.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import faust
import structlog
from pydantic import ValidationError

from streams.pipes import PIPES, Pipe
from streams.timescale_sink import TimescaleSink
from twspulse.events import DeadLetter, validation_reason
from twspulse.settings import Settings

log = structlog.get_logger(__name__)


def _dead_letter(pipe: Pipe, event: Any, reason: str, error_type: str) -> DeadLetter:
    msg = event.message
    key = msg.key.decode(errors="replace") if isinstance(msg.key, bytes) else msg.key
    raw = msg.value if isinstance(msg.value, bytes) else str(msg.value).encode()
    return DeadLetter.wrap(
        source_topic=pipe.topic.name,
        raw=raw,
        reason=reason,
        error_type=error_type,
        failed_at=datetime.now(UTC),
        key=key,
        partition=msg.partition,
        offset=msg.offset,
    )


def _make_agent(app: faust.App, pipe: Pipe, sink: TimescaleSink, settings: Settings) -> None:
    source = app.topic(pipe.topic.name, key_serializer="raw", value_serializer="raw")
    dlq = app.topic(pipe.topic.dlq, key_serializer="raw", value_serializer="raw")

    async def to_dlq(dead: list[DeadLetter]) -> None:
        for d in dead:
            fut = await dlq.send(key=(d.key or "").encode(), value=d.to_bytes())
            await fut  # delivered before the source offset may be acked
        if dead:
            log.warning("worker.dead_lettered", topic=pipe.topic.dlq, count=len(dead), first=dead[0].reason)

    async def agent(stream: faust.StreamT[Any]) -> None:
        # take_events (not take): the batch keeps each record's partition/offset for dead letters
        batches = stream.take_events(  # type: ignore[attr-defined]
            settings.worker_batch_size, within=settings.worker_batch_seconds
        )
        async for events in batches:
            rows: list[tuple[Any, ...]] = []
            owners: list[Any] = []  # event that produced each row, for dead-lettering refused rows
            dead: list[DeadLetter] = []
            for event in events:
                try:
                    record = pipe.decode(event.message.value)
                    new_rows = pipe.to_rows(record)
                except ValidationError as exc:
                    reason = f"record does not match {pipe.topic.model.__name__}: {validation_reason(exc)}"
                    dead.append(_dead_letter(pipe, event, reason, "ValidationError"))
                    continue
                except (ValueError, TypeError) as exc:
                    dead.append(_dead_letter(pipe, event, f"unmappable record: {exc}", type(exc).__name__))
                    continue
                rows.extend(new_rows)
                owners.extend([event] * len(new_rows))
            rejected = await sink.write(pipe.table, pipe.columns, rows)
            seen_events: set[int] = set()
            for r in rejected:
                if id(owners[r.index]) not in seen_events:
                    seen_events.add(id(owners[r.index]))
                    dead.append(_dead_letter(pipe, owners[r.index], f"database refused row: {r.reason}", "DBError"))
            await to_dlq(dead)
            log.debug("worker.batch", topic=pipe.topic.name, events=len(events), rows=len(rows), dead=len(dead))

    agent.__name__ = f"sink_{pipe.table}"
    app.agent(source, name=f"twspulse.sink.{pipe.table}")(agent)


def create_app(settings: Settings, bootstrap: str, database_url: str) -> faust.App:
    """The Faust app with its agents; the caller runs it (``twspulse worker``)."""
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
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        producer_max_request_size=4 * 1024 * 1024,
        consumer_max_fetch_size=8 * 1024 * 1024,
    )
    sink = TimescaleSink(database_url)
    for pipe in PIPES:
        _make_agent(app, pipe, sink, settings)
    return app
