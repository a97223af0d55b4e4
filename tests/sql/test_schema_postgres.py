"""The schema of issue 4 on both engines: TimescaleDB 2.29 and plain PostgreSQL 18 (same embedded binaries).

Migrations, the plain-PostgreSQL fallbacks (views for the rollups, retention recorded for the model jobs),
the sample rows, every analyst query, ``db_status`` and idempotency, each test once per engine (the
mode-dependent expectations follow the mode). TimescaleDB's own objects (chunks, compression, policies,
continuous aggregates) are checked further in test_timescale_conformance.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.conftest import ENGINES, PgServers
from tests.sql.analyst_queries import AnalystQuery, load_analyst_queries
from tests.sql.expected_schema import (
    ENRICHMENT_COLUMNS,
    NEW_TABLE_COLUMNS,
    PRIMARY_KEYS,
    QUERY_EXPECTATIONS,
    RETENTION,
    ROLLUP_COLUMNS,
)
from tests.sql.sample_data import SampleData, build_sample
from twspulse import db
from twspulse.db_status import db_status

QUERIES = load_analyst_queries()


@pytest.fixture(scope="module", params=ENGINES)
def loaded(request: pytest.FixtureRequest, pg_servers: PgServers) -> Iterator[tuple[str, SampleData]]:
    """One migrated database per engine holding the sample rows, shared by the read-only tests of this module."""
    if not pg_servers.enabled(request.param):
        pytest.skip("TWSPULSE_LOCAL_DB_ENGINE=postgresql: the suite runs without TimescaleDB")
    url = pg_servers.create_database(request.param)
    sample = build_sample()
    with psycopg.connect(url) as conn:
        conn.execute(sample.sql().encode())
    yield url, sample
    pg_servers.drop_database(url)


def _rows(url: str, query: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(query, params or None).fetchall()


def _table_counts(url: str, tables: list[str]) -> dict[str, int]:
    return {t: _rows(url, f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in tables}


def test_every_migration_is_applied_in_order(engine_database_url: str) -> None:
    applied = _rows(engine_database_url, "SELECT version, name FROM schema_migrations ORDER BY version")
    expected = [(m.version, m.name) for m in db.load_migrations()]
    assert [(r["version"], r["name"]) for r in applied] == expected
    assert {"006_job_run_enrichment", "010_continuous_aggregates"} <= {r["name"] for r in applied}


def test_new_tables_and_enrichment_columns_have_the_agreed_types(engine_database_url: str) -> None:
    columns = _rows(
        engine_database_url,
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'",
    )
    by_table: dict[str, dict[str, str]] = {}
    for c in columns:
        by_table.setdefault(c["table_name"], {})[c["column_name"]] = c["data_type"]
    for table, expected in NEW_TABLE_COLUMNS.items():
        assert by_table.get(table) == expected, table
    assert {k: by_table["job_runs"].get(k) for k in ENRICHMENT_COLUMNS} == ENRICHMENT_COLUMNS
    for table, key in PRIMARY_KEYS.items():
        pk = _rows(
            engine_database_url,
            """SELECT a.attname FROM pg_index i
                 JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY k.pos""",
            (table,),
        )
        assert [r["attname"] for r in pk] == key, table


def test_rollups_have_the_same_columns_as_the_continuous_aggregates(engine_database_url: str) -> None:
    mode = db.engine_mode(engine_database_url)
    for rollup, expected in ROLLUP_COLUMNS.items():
        cols = _rows(
            engine_database_url,
            """SELECT column_name, data_type FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position""",
            (rollup,),
        )
        assert [(c["column_name"], c["data_type"]) for c in cols] == expected, rollup
        (kind,) = _rows(engine_database_url, "SELECT relkind FROM pg_class WHERE oid = %s::regclass", (rollup,))
        assert kind["relkind"] == "v", f"{rollup}: a plain view (a continuous aggregate is a view too)"
    if mode == "postgresql":
        assert not _rows(engine_database_url, "SELECT 1 FROM pg_matviews WHERE schemaname = 'public'")


def test_rollup_buckets_are_utc_whatever_the_session_time_zone(loaded: tuple[str, SampleData]) -> None:
    """The plain views bucket with date_bin at time_bucket's origin: UTC days and hours, as TimescaleDB does."""
    url, _ = loaded
    with psycopg.connect(url) as conn:
        conn.execute("SET TIME ZONE 'America/New_York'")
        (off_day,) = conn.execute(
            "SELECT count(*) FROM job_runtime_daily WHERE bucket <> date_trunc('day', bucket, 'UTC')"
        ).fetchone() or (None,)
        (off_hour,) = conn.execute(
            "SELECT count(*) FROM host_metrics_1h WHERE bucket <> date_trunc('hour', bucket, 'UTC')"
        ).fetchone() or (None,)
        (days,) = conn.execute("SELECT count(DISTINCT bucket) FROM job_runtime_daily").fetchone() or (0,)
    assert off_day == 0 and off_hour == 0
    assert days >= 56


