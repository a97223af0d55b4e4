"""Errors of the TWS client, as a hierarchy callers catch at the level they care about."""

from __future__ import annotations


class TwsError(RuntimeError):
    """Anything that went wrong talking to the engine."""


class TwsUnavailable(TwsError):
    """The engine did not answer usefully (connection error, timeout, 5xx, 429) even after retries."""


class TwsCircuitOpen(TwsUnavailable):
    """The circuit breaker is open: the engine failed repeatedly, requests are paused."""


class TwsRequestRejected(TwsError):
    """The engine rejected the request (4xx): retrying the same request cannot help."""

    def __init__(self, status: int, url: str, body: str):
        super().__init__(f"HTTP {status} from {url}: {body[:500]}")
        self.status = status
        self.url = url
        self.body = body


class TwsAuthError(TwsRequestRejected):
    """401/403: wrong credentials or missing rights."""


class TwsNotFound(TwsRequestRejected):
    """404: the job, run or joblog does not exist (any more)."""


class TwsPayloadError(TwsError):
    """The engine answered 200 with a body that is not what the API defines; ``raw`` keeps the body."""

    def __init__(self, message: str, raw: bytes = b""):
        super().__init__(message)
        self.raw = raw
