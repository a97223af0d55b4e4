"""The local broker picks its own ports; one taken by another process before the broker binds it is not fatal."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient

from tests.conftest import CACHE
from twspulse.engines import kafka as kafka_engine
from twspulse.engines.kafka import LocalKafka
from twspulse.engines.ports import free_port


def test_a_port_taken_before_the_broker_binds_it_makes_it_start_again_on_new_ports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        occupied = taken.getsockname()[1]
        handed = iter([occupied])  # the race: the first port handed out is someone else's by the time it binds
        monkeypatch.setattr(kafka_engine, "free_port", lambda: next(handed, None) or free_port())
        broker = LocalKafka(tmp_path / "kafka", CACHE, heap="384m")
        try:
            broker.start()
            assert broker.port != occupied
            assert AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10).brokers
        finally:
            broker.stop()
    assert "Address already in use" in broker.log_file.read_text()  # the first start did fail on the port


def test_a_port_given_by_the_caller_is_not_replaced(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        broker = LocalKafka(tmp_path / "kafka", CACHE, heap="384m", port=taken.getsockname()[1])
        with pytest.raises(kafka_engine.KafkaStartError, match="Address already in use"):
            broker.start(timeout_s=60)
        broker.stop()
