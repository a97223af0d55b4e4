"""Async HTTP client for the engine's REST API v2: auth, TLS, timeouts, retries with backoff.

It speaks only the documented v2 paths, so the same code runs against a real engine and the simulator.
Retries cover what can pass (connection errors, timeouts, 5xx, 429 with Retry-After); a 4xx is final.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import structlog
from pydantic import ValidationError

from connectors.tws.api_models import JobPage
from connectors.tws.errors import (
    TwsAuthError,
    TwsNotFound,
    TwsPayloadError,
    TwsRequestRejected,
    TwsUnavailable,
)
from twspulse.settings import Settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before declaring the engine unavailable."""

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so many connectors do not retry in lockstep."""
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2**attempt))


@dataclass(frozen=True)
class Joblog:
    """A joblog as fetched: the bytes kept (up to the cap) and whether the rest was cut."""

    data: bytes
    total_bytes: int
    truncated: bool


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


class TwsClient:
    """One engine, one connection pool. Use as ``async with TwsClient(settings) as tws: ...``."""

    def __init__(self, settings: Settings, retry: RetryPolicy | None = None, bearer_token: str | None = None):
        verify: Any = settings.tws_verify_tls
        if settings.tws_ca_bundle is not None and settings.tws_verify_tls:
            verify = str(settings.tws_ca_bundle)
        if not settings.tws_verify_tls:
            log.warning("tws.tls.verification_disabled", url=settings.tws_url)
        auth = None if bearer_token else httpx.BasicAuth(settings.tws_user, settings.tws_password.get_secret_value())
        headers = {"Accept": "application/json"}
        if bearer_token:
            headers["Authorization"] = f"Bearer {bearer_token}"
        self._http = httpx.AsyncClient(
            base_url=settings.tws_url.rstrip("/") + "/",
            auth=auth,
            headers=headers,
            verify=verify,
            timeout=httpx.Timeout(settings.tws_timeout_s),
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=4),
        )
        self._retry = retry or RetryPolicy()
        self.requests_sent = 0
        self.engine_time: datetime | None = None  # from the last response's Date header

    async def __aenter__(self) -> TwsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _request(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """GET with retries; with ``stream`` the 2xx body is left unread (the caller must close it)."""
        last: str = ""
        for attempt in range(self._retry.attempts):
            self.requests_sent += 1
            try:
                req = self._http.build_request("GET", path, params=params, headers=headers)
                resp = await self._http.send(req, stream=stream)
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                last = f"{type(exc).__name__}: {exc}"
                wait = self._retry.delay(attempt)
            else:
                if resp.status_code < 400:
                    self._note_engine_time(resp)
                    return resp
                if stream:
                    await resp.aread()
                    await resp.aclose()
                if resp.status_code in (401, 403):
                    raise TwsAuthError(resp.status_code, str(resp.url), resp.text)
                if resp.status_code == 404:
                    raise TwsNotFound(resp.status_code, str(resp.url), resp.text)
                if resp.status_code != 429 and resp.status_code < 500:
                    raise TwsRequestRejected(resp.status_code, str(resp.url), resp.text)
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                wait = _retry_after(resp) or self._retry.delay(attempt)
            if attempt + 1 < self._retry.attempts:
                log.warning("tws.request.retry", path=path, attempt=attempt + 1, error=last, wait_s=round(wait, 2))
                await asyncio.sleep(wait)
        raise TwsUnavailable(f"{path} failed after {self._retry.attempts} attempts: {last}")

    def _note_engine_time(self, resp: httpx.Response) -> None:
        """Keep the engine's own clock: event times of waiting jobs must be on the same clock as run times."""
        value = resp.headers.get("Date")
        if value:
            try:
                self.engine_time = parsedate_to_datetime(value).astimezone(UTC)
            except (TypeError, ValueError):
                log.warning("tws.date_header.unparsable", value=value)

    async def job_pages(self, oql: str = "", page_size: int = 1000) -> AsyncIterator[JobPage]:
        """Every page of ``GET plan/job`` for the current plan, following offsets until the last page."""
        offset = 0
        while True:
            params: dict[str, Any] = {"limit": page_size, "offset": offset, "plan_id": "current"}
            if oql:
                params["oql"] = oql
            resp = await self._request("plan/job", params=params, headers={"Include-Count": "true"})
            try:
                page = JobPage.model_validate_json(resp.content)
            except ValidationError as exc:
                raise TwsPayloadError(f"plan/job page at offset {offset} is not an envelope: {exc}") from exc
            yield page
            if not page.results or len(page.results) < page_size or not page.next:
                return
            offset += len(page.results)

    async def joblog(self, run_id: str, max_bytes: int) -> Joblog:
        """The joblog of one run, read as a stream and cut at ``max_bytes`` (the total is still counted)."""
        resp = await self._request(f"plan/job/run/{run_id}/joblog", params={"contentOnly": "false"}, stream=True)
        kept = bytearray()
        total = 0
        try:
            async for part in resp.aiter_bytes():
                total += len(part)
                if len(kept) < max_bytes:
                    kept += part[: max_bytes - len(kept)]
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise TwsUnavailable(f"joblog of run {run_id} broke off after {total} bytes: {exc}") from exc
        finally:
            await resp.aclose()
        return Joblog(bytes(kept), total, total > len(kept))
