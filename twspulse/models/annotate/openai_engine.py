"""Annotation by any OpenAI-compatible chat-completions endpoint, defended against everything it can do.

The endpoint must be https, or plain http to a loopback host (a model server on this machine: the
request never leaves it), or plain http explicitly allowed by `llm_allow_insecure_http`: over plain
http to another host the API key and the (masked) joblog excerpt would cross the network in clear.
`check_llm_url` refuses anything else when the engine is built, so a wrong URL stops the process at
start with the setting's name instead of leaking or quietly falling back to the rules.

The model is asked for a JSON object (`response_format: json_object`) and its answer is validated
against `LlmAnswer`, including that the error line really is a line of the joblog (a model that
paraphrases it would send operators looking for a line that does not exist). One invalid answer gets
one corrective follow-up carrying the validation error; a second invalid answer raises
`LlmInvalidAnswer` and the annotator falls back to the rules.

Transport: explicit timeout per request; retries with exponential backoff (or the server's
Retry-After) on timeouts, connection errors, 5xx and 429; every HTTP request first takes one unit of
the per-minute budget (twspulse/rate_limits.py) and passes the circuit breaker (twspulse/circuit_breaker.py,
the TWS client's too), which raises ``LlmCircuitOpen`` while open. Prompts and answers are never logged:
they may hold the joblog.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
import tenacity
from pydantic import SecretStr, ValidationError

from twspulse.circuit_breaker import CircuitBreaker
from twspulse.joblog.entities import Entities
from twspulse.joblog.secrets import MASK, mask_secrets
from twspulse.models.annotate.annotation import Annotation, FailedRun, LlmAnswer
from twspulse.models.annotate.exceptions import (
    LlmBudgetExhausted,
    LlmCircuitOpen,
    LlmInvalidAnswer,
    LlmRejected,
    LlmUnavailable,
    LlmUrlRefused,
)
from twspulse.models.annotate.excerpt import Joblog
from twspulse.models.annotate.prompt import build_messages, correction_message, prompt_hash
from twspulse.models.annotate.similar_cases import SimilarCase
from twspulse.rate_limits import Budget
from twspulse.retry_after import Transient, wait_asked_or
from twspulse.retry_after import retry_after as read_retry_after
from twspulse.settings import LlmSettings

log = structlog.get_logger(__name__)

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class OpenAIEngine:
    """One configured endpoint and model; holds its HTTP client, breaker and budget (one per process)."""

    def __init__(
        self,
        url: str,
        model: str,
        *,
        api_key: SecretStr | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        requests_per_minute: int = 30,
        token_budget: int = 3000,
        breaker: CircuitBreaker | None = None,
        budget: Budget | None = None,
        client: httpx.Client | None = None,
        backoff_s: float = 1.0,
        max_backoff_s: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        allow_insecure_http: bool = False,
    ) -> None:
        check_llm_url(url, allow_insecure_http=allow_insecure_http)
        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.token_budget = token_budget
        self.breaker = breaker or llm_breaker()
        self.budget = budget or Budget(requests_per_minute, window_s=60)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout_s))
        self._headers = {"Content-Type": "application/json"}
        if api_key is not None:
            self._headers["Authorization"] = f"Bearer {api_key.get_secret_value()}"

    @classmethod
    def from_settings(cls, settings: LlmSettings, **overrides: Any) -> OpenAIEngine:
        """The engine the settings describe (llm_url must be set)."""
        if not settings.llm_url:
            raise ValueError("llm_url is not set: the rules engine annotates offline")
        options: dict[str, Any] = {
            "api_key": settings.llm_api_key,
            "timeout_s": settings.llm_timeout_s,
            "max_retries": settings.llm_max_retries,
            "requests_per_minute": settings.llm_requests_per_minute,
            "token_budget": settings.llm_token_budget,
            "allow_insecure_http": settings.llm_allow_insecure_http,
            **overrides,
        }
        return cls(settings.llm_url, settings.llm_model, **options)

    @property
    def engine(self) -> str:
        """The engine string stored with every annotation it makes."""
        return f"openai:{self.model}"

    def close(self) -> None:
        """Close the HTTP client if this engine created it."""
        if self._owns_client:
            self._client.close()

    def annotate(
        self,
        run: FailedRun,
        joblog: Joblog,
        excerpt: str,
        entities: Entities,
        history: Sequence[dict[str, Any]] = (),
        similar: Sequence[SimilarCase] = (),
    ) -> Annotation:
        """Ask the model; validate; one corrective retry; raise an LlmError subclass when it fails."""
        messages = build_messages(run, excerpt, entities, history, similar)
        digest = prompt_hash(messages)
        content = self._complete(messages)
        try:
            answer = self._validate(content, joblog)
        except ValueError as first_error:  # JSONDecodeError and ValidationError are ValueErrors
            log.warning("annotate.llm.invalid_answer", run_id=run.run_id, error=_short(first_error), retry=True)
            messages = [
                *messages,
                {"role": "assistant", "content": mask_secrets(content[:4000])},
                correction_message(_short(first_error)),
            ]
            content = self._complete(messages)
            try:
                answer = self._validate(content, joblog)
            except ValueError as second_error:
                raise LlmInvalidAnswer(f"invalid answer twice: {_short(second_error)}") from second_error
        return Annotation(
            run_id=run.run_id,
            root_cause=mask_secrets(answer.root_cause),
            error_line=mask_secrets(answer.error_line.strip()) if answer.error_line else None,
            category=answer.category,
            steps=[mask_secrets(step) for step in answer.steps],
            confidence=answer.confidence,
            engine=self.engine,
            prompt_hash=digest,
            entities=dict(entities),
        )

    def _complete(self, messages: list[dict[str, str]]) -> str:
        """The content of one chat completion, retrying transient failures."""
        body = {
            "model": self.model,
            "messages": messages,
            "response_format": {"type": "json_object"},
            "temperature": 0,
        }
        attempts = self.max_retries + 1
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(attempts),
            wait=wait_asked_or(lambda attempt: self.backoff_s * 2**attempt, cap_s=self.max_backoff_s),
            retry=tenacity.retry_if_exception_type(Transient),
            before_sleep=lambda state: log.warning(
                "annotate.llm.attempt_failed",
                attempt=state.attempt_number,
                of=attempts,
                reason=str(state.outcome.exception() if state.outcome else ""),
            ),  # fmt: skip
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, body)
        except Transient as exc:
            log.warning("annotate.llm.attempt_failed", attempt=attempts, of=attempts, reason=exc.reason)
            raise LlmUnavailable(f"{attempts} attempt(s) failed; last: {exc.reason}") from None

    def _attempt(self, body: dict[str, Any]) -> str:
        """One request: the answer's text, an LlmError for good, or ``Transient`` (retried)."""
        if not self.budget.try_acquire():
            used = f"{self.budget.per_window} LLM requests per {self.budget.window_s} s"
            raise LlmBudgetExhausted(f"{used} already used")
        self.breaker.before_request()  # LlmCircuitOpen while open
        try:
            response = self._client.post(self.url, json=body, headers=self._headers, timeout=self.timeout_s)
        except httpx.TimeoutException as exc:
            self.breaker.record_failure()
            raise Transient(f"timeout after {self.timeout_s:g}s") from exc
        except httpx.TransportError as exc:
            self.breaker.record_failure()
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            self.breaker.record_failure()
            raise Transient(f"HTTP {response.status_code}", read_retry_after(response.headers))
        self.breaker.record_success()  # the endpoint is up (a 4xx: our request is wrong)
        if response.status_code >= 400:
            raise LlmRejected(response.status_code, response.text)
        return _content(response)

    def _validate(self, content: str, joblog: Joblog) -> LlmAnswer:
        """Parse and check an answer; ValueError (with a message for the model) when it is not usable."""
        fenced = _FENCE.match(content)
        data = json.loads(fenced.group(1) if fenced else content)
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        answer = LlmAnswer.model_validate(data)
        if answer.error_line and not _is_joblog_line(answer.error_line, joblog):
            raise ValueError(f"error_line is not a verbatim line of the joblog: {answer.error_line[:200]!r}")
        return answer


