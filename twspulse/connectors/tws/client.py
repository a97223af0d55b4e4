"""Async HTTP client for the engine's REST API v2: auth, TLS, timeouts, retries, breaker, rate cap.

It speaks only the documented v2 paths, so the same code runs against a real engine and the simulator.
Retries cover what can pass (connection errors, timeouts, 5xx, 429 with Retry-After); a 4xx is final.
Every request first passes the rate cap and the circuit breaker, so a large plan or a sick engine never
turns the connector into a load generator.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any
from urllib.parse import quote

import httpx
import structlog
import tenacity
from pydantic import ValidationError

from twspulse.circuit_breaker import CircuitBreaker
from twspulse.connectors.tws.api_models import EngineInfo, JobPage, WorkstationPage
from twspulse.connectors.tws.errors import (
    TwsAuthError,
    TwsCircuitOpen,
    TwsNotFound,
    TwsPayloadError,
    TwsRequestRejected,
    TwsUnavailable,
)
from twspulse.rate_limits import RequestRate
from twspulse.retry_after import Transient, retry_after, wait_asked_or
from twspulse.settings import TwsSettings

log = structlog.get_logger(__name__)

RequestHook = Callable[[httpx.Request], Awaitable[None]]
JSON = {"Accept": "application/json"}
TEXT = {"Accept": "text/plain"}  # the joblog's only representation: a JAX-RS engine may answer 406 to JSON


def segment(value: str) -> str:
    """An id as one URL path segment: ids are opaque (``MDM;JOBS;NAME`` was seen), so everything is encoded."""
    return quote(value, safe="")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before declaring the engine unavailable."""

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so many connectors do not retry in lockstep."""
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2**attempt))


def _log_retry(path: str, state: tenacity.RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    log.warning("tws.request.retry", path=path, attempt=state.attempt_number, error=str(failure), wait_s=round(wait, 2))


@dataclass(frozen=True)
class Joblog:
    """A joblog as fetched: the bytes kept (up to the cap) and whether the rest was cut."""

    data: bytes
    total_bytes: int
    truncated: bool


class TwsClient:
    """One engine, one connection pool. Use as ``async with TwsClient(settings) as tws: ...``."""

    def __init__(
        self,
        settings: TwsSettings,
        retry: RetryPolicy | None = None,
        request_hook: RequestHook | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        verify: Any = settings.tws_verify_tls
        if settings.tws_ca_bundle is not None and settings.tws_verify_tls:
            verify = str(settings.tws_ca_bundle)
        if not settings.tws_verify_tls:
            log.warning("tws.tls.verification_disabled", url=settings.tws_url, hint="insecure: use a CA bundle")
        headers = dict(JSON)
        auth: httpx.Auth | None = None
        if settings.tws_api_key is not None:
            headers["Authorization"] = f"Bearer {settings.tws_api_key.get_secret_value()}"
        else:
            auth = httpx.BasicAuth(settings.tws_user, settings.tws_password.get_secret_value())
        self._http = httpx.AsyncClient(
            base_url=settings.tws_url.rstrip("/") + "/",
            auth=auth,
            headers=headers,
            verify=verify,
            timeout=httpx.Timeout(settings.tws_timeout_s),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=2),
            event_hooks={"request": [request_hook]} if request_hook else None,
        )
        self._retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker(
            settings.tws_breaker_failures, settings.tws_breaker_reset_s, error=TwsCircuitOpen
        )
        self.limiter = RequestRate(settings.tws_max_requests_per_s)
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
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """GET with retries (tenacity: transient failures only, backoff with jitter or the engine's Retry-After);
        with ``stream`` the 2xx body is left unread (the caller must close it)."""
        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self._retry.attempts),
            wait=wait_asked_or(self._retry.delay),
            retry=tenacity.retry_if_exception_type(Transient),
            before_sleep=partial(_log_retry, path),
            reraise=True,
        )
        try:
            return await retrying(self._attempt, path, params, headers, stream, timeout)
        except Transient as exc:
            raise TwsUnavailable(f"{path} failed after {self._retry.attempts} attempts: {exc.reason}") from None

    async def _attempt(
        self,
        path: str,
        params: dict[str, Any] | None,
        headers: dict[str, str] | None,
        stream: bool,
        timeout: httpx.Timeout | None,
    ) -> httpx.Response:
        """One request: the response, a TwsError for good, or ``Transient`` (retried)."""
        self.breaker.before_request()  # TwsCircuitOpen while open: not retried here
        await self.limiter.acquire()
        self.requests_sent += 1
        try:
            req = self._http.build_request("GET", path, params=params, headers=headers)
            if timeout is not None:
                req.extensions["timeout"] = timeout.as_dict()
            resp = await self._http.send(req, stream=stream)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            self.breaker.record_failure()
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
        if resp.status_code < 400:
            self.breaker.record_success()
            self._note_engine_time(resp)
            return resp
        if stream:
            await resp.aread()
            await resp.aclose()
        if resp.status_code in (401, 403):
            self.breaker.record_success()  # the engine is up; our credentials are the problem
            raise TwsAuthError(resp.status_code, str(resp.url), resp.text)
        if resp.status_code == 404:
            self.breaker.record_success()
            raise TwsNotFound(resp.status_code, str(resp.url), resp.text)
        if resp.status_code != 429 and resp.status_code < 500:
            self.breaker.record_success()
            raise TwsRequestRejected(resp.status_code, str(resp.url), resp.text)
        self.breaker.record_failure()
        raise Transient(f"HTTP {resp.status_code}: {resp.text[:200]}", retry_after(resp.headers) or None)

    def _note_engine_time(self, resp: httpx.Response) -> None:
        """Keep the engine's own clock: event times of waiting jobs must be on the same clock as run times."""
        value = resp.headers.get("Date")
        if value:
            try:
                self.engine_time = parsedate_to_datetime(value).astimezone(UTC)
            except (TypeError, ValueError):
                log.warning("tws.date_header.unparsable", value=value)

    async def engine_info(self) -> EngineInfo:
        """``GET engine/info``: version and time zone of the engine."""
        resp = await self._request("engine/info")
        try:
            return EngineInfo.model_validate_json(resp.content)
        except ValidationError as exc:
            raise TwsPayloadError(f"engine/info is not EngineInfoV2: {exc}", resp.content) from exc

    async def job_page(self, oql: str = "", limit: int = 1000, offset: int = 0, plan_id: str = "current") -> JobPage:
        """One page of ``GET plan/job`` for the current plan (or the plan ``plan_id`` names)."""
        params: dict[str, Any] = {"limit": limit, "offset": offset, "plan_id": plan_id}
        if oql:
            params["oql"] = oql
        resp = await self._request("plan/job", params=params, headers={"Include-Count": "true", **JSON})
        try:
            return JobPage.model_validate_json(resp.content)
        except ValidationError as exc:
            raise TwsPayloadError(f"plan/job page at offset {offset} is not an envelope: {exc}", resp.content) from exc

    async def job_pages(self, oql: str = "", page_size: int = 1000, plan_id: str = "current") -> AsyncIterator[JobPage]:
        """Every page of ``GET plan/job`` for a plan, following offsets until the last page."""
        offset = 0
        while True:
            page = await self.job_page(oql, page_size, offset, plan_id)
            yield page
            if not page.results or len(page.results) < page_size or not page.next:
                return
            offset += len(page.results)

    async def workstations(self) -> WorkstationPage:
        """``GET plan/workstation``: every workstation of the current plan with its state."""
        resp = await self._request("plan/workstation")  # the spec gives this path no plan_id
        try:
            return WorkstationPage.model_validate_json(resp.content)
        except ValidationError as exc:
            raise TwsPayloadError(f"plan/workstation is not an envelope: {exc}", resp.content) from exc

    async def joblog(
        self,
        run_id: str,
        max_bytes: int,
        page_lines: int = 5000,
        content_only: bool = False,
        plan_id: str | None = None,
    ) -> Joblog:
        """The joblog of one run, read ``page_lines`` lines per request and cut at ``max_bytes``.

        Paging with from_line/to_line (1-based, inclusive, as the spec's parameters read and as
        ``twspulse tws check`` verifies on an engine) keeps each answer small for the engine and stops
        asking once the cap is reached, so a 200 MB joblog costs max_bytes of transfer, not 200 MB. An
        engine that ignores the range (more lines than asked) has sent the whole log: paging stops there
        instead of fetching it again and again. When the cap cuts the log, ``total_bytes`` counts what was
        read (the engine does not say how large the rest is).
        """
        kept = bytearray()
        first = 1
        while True:
            page = await self.joblog_range(run_id, first, first + page_lines - 1, content_only, plan_id)
            lines = page.count(b"\n") + (0 if not page or page.endswith(b"\n") else 1)
            if lines > page_lines:  # the engine ignored the range: this answer is the whole log
                log.warning("tws.joblog.range_ignored", run_id=run_id, asked=page_lines, got=lines)
                kept = bytearray()
            room = max_bytes - len(kept)
            kept += page[:room]
            if len(page) > room:
                return Joblog(bytes(kept), len(kept) - room + len(page), True)
            if lines != page_lines:  # a short page ends the log (a longer one was the whole log)
                return Joblog(bytes(kept), len(kept), False)
            first += page_lines

    async def joblog_range(
        self,
        run_id: str,
        from_line: int | None,
        to_line: int | None,
        content_only: bool = False,
        plan_id: str | None = None,
    ) -> bytes:
        """One answer of the joblog endpoint: lines ``from_line``..``to_line`` (None: the engine's default).

        ``plan_id`` names the plan the run belongs to when it is not the current one (a run of the plan
        that just ended); without it the engine looks in the current plan.
        """
        params: dict[str, Any] = {"contentOnly": str(content_only).lower()}
        if plan_id:
            params["plan_id"] = plan_id
        if from_line is not None:
            params["from_line"] = from_line
        if to_line is not None:
            params["to_line"] = to_line
        resp = await self._request(f"plan/job/run/{segment(run_id)}/joblog", params=params, headers=TEXT, stream=True)
        try:
            return await resp.aread()
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            self.breaker.record_failure()
            raise TwsUnavailable(f"joblog of run {run_id} broke off at line {from_line or 1}: {exc}") from exc
        finally:
            await resp.aclose()

    async def follow_joblog(self, run_id: str, content_only: bool = False) -> AsyncIterator[bytes]:
        """Stream a running job's joblog as the engine produces it (``follow=true``) until the job ends."""
        params = {"contentOnly": str(content_only).lower(), "follow": "true"}
        no_read_timeout = httpx.Timeout(self._http.timeout.connect, read=None)
        resp = await self._request(
            f"plan/job/run/{segment(run_id)}/joblog", params=params, headers=TEXT, stream=True, timeout=no_read_timeout
        )
        try:
            async for part in resp.aiter_bytes():
                yield part
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise TwsUnavailable(f"joblog stream of run {run_id} broke off: {exc}") from exc
        finally:
            await resp.aclose()