def test_rollups_agree_with_the_raw_rows(loaded: tuple[str, SampleData]) -> None:
    url, sample = loaded
    (r,) = _rows(
        url,
        """SELECT (SELECT sum(runs) FROM job_runs_hourly) AS hourly_runs,
                  (SELECT count(*) FROM job_runs) AS raw_runs,
                  (SELECT sum(samples) FROM host_metrics_1h) AS hourly_samples,
                  (SELECT sum(samples) FROM host_metrics_1m) AS minute_samples,
                  (SELECT sum(avg_value * samples) / sum(samples) FROM host_metrics_1h
                    WHERE metric = 'cpu.percent') AS hourly_cpu_avg,
                  (SELECT avg(value) FROM host_metrics WHERE metric = 'cpu.percent') AS raw_cpu_avg,
                  (SELECT p50_duration_s FROM job_runtime_daily
                    WHERE job_name = 'LOAD_FACTS' ORDER BY bucket DESC LIMIT 1 OFFSET 1) AS p50,
                  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_s) FROM job_runs
                    WHERE job_name = 'LOAD_FACTS' AND category = 'succeeded'
                      AND date_trunc('day', time, 'UTC') = (SELECT bucket FROM job_runtime_daily
                        WHERE job_name = 'LOAD_FACTS' ORDER BY bucket DESC LIMIT 1 OFFSET 1)) AS raw_p50""",
    )
    assert r["hourly_runs"] == r["raw_runs"] == sample.counts()["job_runs"]
    assert r["hourly_samples"] == r["minute_samples"] == sample.counts()["host_metrics"]
    assert r["hourly_cpu_avg"] == pytest.approx(r["raw_cpu_avg"], rel=1e-12)
    assert r["p50"] is not None and r["p50"] == pytest.approx(r["raw_p50"])


def test_joblog_grep_uses_the_trigram_index(loaded: tuple[str, SampleData]) -> None:
    url, _ = loaded
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone()
        conn.execute("SET enable_seqscan = off")  # the sample is small enough for a scan to win otherwise
        plan = "\n".join(
            r[0] for r in conn.execute("EXPLAIN SELECT * FROM job_log_lines WHERE line ILIKE '%tablespace%'")
        )
    assert "job_log_lines_line_trgm" in plan, plan


def test_plain_postgresql_records_retention_for_the_model_jobs(engine_database_url: str) -> None:
    rows = _rows(
        engine_database_url, "SELECT relation, drop_after::text AS drop_after, enforced_by FROM retention_settings"
    )
    got = {r["relation"]: r["drop_after"] for r in rows}
    if db.engine_mode(engine_database_url) == "postgresql":
        assert got == RETENTION
        assert {r["enforced_by"] for r in rows} == {"model_jobs"}
    else:
        assert RETENTION.items() <= got.items()
        assert {r["enforced_by"] for r in rows} == {"timescaledb_policy"}


