"""Runs one batch's work so that a failure never lets the batch be acked (or its offsets stored) unprocessed.

Faust's ``take_events`` acks a batch's events in a ``finally`` around its ``yield``: if an agent's body
raises, the dead generator is closed and the batch is acked without its rows, alerts or dead letters. So
nothing may escape the loop body. Transient failures (the database or the broker unreachable, a pool that
times out) are retried with backoff, which is safe because every write of the worker is idempotent; any
other exception is a bug or an input nobody foresaw, and the batch goes to the dead-letter topic whole
(with the error) rather than being lost or retried forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import psycopg
import structlog
from aiokafka.errors import KafkaError as AioKafkaError
from confluent_kafka import KafkaException
from psycopg_pool import PoolTimeout

from connectors.producer import DeliveryError

log = structlog.get_logger(__name__)

T = TypeVar("T")
TRANSIENT: tuple[type[BaseException], ...] = (
    psycopg.OperationalError, PoolTimeout, DeliveryError, KafkaException, AioKafkaError, ConnectionError,
    TimeoutError,
)  # fmt: skip
MAX_BACKOFF_S = 30.0


async def guarded(
    work: Callable[[], Awaitable[T]], on_bug: Callable[[Exception], T], what: str, base_delay_s: float = 0.5
) -> T:
    """``await work()``, retrying transient failures; any other exception gives ``on_bug(exc)``."""
    attempt = 0
    while True:
        try:
            return await work()
        except TRANSIENT as exc:
            attempt += 1
            delay = min(MAX_BACKOFF_S, base_delay_s * 2 ** min(attempt - 1, 8))
            log.warning(
                "worker.batch.retry", what=what, attempt=attempt, delay_s=delay, error=f"{type(exc).__name__}: {exc}"
            )
            await asyncio.sleep(delay)
        except Exception as exc:  # noqa: BLE001 - see the module docstring: never let a batch be acked unprocessed
            log.error("worker.batch.failed", what=what, error=f"{type(exc).__name__}: {exc}", exc_info=True)
            return on_bug(exc)
