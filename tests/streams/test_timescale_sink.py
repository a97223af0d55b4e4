"""The worker's sink against a real PostgreSQL: a row the database refuses is isolated and returned (the
caller dead-letters it), a redelivered batch writes nothing twice, and a schema older than the worker (a
missing column) makes the write wait for the migration instead of dead-lettering every record."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import psycopg

from twspulse.streams.timescale_sink import TimescaleSink


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


def test_binary_copy_round_trips_values_and_sends_misfits_as_text(database_url: str) -> None:
    """Plain-typed tables go in binary COPY; a value the binary format cannot carry exactly (a naive datetime,
    an integer too big for its column) makes that batch go as text, so the server decides as it always did:
    the naive time is read in the session's zone, the too-big integer is refused and isolated, never truncated."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute(
            "CREATE TABLE sink_b (id int PRIMARY KEY, n bigint, x double precision, ok boolean, t timestamptz, s text)"
        )
        conn.execute(f"ALTER DATABASE {conn.info.dbname} SET timezone TO 'UTC'")
    cols = ("id", "n", "x", "ok", "t", "s")
    t = datetime(2026, 11, 25, 12, 30, 15, 123456, tzinfo=UTC)
    good = [(1, 2**40, 0.1, True, t, "é\\tab\t"), (2, None, None, None, None, None)]
    naive = [(3, 7, 1.5, False, datetime(2026, 11, 25, 8, 0), "naive")]
    too_big = [(4, 1, 1.0, True, t, "fits"), (2**40, 1, 1.0, True, t, "id overflows int")]

    async def run() -> tuple[list, list, list, bool]:  # type: ignore[type-arg]
        sink = TimescaleSink(database_url)
        try:
            async with sink.connection() as conn:
                binary = await sink._binary_types(conn, "sink_b", cols) is not None
            return (await sink.write("sink_b", cols, good), await sink.write("sink_b", cols, naive),
                    await sink.write("sink_b", cols, too_big), binary)  # fmt: skip
        finally:
            await sink.close()

    refused_good, refused_naive, refused_big, binary = asyncio.run(run())
    assert binary  # every column type is binary-safe, so this table goes binary
    assert refused_good == [] and refused_naive == []
    assert [r.index for r in refused_big] == [1] and "out of range" in refused_big[0].reason
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT id, n, x, ok, t, s FROM sink_b ORDER BY id").fetchall()
    assert rows == [*good, (3, 7, 1.5, False, datetime(2026, 11, 25, 8, 0, tzinfo=UTC), "naive"), too_big[0]]


def test_tables_with_other_column_types_go_as_text(database_url: str) -> None:
    """json, numeric and arrays are not binary-safe: the whole table goes as text, as before."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE sink_j (id int PRIMARY KEY, doc jsonb, tags text[], amount numeric)")

    async def run() -> tuple[list[int] | None, list]:  # type: ignore[type-arg]
        sink = TimescaleSink(database_url)
        try:
            async with sink.connection() as conn:
                types = await sink._binary_types(conn, "sink_j", ("id", "doc", "tags", "amount"))
            return types, await sink.write("sink_j", ("id", "doc", "tags", "amount"), [(1, '{"a": 1}', ["x"], 2.5)])
        finally:
            await sink.close()

    types, refused = asyncio.run(run())
    assert types is None and refused == []
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT doc, tags, amount::float FROM sink_j").fetchone() == ({"a": 1}, ["x"], 2.5)


def test_a_column_type_changed_by_a_migration_is_looked_up_again(database_url: str) -> None:
    """The binary types are cached per table; after a migration changes a column's type, new connections
    stage the new type, the stale binary COPY is refused, and the batch goes as text instead of to the DLQ."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE sink_m (id int PRIMARY KEY, v int)")

    async def run() -> tuple[list, list]:  # type: ignore[type-arg]
        sink = TimescaleSink(database_url)
        try:
            first = await sink.write("sink_m", ("id", "v"), [(1, 5)])
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute("ALTER TABLE sink_m ALTER COLUMN v TYPE bigint")
            await sink.close()  # new connections, as after a reconnect: their staging tables take the new type
            return first, await sink.write("sink_m", ("id", "v"), [(2, 6), (3, 2**40)])
        finally:
            await sink.close()

    first, second = asyncio.run(run())
    assert first == [] and second == []
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT id, v FROM sink_m ORDER BY id").fetchall() == [(1, 5), (2, 6), (3, 2**40)]
