"""The one database sink of the worker: batches in, idempotent rows out, offsets acked only after.

A batch is COPYed into a temporary staging table and moved with ``INSERT ... ON CONFLICT DO NOTHING``:
COPY's speed with the idempotency a plain COPY lacks, so a batch redelivered after a crash or a rebalance
writes nothing twice. Tables of plain column types are COPYed in binary (psycopg formats a row in ~1 µs
instead of ~7 µs as text: at 10k job events/s that was a seventh of the worker's time); a batch whose
Python values do not fit the binary types (an out-of-range integer, a naive datetime) is sent again as
text, so the server decides as before (and refuses what it must, row by row).
A database that is down makes ``write`` wait and retry (back-pressure on the consumer), until the worker
stops; a row the database refuses for good is isolated by bisection and returned so the caller can
dead-letter it. Which is which is decided by SQLSTATE class (``twspulse/streams/db_errors.py``).
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import psycopg
import structlog
from psycopg import AsyncConnection, postgres, sql
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg_pool import AsyncConnectionPool

from twspulse import metrics
from twspulse.streams.db_errors import ErrorKind, classify, describe, is_transient
from twspulse.streams.retry_policy import RetryPolicy

log = structlog.get_logger(__name__)


# column types whose psycopg binary dumpers take exactly what the row builders produce; json, numeric and
# arrays go as text, where the server does the parsing
BINARY_SAFE = frozenset({"text", "varchar", "bpchar", "int2", "int4", "int8", "float8", "bool",
                         "timestamptz", "date"})  # fmt: skip
# what a binary dumper raises for a Python value of another type (text COPY would have let the server decide)
DUMP_ERRORS = (TypeError, ValueError, OverflowError)


class _CheckedInt(Dumper):
    """A binary integer that refuses what its column cannot hold: psycopg's own binary int dumpers, chosen
    by column type, silently truncate (10**6 into a smallint arrives as 16960)."""

    format = Format.BINARY
    _pack = struct.Struct("!q").pack

    def dump(self, obj: Any) -> bytes:
        if isinstance(obj, bool):  # an int to struct; text COPY would have let the server refuse it
            raise TypeError(f"{obj!r} is not an integer")
        try:
            return self._pack(obj)
        except struct.error as exc:
            raise OverflowError(f"{obj!r} does not fit {type(self).__name__}") from exc


class _Int2(_CheckedInt):
    oid = postgres.types["int2"].oid
    _pack = struct.Struct("!h").pack


class _Int4(_CheckedInt):
    oid = postgres.types["int4"].oid
    _pack = struct.Struct("!i").pack


class _Int8(_CheckedInt):
    oid = postgres.types["int8"].oid
    _pack = struct.Struct("!q").pack


async def _configure(conn: AsyncConnection[Any]) -> None:
    for dumper in (_Int2, _Int4, _Int8):
        conn.adapters.register_dumper(None, dumper)  # by type oid only: what COPY's set_types looks up


@dataclass(frozen=True)
class RejectedRow:
    """A row the database refused (bad value, constraint), with its index in the batch and the reason."""

    index: int
    reason: str


class TimescaleSink:
    """Writes row batches to PostgreSQL/TimescaleDB through a small async pool."""

    def __init__(self, url: str, max_backoff_s: float = 30.0, retry: RetryPolicy | None = None):
        """``retry``: the worker's policy (its stop signal ends a retry); ``max_backoff_s`` only without one."""
        self._url = url
        self._pool: AsyncConnectionPool | None = None
        self._retry = retry or RetryPolicy(max_backoff_s=max_backoff_s)
        self.rows_written = 0
        self.transactions = 0  # COPY transactions begun, bisection steps included (tests and benchmarks read it)
        self._binary: dict[tuple[str, tuple[str, ...]], list[int] | None] = {}  # -> column type oids, or text

    async def _get_pool(self) -> AsyncConnectionPool:
        if self._pool is None:
            self._pool = AsyncConnectionPool(
                self._url, min_size=1, max_size=4, open=False, timeout=10, configure=_configure
            )
            await self._pool.open(wait=False)
        return self._pool

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A pooled connection, for steps that need more than batched upserts (e.g. pattern mining)."""
        pool = await self._get_pool()
        async with pool.connection() as conn:
            yield conn

    async def close(self) -> None:
        """Close the pool."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def write(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> list[RejectedRow]:
        """Write ``rows``; returns the rows the database refused, each with its reason.

        Transient failures (``twspulse/streams/db_errors.py``) are retried with backoff until the write succeeds or the
        worker stops (``Stopping``: nothing of the batch is reported stored). A permanent refusal is narrowed
        down by bisection: the halves are written on their own, so one bad row among 2,000 costs about 22 round
        trips, the good rows are stored and the bad one is returned.
        """
        if not rows:
            return []
        rejected: list[RejectedRow] = []
        await self._write_bisecting(table, columns, rows, 0, rejected)
        metrics.ROWS_WRITTEN.labels(table=table).inc(len(rows) - len(rejected))
        return rejected

    async def _write_bisecting(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], first: int,
        rejected: list[RejectedRow],
    ) -> None:  # fmt: skip
        try:
            self.rows_written += await self._retry.call(
                partial(self._copy_upsert, table, columns, rows), is_transient, self._retry_event,
                level="error", on_retry=partial(self._on_retry, table), table=table, rows=len(rows),
            )  # fmt: skip
        except (psycopg.Error, *DUMP_ERRORS) as exc:
            # not retryable (the policy retried what was), so the rows' own: narrow it down to the refused ones
            if len(rows) == 1:
                rejected.append(RejectedRow(first, describe(exc)))
                return
            if first == 0 and not rejected:
                log.warning("sink.batch.rejected", table=table, rows=len(rows), error=describe(exc)[:500])
            half = len(rows) // 2
            await self._write_bisecting(table, columns, rows[:half], first, rejected)
            await self._write_bisecting(table, columns, rows[half:], first + half, rejected)

    @staticmethod
    def _retry_event(exc: BaseException) -> str:
        return "sink.schema.mismatch" if classify(exc) is ErrorKind.SCHEMA else "sink.db.unavailable"

    async def _on_retry(self, table: str, exc: BaseException) -> None:
        if classify(exc) is ErrorKind.SCHEMA:
            # The schema, not the rows: a worker newer than the database's migrations (or a revoked grant).
            # Dead-lettering every record would empty the topic into the DLQ; waiting keeps them until
            # `twspulse db migrate` has run. New connections: their staging tables take the table's new shape.
            self._retry.throttle.warning(log, "sink.schema.hint", table, table=table,
                                         hint="run `twspulse db migrate` (or restore the grants)")  # fmt: skip
            await self.close()
            self._binary.clear()

    async def _binary_types(self, conn: AsyncConnection[Any], table: str, columns: Sequence[str]) -> list[int] | None:
        """The columns' type oids if all are binary-safe, else None (text COPY); looked up once per table."""
        key = (table, tuple(columns))
        if key not in self._binary:
            cur = await conn.execute(
                "SELECT a.attname, t.typname, a.atttypid FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                (table,),
            )
            found = {name: (typname, int(oid)) for name, typname, oid in await cur.fetchall()}
            types = [found.get(c) for c in columns]
            self._binary[key] = [t[1] for t in types if t] if all(t and t[0] in BINARY_SAFE for t in types) else None
        return self._binary[key]

    async def _copy_upsert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> int:
        try:
            return await self._copy_upsert_as(table, columns, rows, binary=True)
        except DUMP_ERRORS as exc:
            log.info("sink.binary_copy.as_text", table=table, error=f"{type(exc).__name__}: {exc}")
        except psycopg.DataError as exc:
            # bad values, or column types changed by a migration since they were looked up: look them up again
            # next time, and let text COPY decide now (it raises again if the rows themselves are bad)
            self._binary.pop((table, tuple(columns)), None)
            log.info("sink.binary_copy.as_text", table=table, error=f"{type(exc).__name__}: {exc}")
        return await self._copy_upsert_as(table, columns, rows, binary=False)

    async def _copy_upsert_as(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], binary: bool
    ) -> int:
        pool = await self._get_pool()
        self.transactions += 1
        stage = sql.Identifier(f"_stage_{table}")
        cols = sql.SQL(", ").join(map(sql.Identifier, columns))
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(
                sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS").format(
                    stage, sql.Identifier(table)
                )
            )
            types = await self._binary_types(conn, table, columns) if binary else None
            fmt = sql.SQL(" (FORMAT BINARY)" if types else "")
            async with conn.cursor() as cur:
                async with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN{}").format(stage, cols, fmt)) as copy:
                    if types:
                        copy.set_types(types)
                    for row in rows:
                        await copy.write_row(row)
                await cur.execute(
                    sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING").format(
                        sql.Identifier(table), cols, cols, stage
                    )
                )
                return max(cur.rowcount, 0)
