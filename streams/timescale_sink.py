"""The one database sink of the worker: batches in, idempotent rows out, offsets acked only after.

A batch is COPYed into a temporary staging table and moved with ``INSERT ... ON CONFLICT DO NOTHING``:
COPY's speed with the idempotency a plain COPY lacks, so a batch redelivered after a crash or a rebalance
writes nothing twice. A database that is down makes ``write`` wait and retry (back-pressure on the
consumer); a row the database rejects is isolated and returned so the caller can dead-letter it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from psycopg import AsyncConnection, sql
from psycopg_pool import AsyncConnectionPool

log = structlog.get_logger(__name__)


SCHEMA_ERRORS = (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn, psycopg.errors.InsufficientPrivilege)


@dataclass(frozen=True)
class RejectedRow:
    """A row the database refused (bad value, constraint), with its index in the batch and the reason."""

    index: int
    reason: str


class TimescaleSink:
    """Writes row batches to PostgreSQL/TimescaleDB through a small async pool."""

    def __init__(self, url: str, max_backoff_s: float = 30.0):
        self._url = url
        self._pool: AsyncConnectionPool | None = None
        self._max_backoff_s = max_backoff_s
        self.rows_written = 0

    async def _get_pool(self) -> AsyncConnectionPool:
        if self._pool is None:
            self._pool = AsyncConnectionPool(self._url, min_size=1, max_size=4, open=False, timeout=10)
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
        """Write ``rows`` (retrying while the database is unreachable); returns the rows it refused."""
        if not rows:
            return []
        attempt = 0
        while True:
            try:
                inserted = await self._copy_upsert(table, columns, rows)
                self.rows_written += inserted
                return []
            except SCHEMA_ERRORS as exc:
                # The schema, not the rows: a worker newer than the database's migrations (or a revoked grant).
                # Dead-lettering every record would empty the topic into the DLQ; waiting keeps them until
                # `twspulse db migrate` has run, and says so loudly.
                attempt += 1
                wait = min(self._max_backoff_s, 0.5 * 2**attempt)
                log.error("sink.schema.mismatch", table=table, error=str(exc), attempt=attempt, wait_s=wait,
                          hint="run `twspulse db migrate` (or restore the grants)")  # fmt: skip
                await self.close()  # new connections: their staging tables take the table's new shape
                await asyncio.sleep(wait)
            except (psycopg.DataError, psycopg.IntegrityError, psycopg.errors.ProgrammingError) as exc:
                log.warning("sink.batch.rejected", table=table, rows=len(rows), error=str(exc))
                return await self._write_one_by_one(table, columns, rows)
            except psycopg.OperationalError as exc:
                attempt += 1
                wait = min(self._max_backoff_s, 0.5 * 2**attempt)
                log.error("sink.db.unavailable", table=table, error=str(exc), attempt=attempt, wait_s=wait)
                await asyncio.sleep(wait)

    async def _copy_upsert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> int:
        pool = await self._get_pool()
        stage = sql.Identifier(f"_stage_{table}")
        cols = sql.SQL(", ").join(map(sql.Identifier, columns))
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(
                sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS").format(
                    stage, sql.Identifier(table)
                )
            )
            async with conn.cursor() as cur:
                async with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(stage, cols)) as copy:
                    for row in rows:
                        await copy.write_row(row)
                await cur.execute(
                    sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING").format(
                        sql.Identifier(table), cols, cols, stage
                    )
                )
                return max(cur.rowcount, 0)

    async def _write_one_by_one(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> list[RejectedRow]:
        rejected: list[RejectedRow] = []
        for i, row in enumerate(rows):
            try:
                self.rows_written += await self._copy_upsert(table, columns, [row])
            except (psycopg.DataError, psycopg.IntegrityError, psycopg.errors.ProgrammingError) as exc:
                rejected.append(RejectedRow(i, f"{type(exc).__name__}: {exc}"))
        return rejected
