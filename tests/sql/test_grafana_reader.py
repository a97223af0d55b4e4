"""The read-only role Grafana logs in as (twspulse/sql/020_grafana_reader.sql), on each engine, against a real server.

It reads every table, rollup and variable the dashboards read (their SQL expanded as Grafana sends it, on
the dashboard sample) and can change nothing: no INSERT, UPDATE, DELETE, TRUNCATE or CREATE, even in a
read-write transaction. Its password comes from ``twspulse.secrets_check`` (the migrate service).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import errors, sql

from tests.dashboards.model_sample_data import build_dashboard_sample
from tests.dashboards.panel_queries import expanded_queries
from twspulse.secrets_check import READER_ROLE, main, set_reader_password

PASSWORD = "reader-Pw:@/1"  # characters a URL would choke on


@pytest.fixture
def reader_db(engine_database_url: str, db_engine: str) -> Iterator[tuple[str, str]]:
    """A migrated database with the dashboard sample and the reader's password set: (owner URL, reader URL)."""
    with psycopg.connect(engine_database_url, autocommit=True) as conn:
        conn.execute(build_dashboard_sample(datetime.now(UTC)).sql().encode())
        set_reader_password(conn, PASSWORD)
    yield engine_database_url, psycopg.conninfo.make_conninfo(engine_database_url, user=READER_ROLE, password=PASSWORD)


def _public_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()
    return [r[0] for r in rows]


def _relations_read_by_dashboards(url: str, timescaledb: bool) -> set[str]:
    """Tables and views of schema public that some dashboard query names (by plain word match)."""
    with psycopg.connect(url) as conn:
        names = {
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p')"
            ).fetchall()
        }
    text = " ".join(q.sql for q in expanded_queries(datetime.now(UTC), timescaledb=timescaledb))
    return {n for n in names if f" {n}" in text or f"\n{n}" in text or f"({n}" in text}


def test_the_role_exists_without_login_after_the_migrations(engine_database_url: str) -> None:
    with psycopg.connect(engine_database_url) as conn:
        row = conn.execute(
            "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolconfig FROM pg_roles WHERE rolname = %s",
            (READER_ROLE,),
        ).fetchone()
    assert row is not None, "twspulse/sql/020 did not create the role"
    _, superuser, createrole, createdb, config = row
    assert not (superuser or createrole or createdb)
    assert "default_transaction_read_only=on" in (config or [])


def test_the_password_is_stored_hashed_and_login_is_allowed(reader_db: tuple[str, str]) -> None:
    owner_url, reader_url = reader_db
    with psycopg.connect(owner_url) as conn:
        query = "SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = %s"
        row = conn.execute(query, (READER_ROLE,)).fetchone()
    assert row is not None
    can_login, stored = row
    assert can_login and stored.startswith("SCRAM-SHA-256$") and PASSWORD not in stored
    with psycopg.connect(reader_url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (READER_ROLE,)


def test_the_reader_runs_every_dashboard_query(reader_db: tuple[str, str], db_engine: str) -> None:
    owner_url, reader_url = reader_db
    timescaledb = db_engine == "timescaledb"
    queries = expanded_queries(datetime.now(UTC), timescaledb=timescaledb)
    assert len(queries) >= 30
    failed = {}
    with psycopg.connect(reader_url, autocommit=True) as conn:
        for q in queries:
            try:
                conn.execute(q.sql.encode()).fetchall()
            except psycopg.Error as exc:
                failed[q.name] = f"{type(exc).__name__}: {exc}".splitlines()[0]
    assert failed == {}
    # and the queries do read the rollups and tables, not only the catalogs
    read = _relations_read_by_dashboards(owner_url, timescaledb)
    assert {"job_runs", "host_metrics", "alerts"} <= read, read


def test_the_reader_can_select_every_table_and_view(reader_db: tuple[str, str]) -> None:
    owner_url, reader_url = reader_db
    with psycopg.connect(owner_url) as conn:
        relations = [
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1"
            ).fetchall()
        ]
    assert "job_runtime_daily" in relations  # a rollup: continuous aggregate or view, depending on the engine
    with psycopg.connect(reader_url, autocommit=True) as conn:
        for rel in relations:
            conn.execute(sql.SQL("SELECT * FROM {} LIMIT 1").format(sql.Identifier(rel))).fetchall()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO {} DEFAULT VALUES",
        "UPDATE {} SET time = time",
        "DELETE FROM {}",
        "TRUNCATE {}",
    ],
)
def test_the_reader_cannot_write_any_table(reader_db: tuple[str, str], statement: str) -> None:
    owner_url, reader_url = reader_db
    tables = _public_tables(owner_url)
    assert "job_runs" in tables
    with psycopg.connect(reader_url, autocommit=True) as conn:
        for table in tables:
            stmt = sql.SQL(statement).format(sql.Identifier(table))
            if "time = time" in statement:
                cols = conn.execute(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                    "AND NOT attisdropped ORDER BY attnum LIMIT 1",
                    (table,),
                ).fetchone()
                assert cols is not None
                stmt = sql.SQL("UPDATE {} SET {} = {}").format(
                    sql.Identifier(table), sql.Identifier(cols[0]), sql.Identifier(cols[0])
                )
            # the role's default transaction is read-only ...
            with pytest.raises(errors.ReadOnlySqlTransaction):
                conn.execute(stmt)
            # ... and a read-write one still lacks the privilege
            with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                conn.execute("SET TRANSACTION READ WRITE")
                conn.execute(stmt)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.grafana_was_here (x int)",
        "CREATE VIEW public.grafana_was_here AS SELECT 1 AS x",
        "CREATE SCHEMA grafana_was_here",
        "CREATE FUNCTION public.grafana_was_here() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ],
)
def test_the_reader_cannot_create(reader_db: tuple[str, str], statement: str) -> None:
    _, reader_url = reader_db
    with psycopg.connect(reader_url, autocommit=True) as conn:
        with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
            conn.execute("SET TRANSACTION READ WRITE")
            conn.execute(statement)


def test_tables_of_later_migrations_are_readable_by_default(reader_db: tuple[str, str]) -> None:
    owner_url, reader_url = reader_db
    with psycopg.connect(owner_url, autocommit=True) as conn:  # as a later migration would, as the owner
        conn.execute("CREATE TABLE later_table (x int); INSERT INTO later_table VALUES (7)")
    with psycopg.connect(reader_url) as conn:
        assert conn.execute("SELECT x FROM later_table").fetchall() == [(7,)]


def test_the_migrate_step_sets_the_password_from_the_environment(
    engine_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", engine_database_url)
    assert main(["grafana-reader"], {"GRAFANA_READER_PASSWORD": PASSWORD}) == 0
    with psycopg.connect(engine_database_url) as conn:
        row = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (READER_ROLE,)).fetchone()
    assert row == (True,)
    assert main(["grafana-reader"], {}) == 1  # no password: refused, nothing changed silently