def test_sample_rows_land_in_every_table(loaded: tuple[str, SampleData]) -> None:
    url, sample = loaded
    assert _table_counts(url, list(sample.counts())) == sample.counts()
    assert all(n > 0 for n in sample.counts().values())


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_analyst_query_finds_what_the_sample_holds(loaded: tuple[str, SampleData], query: AnalystQuery) -> None:
    url, _ = loaded
    rows = _rows(url, query.sql)
    assert rows, f"{query.name} returned no rows"
    QUERY_EXPECTATIONS[query.name](rows)


def test_every_analyst_query_is_named_described_and_checked() -> None:
    assert len(QUERIES) >= 6
    assert all(q.description and q.sql.lstrip().upper().startswith(("SELECT", "WITH")) for q in QUERIES)
    assert {q.name for q in QUERIES} == set(QUERY_EXPECTATIONS)


def test_migrations_are_idempotent_with_data_present(engine_database_url: str) -> None:
    sample = build_sample()
    with psycopg.connect(engine_database_url) as conn:
        conn.execute(sample.sql().encode())
    before = _table_counts(engine_database_url, [*sample.counts(), "retention_settings"])
    views_before = _rows(engine_database_url, "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public'")
    with psycopg.connect(engine_database_url, autocommit=True) as conn:
        for mig in db.load_migrations():
            with conn.transaction():
                conn.execute(mig.sql.encode())
    assert db.migrate(engine_database_url) == []
    assert _table_counts(engine_database_url, [*sample.counts(), "retention_settings"]) == before
    views_after = _rows(engine_database_url, "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public'")
    assert sorted(views_after, key=str) == sorted(views_before, key=str)


def test_db_status_describes_a_plain_postgresql_database(loaded: tuple[str, SampleData]) -> None:
    url, sample = loaded
    status = db_status(url)
    assert status.mode == db.engine_mode(url)
    assert status.server_version and status.server_version[0].isdigit()
    assert [m.name for m in status.migrations] == [m.name for m in db.load_migrations()]
    for table, n in sample.counts().items():
        assert status.table(table).rows == n, table
    assert {"job_runs_hourly", "job_runtime_daily", "host_metrics_1m", "host_metrics_1h"} <= {
        r.name for r in status.rollups
    }
    text = status.render()
    assert f"mode: {status.mode}" in text and "job_runtime_daily" in text
    if status.mode == "postgresql":
        assert status.extension_version is None
        assert {t.kind for t in status.tables} == {"table"}
        assert {r.kind for r in status.rollups} == {"view"}
        assert {p.relation: p.job_id for p in status.policies} == dict.fromkeys(RETENTION)
        assert "model jobs enforce" in text and "older than 30 days" in text
    else:
        assert status.extension_version and f"TimescaleDB {status.extension_version} on PostgreSQL" in text
        assert status.table("job_runs").kind == "hypertable" and status.table("job_error_patterns").kind == "table"
        assert {r.kind for r in status.rollups} == {"continuous aggregate"}


def test_db_status_estimates_counts_from_statistics(loaded: tuple[str, SampleData]) -> None:
    url, sample = loaded
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE host_metrics")
    status = db_status(url, exact_counts=False)
    estimate = status.table("host_metrics")
    assert not estimate.rows_exact
    assert estimate.rows == pytest.approx(sample.counts()["host_metrics"], rel=0.05)
    assert estimate.rows > 0


def test_db_status_of_an_empty_database_says_nothing_is_applied(engine_admin_url: str) -> None:
    name = f"t_empty_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(engine_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        status = db_status(psycopg.conninfo.make_conninfo(engine_admin_url, dbname=name))
        assert status.migrations == [] and status.tables == [] and status.policies == []
        assert "none applied" in status.render()
    finally:
        with psycopg.connect(engine_admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
