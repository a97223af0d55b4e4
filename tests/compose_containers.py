"""The compose images as test engines, through testcontainers (opt-in: TWSPULSE_TEST_CONTAINERS=1).

Where a Docker engine exists, the integration suite can run against exactly what ``compose.yaml`` deploys:
the ``timescaledb`` service's image and command (TimescaleDB 2.29.2 on PostgreSQL 18, its background-worker
sizing) and the ``kafka`` service's image and environment (Apache Kafka 4.3.1, KRaft, one node). Both specs
are read from compose.yaml, so the file and the tests cannot drift apart. Without the switch the suite
uses the engines built and run in-process (twspulse/engines), the same versions: no machine of this
project runs a Docker engine, so that is what CI runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from twspulse.engines.ports import free_port

COMPOSE_FILE = Path(__file__).resolve().parent.parent / "compose.yaml"
PG_USER = PG_PASSWORD = "twspulse"


def compose_service(name: str) -> dict[str, Any]:
    """One service of compose.yaml."""
    service: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())["services"][name]
    return service


def timescaledb_spec() -> dict[str, Any]:
    """Image, command and environment of the compose ``timescaledb`` service, as the test container runs it."""
    svc = compose_service("timescaledb")
    return {"image": svc["image"], "command": " ".join(svc["command"]), "env": {"TIMESCALEDB_TELEMETRY": "off"}}


def kafka_spec(host_port: int) -> dict[str, Any]:
    """Image and environment of the compose ``kafka`` service, its listener advertised on ``host_port``.

    testcontainers' KafkaContainer drives Confluent's images; the ``apache/kafka`` image is configured by
    environment alone, as compose does, except where the broker is reached from.
    """
    svc = compose_service("kafka")
    env = {key: str(value) for key, value in svc["environment"].items()}
    env.update(
        KAFKA_LISTENERS="PLAINTEXT://:9092,CONTROLLER://:9093",
        KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://127.0.0.1:{host_port}",
        KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
    )
    return {"image": svc["image"], "env": env, "port": 9092, "host_port": host_port}


def start_timescaledb() -> tuple[Any, str]:
    """Start the compose TimescaleDB image; returns (container, admin URL)."""
    from testcontainers.postgres import PostgresContainer  # needs a Docker engine

    spec = timescaledb_spec()
    container = PostgresContainer(spec["image"], username=PG_USER, password=PG_PASSWORD, dbname="twspulse",
                                  driver=None)  # fmt: skip
    for key, value in spec["env"].items():
        container.with_env(key, value)
    container.with_command(spec["command"])
    container.start()
    return container, container.get_connection_url()


def start_kafka() -> tuple[Any, str]:
    """Start the compose Kafka image and wait until it serves; returns (container, bootstrap)."""
    from testcontainers.core.container import DockerContainer  # needs a Docker engine
    from testcontainers.core.waiting_utils import wait_for_logs

    spec = kafka_spec(free_port())
    container = DockerContainer(spec["image"])
    for key, value in spec["env"].items():
        container.with_env(key, value)
    container.with_bind_ports(spec["port"], spec["host_port"])
    container.start()
    wait_for_logs(container, r"Kafka Server started", timeout=120)
    return container, f"127.0.0.1:{spec['host_port']}"
