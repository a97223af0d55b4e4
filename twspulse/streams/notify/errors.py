"""What a failed delivery means: refused for good (dead-letter it) or not delivered yet (retry it)."""

from __future__ import annotations


class NotifyError(Exception):
    """Base of the notifier's errors."""


class DeliveryRefused(NotifyError):
    """A receiver answered 4xx (other than 429): the payload or the request is wrong, retrying cannot help."""

    def __init__(self, receiver: str, status: int, body: str):
        super().__init__(f"{receiver} refused the alert: HTTP {status}: {body[:500]}")
        self.receiver = receiver
        self.status = status


class DeliveryUnavailable(NotifyError):
    """A receiver answered 5xx or 429, or could not be reached: worth retrying; ``retry_after_s`` when it said."""

    def __init__(self, receiver: str, detail: str, retry_after_s: float | None = None):
        super().__init__(f"{receiver} unavailable: {detail[:500]}")
        self.receiver = receiver
        self.retry_after_s = retry_after_s


class NotifierStopping(NotifyError):
    """The notifier stops while a delivery waits for a retry: the alert is left uncommitted, redelivered later."""
