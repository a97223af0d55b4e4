"""What every Kafka client of the project (librdkafka producer, consumer, admin; the worker's aiokafka) starts from.

One place for the settings all of them share: the bootstrap servers, a client id, a Python logger, and how
they reach the broker (TLS, SASL). Without a ``logger`` librdkafka writes its own lines
(``%3|<time>|FAIL|...``) straight to stderr, past the JSON renderer and the outage throttle
(``twspulse/logs.py``); with one they are ``librdkafka.<client>`` records like any library's, delivered
when the client is polled.

``KafkaSecurity`` is the one mapping of the ``TWSPULSE_KAFKA_SECURITY_*``/``_SSL_*``/``_SASL_*``/``_OIDC_*``
settings: ``librdkafka()`` gives confluent-kafka's keys, ``ssl_context()`` the context the worker's
aiokafka (Faust) clients use, so both kinds of client reach the same broker the same way.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twspulse.settings import KafkaSettings


@dataclass(frozen=True)
class KafkaSecurity:
    """How a client authenticates to Kafka and encrypts the connection; the default is PLAINTEXT."""

    protocol: str = "PLAINTEXT"
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_key_password: str | None = None
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    oidc_token_url: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scope: str | None = None

    @classmethod
    def from_settings(cls, settings: KafkaSettings) -> KafkaSecurity:
        """The security of ``settings`` (already checked for consistency when they were loaded)."""

        def secret(value: Any) -> str | None:
            return None if value is None else str(value.get_secret_value())

        return cls(
            protocol=settings.kafka_security_protocol,
            ssl_cafile=settings.kafka_ssl_cafile,
            ssl_certfile=settings.kafka_ssl_certfile,
            ssl_keyfile=settings.kafka_ssl_keyfile,
            ssl_key_password=secret(settings.kafka_ssl_key_password),
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_username=settings.kafka_sasl_username,
            sasl_password=secret(settings.kafka_sasl_password),
            oidc_token_url=settings.kafka_oidc_token_url,
            oidc_client_id=settings.kafka_oidc_client_id,
            oidc_client_secret=secret(settings.kafka_oidc_client_secret),
            oidc_scope=settings.kafka_oidc_scope,
        )

    @property
    def tls(self) -> bool:
        """Whether connections are encrypted (SSL, SASL_SSL)."""
        return self.protocol in ("SSL", "SASL_SSL")

    def __repr__(self) -> str:
        # Never the passwords or the client secret: these objects end up in log lines and tracebacks.
        return f"KafkaSecurity(protocol={self.protocol!r}, sasl_mechanism={self.sasl_mechanism!r})"

    def librdkafka(self) -> dict[str, Any]:
        """The librdkafka (confluent-kafka) keys of this security; empty for PLAINTEXT."""
        conf: dict[str, Any] = {}
        if self.protocol == "PLAINTEXT":
            return conf
        conf["security.protocol"] = self.protocol.lower()
        optional = {
            "ssl.ca.location": self.ssl_cafile,
            "ssl.certificate.location": self.ssl_certfile,
            "ssl.key.location": self.ssl_keyfile,
            "ssl.key.password": self.ssl_key_password,
            "sasl.mechanism": self.sasl_mechanism,
            "sasl.username": self.sasl_username,
            "sasl.password": self.sasl_password,
        }
        if self.sasl_mechanism == "OAUTHBEARER":
            # librdkafka fetches and refreshes the token itself (client-credentials grant).
            optional |= {
                "sasl.oauthbearer.method": "oidc",
                "sasl.oauthbearer.token.endpoint.url": self.oidc_token_url,
                "sasl.oauthbearer.client.id": self.oidc_client_id,
                "sasl.oauthbearer.client.secret": self.oidc_client_secret,
                "sasl.oauthbearer.scope": self.oidc_scope,
            }
        conf |= {key: str(value) for key, value in optional.items() if value is not None}
        return conf

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context of aiokafka clients (certificate and host name verified); ``None`` without TLS."""
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=str(self.ssl_cafile) if self.ssl_cafile else None)
        if self.ssl_certfile and self.ssl_keyfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile, password=self.ssl_key_password)
        return context


PLAINTEXT = KafkaSecurity()


def librdkafka_config(bootstrap: str, client: str, security: KafkaSecurity = PLAINTEXT, **extra: Any) -> dict[str, Any]:
    """The base configuration of a librdkafka client named ``client`` (its id and its logger's name)."""
    return {
        "bootstrap.servers": bootstrap,
        "client.id": client,
        "logger": logging.getLogger(f"librdkafka.{client}"),
        **security.librdkafka(),
        **extra,
    }
