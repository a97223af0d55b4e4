"""Runs the Faust worker in the foreground (``twspulse worker``)."""

from __future__ import annotations

import faust

from twspulse import db, log_throttle
from twspulse.engines.registry import Endpoints
from twspulse.kafka_clients import KafkaSecurity
from twspulse.settings import Settings
from twspulse.streams.app import create_app
from twspulse.topics import ensure_topics


def run_worker(settings: Settings, endpoints: Endpoints, migrate: bool = True) -> None:
    """Prepare topics (and the schema), then hand the process to Faust until SIGTERM/SIGINT."""
    security = KafkaSecurity.from_settings(settings.kafka)
    ensure_topics(endpoints.kafka_bootstrap, settings.topic_partitions, security=security)
    if migrate:
        db.migrate(endpoints.database_url)
    app = create_app(settings, endpoints.kafka_bootstrap, endpoints.database_url)
    log_throttle.install()  # an outage makes aiokafka and Faust repeat themselves several times a second
    worker = faust.Worker(
        app, loglevel=settings.log_level.lower().replace("warning", "warn"), quiet=True, override_logging=False
    )
    worker.execute_from_commandline()
