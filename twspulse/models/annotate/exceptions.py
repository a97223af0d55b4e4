"""Errors of the annotation package, as a hierarchy callers catch at the level they care about.

`AnnotateError` catches everything. The annotator catches `LlmError` alone: any of them means "the
model did not give a usable answer this time", and the rules engine answers instead, with the
exception's class and message recorded as the fallback reason.
"""

from __future__ import annotations


class AnnotateError(Exception):
    """Base class of every error raised by models.annotate."""


class RunNotFound(AnnotateError, LookupError):
    """No failed run with this id is in the database."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"no run {run_id!r} in job_runs or job_logs")
        self.run_id = run_id


class EvalSetError(AnnotateError, ValueError):
    """An evaluation directory lacks its expectations or names a joblog that is not there."""


class LlmError(AnnotateError):
    """The language model gave no usable annotation; the rules engine answers instead."""


class LlmUnavailable(LlmError):
    """Timeouts, connection errors, 5xx or 429 on every attempt."""


class LlmRejected(LlmError):
    """A 4xx other than 429: the request itself is wrong (model name, key); retrying cannot help."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status} from the LLM endpoint: {body[:300]}")
        self.status = status


class LlmCircuitOpen(LlmError):
    """The breaker is open after repeated failures: no request is sent for a while."""


class LlmBudgetExhausted(LlmError):
    """The per-minute request budget is spent; the rules engine answers until the window moves on."""


class LlmInvalidAnswer(LlmError):
    """The answer was not JSON or not a valid annotation, even after one corrective follow-up."""


class LlmUrlRefused(AnnotateError, ValueError):
    """The configured LLM URL would send the API key and joblog excerpts in clear (or is no http(s) URL).

    Raised when the engine is built, not per annotation: it is a configuration error, so it must stop the
    process at start instead of quietly falling back to the rules engine like an `LlmError`.
    """
