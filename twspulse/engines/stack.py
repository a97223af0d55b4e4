"""Starts what the settings do not point to: the local Kafka broker and/or the embedded PostgreSQL.

Used by ``twspulse engines up``, ``twspulse demo`` and the test fixtures, so all three run the same
engines the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import structlog

from twspulse import db
from twspulse.engines.kafka import LocalKafka
from twspulse.engines.postgres import LocalPostgres
from twspulse.engines.registry import Endpoints
from twspulse.kafka_clients import KafkaSecurity
from twspulse.settings import Settings
from twspulse.topics import ensure_topics

log = structlog.get_logger(__name__)


@dataclass
class LocalStack:
    """Kafka + database endpoints, with the local engines this process started (if any)."""

    settings: Settings
    workdir: Path
    kafka: LocalKafka | None = None
    postgres: LocalPostgres | None = None
    endpoints: Endpoints | None = field(default=None)

    def start(self) -> Endpoints:
        """Start missing engines, create topics and run migrations; returns where everything is."""
        bootstrap = self.settings.kafka_bootstrap
        url = self.settings.database_url
        if not bootstrap:
            self.kafka = LocalKafka(self.workdir / "kafka", self.settings.cache_dir, heap=self.settings.kafka_heap)
            self.kafka.start()
            bootstrap = self.kafka.bootstrap
        if not url:
            self.postgres = LocalPostgres(self.workdir / "postgres")
            url = self.postgres.start()
        ensure_topics(bootstrap, self.settings.topic_partitions, security=KafkaSecurity.from_settings(self.settings))
        db.migrate(url)
        self.endpoints = Endpoints(bootstrap, url)
        log.info("stack.ready", kafka=bootstrap, database_mode=db.engine_mode(url))
        return self.endpoints

    def stop(self) -> None:
        """Stop the engines this process started; external ones are left alone."""
        if self.kafka is not None:
            self.kafka.stop()
        if self.postgres is not None:
            self.postgres.stop()
