"""The real Apache Kafka broker, run from Maven Central jars on a machine without Docker.

Tests and the demo must talk to a real broker (KRaft, one node), not a fake. Maven resolves the broker and
its dependencies once into a cache folder; each start formats a fresh KRaft storage folder and runs
``kafka.Kafka`` on free 127.0.0.1 ports.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import structlog
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from twspulse.engines.ports import free_port
from twspulse.kafka_clients import librdkafka_config

log = structlog.get_logger(__name__)

POM = Path(__file__).with_name("kafka-pom.xml")
KAFKA_VERSION = "4.3.1"


@dataclass(frozen=True)
class SaslSslListener:
    """An extra SASL_SSL listener (SCRAM-SHA-512) for tests of TLS and SASL clients.

    ``keystore``: one PEM file holding the broker's unencrypted PKCS#8 key and its certificate chain (Kafka
    reads PEM keystores itself); ``users``: SCRAM user -> password, created when the storage is formatted.
    """

    keystore: Path
    users: tuple[tuple[str, str], ...]
    port: int = 0


class KafkaStartError(RuntimeError):
    """The local broker did not come up; the message carries the tail of its log."""


def ensure_jars(cache_dir: Path) -> Path:
    """Download the broker jars with Maven unless a previous run left them; returns the jar folder."""
    libs = cache_dir / f"kafka-{KAFKA_VERSION}" / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    libs.mkdir(parents=True, exist_ok=True)
    log.info("kafka.jars.download", version=KAFKA_VERSION, into=str(libs))
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    marker.write_text(KAFKA_VERSION)
    return libs


_LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log_file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = info
"""


