"""The worker's Faust (aiokafka) credentials, from the same ``KafkaSecurity`` its librdkafka clients use.

Faust hands ``broker_credentials`` to every aiokafka client it makes (consumer, producer, topic admin);
``faust.transport.drivers.aiokafka.credentials_to_aiokafka_auth`` turns them into aiokafka's arguments.
For OAUTHBEARER librdkafka fetches its own token (``sasl.oauthbearer.method=oidc``); aiokafka needs a token
provider, so ``OidcTokenProvider`` does the same client-credentials request.
"""

from __future__ import annotations

import time

import faust
import httpx
from aiokafka.abc import AbstractTokenProvider
from faust.types.auth import CredentialsT

from twspulse.kafka_clients import KafkaSecurity

# A token is renewed when this share of its lifetime is gone, so a reconnect never presents an expired one.
_RENEW_AT = 0.8


class OidcTokenError(RuntimeError):
    """The OIDC token endpoint refused the client or answered without an access token."""


class OidcTokenProvider(AbstractTokenProvider):  # type: ignore[misc]
    """Client-credentials tokens from ``security.oidc_token_url``, reused until most of their lifetime is gone."""

    def __init__(self, security: KafkaSecurity, timeout_s: float = 10.0):
        self._security = security
        self._timeout_s = timeout_s
        self._token: str | None = None
        self._renew_at = 0.0

    async def token(self) -> str:
        """A valid access token, fetched again when the cached one is close to its expiry."""
        if self._token is None or time.monotonic() >= self._renew_at:
            self._token, lifetime_s = await self._fetch()
            self._renew_at = time.monotonic() + lifetime_s * _RENEW_AT
        return self._token

    async def _fetch(self) -> tuple[str, float]:
        sec = self._security
        form = {"grant_type": "client_credentials", **({"scope": sec.oidc_scope} if sec.oidc_scope else {})}
        auth = (sec.oidc_client_id or "", sec.oidc_client_secret or "")
        async with httpx.AsyncClient(timeout=self._timeout_s) as client:
            response = await client.post(str(sec.oidc_token_url), data=form, auth=auth)
        if response.status_code != 200:
            raise OidcTokenError(f"{sec.oidc_token_url} answered {response.status_code}: {response.text[:200]}")
        body = response.json()
        if not isinstance(body, dict) or not body.get("access_token"):
            raise OidcTokenError(f"{sec.oidc_token_url} answered no access_token")
        return str(body["access_token"]), float(body.get("expires_in", 300))


def broker_credentials(security: KafkaSecurity) -> CredentialsT | None:
    """Faust's ``broker_credentials`` for ``security``; ``None`` for PLAINTEXT."""
    context = security.ssl_context()
    if security.protocol == "PLAINTEXT":
        return None
    if security.protocol == "SSL":
        return faust.SSLCredentials(context)
    if security.sasl_mechanism == "OAUTHBEARER":
        return faust.OAuthCredentials(oauth_cb=OidcTokenProvider(security), ssl_context=context)
    # SASL_PLAINTEXT or SASL_SSL: Faust picks the protocol from whether there is a TLS context
    return faust.SASLCredentials(
        username=security.sasl_username,
        password=security.sasl_password,
        ssl_context=context,
        mechanism=security.sasl_mechanism,
    )
