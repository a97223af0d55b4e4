"""The Faust carrier: an agent that fetches a pipe's batches, runs its ``Flow`` and acks by the offset rule.

The agent only fetches (``take_events``: the batch keeps each record's partition and offset, for dead letters),
hands the records to ``Flow.run`` and lets ``take_events`` ack them when the loop body is left, which is after
``run`` returned: after the batch's rows, stage outputs and dead letters are out. A batch the stopping worker
could not finish (``Stopping``, say in a database outage) is released unacked (``release``).
"""

from __future__ import annotations

from typing import Any

import faust
from faust.types.tuples import ack_lock

from twspulse.settings import WorkerSettings
from twspulse.streams.dead_letters import Consumed
from twspulse.streams.flow import Flow
from twspulse.streams.retry_policy import Stopping


def release(events: list[Any]) -> None:
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


def faust_agent(app: faust.App, flow: Flow, settings: WorkerSettings) -> None:
    """Run ``flow`` on its topics in a Faust agent of ``app`` (one agent per flow)."""
    if flow.route is not None:
        # a routed record comes back on the route's topic with other partition numbers than its source's, and
        # Faust's own assignor does not keep the two topics' partitions together as the batch consumer's does
        raise ValueError(f"{flow.topic.name}: a routed pipe needs the batch carrier")
    topic = flow.topic.name
    source = app.topic(topic, key_serializer="raw", value_serializer="raw")

    async def agent(stream: faust.StreamT[Any]) -> None:
        batches = stream.take_events(  # type: ignore[attr-defined]
            settings.worker_batch_size, within=settings.worker_batch_seconds
        )
        async for events in batches:
            try:
                await flow.run([Consumed.of_faust(topic, event) for event in events])
            except Stopping:
                release(events)

    agent.__name__ = f"decode_{topic.replace('.', '_')}"
    app.agent(source, name=f"twspulse.decode.{topic}")(agent)