def check_llm_url(url: str, *, allow_insecure_http: bool = False) -> None:
    """Raise `LlmUrlRefused` unless `url` is https, http to a loopback host, or http explicitly allowed.

    Loopback (localhost, 127.0.0.0/8, ::1) needs no flag: a local model server (Ollama, vLLM, llama.cpp)
    is the common plain-http case and its traffic stays on the machine. Any other host name counts as
    remote, even one that resolves to loopback: the check does not resolve names, so it cannot be
    fooled by, or wait on, DNS.
    """
    shown = mask_secrets(url)  # a URL may carry user:password@
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise LlmUrlRefused(f"TWSPULSE_LLM_URL={shown!r} is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise LlmUrlRefused(f"TWSPULSE_LLM_URL={shown!r} must be an https:// (or loopback http://) URL with a host")
    if parts.scheme == "https" or _is_loopback(host):
        return
    if not allow_insecure_http:
        raise LlmUrlRefused(
            f"TWSPULSE_LLM_URL={shown!r} is plain http to {host!r}: the API key and the joblog excerpts would "
            "cross the network in clear. Use https, a loopback host, or set TWSPULSE_LLM_ALLOW_INSECURE_HTTP=true "
            "to accept that."
        )
    log.warning("annotate.llm.insecure_http", host=host, setting="TWSPULSE_LLM_ALLOW_INSECURE_HTTP")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name other than localhost: not resolved, so not trusted
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _content(response: httpx.Response) -> str:
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LlmUnavailable(f"response is not a chat completion: {response.text[:200]!r}") from exc
    if not isinstance(content, str):
        raise LlmUnavailable("chat completion without text content")
    return content


def _is_joblog_line(candidate: str, joblog: Joblog) -> bool:
    """True when `candidate` is a whole line of the joblog (whitespace-trimmed), masked or not."""
    wanted = candidate.strip()
    lines = [line.strip() for line in joblog.lines]
    if wanted in lines:
        return True
    if MASK not in wanted:
        return False
    # Masking leaves a line unchanged up to its first secret, so only lines that start like the candidate
    # (up to its first mask) need masking: a 10,000-line joblog is not masked whole for one answer.
    head = wanted.split(MASK, 1)[0]
    return any(line.startswith(head) and mask_secrets(line) == wanted for line in lines)


def _short(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in error.errors()[:5])
    return str(error)[:500]


def llm_breaker(failures: int = 5, reset_s: float = 60.0) -> CircuitBreaker:
    """The breaker in front of the LLM endpoint: opens with ``LlmCircuitOpen``."""
    return CircuitBreaker(failures=failures, reset_s=reset_s, name="llm", error=LlmCircuitOpen, what="LLM")
