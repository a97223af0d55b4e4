"""The worker's sink against a real PostgreSQL: a row the database refuses is isolated and returned (the
caller dead-letters it), a redelivered batch writes nothing twice, and a schema older than the worker (a
missing column) makes the write wait for the migration instead of dead-lettering every record."""

from __future__ import annotations

import asyncio

import psycopg

from streams.timescale_sink import TimescaleSink


def _table(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE sink_t (id int PRIMARY KEY, v smallint)")


def _rows(url: str) -> list[tuple[int, int | None]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id, v FROM sink_t ORDER BY id").fetchall()


def test_refused_row_is_isolated_and_redelivery_writes_nothing_twice(database_url: str) -> None:
    _table(database_url)

    async def run() -> tuple[list, list]:  # type: ignore[type-arg]
        sink = TimescaleSink(database_url)
        try:
            refused = await sink.write("sink_t", ("id", "v"), [(1, 1), (2, 10**6), (3, 3)])  # smallint overflow
            again = await sink.write("sink_t", ("id", "v"), [(1, 1), (3, 3)])
            return refused, again
        finally:
            await sink.close()

    refused, again = asyncio.run(run())
    assert [r.index for r in refused] == [1] and "out of range" in refused[0].reason
    assert again == []
    assert _rows(database_url) == [(1, 1), (3, 3)]


def test_a_missing_column_waits_for_the_migration_instead_of_dead_lettering(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE sink_t (id int PRIMARY KEY)")

    async def run() -> list:  # type: ignore[type-arg]
        sink = TimescaleSink(database_url, max_backoff_s=0.5)
        try:
            assert await sink.write("sink_t", ("id",), [(0,)]) == []  # its staging table has the old shape
            write = asyncio.create_task(sink.write("sink_t", ("id", "v"), [(1, 7), (2, 8)]))
            await asyncio.sleep(1.5)
            assert not write.done()  # waiting, not rejecting
            await asyncio.to_thread(_migrate, database_url)
            return await asyncio.wait_for(write, 10)
        finally:
            await sink.close()

    assert asyncio.run(run()) == []
    assert _rows(database_url) == [(0, None), (1, 7), (2, 8)]


def _migrate(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE sink_t ADD COLUMN v smallint")
