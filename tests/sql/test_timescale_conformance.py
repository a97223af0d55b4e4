"""The schema on the real TimescaleDB (embedded PostgreSQL 18 + TimescaleDB 2.29 built from source).

tests/sql/timescale_report.py applies every migration as the runner does, loads the sample rows of
tests/sql/sample_data.py, refreshes every continuous aggregate, runs every policy job with CALL run_job,
re-applies every migration over compressed chunks, runs every analyst query, and reports; the assertions
live here. (These checks ran in PGlite, a WASM build of TimescaleDB 2.23 under Node, until the real
engine could be built here.) Skipped when the suite runs on plain PostgreSQL only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import PgServers
from tests.sql.analyst_queries import load_analyst_queries
from tests.sql.expected_schema import (
    HYPERTABLES,
    QUERY_EXPECTATIONS,
    RETENTION,
    ROLLUP_COLUMNS,
    ROLLUP_RETENTION,
)
from tests.sql.sample_data import build_sample, expired_rows_expected
from tests.sql.timescale_report import build_report
from twspulse import db
from twspulse.db_status import db_status

ROLLUPS = set(ROLLUP_COLUMNS)
_COMPRESSED = ("job_runs", "job_logs", "job_log_lines", "job_run_patterns", "host_metrics")


@pytest.fixture(scope="module")
def timescale_url(pg_servers: PgServers) -> Iterator[str]:
    """A fresh migrated database on the TimescaleDB server."""
    if not pg_servers.enabled("timescaledb"):
        pytest.skip("TWSPULSE_LOCAL_DB_ENGINE=postgresql: the suite runs without TimescaleDB")
    url = pg_servers.create_database("timescaledb")
    yield url
    pg_servers.drop_database(url)


@pytest.fixture(scope="module")
def report(timescale_url: str) -> dict[str, Any]:
    """The conformance report of one run (module-scoped: the run takes seconds, the asserts are many)."""
    queries = [(q.name, q.sql) for q in load_analyst_queries()]
    result = build_report(timescale_url, build_sample().sql(), queries)
    print("conformance timings (ms):", {k: round(v) for k, v in result["timings_ms"].items()})
    return result


def test_every_migration_applies_on_timescaledb(report: dict[str, Any]) -> None:
    assert [m["name"] for m in report["migrations"]] == [m.name for m in db.load_migrations()]
    assert [m["error"] for m in report["migrations"] if m["error"]] == []
    assert report["mode"] == "timescaledb"
    assert {"timescaledb", "pg_trgm"} <= {e["extname"] for e in report["extensions"]}
    assert "job_log_lines_line_trgm" in report["indexes"]


def test_hypertables_have_the_chosen_chunk_intervals_and_compression(report: dict[str, Any]) -> None:
    got = {h["name"]: h["chunk_interval"] for h in report["hypertables"]}
    assert got == HYPERTABLES
    assert all(h["compression_enabled"] for h in report["hypertables"])


def test_retention_is_a_timescaledb_policy_for_tables_and_rollups(report: dict[str, Any]) -> None:
    got = {r["relation"]: (r["drop_after"], r["enforced_by"]) for r in report["retention_settings"]}
    expected = {k: (v, "timescaledb_policy") for k, v in {**RETENTION, **ROLLUP_RETENTION}.items()}
    assert got == expected


def test_continuous_aggregates_are_real_time_and_materialize_on_refresh(report: dict[str, Any]) -> None:
    before = {c["name"]: c for c in report["caggs_before_refresh"]}
    after = {c["name"]: c for c in report["caggs"]}
    assert set(after) == ROLLUPS
    assert [r["error"] for r in report["refresh"] if r["error"]] == []
    for name in ROLLUPS:
        assert after[name]["materialized_only"] is False, name
        assert before[name]["materialized_rows"] == 0 and before[name]["rows"] > 0, name  # real-time part
        assert after[name]["materialized_rows"] == after[name]["rows"] > 0, name
        assert after[name]["rows"] == before[name]["rows"], name
    assert after["host_metrics_1m"]["compression_enabled"] is True


def test_continuous_aggregates_agree_with_the_raw_rows(report: dict[str, Any]) -> None:
    for name, c in report["consistency"].items():
        assert "error" not in c, (name, c)
        assert c["rollup"] == pytest.approx(c["raw"], rel=1e-9), name


def test_every_policy_job_runs_without_error(report: dict[str, Any]) -> None:
    jobs = report["jobs"]
    assert [(j["job_id"], j["proc_name"], j["error"]) for j in jobs if j["error"]] == []
    kinds = Counter(j["proc_name"] for j in jobs)
    assert kinds["policy_compression"] == len(HYPERTABLES) + 1  # + host_metrics_1m
    assert kinds["policy_retention"] == len(RETENTION) + len(ROLLUP_RETENTION)
    assert kinds["policy_refresh_continuous_aggregate"] == len(ROLLUPS)
    assert report["jobs_after_reapply"] == len(jobs)  # re-applying added no duplicate policy


def test_compression_policies_compressed_old_chunks(report: dict[str, Any]) -> None:
    before, after = report["chunks_before_jobs"], report["chunks_after_jobs"]
    for table in _COMPRESSED:
        assert before[table]["compressed"] == 0, table
        assert after[table]["compressed"] > 0, table


_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # TimescaleDB aligns a timestamptz chunk to multiples of its interval


def _chunk_end(t: datetime, interval: timedelta) -> datetime:
    return _PG_EPOCH + ((t - _PG_EPOCH) // interval + 1) * interval


@pytest.mark.parametrize("hour, minute", [(0, 0), (0, 5), (12, 0), (23, 50), (23, 55), (23, 59)])
@pytest.mark.parametrize("weekday", range(7))
def test_the_sample_has_a_chunk_old_enough_to_compress_at_any_time(weekday: int, hour: int, minute: int) -> None:
    # The compression test above depends on the clock: CI once ran it at 23:5x, when the 3 days of host samples
    # ended in a day-chunk too young to compress. Every table it checks must hold a row, inside retention, whose
    # chunk ended its compression delay before the anchor, whatever the anchor's time of day or week.
    delays = dict(re.findall(r"twspulse_compress\('(\w+)', '[^']*', '[^']*', '([^']+)'\)", _migration_sql()))
    anchor = datetime(2026, 11, 30, hour, minute, tzinfo=UTC) + timedelta(days=weekday)
    sample = build_sample(anchor)
    for table in _COMPRESSED:
        interval, delay = _days(HYPERTABLES[table]), _days(delays[table])
        columns, rows = sample.tables[table]
        times = [row[columns.index("time")] for row in rows]
        live = [t for t in times if t >= anchor - _days(RETENTION[table])]
        assert any(_chunk_end(t, interval) <= anchor - delay for t in live), (table, anchor)


def _days(text: str) -> timedelta:
    count, unit = text.split()
    assert unit in ("day", "days"), text
    return timedelta(days=int(count))


def _migration_sql() -> str:
    return "\n".join(m.sql for m in db.load_migrations())


def test_retention_policies_dropped_only_the_expired_rows(report: dict[str, Any]) -> None:
    before, after = report["retention_before_jobs"], report["retention_after_jobs"]
    for table in expired_rows_expected():
        assert before[table]["expired"] > 0, table
        assert after[table]["expired"] == 0, table
        assert after[table]["total"] == before[table]["total"] - before[table]["expired"], table
    # The rollups keep their rows longer than the raw tables (host_metrics_1m holds the dropped 45-day-old hours).
    assert {c["name"]: c["materialized_rows"] for c in report["caggs_after_jobs"]} == {
        c["name"]: c["materialized_rows"] for c in report["caggs"]
    }


def test_migrations_reapply_cleanly_over_compressed_data(report: dict[str, Any]) -> None:
    assert [(r["name"], r["error"]) for r in report["reapply"] if r["error"]] == []
    assert len(report["reapply"]) == len(report["migrations"])


def test_every_analyst_query_finds_what_the_sample_holds(report: dict[str, Any]) -> None:
    queries = {q["name"]: q for q in report["queries"]}
    assert set(queries) == set(QUERY_EXPECTATIONS)
    failed = {name: q["error"] for name, q in queries.items() if q["error"] or not q["rows"]}
    assert failed == {}
    for name, check in QUERY_EXPECTATIONS.items():
        check(queries[name]["data"])


def test_db_status_reads_the_timescaledb_catalog(report: dict[str, Any], timescale_url: str) -> None:
    status = db_status(timescale_url)

    assert status.mode == "timescaledb" and status.extension_version == "2.29.2"
    assert status.server_version.startswith("18.")
    assert [m.name for m in status.migrations] == [m["name"] for m in report["migrations"]]
    hypertables = {t.name: t for t in status.tables if t.kind == "hypertable"}
    assert {n: t.chunk_interval for n, t in hypertables.items()} == HYPERTABLES
    assert hypertables["job_runs"].compressed_chunks == report["chunks_after_jobs"]["job_runs"]["compressed"] > 0
    assert status.table("job_error_patterns").kind == "table"
    assert {r.name: (r.kind, r.materialized_only) for r in status.rollups} == dict.fromkeys(
        ROLLUPS, ("continuous aggregate", False)
    )
    kinds = Counter(p.kind for p in status.policies)
    assert kinds["compression"] == len(HYPERTABLES) + 1 and kinds["refresh"] == len(ROLLUPS)
    retention = {p.relation: p.settings for p in status.policies if p.kind == "retention"}
    assert retention["host_metrics"] == "drop_after=30 days"
    assert not [p for p in status.policies if p.total_failures], "a policy job failed"
    text = status.render()
    assert "mode: timescaledb" in text and "TimescaleDB 2.29.2 on PostgreSQL 18" in text
    assert "(real-time)" in text and "compress_after=14 days" in text