@dataclass
class LocalKafka:
    """One KRaft broker+controller bound to 127.0.0.1, owned by this process."""

    workdir: Path
    cache_dir: Path
    heap: str = "512m"
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    sasl_ssl: SaslSslListener | None = None  # opt-in second listener (tests of secured clients)

    @property
    def bootstrap(self) -> str:
        """host:port for clients."""
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_ssl_bootstrap(self) -> str:
        """host:port of the SASL_SSL listener (``sasl_ssl`` set only)."""
        if self.sasl_ssl is None:
            raise ValueError("this broker has no SASL_SSL listener")
        return f"127.0.0.1:{self.sasl_ssl.port}"

    @property
    def log_file(self) -> Path:
        """The broker's own log, shown when it fails to start."""
        return self.workdir / "kafka.log"

    def _write_config(self, controller_port: int) -> Path:
        data = self.workdir / "kraft"
        if data.exists():
            shutil.rmtree(data)
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(data),
            "num.partitions": "3",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "3",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "3",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "log.segment.bytes": str(64 * 1024 * 1024),
        }
        if self.sasl_ssl is not None:
            secure = f"SASL_SSL://127.0.0.1:{self.sasl_ssl.port}"
            props |= {
                "listeners": f"{props['listeners']},{secure}",
                "advertised.listeners": f"{props['advertised.listeners']},{secure}",
                "listener.security.protocol.map": f"{props['listener.security.protocol.map']},SASL_SSL:SASL_SSL",
                "sasl.enabled.mechanisms": "SCRAM-SHA-512",
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config":
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": str(self.sasl_ssl.keystore),
            }  # fmt: skip
        path = self.workdir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.workdir / "log4j2.properties").write_text(_LOG4J2.format(log_file=self.log_file))
        return path

    def _java(self, libs: Path, *args: str) -> list[str]:
        return [
            "java",
            f"-Xmx{self.heap}",
            "-Xms128m",
            "-XX:+UseG1GC",
            "-XX:TieredStopAtLevel=1",
            f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.properties'}",
            "-cp",
            f"{libs}/*",
            *args,
        ]

    def start(self, timeout_s: float = 90.0, attempts: int = 3) -> None:
        """Format storage, start the broker and wait until it answers metadata requests.

        Ports this broker picks itself are free when picked, but another process (a parallel test worker, a
        second demo) can take one before the broker binds it: then it is started again on new ports.
        """
        own_port, own_sasl = not self.port, self.sasl_ssl is not None and not self.sasl_ssl.port
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(timeout_s)
                return
            except KafkaStartError as exc:
                exited = self.process is not None and self.process.poll() is not None
                if "Address already in use" not in str(exc) or not exited or attempt == attempts:
                    raise
                if not (own_port or own_sasl):
                    raise
                log.warning("kafka.port_taken", port=self.port, attempt=attempt, what="starting again on new ports")
                if own_port:
                    self.port = 0
                if own_sasl and self.sasl_ssl is not None:
                    self.sasl_ssl = replace(self.sasl_ssl, port=0)

    def _start_once(self, timeout_s: float) -> None:
        libs = ensure_jars(self.cache_dir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        if self.sasl_ssl is not None and not self.sasl_ssl.port:
            self.sasl_ssl = replace(self.sasl_ssl, port=free_port())
        props = self._write_config(free_port())
        data = self.workdir / "kraft"
        if self.sasl_ssl is not None:
            # SCRAM users are records of the cluster's bootstrap metadata: this broker is formatted itself
            scram = [f"SCRAM-SHA-512=[name={user},password={password}]" for user, password in self.sasl_ssl.users]
            self._format(libs, props, *(arg for entry in scram for arg in ("--add-scram", entry)))
        elif not (data / "meta.properties").exists():
            shutil.copytree(self._formatted_template(libs), data, dirs_exist_ok=True)
        out = (self.workdir / "kafka.stdout").open("ab")
        self.process = subprocess.Popen(
            self._java(libs, "kafka.Kafka", str(props)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (self.workdir / "kafka.pid").write_text(str(self.process.pid))
        self._wait_ready(timeout_s)
        log.info("kafka.started", bootstrap=self.bootstrap, pid=self.process.pid)

    def _formatted_template(self, libs: Path) -> Path:
        """A KRaft log dir formatted once per Kafka version and copied into each new broker's data dir.

        Formatting is a JVM start of its own (about a second); a copy of the formatted dir is the same
        content (meta.properties and the bootstrap checkpoint), so tests and the demo start brokers faster.
        Brokers made from it share a cluster id, which only matters for brokers of one cluster.
        """
        template = self.cache_dir / f"kafka-{KAFKA_VERSION}" / "kraft-formatted"
        if (template / "meta.properties").exists():
            return template
        scratch = Path(tempfile.mkdtemp(prefix="kraft-", dir=self.cache_dir))
        props = scratch / "server.properties"
        lines = (self.workdir / "server.properties").read_text().splitlines()
        props.write_text("".join(f"{line}\n" for line in lines if not line.startswith("log.dirs=")))
        with props.open("a") as out:
            out.write(f"log.dirs={scratch / 'kraft'}\n")
        self._format(libs, props)
        try:
            (scratch / "kraft").rename(template)  # atomic: a concurrent start keeps whichever landed first
        except OSError:
            pass
        shutil.rmtree(scratch, ignore_errors=True)
        return template

    def _format(self, libs: Path, props: Path, *extra: str) -> None:
        """Format the log dir of ``props`` as a new cluster (``extra``: more StorageTool arguments)."""
        subprocess.run(
            self._java(
                libs, "kafka.tools.StorageTool", "format", "-t", uuid.uuid4().hex[:22], "-c", str(props), *extra
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        admin = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise KafkaStartError(f"broker exited with {self.process.returncode}: {self._tail()}")
            if admin is None:
                # Ask the Kafka protocol only once the port listens: keeps librdkafka's
                # connection-refused noise out of the logs.
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                except OSError:
                    time.sleep(0.05)
                    continue
                admin = AdminClient(librdkafka_config(self.bootstrap, "twspulse-kafka-ready"))
            try:
                md = admin.list_topics(timeout=2)
                if md.brokers:
                    return
            except KafkaException as exc:  # the controller may still be electing itself
                log.debug("kafka.not_ready", error=str(exc))
            time.sleep(0.1)
        self.stop()
        raise KafkaStartError(f"broker not ready after {timeout_s}s: {self._tail()}")

    def _tail(self) -> str:
        parts = []
        for f in (self.workdir / "kafka.stdout", self.log_file):
            if f.exists():
                parts.append(f.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the broker with SIGTERM (controlled shutdown), killing it if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        log.info("kafka.stopped", bootstrap=self.bootstrap)
