"""Kafka security settings reach a real TLS + SCRAM listener from both kinds of client.

The local broker gets a second listener, SASL_SSL with SCRAM-SHA-512, whose certificate is signed by a
throwaway CA made here with the openssl CLI; the SCRAM user is created when the broker's storage is
formatted. librdkafka clients are built with ``librdkafka_config``/``EventProducer`` and the worker's
aiokafka clients with the credentials Faust is given (``streams.faust_auth.broker_credentials``).
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError
from aiokafka.structs import TopicPartition
from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

from twspulse.engines.kafka import LocalKafka, SaslSslListener
from twspulse.kafka_clients import KafkaSecurity, librdkafka_config
from twspulse.producer import EventProducer
from twspulse.settings import Settings, load_settings
from twspulse.streams.app import create_app
from twspulse.streams.faust_auth import broker_credentials
from twspulse.streams.faust_transport import ReadCommittedConsumerThread
from twspulse.topics import create_topics, ensure_topics

USER, PASSWORD = "alice", "alice-secret-4711"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_certificates(folder: Path) -> tuple[Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, keystore.pem)."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
             "-subj", "/CN=twspulse-test-ca", cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=localhost", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "1", "-extfile", "san.ext", cwd=folder)  # fmt: skip
    keystore = folder / "keystore.pem"  # Kafka's PEM keystore: the PKCS#8 key, then the certificate
    keystore.write_text((folder / "server.key").read_text() + (folder / "server.pem").read_text())
    return folder / "ca.pem", keystore


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalKafka, Path]]:
    """A broker with a SASL_SSL (SCRAM-SHA-512) listener, and the CA its certificate is signed with."""
    folder = tmp_path_factory.mktemp("kafka-tls")
    ca, keystore = _make_certificates(folder)
    broker = LocalKafka(
        folder / "broker",
        load_settings().cache_dir,
        heap="384m",
        sasl_ssl=SaslSslListener(keystore=keystore, users=((USER, PASSWORD),)),
    )
    broker.start()
    try:
        yield broker, ca
    finally:
        broker.stop()


def _settings(broker: LocalKafka, ca: Path, password: str = PASSWORD) -> Settings:
    return load_settings(
        kafka_bootstrap=broker.sasl_ssl_bootstrap,
        kafka_security_protocol="SASL_SSL",
        kafka_ssl_cafile=ca,
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username=USER,
        kafka_sasl_password=password,
    )


def _topic(security: KafkaSecurity, bootstrap: str) -> str:
    name = f"secure-{uuid.uuid4().hex[:8]}"
    create_topics(AdminClient(librdkafka_config(bootstrap, "test-secure-admin", security)), [NewTopic(name, 1, 1)])
    return name


def test_librdkafka_producer_and_read_committed_consumer_round_trip_over_tls_and_scram(
    secured: tuple[LocalKafka, Path],
) -> None:
    broker, ca = secured
    settings = _settings(broker, ca)
    security = KafkaSecurity.from_settings(settings)
    bootstrap = broker.sasl_ssl_bootstrap
    topic = _topic(security, bootstrap)
    producer = EventProducer(bootstrap, client_id="test-secure", transactional_id="test-secure", security=security)
    producer.begin()
    producer.send_raw(topic, b"job-1", b'{"over": "tls"}')
    producer.commit()
    consumer = Consumer(
        librdkafka_config(bootstrap, "test-secure-reader", security, **{
            "group.id": "test-secure-reader", "isolation.level": "read_committed", "auto.offset.reset": "earliest"})
    )  # fmt: skip
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 20
        msg = None
        while time.monotonic() < deadline and (msg is None or msg.error()):
            msg = consumer.poll(1.0)
        assert msg is not None and msg.error() is None, msg and msg.error()
        assert (msg.key(), msg.value()) == (b"job-1", b'{"over": "tls"}')
    finally:
        consumer.close()


def test_worker_aiokafka_clients_round_trip_over_tls_and_scram(secured: tuple[LocalKafka, Path]) -> None:
    broker, ca = secured
    security = KafkaSecurity.from_settings(_settings(broker, ca))
    bootstrap = broker.sasl_ssl_bootstrap
    topic = _topic(security, bootstrap)
    auth = credentials_to_aiokafka_auth(broker_credentials(security))  # what Faust gives its aiokafka clients
    assert auth["security_protocol"] == "SASL_SSL" and auth["sasl_mechanism"] == "SCRAM-SHA-512"

    async def round_trip() -> tuple[bytes | None, bytes | None]:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **auth)
        await producer.start()
        try:
            await producer.send_and_wait(topic, b'{"from": "faust"}', key=b"job-2")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="test-secure-aiokafka",
                                    auto_offset_reset="earliest", isolation_level="read_committed", **auth)  # fmt: skip
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), 20)
        finally:
            await consumer.stop()
        return record.key, record.value

    assert asyncio.run(round_trip()) == (b"job-2", b'{"from": "faust"}')


def test_worker_faust_app_produces_and_its_read_committed_consumer_reads_over_tls_and_scram(
    secured: tuple[LocalKafka, Path], tmp_path: Path
) -> None:
    broker, ca = secured
    settings = _settings(broker, ca).model_copy(update={"data_dir": tmp_path, "worker_web_port": 0})
    security = KafkaSecurity.from_settings(settings)
    bootstrap = broker.sasl_ssl_bootstrap
    ensure_topics(bootstrap, 1, security=security)  # the worker's topics (its job-event consumer checks them)
    topic = _topic(security, bootstrap)
    # the worker's own app (nothing reaches the database until a record is processed)
    app = create_app(settings, bootstrap, "postgresql://127.0.0.1:9/unused")
    assert app.conf.broker_credentials is not None

    async def round_trip() -> tuple[bytes | None, bytes | None]:
        await app.producer.start()  # Faust's aiokafka producer, given the app's broker_credentials
        try:
            await app.producer.send_and_wait(topic, b"job-3", b'{"via": "faust"}', partition=None, timestamp=None,
                                             headers=None)  # fmt: skip
        finally:
            await app.producer.stop()
        thread = ReadCommittedConsumerThread(app.consumer, loop=asyncio.get_running_loop(), beacon=app.beacon)
        consumer = thread._create_worker_consumer(app.transport)  # the worker's consumer as Faust builds it
        consumer.assign([TopicPartition(topic, 0)])  # no group join: the client's login is what is tested
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), 20)
        finally:
            await consumer.stop()
        return record.key, record.value

    assert app.loop.run_until_complete(round_trip()) == (b"job-3", b'{"via": "faust"}')


def test_wrong_password_is_an_authentication_error_not_a_hang(
    secured: tuple[LocalKafka, Path], caplog: pytest.LogCaptureFixture
) -> None:
    broker, ca = secured
    security = KafkaSecurity.from_settings(_settings(broker, ca, password="wrong"))
    errors: list[KafkaError] = []
    producer = Producer(librdkafka_config(broker.sasl_ssl_bootstrap, "test-wrong-password", security,
                                          error_cb=errors.append))  # fmt: skip
    started = time.monotonic()
    while not errors and time.monotonic() - started < 15:
        producer.poll(0.2)
    assert errors, "no error reported within 15 s"
    assert errors[0].code() == KafkaError._AUTHENTICATION, errors[0]
    assert "Authentication failed" in errors[0].str()

    async def aiokafka_start() -> None:
        auth = credentials_to_aiokafka_auth(broker_credentials(security))
        producer = AIOKafkaProducer(bootstrap_servers=broker.sasl_ssl_bootstrap, request_timeout_ms=10_000, **auth)
        try:
            await asyncio.wait_for(producer.start(), 20)
        finally:
            await producer.stop()

    # aiokafka gives up at once, but its exception says only "Unable to bootstrap"; the reason is the line
    # it logs (aiokafka's logger goes through the project's JSON logs like any other)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
        asyncio.run(aiokafka_start())
    assert time.monotonic() - started < 15
    assert any("SaslAuthenticationFailed" in r.getMessage() for r in caplog.records), caplog.text


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "TWSPULSE_KAFKA_BOOTSTRAP"),
        ({"kafka_bootstrap": "k:9093", "kafka_security_protocol": "SASL_SSL"}, "TWSPULSE_KAFKA_SASL_MECHANISM"),
        ({"kafka_bootstrap": "k:9093", "kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-256",
          "kafka_sasl_username": "u"}, "TWSPULSE_KAFKA_SASL_PASSWORD"),
        ({"kafka_bootstrap": "k:9093", "kafka_security_protocol": "SASL_PLAINTEXT",
          "kafka_sasl_mechanism": "OAUTHBEARER", "kafka_oidc_token_url": "https://idp/token"},
         "TWSPULSE_KAFKA_OIDC_CLIENT_ID"),
        ({"kafka_sasl_password": "secret"}, "TWSPULSE_KAFKA_SASL_PASSWORD"),
        ({"kafka_bootstrap": "k:9093", "kafka_security_protocol": "SSL", "kafka_ssl_keyfile": __file__},
         "TWSPULSE_KAFKA_SSL_CERTFILE"),
    ],
)  # fmt: skip
def test_inconsistent_security_settings_fail_at_load_naming_the_variable(
    overrides: dict[str, object], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        load_settings(**overrides)


def test_security_maps_to_librdkafka_keys_and_hides_secrets() -> None:
    settings = load_settings(
        kafka_bootstrap="k:9093", kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="OAUTHBEARER",
        kafka_oidc_token_url="https://idp/token", kafka_oidc_client_id="pulse", kafka_oidc_client_secret="s3cret",
    )  # fmt: skip
    security = KafkaSecurity.from_settings(settings)
    assert librdkafka_config("k:9093", "c", security) | {"logger": None} == {
        "bootstrap.servers": "k:9093", "client.id": "c", "logger": None, "security.protocol": "sasl_ssl",
        "sasl.mechanism": "OAUTHBEARER", "sasl.oauthbearer.method": "oidc",
        "sasl.oauthbearer.token.endpoint.url": "https://idp/token", "sasl.oauthbearer.client.id": "pulse",
        "sasl.oauthbearer.client.secret": "s3cret",
    }  # fmt: skip
    assert "s3cret" not in repr(security)
    assert librdkafka_config("k:9092", "c").keys() == {"bootstrap.servers", "client.id", "logger"}
