"""Runs one batch's work so that a failure never lets the batch be acked (or its offsets stored) unprocessed.

Faust's ``take_events`` acks a batch's events in a ``finally`` around its ``yield``: if an agent's body
raises, the dead generator is closed and the batch is acked without its rows, alerts or dead letters. So
nothing may escape a flow's run but ``Stopping`` (the carriers then leave the batch uncommitted, see
``twspulse/streams/flow.py``). Transient failures (the broker unreachable, a database error of a transient
SQLSTATE class, a pool that times out) are retried with backoff by the worker's retry policy, which is safe
because every write of the worker is idempotent; a retry ends with ``Stopping`` when the worker stops. Any
other exception, a database error the rows caused included, is a bug or an input nobody foresaw: the batch
goes to the dead-letter topic whole (with the error) rather than being lost or retried forever.

The work is a flow's, whichever client carries the batch, and a flow talks to Kafka only through librdkafka
(``EventProducer``): so the broker's errors to know are librdkafka's alone, not the Faust carrier's aiokafka.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from confluent_kafka import KafkaException

from twspulse.producer import DeliveryError
from twspulse.streams.db_errors import is_transient
from twspulse.streams.retry_policy import RetryPolicy, Stopping

log = structlog.get_logger(__name__)

T = TypeVar("T")
TRANSIENT: tuple[type[BaseException], ...] = (DeliveryError, KafkaException, ConnectionError, TimeoutError)


def transient(exc: BaseException) -> bool:
    """Worth retrying as is: the broker or the network, or a database error of a transient class."""
    return isinstance(exc, TRANSIENT) or is_transient(exc)


async def guarded(
    work: Callable[[], Awaitable[T]],
    on_bug: Callable[[Exception], T],
    what: str,
    base_delay_s: float = 0.5,
    retry: RetryPolicy | None = None,
) -> T:
    """``await work()``, retrying transient failures; any other exception gives ``on_bug(exc)``.

    Raises ``Stopping`` when the worker stops while the work waits for a retry (``retry``'s stop signal).
    """
    policy = retry or RetryPolicy(base_delay_s=base_delay_s)
    try:
        return await policy.call(work, transient, "worker.batch.retry", what=what)
    except Stopping:
        raise
    except Exception as exc:  # noqa: BLE001 - see the module docstring: never let a batch be acked unprocessed
        log.error("worker.batch.failed", what=what, error=f"{type(exc).__name__}: {exc}", exc_info=True)
        return on_bug(exc)
