"""Wires the TWS connector's parts together (``twspulse connect tws``)."""

from __future__ import annotations

import asyncio

from twspulse.connectors.tws.client import TwsClient
from twspulse.connectors.tws.poller import TwsPoller
from twspulse.connectors.tws.seen_store import SeenStore
from twspulse.kafka_clients import KafkaSecurity
from twspulse.metrics import Liveness
from twspulse.producer import EventProducer
from twspulse.settings import Settings
from twspulse.topics import ensure_topics


def build_poller(settings: Settings, bootstrap: str, client: TwsClient, liveness: Liveness | None = None) -> TwsPoller:
    """A poller resumed from the connector's saved state, with its transactional producer."""
    security = KafkaSecurity.from_settings(settings.kafka)
    ensure_topics(bootstrap, settings.topic_partitions, security=security)
    # The producer first: its init_transactions fences a killed predecessor and aborts the transaction that
    # one left open, so reading the state (read_committed) does not wait for the transaction timeout.
    producer = EventProducer(
        bootstrap,
        transactional_id=f"twspulse-tws-{settings.connector_name}",
        client_id="twspulse-tws",
        security=security,
    )
    store = SeenStore(settings.connector_name)
    store.load(bootstrap, security=security)
    return TwsPoller(settings.tws, client, producer, store, liveness=liveness)


async def run_tws_connector(
    settings: Settings,
    bootstrap: str,
    stop: asyncio.Event,
    max_polls: int | None = None,
    liveness: Liveness | None = None,
) -> TwsPoller:
    """Resume from the saved state and poll until ``stop`` (or ``max_polls``); returns the poller."""
    async with TwsClient(settings.tws) as client:
        poller = build_poller(settings, bootstrap, client, liveness)
        await poller.run(stop, max_polls=max_polls)
    return poller
