"""The worker's OAUTHBEARER token provider against a real HTTP token endpoint, and Faust's credentials per protocol."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import faust
import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from twspulse.kafka_clients import KafkaSecurity
from twspulse.streams.faust_auth import OidcTokenError, OidcTokenProvider, broker_credentials


class _TokenEndpoint(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict[str, list[str]]]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        type(self).requests.append((self.headers.get("Authorization", ""), parse_qs(body)))
        payload = {"access_token": f"token-{len(self.requests)}", "expires_in": 3600}
        data = json.dumps(payload if self.status == 200 else {"error": "invalid_client"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:  # keep the test output to pytest's
        pass


@pytest.fixture
def token_url() -> Iterator[str]:
    _TokenEndpoint.requests, _TokenEndpoint.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/token"
    finally:
        server.shutdown()
        server.server_close()


def _oidc(url: str) -> KafkaSecurity:
    return KafkaSecurity(protocol="SASL_SSL", sasl_mechanism="OAUTHBEARER", oidc_token_url=url,
                         oidc_client_id="pulse", oidc_client_secret="s3cret", oidc_scope="kafka")  # fmt: skip


def test_token_is_fetched_with_client_credentials_once_and_reused(token_url: str) -> None:
    provider = OidcTokenProvider(_oidc(token_url))

    async def twice() -> list[str]:
        return [await provider.token(), await provider.token()]

    assert asyncio.run(twice()) == ["token-1", "token-1"]
    [(authorization, form)] = _TokenEndpoint.requests
    assert authorization == "Basic " + base64.b64encode(b"pulse:s3cret").decode()
    assert form == {"grant_type": ["client_credentials"], "scope": ["kafka"]}


def test_a_refused_client_is_a_token_error_naming_the_endpoint(token_url: str) -> None:
    _TokenEndpoint.status = 401
    with pytest.raises(OidcTokenError, match=f"{token_url} answered 401"):
        asyncio.run(OidcTokenProvider(_oidc(token_url)).token())


def test_faust_credentials_follow_the_protocol() -> None:
    assert broker_credentials(KafkaSecurity()) is None
    ssl_only = broker_credentials(KafkaSecurity(protocol="SSL"))
    assert isinstance(ssl_only, faust.SSLCredentials)
    assert credentials_to_aiokafka_auth(ssl_only)["security_protocol"] == "SSL"
    oauth = credentials_to_aiokafka_auth(broker_credentials(_oidc("https://idp/token")))
    assert (oauth["security_protocol"], oauth["sasl_mechanism"]) == ("SASL_SSL", "OAUTHBEARER")
    assert isinstance(oauth["sasl_oauth_token_provider"], OidcTokenProvider)
    plain = credentials_to_aiokafka_auth(broker_credentials(KafkaSecurity(
        protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256", sasl_username="u", sasl_password="p")))  # fmt: skip
    assert (plain["security_protocol"], plain["sasl_mechanism"], plain["ssl_context"]) == (
        "SASL_PLAINTEXT", "SCRAM-SHA-256", None)  # fmt: skip
