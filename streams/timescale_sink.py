"""The one database sink of the worker: batches in, idempotent rows out, offsets acked only after.

A batch is COPYed into a temporary staging table and moved with ``INSERT ... ON CONFLICT DO NOTHING``:
COPY's speed with the idempotency a plain COPY lacks, so a batch redelivered after a crash or a rebalance
writes nothing twice. Tables of plain column types are COPYed in binary (psycopg formats a row in ~1 µs
instead of ~7 µs as text: at 10k job events/s that was a seventh of the worker's time); a batch whose
Python values do not fit the binary types (an out-of-range integer, a naive datetime) is sent again as
text, so the server decides as before (and refuses what it must, row by row).
A database that is down makes ``write`` wait and retry (back-pressure on the consumer); a row the
database rejects is isolated and returned so the caller can dead-letter it.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from psycopg import AsyncConnection, postgres, sql
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg_pool import AsyncConnectionPool

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
                self._binary.clear()
                await asyncio.sleep(wait)
            except (psycopg.DataError, psycopg.IntegrityError, psycopg.errors.ProgrammingError) as exc:
                log.warning("sink.batch.rejected", table=table, rows=len(rows), error=str(exc))
                return await self._write_one_by_one(table, columns, rows)
            except psycopg.OperationalError as exc:
                attempt += 1
                wait = min(self._max_backoff_s, 0.5 * 2**attempt)
                log.error("sink.db.unavailable", table=table, error=str(exc), attempt=attempt, wait_s=wait)
                await asyncio.sleep(wait)

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
